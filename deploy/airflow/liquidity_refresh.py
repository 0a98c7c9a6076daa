"""The liquidity suite's scheduled refresh as an Airflow DAG: the data update on one worker, an Airflow task for each
task the runner plans, spread over many, one publish at the end, so a distributed refresh publishes one run.

    data_update ─► select_notes ─► scorecard tasks ─► providers_done ─► notes quoting the scorecard ─► publish
                              └─────────────────────────────────────► every other note ─────────┘

The tasks are the runner's plan, read from `liquidity run --all --params-set all --lang en,zh --list-tasks` (the
command's JSON, so the DAG follows whatever the runner plans: one task per notebook and set, rendering every language).
Parsing this file runs that command, which reads the notebooks' parameter sets; it never updates data or starts a
kernel. The staged-run protocol underneath is the CLI's, usable from any scheduler:

    liquidity data update --run-id new --out DIR      # last line of stdout: the run id (this task's XCom)
    liquidity run NB --params-set S --lang L --run-id ID --stage --out DIR
    liquidity publish ID --all --params-set all --lang en,zh --out DIR

Install: in the Airflow environment, `pip install -e "<repository>[airflow]"`, then link this file into the DAGs
folder. Every worker needs the same output location (LIQUIDITY_OUTPUTS: a shared folder, or an fsspec URL such as
s3://bucket/prefix that every task uploads to) and the same data: the cache the data update wrote (LIQUIDITY_CACHE
on a shared folder) or a copy of it; a task whose data differ refuses to run.

Configuration (environment of the scheduler and the workers):
    LIQUIDITY_HOME            the repository (default: two folders above this file)
    LIQUIDITY_CLI             the `liquidity` command (default: the one beside this Python)
    LIQUIDITY_OUTPUTS         the shared output folder or fsspec URL (default: <home>/outputs)
    LIQUIDITY_DAG_SCHEDULE    cron (default weekdays 23:30 UTC, after the H.4.1 and the DTS are out); "none": only
                              runs triggered by hand or by the API
    LIQUIDITY_DAG_RETRIES     retries of a task (default 1), LIQUIDITY_DAG_RETRY_DELAY_MIN (default 5)
    LIQUIDITY_DAG_TIMEOUT_MIN execution timeout of a notebook task (default 30; the data update gets twice that)
    LIQUIDITY_DAG_POOL        the pool the notebook tasks run in (default default_pool)
    LIQUIDITY_DAG_LANGS       languages of the notes (default en,zh)
    LIQUIDITY_DAG_FORMATS     formats (default ipynb,html,pdf)
Run-time params (trigger with a config): `notebooks` and `sets`, lists that restrict a run (empty: everything);
select_notes (a branch) skips the tasks left out without running them, and the publish step plans the same
selection.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator
from airflow.sdk import DAG, Param

HOME = Path(os.environ.get("LIQUIDITY_HOME") or Path(__file__).resolve().parents[2])
CLI = os.environ.get("LIQUIDITY_CLI") or str(Path(sys.executable).with_name("liquidity"))
OUT = os.environ.get("LIQUIDITY_OUTPUTS") or str(HOME / "outputs")
LANGS = os.environ.get("LIQUIDITY_DAG_LANGS", "en,zh")
FORMATS = os.environ.get("LIQUIDITY_DAG_FORMATS", "ipynb,html,pdf")
TIMEOUT = timedelta(minutes=int(os.environ.get("LIQUIDITY_DAG_TIMEOUT_MIN", "30")))
DEFAULTS = {"retries": int(os.environ.get("LIQUIDITY_DAG_RETRIES", "1")),
            "retry_delay": timedelta(minutes=float(os.environ.get("LIQUIDITY_DAG_RETRY_DELAY_MIN", "5"))),
            "execution_timeout": TIMEOUT, "pool": os.environ.get("LIQUIDITY_DAG_POOL", "default_pool")}
SCHEDULE = os.environ.get("LIQUIDITY_DAG_SCHEDULE", "30 23 * * 1-5")
RUN_ID = "{{ ti.xcom_pull(task_ids='data_update') }}"


def planned_tasks() -> list[dict]:
    """The runner's plan of every notebook and parameter set, from the command line (no data read, no kernel)."""
    cmd = [CLI, "run", "--all", "--params-set", "all", "--lang", LANGS, "--formats", FORMATS, "--list-tasks"]
    proc = subprocess.run(cmd, cwd=str(HOME), env={**os.environ, "LIQUIDITY_ROOT": str(HOME)}, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:        # an import error Airflow shows on the DAG, with the command's own message
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def selected(tasks: list[dict], params: dict) -> list[str]:
    """The task ids a run's params choose (`notebooks`, `sets`; empty: all). The branch skips the others in the
    scheduler, so a run of three notes does not start a worker for each of the fifty it leaves out."""
    return [t["task_id"] for t in tasks if (not params.get("notebooks") or t["notebook"] in params["notebooks"])
            and (not params.get("sets") or t["paramset"] in params["sets"])]


def _command(args: list[str]) -> str:
    return " ".join(shlex.quote(a) if a != RUN_ID else a for a in args)


with DAG(
    dag_id="liquidity_refresh",
    description="US dollar liquidity notes: data update, every notebook and set, one published run",
    schedule=None if SCHEDULE.lower() == "none" else SCHEDULE,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULTS,
    params={"notebooks": Param([], type="array", description="only these notebooks (empty: all)"),
            "sets": Param([], type="array", description="only these parameter sets (empty: all)")},
    tags=["liquidity"],
) as dag:
    env = {"LIQUIDITY_ROOT": str(HOME), "LIQUIDITY_OUTPUTS": OUT}
    update = BashOperator(task_id="data_update", cwd=str(HOME), env=env, append_env=True,
                          execution_timeout=TIMEOUT * 2, pool="default_pool",
                          bash_command=_command([CLI, "data", "update", "--quiet", "--run-id", "new", "--out", OUT]))
    selection = ("{{ params.notebooks | join(' ') if params.notebooks else '--all' }} --params-set "
                 "{{ params.sets | join(',') if params.sets else 'all' }}")
    publish = BashOperator(task_id="publish", cwd=str(HOME), env=env, append_env=True, trigger_rule="all_done",
                           pool="default_pool", retries=0,
                           bash_command=f"{_command([CLI, 'publish'])} {RUN_ID} {selection} "
                                        f"{_command(['--lang', LANGS, '--out', OUT])}")
    # the notes that quote the scorecard wait for it, whatever became of it (ran, failed or skipped by the params):
    # with a failed scorecard they quote the last published one, as on one machine
    providers_done = EmptyOperator(task_id="providers_done", trigger_rule="all_done", pool="default_pool")
    operators = {}
    tasks = planned_tasks()
    choose = BranchPythonOperator(task_id="select_notes", pool="default_pool",
                                  python_callable=lambda params, **_: selected(tasks, params))
    update >> choose
    for t in tasks:
        args = [a.replace("{run_id}", RUN_ID) for a in t["stage_command"]]
        operators[t["task_id"]] = BashOperator(
            task_id=t["task_id"], cwd=str(HOME), env=env, append_env=True,
            bash_command=_command([CLI, *args[1:], "--out", OUT, "--jobs", "1"]))
    for t in tasks:
        op = operators[t["task_id"]]
        choose >> op
        if t["upstream"]:
            providers_done >> op
        if any(t["task_id"] in u["upstream"] for u in tasks):
            op >> providers_done
        op >> publish

"""The DAG on a real executor (issue 30): Airflow 3's scheduler with the LocalExecutor (parallelism 2) on a private
PostgreSQL cluster, with the api-server and the dag-processor beside it, as a team runs it. One DAG run for three
notes in two parameter sets: the notebook tasks run in parallel worker processes, one notebook task is killed with
SIGKILL mid-run and retried, and the run is published exactly once.

Long (3.5 to 9 minutes on 2 shared cores): `make test-long` and CI's `make test-executor` run it;
`pytest --long tests/test_airflow_executor.py` alone. The DAG plans the languages of LIQUIDITY_DAG_LANGS (its
default, en,zh, unless set). Needs .venv-airflow (`make airflow-env`) and PostgreSQL (installed from Debian's
packages when missing, tools/postgres.sh)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liquidity.publish import gate, runner

from airflow_cluster import Airflow, Postgres, cmdline, descendants

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("LIQUIDITY_AIRFLOW_VENV", ROOT / ".venv-airflow"))
FROZEN_TODAY = "2026-11-22"
# three notes in two sets: monitor has both sets, claims_check only `default`
CONF = {"notebooks": ["monitor", "claims_check"], "sets": ["as_of_2025_11_17", "default"]}
NOTES = {"monitor/as_of_2025_11_17", "monitor/default", "claims_check/default"}
VICTIM = "monitor__as_of_2025_11_17"            # the task killed mid-run (task ids start with it, any language)
LANGS = os.environ.get("LIQUIDITY_DAG_LANGS", "en,zh")     # the DAG's languages (its default unless set)

pytestmark = [pytest.mark.airflow, pytest.mark.notebook, pytest.mark.long, pytest.mark.executor]

if not (VENV / "bin" / "airflow").exists():
    pytest.skip(f"no Airflow environment at {VENV}: `make airflow-env` builds it", allow_module_level=True)


def planned(langs: str = LANGS) -> list[dict]:
    """The runner's tasks for CONF, as the DAG plans them (`--list-tasks`): whatever the language split is."""
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "--all", "--params-set", "all", "--lang", langs,
                           "--formats", "ipynb,html", "--list-tasks"], capture_output=True, text=True, check=True,
                          cwd=ROOT, env={**os.environ, "LIQUIDITY_ROOT": str(ROOT)}, stdin=subprocess.DEVNULL)
    return [t for t in json.loads(proc.stdout)
            if t["notebook"] in CONF["notebooks"] and t["paramset"] in CONF["sets"]]


def deployment(tmp_path: Path, mirror, parallelism: int, retries: int = 1) -> dict:
    """The liquidity settings of the scheduler and its workers: the mirror, a cache and outputs of this test."""
    return {"LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "cache"),
            "LIQUIDITY_OUTPUTS": str(tmp_path / "outputs"), "LIQUIDITY_TODAY": FROZEN_TODAY,
            "LIQUIDITY_DAG_FORMATS": "ipynb,html", "LIQUIDITY_DAG_LANGS": LANGS, "LIQUIDITY_DAG_RETRIES": str(retries),
            "LIQUIDITY_DAG_RETRY_DELAY_MIN": "0.05", "LIQUIDITY_HTTP_BACKOFF": "0.01"}


@pytest.fixture
def cluster(tmp_path, mirror):
    pg = Postgres().start()
    airflow = Airflow(VENV, tmp_path / "airflow", pg, parallelism=2, extra_env=deployment(tmp_path, mirror, 2))
    try:
        yield airflow.start()
    finally:
        airflow.stop()
        pg.stop()


def kill_mid_run(airflow: Airflow, run_id: str, task_prefix: str, deadline: float = 600) -> dict:
    """SIGKILL a notebook task once its kernel is executing: the task's process and everything under it (the
    `liquidity` command, its worker, the kernel), as when a machine's OOM killer or an operator ends it. The
    supervising worker process lives on and reports the death. Returns what was killed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        rows = [r for r in airflow.tries(run_id) if r["task_id"].startswith(task_prefix) and r["state"] == "running"
                and r["pid"]]
        for row in rows:
            tree = descendants(row["pid"])
            if any("ipykernel" in cmdline(p) for p in tree[1:]):
                time.sleep(2)                     # well into the notebook
                tree = descendants(row["pid"])
                for p in tree:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return {"task_id": row["task_id"], "try_number": row["try_number"], "pid": row["pid"],
                        "processes": len(tree), "at": time.time()}
        time.sleep(0.3)
    raise TimeoutError(f"no running {task_prefix} task with a kernel within {deadline}s:\n{airflow.logs()}")


def test_local_executor_runs_notes_in_parallel_retries_a_killed_task_and_publishes_once(cluster, tmp_path):
    expected = planned()
    assert {f"{t['notebook']}/{t['paramset']}" for t in expected} == NOTES
    run_id = "executor_test"
    started = time.monotonic()
    cluster.trigger(CONF, run_id)
    killed = kill_mid_run(cluster, run_id, VICTIM)
    final = cluster.wait_for_run(run_id)
    wall = time.monotonic() - started
    tries = cluster.tries(run_id)
    by_task: dict[str, list[dict]] = {}
    for t in tries:
        by_task.setdefault(t["task_id"], []).append(t)
    failed = {t["task_id"] for t in tries if t["state"] == "failed"} - {killed["task_id"]}
    assert final["state"] == "success", (tries, cluster.task_logs(run_id, failed) or cluster.logs())

    # every planned task ran; those the params leave out were skipped
    notebook_ids = {t["task_id"] for t in expected}
    for task_id in notebook_ids | {"data_update", "publish"}:
        assert any(t["state"] == "success" for t in by_task[task_id]), (task_id, by_task.get(task_id))
    skipped = {t["task_id"] for t in tries if t["state"] == "skipped"}
    assert skipped and not skipped & notebook_ids
    # the branch skipped the others in the scheduler: no worker ran them
    assert all(t["pid"] is None and t["try_number"] <= 1 for t in tries if t["task_id"] in skipped)

    # the killed task: its first try failed (killed), the second succeeded, in another process
    victim = sorted(by_task[killed["task_id"]], key=lambda t: t["try_number"])
    assert [t["try_number"] for t in victim] == [1, 2] and killed["try_number"] == 1, victim
    assert victim[0]["state"] in ("failed", "up_for_retry") and victim[1]["state"] == "success", victim
    assert victim[0]["pid"] == killed["pid"] != victim[1]["pid"]
    assert victim[1]["started"] >= killed["at"] - 1

    # parallel: two notebook task tries overlapped in time, in different processes
    runs = [t for t in tries if t["task_id"] in notebook_ids and t["started"] and t["ended"]]
    for t in runs:      # the killed try ended when it was killed; the scheduler records its end a little later
        if t["task_id"] == killed["task_id"] and t["try_number"] == killed["try_number"]:
            t["ended"] = min(t["ended"], killed["at"])
    overlaps = [(a, b) for i, a in enumerate(runs) for b in runs[i + 1:]
                if a["started"] < b["ended"] and b["started"] < a["ended"]]
    assert overlaps, runs
    assert all(a["pid"] != b["pid"] for a, b in overlaps)
    assert len({t["pid"] for t in runs}) == len(runs)            # every try in a process of its own
    # ...and never more than two at once (parallelism 2)
    edges = sorted([(t["started"], 1) for t in runs] + [(t["ended"], -1) for t in runs])
    level = peak = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    assert peak == 2

    # published exactly once: one run folder, latest on it, nothing staged left, the manifest lists every note
    assert [t["try_number"] for t in by_task["publish"]] == [1]
    out = tmp_path / "outputs"
    published = [p for p in out.iterdir() if runner.RUN_ID_RE.match(p.name)]
    assert len(published) == 1 and (out / "latest").resolve() == published[0]
    assert not list(out.glob(".incomplete-*"))
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert len(manifest["notebooks"]) == sum(len(t["langs"]) for t in expected)     # a record per note and language
    assert {f"{t['notebook']}/{t['paramset']}" for t in manifest["notebooks"]} == NOTES
    assert {t["status"] for t in manifest["notebooks"]} == {"ok"}
    for t in manifest["notebooks"]:
        for name, digest in t["files"].items():
            assert gate.sha256_file(published[0] / t["notebook"] / name) == digest
    listed = {f"{t['notebook']}/{name}" for t in manifest["notebooks"] for name in t["files"]}
    on_disk = {p.relative_to(published[0]).as_posix() for p in published[0].rglob("*") if p.is_file()}
    unlisted = sorted(on_disk - listed - {"manifest.json"})
    print(f"\nfiles in the published run that its manifest does not list: {unlisted}")
    assert not {f for f in on_disk - listed - {"manifest.json"} if not Path(f).name.startswith(".")}
    print(f"\nLocalExecutor run: {wall:.0f} s wall, {len(runs)} notebook tries, killed {killed}")

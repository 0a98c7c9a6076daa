"""The Airflow DAG (issue 20), tested with Airflow itself in its own environment (.venv-airflow, `make airflow-env`):
the DagBag loads it without import errors, its tasks and dependencies are the runner's plan, and `airflow dags test`
runs the data update, two notebook tasks and the publish into one published run."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from liquidity.publish import runner

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("LIQUIDITY_AIRFLOW_VENV", ROOT / ".venv-airflow"))
DAG_FOLDER = ROOT / "deploy" / "airflow"
EXTRA = {"data_update", "select_notes", "providers_done", "publish"}

pytestmark = [pytest.mark.airflow, pytest.mark.notebook]

if not (VENV / "bin" / "airflow").exists():
    pytest.skip(f"no Airflow environment at {VENV}: `make airflow-env` builds it (make test does)",
                allow_module_level=True)

DAGBAG = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=%r)
dag = bag.dags.get("liquidity_refresh")
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "tasks": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks} if dag else {},
                  "pools": sorted({t.pool for t in dag.tasks}) if dag else [],
                  "retries": sorted({t.retries for t in dag.tasks}) if dag else []}))
"""


def _airflow_env(tmp: Path, mirror, langs: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIQUIDITY_", "PYTEST"))}
    env.update({"AIRFLOW_HOME": str(tmp / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FOLDER), "LIQUIDITY_MIRROR": str(mirror),
                "LIQUIDITY_CACHE": str(tmp / "cache"), "LIQUIDITY_OUTPUTS": str(tmp / "outputs"),
                "LIQUIDITY_TODAY": "2026-11-22", "LIQUIDITY_DAG_LANGS": langs,
                "LIQUIDITY_DAG_FORMATS": "ipynb,html", "LIQUIDITY_DAG_RETRIES": "0",
                # the shared example claims file of claims_check's shared_example set lies outside the project
                "LIQUIDITY_ALLOW_DIR": os.environ.get("LIQUIDITY_ALLOW_DIR", "")})
    return env


def _run(cmd, env, timeout=600):
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def test_the_dag_loads_and_its_tasks_are_the_runners_plan(tmp_path, mirror):
    env = _airflow_env(tmp_path, mirror, "en,zh")
    out = _run([str(VENV / "bin" / "python"), "-c", DAGBAG % str(DAG_FOLDER)], env).stdout
    bag = json.loads(out.strip().splitlines()[-1])
    assert bag["errors"] == {}
    listed = json.loads(runner.list_tasks_json(runner.plan(all_notebooks=True, params_set="all",
                                                           langs=["en", "zh"]), ["ipynb", "html"]))
    assert set(bag["tasks"]) == {t["task_id"] for t in listed} | EXTRA
    assert len(bag["tasks"]) == len(listed) + len(EXTRA)
    for t in listed:
        upstream = set(bag["tasks"][t["task_id"]])
        assert upstream == {"select_notes"} | ({"providers_done"} if t["upstream"] else set()), t["task_id"]
    providers = {t["task_id"] for t in listed if any(t["task_id"] in u["upstream"] for u in listed)}
    assert providers and set(bag["tasks"]["providers_done"]) == providers          # the scorecard, every language
    assert set(bag["tasks"]["publish"]) == {t["task_id"] for t in listed}
    assert bag["tasks"]["data_update"] == [] and bag["tasks"]["select_notes"] == ["data_update"]
    assert bag["retries"] == [0]
    # parsing ran no data update and started no kernel: the cache and the outputs were never created
    assert not (tmp_path / "cache").exists() and not (tmp_path / "outputs").exists()


@pytest.mark.long     # `make test-executor` (CI) runs the DAG on the LocalExecutor; this one-process run is in --long
def test_airflow_dags_test_runs_update_two_notes_and_publishes_one_run(tmp_path, mirror):
    env = _airflow_env(tmp_path, mirror, "en")
    airflow = str(VENV / "bin" / "airflow")
    _run([airflow, "db", "migrate"], env)
    _run([airflow, "dags", "reserialize"], env)
    conf = {"notebooks": ["monitor", "claims_check"], "sets": ["as_of_2025_11_17", "shared_example"]}
    proc = _run([airflow, "dags", "test", "liquidity_refresh", "-c", json.dumps(conf)], env, timeout=900)
    assert "state=success" in proc.stdout + proc.stderr
    out = tmp_path / "outputs"
    runs = [p for p in out.iterdir() if runner.RUN_ID_RE.match(p.name)]
    assert len(runs) == 1 and (out / "latest").resolve() == runs[0]
    assert not list(out.glob(".incomplete-*"))
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert [(t["key"], t["status"]) for t in manifest["notebooks"]] == [
        ("monitor/as_of_2025_11_17", "ok"), ("claims_check/shared_example", "ok")]
    assert manifest["data_update"]["WALCL"] == "updated" and manifest["series"]["WALCL"]["last_observation"]
    assert (out / "latest" / "monitor" / "as_of_2025_11_17.html").is_file()

"""Staged runs (issue 20), without Airflow: one run built by several processes and published once; a worker with
other data is refused; a planned task that never arrived is recorded as failed."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from liquidity.publish import runner
from liquidity.core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.notebook


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "liquidity", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.fixture
def opened(tmp_path, mirror):
    """A staged run opened by the data-update step, on a fresh cache from the mirror."""
    env = {**os.environ, "LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "cache"),
           "LIQUIDITY_OUTPUTS": str(tmp_path / "out")}
    proc = _cli("data", "update", "--quiet", "--run-id", "new", env=env)
    assert proc.returncode == 0, proc.stderr
    run_id = proc.stdout.strip().splitlines()[-1]
    assert runner.RUN_ID_RE.match(run_id)
    return env, run_id, tmp_path / "out"


def _stage(env, run_id, notebook, paramset):
    return subprocess.Popen([sys.executable, "-m", "liquidity", "run", notebook, "--params-set", paramset,
                             "--formats", "ipynb,html", "--run-id", run_id, "--stage", "--quiet", "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def test_two_processes_stage_one_run_and_publish_publishes_it_once(opened):
    env, run_id, out = opened
    workers = [_stage(env, run_id, "monitor", "as_of_2025_11_17"), _stage(env, run_id, "claims_check", "default")]
    for w in workers:
        stdout, stderr = w.communicate(timeout=600)
        assert w.returncode == 0, stdout + stderr
    assert not (out / "latest").exists() and not (out / run_id).exists()     # staged, not published
    proc = _cli("publish", run_id, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "latest").resolve() == out / run_id
    manifest = json.loads((out / run_id / "manifest.json").read_text())
    assert manifest["run_id"] == run_id
    assert sorted((t["key"], t["status"]) for t in manifest["notebooks"]) == [
        ("claims_check/default", "ok"), ("monitor/as_of_2025_11_17", "ok")]
    assert manifest["data_update"]["WALCL"] == "updated" and manifest["series"]["WALCL"]["last_observation"]
    assert not (out / run_id / "stage.json").exists() and not (out / run_id / ".tasks").exists()
    for t in manifest["notebooks"]:
        for name in t["files"]:
            assert (out / run_id / t["notebook"] / name).is_file()
    again = _cli("publish", run_id, env=env)                            # published already: a clear refusal
    assert again.returncode == 2 and "already published" in again.stderr


def test_a_worker_whose_data_differ_from_the_snapshot_is_refused(opened, tmp_path):
    env, run_id, out = opened
    other = {**env, "LIQUIDITY_CACHE": str(tmp_path / "older-cache")}
    assert _cli("data", "update", "--quiet", "--series", "WALCL", "WRESBAL", env=other).returncode == 0
    proc = _cli("run", "monitor", "--params-set", "as_of_2025_11_17", "--run-id", run_id, "--stage", "--quiet",
                env=other)
    assert proc.returncode == 2
    assert "are not the snapshot run" in proc.stderr and "LIQUIDITY_CACHE" in proc.stderr
    assert not list((out / f".incomplete-{run_id}").glob("monitor/*"))           # nothing ran


def test_publish_records_a_planned_task_that_never_arrived_and_exits_1(opened):
    env, run_id, out = opened
    w = _stage(env, run_id, "monitor", "as_of_2025_11_17")
    stdout, stderr = w.communicate(timeout=600)
    assert w.returncode == 0, stdout + stderr
    proc = _cli("publish", run_id, "monitor", "--params-set", "as_of_2025_11_17,sept_2019", "--publish-partial",
                env=env)
    assert proc.returncode == 1 and "published as latest" in proc.stdout     # partial, as asked
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    status = {t["key"]: (t["status"], t["error"]) for t in manifest["notebooks"]}
    assert status["monitor/as_of_2025_11_17"] == ("ok", "")
    assert status["monitor/sept_2019"][0] == "failed" and "not staged" in status["monitor/sept_2019"][1]


def test_staged_run_inputs_are_checked_before_any_work(tmp_path):
    with pytest.raises(InputError, match="is not a run id"):
        runner.check_run_id("../../etc")
    with pytest.raises(InputError, match="no staged run 20250101T000000Z-abcd"):
        runner.publish_stage("20250101T000000Z-abcd", out=tmp_path)
    env = {**os.environ, "LIQUIDITY_OUTPUTS": str(tmp_path / "o")}
    proc = _cli("run", "monitor", "--stage", env=env)
    assert proc.returncode == 2 and "--stage needs --run-id" in proc.stderr
    proc = _cli("run", "monitor", "--run-id", "20250101T000000Z-abcd", env=env)
    assert proc.returncode == 2 and "add --stage" in proc.stderr
    assert not (tmp_path / "o").exists()

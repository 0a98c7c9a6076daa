"""Remote output locations (issue 30): `--out s3://bucket/prefix` against a local S3-compatible server (moto's server
mode on 127.0.0.1, s3fs as the client). A staged run built by two workers that share no disk is published once; a
reader who follows `latest` sees a complete run or the previous one, never part of one; a failed upload leaves
`latest` as it was."""
import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from liquidity.core.errors import InputError
from liquidity.publish import location, runner

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "notes"


@pytest.fixture(scope="module")
def s3_endpoint():
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)      # no line per request in a failure's report
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch, request):
    """A fresh bucket on the local server, the storage settings a process needs for it, and an s3fs client."""
    import s3fs

    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             location.STORAGE_OPTIONS_VARIABLE: json.dumps({"endpoint_url": s3_endpoint})}
    for k, v in creds.items():
        monkeypatch.setenv(k, v)
    bucket = f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}"
    fs = s3fs.S3FileSystem(endpoint_url=s3_endpoint, key="testing", secret="testing", skip_instance_cache=True)
    fs.mkdir(bucket)
    return fs, f"s3://{bucket}/liquidity", creds


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _synthetic_run(work: Path, run_id: str, files: int = 12) -> runner.RunReport:
    """A run as the runner leaves it in the work folder: note files and a manifest recording their digests."""
    run_dir = work / run_id
    records = []
    for i in range(files):
        name = f"set{i}.html"
        data = f"<p>{run_id} note {i}</p>".encode() * 200
        (run_dir / "monitor").mkdir(parents=True, exist_ok=True)
        (run_dir / "monitor" / name).write_bytes(data)
        records.append({"notebook": "monitor", "paramset": f"set{i}", "key": f"monitor/set{i}", "status": "ok",
                        "files": {name: _sha(data)}})
    manifest = {"run_id": run_id, "notebooks": records}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return runner.RunReport(run_id, run_dir, records, manifest)


def _reader_view(fs, url: str) -> str:
    """What a reader following the protocol sees: 'nothing', or the run id whose every listed file is there intact;
    anything else is a torn read."""
    fs.invalidate_cache()
    try:
        rid = fs.cat_file(f"{url}/latest").decode().strip()
    except FileNotFoundError:
        return "nothing"
    manifest = json.loads(fs.cat_file(f"{url}/{rid}/manifest.json"))
    for task in manifest["notebooks"]:
        for name, digest in task["files"].items():
            try:
                if _sha(fs.cat_file(f"{url}/{rid}/{task['notebook']}/{name}")) != digest:
                    return f"torn {rid}: {name} differs"
            except FileNotFoundError:
                return f"torn {rid}: {name} missing"
    return rid


# -- choosing a location -------------------------------------------------------------------------------------------
def test_paths_and_file_urls_are_local_folders_and_other_urls_remote(tmp_path, s3):
    assert not location.open_location(str(tmp_path)).remote
    assert location.open_location(f"file://{tmp_path}").work == tmp_path
    assert location.open_location(None).work == Path(os.environ["LIQUIDITY_OUTPUTS"])
    loc = location.open_location(s3[1])
    assert loc.remote and loc.root.endswith("/liquidity") and loc.work.is_dir()
    assert loc.latest_run_id() is None


@pytest.mark.parametrize("url, says", [("nosuchprotocol://bucket/x", "not a usable fsspec URL"),
                                       ("s3://", "name a bucket")])
def test_a_bad_url_is_an_input_error_naming_out(url, says):
    with pytest.raises(InputError, match=says) as err:
        location.open_location(url)
    assert "--out" in str(err.value)


def test_a_missing_bucket_is_an_input_error_before_any_work(s3, tmp_path):
    env = {**os.environ, **s3[2], "LIQUIDITY_OUTPUTS": str(tmp_path / "out")}
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "claims_check", "--out", "s3://no-such-bucket/p"],
                          env=env, capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert "bucket no-such-bucket does not exist" in proc.stderr and "--out s3://no-such-bucket/p" in proc.stderr
    assert not list((tmp_path / "out").rglob("*.ipynb"))                  # no notebook ran


def test_bad_storage_options_are_an_input_error(monkeypatch):
    monkeypatch.setenv(location.STORAGE_OPTIONS_VARIABLE, "endpoint=1")
    with pytest.raises(InputError, match=location.STORAGE_OPTIONS_VARIABLE):
        location.open_location("memory://bucket/x")


def test_credentials_in_a_url_never_reach_a_message():
    assert location.shown("s3://AKIDSECRET:hunter2@bucket/p") == "s3://bucket/p"
    with pytest.raises(InputError) as err:
        location.open_location("nosuchprotocol://user:hunter2@bucket/p")
    assert "hunter2" not in str(err.value)


def test_cli_refuses_a_bad_url_with_exit_2_before_any_work(tmp_path):
    env = {**os.environ, "LIQUIDITY_OUTPUTS": str(tmp_path / "out")}
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "claims_check", "--out", "s3://"], env=env,
                          capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "--out s3://" in proc.stderr and "bucket" in proc.stderr
    assert not (tmp_path / "out").exists()


# -- the atomic-publish guarantee -----------------------------------------------------------------------------------
def test_a_reader_following_latest_sees_a_whole_run_or_the_previous_one(s3, tmp_path):
    fs, url, _ = s3
    loc = location.RemoteLocation(url, work=tmp_path / "work")
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            seen.append(_reader_view(fs, url))

    first, second = "20261122T233000Z-aaaa", "20261123T233000Z-bbbb"
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        published = loc.publish(_synthetic_run(tmp_path / "work", first))
        loc.publish(_synthetic_run(tmp_path / "work", second), keep=5)
    finally:
        stop.set()
        thread.join()
    seen.append(_reader_view(fs, url))                            # and once more, after the second publish
    assert published.run_dir == f"{url}/{first}"
    torn = [s for s in seen if s not in ("nothing", first, second)]
    assert not torn, torn[:3]
    # the reader was reading while the uploads ran: it saw the empty location, then each run, in that order
    assert seen[0] == "nothing" and seen[-1] == second and first in seen, (seen[0], seen[-1], len(seen))
    order = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert order == ["nothing", first, second]


def test_every_file_goes_up_before_the_manifest_and_latest_goes_last(s3, tmp_path, monkeypatch):
    fs, url, _ = s3
    loc = location.RemoteLocation(url, work=tmp_path / "work")
    writes = []
    real_put, real_pipe = loc.fs.put_file, loc.fs.pipe_file
    monkeypatch.setattr(loc.fs, "put_file", lambda lp, rp, **kw: (writes.append(rp), real_put(lp, rp, **kw))[1])
    monkeypatch.setattr(loc.fs, "pipe_file", lambda rp, data, **kw: (writes.append(rp), real_pipe(rp, data, **kw))[1])
    rid = "20261122T233000Z-aaaa"
    report = _synthetic_run(tmp_path / "work", rid, files=5)
    (report.run_dir / "monitor" / ".set0.4242.executed.ipynb").write_text("{}")   # an interrupted execution's
    loc.publish(report)
    names = [w.rsplit("/liquidity/", 1)[1] for w in writes]
    assert names[-2:] == [f"{rid}/manifest.json", "latest"]
    assert sorted(names[:-2]) == sorted(f"{rid}/monitor/set{i}.html" for i in range(5))      # no scratch file


def test_a_failed_upload_leaves_latest_unchanged_and_a_second_try_publishes(s3, tmp_path, monkeypatch):
    fs, url, _ = s3
    loc = location.RemoteLocation(url, work=tmp_path / "work")
    good, bad = "20261122T233000Z-aaaa", "20261123T233000Z-bbbb"
    loc.publish(_synthetic_run(tmp_path / "work", good))
    real_put, calls = loc.fs.put_file, []

    def failing_put(lpath, rpath, **kw):         # the connection drops on the fourth file
        calls.append(rpath)
        if len(calls) == 4:
            raise ConnectionResetError("connection reset by peer")
        return real_put(lpath, rpath, **kw)

    monkeypatch.setattr(loc.fs, "put_file", failing_put)
    report = _synthetic_run(tmp_path / "work", bad)
    with pytest.raises(location.PublishError, match=f"nothing was published: latest .* still names {good}"):
        loc.publish(report)
    assert len(calls) == 4
    assert _reader_view(fs, url) == good
    fs.invalidate_cache()
    assert not fs.exists(f"{url}/{bad}/manifest.json")          # the manifest goes after every file
    monkeypatch.setattr(loc.fs, "put_file", real_put)
    loc.publish(report)
    assert _reader_view(fs, url) == bad


def test_an_upload_that_does_not_read_back_as_sent_is_not_published(s3, tmp_path, monkeypatch):
    fs, url, _ = s3
    loc = location.RemoteLocation(url, work=tmp_path / "work")
    real_put = loc.fs.put_file

    def truncating_put(lpath, rpath, **kw):       # a store that silently keeps half an object
        real_put(lpath, rpath, **kw)
        loc.fs.pipe_file(rpath, Path(lpath).read_bytes()[:100])

    monkeypatch.setattr(loc.fs, "put_file", truncating_put)
    with pytest.raises(location.PublishError, match="does not read back as uploaded"):
        loc.publish(_synthetic_run(tmp_path / "work", "20261122T233000Z-aaaa"))
    assert _reader_view(fs, url) == "nothing"


def test_keep_prunes_old_runs_at_the_location(s3, tmp_path):
    fs, url, _ = s3
    loc = location.RemoteLocation(url, work=tmp_path / "work")
    ids = [f"2026112{d}T233000Z-00{d}0" for d in range(1, 5)]
    for rid in ids:
        loc.publish(_synthetic_run(tmp_path / "work", rid, files=2), keep=2)
    fs.invalidate_cache()
    assert sorted(p.rsplit("/", 1)[1] for p in fs.ls(url) if "T" in p.rsplit("/", 1)[1]) == ids[-2:]
    assert _reader_view(fs, url) == ids[-1]


# -- the command line: a staged run by two workers that share no disk, then a plain run -------------------------------
def _cli(*args, env, check=True):
    proc = subprocess.run([sys.executable, "-m", "liquidity", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, stdin=subprocess.DEVNULL, timeout=900)
    assert not check or proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def _machine(tmp_path: Path, name: str, mirror, creds: dict) -> dict:
    """The environment of one machine: its own outputs and cache folders, the same mirror, the S3 settings."""
    return {**os.environ, **creds, "LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / name / "cache"),
            "LIQUIDITY_OUTPUTS": str(tmp_path / name / "outputs")}


@pytest.mark.notebook
def test_a_staged_run_built_by_two_workers_on_s3_is_published_once(s3, tmp_path, mirror):
    fs, url, creds = s3
    scheduler, one, two = (_machine(tmp_path, n, mirror, creds) for n in ("scheduler", "worker1", "worker2"))
    run_id = _cli("data", "update", "--quiet", "--run-id", "new", "--out", url, env=scheduler).stdout.split()[-1]
    assert runner.RUN_ID_RE.match(run_id)
    for env in (one, two):          # each worker holds a copy of the same snapshot
        _cli("data", "update", "--quiet", env=env)
    stage = ["--formats", "ipynb,html", "--lang", "en", "--run-id", run_id, "--stage", "--quiet", "--jobs", "1",
             "--out", url]
    workers = [subprocess.Popen([sys.executable, "-m", "liquidity", "run", nb, "--params-set", ps, *stage],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for env, nb, ps in ((one, "monitor", "as_of_2025_11_17"), (two, "claims_check", "default"))]
    for w in workers:
        out, err = w.communicate(timeout=900)
        assert w.returncode == 0, out + err
    assert _reader_view(fs, url) == "nothing"                     # staged, not published
    proc = _cli("publish", run_id, "--out", url, env=scheduler)
    assert f"{url}/{run_id}" in proc.stdout
    assert _reader_view(fs, url) == run_id
    rid, manifest = location.read_latest(url)
    assert rid == run_id and manifest["run_id"] == run_id
    assert sorted((t["key"], t["status"]) for t in manifest["notebooks"]) == [
        ("claims_check/default", "ok"), ("monitor/as_of_2025_11_17", "ok")]
    assert manifest["data_update"]["WALCL"] == "updated" and manifest["series"]["WALCL"]["last_observation"]
    fs.invalidate_cache()
    top = sorted(p.rsplit("/", 1)[1] for p in fs.ls(url))
    assert top == sorted([run_id, "latest"])                      # one run, no stage left behind
    # the same manifest as a local publish: the worker's file digests, the files beside it
    assert {n for t in manifest["notebooks"] for n in t["files"]} >= {"default.html", "as_of_2025_11_17.ipynb"}
    again = _cli("publish", run_id, "--out", url, env=scheduler, check=False)
    assert again.returncode == 2 and "already published" in again.stderr


@pytest.mark.notebook
def test_a_refresh_to_s3_reuses_the_notes_another_machine_published(s3, tmp_path, mirror):
    fs, url, creds = s3
    first, second = _machine(tmp_path, "a", mirror, creds), _machine(tmp_path, "b", mirror, creds)
    args = ["refresh", "claims_check", "--lang", "en", "--formats", "ipynb,html", "--jobs", "1", "--quiet",
            "--out", url]
    _cli(*args, env=first)
    rid1, manifest1 = location.read_latest(url)
    _cli(*args, env=second)                                       # a fresh work folder: it pulls run 1 first
    rid2, manifest2 = location.read_latest(url)
    assert rid2 != rid1 and _reader_view(fs, url) == rid2
    assert [t["key"] for t in manifest2["notebooks"]] == ["claims_check/default", "claims_check/shared_example"]
    assert [t["status"] for t in manifest1["notebooks"]] == ["ok", "ok"]
    assert [t["status"] for t in manifest2["notebooks"]] == ["reused", "reused"]
    assert [t["files"] for t in manifest2["notebooks"]] == [t["files"] for t in manifest1["notebooks"]]
    assert manifest2["data_update"]["WALCL"] in ("updated", "unchanged")
    assert len(list((tmp_path / "b" / "outputs" / ".remote").glob("*/refresh.log"))) == 1   # in the work folder

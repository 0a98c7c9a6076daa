"""Shared fixtures: the data mirror (LIQUIDITY_MIRROR, ../shared/data by default), a session cache, one published run
of every notebook in both languages (shared by all test processes), and a local server."""
from __future__ import annotations

import fcntl
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mirror() -> Path | None:
    env = os.environ.get("LIQUIDITY_MIRROR")
    if env:
        return Path(env).resolve()
    default = ROOT.parent / "shared" / "data"
    return default if default.is_dir() else None


MIRROR = _mirror()
FROZEN_TODAY = "2026-11-22"
# the team's example claims file (parameter set claims_check/shared_example) lives beside the project
EXAMPLES = ROOT.parent / "shared" / "examples"


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="also run the long reliability tests (marker long)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long reliability run: pass --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mirror() -> Path:
    if MIRROR is None or not MIRROR.is_dir():
        pytest.fail("these tests need the data mirror: set LIQUIDITY_MIRROR=../shared/data")
    return MIRROR


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory, mirror) -> Path:
    """A cache filled once from the mirror, shared read-only by the data tests."""
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("LIQUIDITY_MIRROR", str(mirror))
    mp.setenv("LIQUIDITY_CACHE", str(cache))
    mp.setenv("LIQUIDITY_TODAY", FROZEN_TODAY)
    from liquidity.data import store

    store.update()
    mp.undo()
    return cache


KEY_MARKER = "FREDKEYMARKER-7f3a9c2e51d04b6a"     # set as FRED_API_KEY during the published run


# The shared published run of `make test`: every notebook in both languages, with the parameter sets the note tests
# read (each notebook's as-of and default sets, and the other eras' sets). `pytest --long` publishes every set of
# every notebook; a test that reads a set outside this list is skipped without --long, saying so.
SHORT_SETS = {
    "claims_check": ("default", "shared_example"),
    "monitor": ("as_of_2025_11_17", "default", "sept_2019"),
    "qt_path": ("as_of_2025_11_17", "default", "end_of_qt1_2019"),
    "replay_2019": ("as_of_2025_11_17", "default"),
    "repo_stress": ("as_of_2025_11_17", "default", "episode_2019"),
    "scorecard": ("as_of_2025_11_17", "default"),
    "stealth_qe": ("as_of_2025_11_17", "default"),
    "tga_drain": ("as_of_2025_11_17", "default"),
}


class Published:
    """The published run: every notebook, English and Chinese, ipynb + HTML + PDF; every parameter set with --long,
    else the sets of SHORT_SETS."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.manifest = json.loads((run_dir / "manifest.json").read_text())
        self.sets = {(t["notebook"], t["paramset"]) for t in self.manifest["notebooks"]}

    def path(self, notebook: str, paramset: str, lang: str = "en", ext: str = "results.json") -> Path:
        if (notebook, paramset) not in self.sets:
            pytest.skip(f"{notebook}/{paramset} is published by the full run: pytest --long")
        stem = paramset if lang == "en" else f"{paramset}.{lang}"
        return self.run_dir / notebook / f"{stem}.{ext}"

    def results(self, notebook: str, paramset: str, lang: str = "en") -> dict:
        return json.loads(self.path(notebook, paramset, lang).read_text())

    def findings(self, notebook: str, paramset: str, lang: str = "en") -> list[str]:
        nb = json.loads(self.path(notebook, paramset, lang, "ipynb").read_text())
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                found = (out.get("data") or {}).get("application/vnd.liquidity.findings+json")
                if found is not None:       # bullets built from claims: the sentence a reader sees
                    return [b["text"] if isinstance(b, dict) else b for b in found]
        raise AssertionError(f"{notebook}/{paramset} ({lang}) recorded no findings")

    def claims(self, notebook: str, paramset: str) -> dict[str, dict]:
        """The claims a note made (its sidecar's findings), by id."""
        return {c["id"]: c for c in self.results(notebook, paramset)["findings"]}

    def notes(self, lang: str | None = None):
        for task in self.manifest["notebooks"]:
            if lang is None or task.get("lang", "en") == lang:
                yield task


@pytest.fixture(scope="session")
def published(tmp_path_factory, mirror, worker_id, request) -> Published:
    """One run of the suite (every set with --long, else SHORT_SETS), made once per test session even with xdist: the
    first process to get the lock runs it, the others read it. LIQUIDITY_TEST_PUBLISHED=<run dir> reuses an earlier
    run while iterating on the note tests (never in CI: it would test old notes)."""
    if os.environ.get("LIQUIDITY_TEST_PUBLISHED") and not os.environ.get("CI"):
        return Published(Path(os.environ["LIQUIDITY_TEST_PUBLISHED"]))
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    every_set = request.config.getoption("--long")
    folder = shared / ("published-all-sets" if every_set else "published")
    folder.mkdir(exist_ok=True)
    with open(shared / "published.lock", "w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        done = folder / "run.txt"
        if not done.exists():
            with pytest.MonkeyPatch.context() as mp:
                for k, v in {"LIQUIDITY_ROOT": str(ROOT), "LIQUIDITY_MIRROR": str(mirror),
                             "LIQUIDITY_ALLOW_DIR": str(EXAMPLES),
                             "LIQUIDITY_CACHE": str(folder / "cache"), "LIQUIDITY_TODAY": FROZEN_TODAY,
                             "FRED_API_KEY": KEY_MARKER, "LIQUIDITY_HTTP_BACKOFF": "0.01"}.items():
                    mp.setenv(k, v)
                mp.delenv("JPY_SESSION_NAME", raising=False)
                mp.delenv("LIQUIDITY_CHARTS", raising=False)
                from liquidity.data import store
                from liquidity.publish import runner

                store.update(source="mirror")
                tasks = runner.plan(all_notebooks=True, params_set="all", langs=["en", "zh"])
                if not every_set:
                    tasks = [t for t in tasks if t.paramset in SHORT_SETS.get(t.notebook, ())]
                report = runner.run(tasks, formats=["ipynb", "html", "pdf"], jobs=2, out=folder / "out")
            done.write_text(str(report.run_dir))
        return Published(Path(done.read_text()))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Every test: project root pinned, its own outputs folder, no FRED key, fast retries, the examples folder
    allowed for file parameters."""
    monkeypatch.setenv("LIQUIDITY_ROOT", str(ROOT))
    monkeypatch.setenv("LIQUIDITY_ALLOW_DIR", str(EXAMPLES))
    monkeypatch.setenv("LIQUIDITY_OUTPUTS", str(tmp_path / "outputs"))
    monkeypatch.setenv("LIQUIDITY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQUIDITY_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("LIQUIDITY_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("LIQUIDITY_TODAY", FROZEN_TODAY)          # a frozen clock: no test depends on the date
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.delenv("LIQUIDITY_MIRROR", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("LIQUIDITY_CHARTS", raising=False)


@pytest.fixture
def mirrored(monkeypatch, mirror, session_cache):
    """Use the mirror and the shared session cache."""
    monkeypatch.setenv("LIQUIDITY_MIRROR", str(mirror))
    monkeypatch.setenv("LIQUIDITY_CACHE", str(session_cache))
    return session_cache


@pytest.fixture
def ds(mirrored):
    from liquidity import Dataset

    return Dataset()


class FakeServer:
    """A scripted HTTP server on 127.0.0.1: `responses` maps a path prefix to a list of (status, headers, body)
    answers served in turn (the last one repeats); every request is recorded."""

    def __init__(self):
        self.responses: dict[str, list] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                for prefix, answers in server.responses.items():
                    if self.path.startswith(prefix):
                        answer = answers.pop(0) if len(answers) > 1 else answers[0]
                        if callable(answer):
                            answer = answer(self.path)
                        status, headers, body = answer
                        if status == "hang":
                            import time

                            time.sleep(float(body))
                            return
                        self.send_response(status)
                        for k, v in headers.items():
                            self.send_header(k, v)
                        data = body.encode() if isinstance(body, str) else body
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_server():
    server = FakeServer()
    yield server
    server.close()


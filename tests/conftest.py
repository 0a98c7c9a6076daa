"""Shared fixtures: the data mirror (LIQUIDITY_MIRROR, ../shared/data by default), a session cache, a local server."""
from __future__ import annotations

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


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Every test: project root pinned, its own outputs folder, no FRED key, fast retries."""
    monkeypatch.setenv("LIQUIDITY_ROOT", str(ROOT))
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


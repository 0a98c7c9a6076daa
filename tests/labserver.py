"""A copy of the project as a fresh git repository, and JupyterLab started on it by `make lab` (127.0.0.1, a token, no
browser) with this checkout's virtualenv: what an analyst gets after `make install`, without touching this
checkout's notebooks or outputs."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent       # the virtualenv running the tests (.venv of this checkout)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def project_copy(dest: Path) -> Path:
    """The project's files (committed and new, not ignored) in `dest`, committed in a new git repository with the
    notebook filter of `make install` (`make git-filter`). Times are kept, so make sees the virtualenv as current."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "config", "user.email", "lab-test@example.invalid")
    git(dest, "config", "user.name", "lab test")
    subprocess.run(["make", "-s", "git-filter"], cwd=dest, check=True, capture_output=True)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "the project")
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """`make lab LAB_ARGS=...` in the project copy; `url(path)` gives an authenticated address."""

    def __init__(self, project: Path, env: dict[str, str], log: Path, expose_app: bool = True):
        self.project = project
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        lab_args = [f"--port={self.port}", "--ServerApp.port_retries=0", "--ip=127.0.0.1", "--no-browser",
                    f"--IdentityProvider.token={self.token}"]
        if expose_app:              # window.jupyterapp: the test reads kernel state and cell outputs from it
            lab_args.append("--LabApp.expose_app_in_browser=True")
        stamp = VENV / ".installed-stamp"
        command = ["make", "-o", str(stamp), "lab", f"VENV={VENV}", f"LAB_ARGS={' '.join(lab_args)}"]
        self.log = open(log, "w")
        self.process = subprocess.Popen(command, cwd=project, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait_ready()

    def url(self, path: str = "/") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET") -> dict:
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else {}

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make lab exited with {self.process.returncode}: "
                                   f"{Path(self.log.name).read_text()[-2000:]}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s: {Path(self.log.name).read_text()[-2000:]}")

    def _gone(self, timeout: float) -> bool:
        """Whether every process of the group we started (make, JupyterLab, an export's run) has ended."""
        deadline = time.monotonic() + timeout
        while True:
            self.process.poll()                     # reap make
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def stop(self) -> None:
        """Shut the server down through its API (it stops its kernels), then end the process group we started: a
        server still exporting does not stop until the export's thread ends."""
        try:
            self.api("/api/shutdown", method="POST")
        except OSError:
            pass
        for sig, wait in ((None, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            if sig is not None:
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    pass
            if self._gone(wait):
                break
        self.log.close()

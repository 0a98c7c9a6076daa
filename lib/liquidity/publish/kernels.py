"""Kernels for the runner's workers: each note gets a kernel of its own, used once and stopped.

With warm kernels (LIQUIDITY_WARM_KERNELS=1; off by default, see runner.warm_kernels) a kernel is started ahead of
time: while a worker executes one note, the kernel for its next note boots and
imports the library, pandas and altair (what every note imports in its first cell), so the next note finds it ready.
Nothing is shared between notes: a kernel serves one note and is stopped after it; the imports run before the first
cell and leave no name in the notebook's namespace (a test runs two notes in sequence and checks it). A spare whose
environment differs from the task's (another run folder, other languages) is stopped and a fresh one started.

The kernel talks over local sockets in a private folder (IPC transport), never TCP: nothing to eavesdrop on, and
no transport warning to print.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# imported in a warm kernel before the notebook's first cell; `del` leaves the namespace as a fresh kernel's
WARM_LINES = ["import liquidity, liquidity.publish.report, liquidity.publish.charts, pandas, altair",
              "del liquidity, pandas, altair"]
BASE_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]      # what nbclient passes to the kernels it starts


@dataclass
class Kernel:
    km: object                          # jupyter_client KernelManager, started
    sockets: tempfile.TemporaryDirectory
    env_key: str                        # the environment it was started with
    warm: bool

    def stop(self) -> None:
        try:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        finally:
            self.sockets.cleanup()


_spare: Kernel | None = None


def _env_key(env: dict, cwd: str) -> str:
    return json.dumps([cwd, sorted(env.items())])


def start(cwd: str, warm: bool) -> Kernel:
    """A started kernel in `cwd` with this process's environment (warm: the library imported at start)."""
    from jupyter_client.manager import KernelManager

    sockets = tempfile.TemporaryDirectory(prefix="liquidity-kernel-")
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets.name) / "k"),
                       connection_file=str(Path(sockets.name) / "kernel.json"))
    env = dict(os.environ)
    arguments = BASE_ARGUMENTS + ([f"--IPKernelApp.exec_lines={json.dumps(WARM_LINES)}"] if warm else [])
    try:
        km.start_kernel(extra_arguments=arguments, cwd=cwd, env=env)
    except BaseException:
        sockets.cleanup()
        raise
    return Kernel(km, sockets, _env_key(env, cwd), warm)


def take(cwd: str, warm: bool) -> Kernel:
    """The kernel for the note about to run: the spare when it was started for the same folder and environment and
    is alive, else a new one. With `warm`, the next note's spare starts now, while this note runs."""
    global _spare
    kernel, _spare = _spare, None
    if kernel is not None and (kernel.env_key != _env_key(dict(os.environ), cwd) or not kernel.km.is_alive()):
        kernel.stop()
        kernel = None
    if kernel is None:
        kernel = start(cwd, warm)
    if warm:
        try:
            _spare = start(cwd, warm=True)
        except Exception:           # no spare is only slower: the next note starts its own kernel
            _spare = None
        else:
            _stop_spare_at_exit()
    return kernel


def discard_spare() -> None:
    """Stop the spare kernel (the worker is leaving)."""
    global _spare
    kernel, _spare = _spare, None
    if kernel is not None:
        kernel.stop()


_registered = False


def _stop_spare_at_exit() -> None:
    """A pool worker leaves through multiprocessing's exit functions: the spare is stopped there (a signal to the
    worker stops it with the worker's other children, signals.worker_setup)."""
    global _registered
    if not _registered:
        from multiprocessing import util

        util.Finalize(None, discard_spare, exitpriority=10)
        _registered = True

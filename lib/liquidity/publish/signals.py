"""SIGTERM and SIGHUP are handled like SIGINT (Ctrl-C): the worker processes of the run and the Jupyter kernels
they started are stopped (SIGTERM, then SIGKILL after a grace period), the command prints one line and exits
128 + the signal's number, nothing half-done is published, and no process outlives the command.

The CLI wraps every command in `handled()`; the runner's pool workers call `worker_setup()` when they start."""
from __future__ import annotations

import multiprocessing
import os
import signal
from contextlib import contextmanager

import psutil

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 5.0


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal; `note` says what was left as it was (set by the code that knows)."""

    def __init__(self, signum: int):
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.note = ""
        super().__init__(self.name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def stop_workers(grace: float = GRACE_SECONDS) -> int:
    """Stop this process's worker processes (the runner's pool) and everything they started (kernels): SIGTERM,
    then SIGKILL for what is still there after `grace` seconds. Returns how many processes were stopped."""
    procs: list[psutil.Process] = []
    for child in multiprocessing.active_children():
        try:
            parent = psutil.Process(child.pid)
            procs += [*parent.children(recursive=True), parent]     # kernels first: a worker dies with its own
        except psutil.NoSuchProcess:
            continue
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return len(procs)


@contextmanager
def handled():
    """Within the block, SIGINT, SIGTERM and SIGHUP stop the workers and raise Interrupted in the main thread."""
    state = {"stopping": False}

    def on_signal(signum, frame):
        if state["stopping"]:               # a second signal while the first one is being handled
            return
        state["stopping"] = True
        stop_workers()
        raise Interrupted(signum)

    previous = {s: signal.signal(s, on_signal) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def worker_setup() -> None:
    """In a pool worker: Ctrl-C reaches the whole process group, but the main process stops the workers; SIGTERM or
    SIGHUP sent to a worker alone stops the kernels it started before it exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def stop(signum, frame):
        for p in psutil.Process().children(recursive=True):
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        os._exit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, stop)


@contextmanager
def deferred():
    """Signals wait until the block is done (publishing: the rename of the run and of `latest`)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)

"""A project of its own for the runner's reliability tests: the suite's catalog, release calendar and policy timeline,
a cache filled from the mirror, and one small notebook whose behaviour a parameter chooses (fail, sleep, print a
traceback or a lot of text). The runner, the gate and the signals are the real ones, with real kernels; a note takes
seconds instead of the half minute of a research note.

    root = make_project(tmp_path / "project", cache_from=session_cache)
    env = project_env(root, mirror)          # for a `liquidity` subprocess
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = """as_of: str = "latest"  # "latest" or a date YYYY-MM-DD
lang: str = "en"  # en or zh
fail: bool = False  # raise an error in the note
sleep_seconds: float = 0.0  # wait before reading the data. Range [0, 600]
pad_kb: int = 0  # print this many KB of text. Range [0, 100000]
show_traceback: bool = False  # print the text of a traceback (the note itself succeeds)
"""

BODY = """import sys
import time

# what this kernel held before the note's own imports: a warm kernel has the library loaded, never a name
names_before = sorted(n for n in globals() if not n.startswith("_") and n not in
                      ("In", "Out", "get_ipython", "exit", "quit", "open", "sys", "time") + tuple(PARAMETER_NAMES))
library_loaded_before = "liquidity" in sys.modules
tiny_note_marker = as_of     # a name of this note: the next note must not see it

import liquidity as lq
from liquidity.publish import results

time.sleep(sleep_seconds)
ds = lq.Dataset(as_of=as_of)
walcl = ds.series("WALCL")
reserves = ds.series("WRESBAL")
if fail:
    raise ValueError("the tiny note was asked to fail")
if show_traceback:
    print('Traceback (most recent call last):\\n  File "tiny.py", line 1, in <module>\\nValueError: shown')
if pad_kb:
    print("x" * (pad_kb * 1024))
results.record({"walcl_last_date": walcl.index[-1], "walcl_last_bn": float(walcl.iloc[-1]),
                "reserves_last_date": reserves.index[-1], "reserves_last_bn": float(reserves.iloc[-1]),
                "walcl_rows": len(walcl), "names_before": names_before,
                "library_loaded_before": library_loaded_before})
"""


PARAMETER_NAMES = [line.split(":")[0] for line in PARAMETERS.splitlines()]


def notebook(title: str) -> dict:
    def cell(kind, source, **meta):
        out = {"cell_type": kind, "id": f"c{abs(hash((kind, source))) % 10**8}", "metadata": meta, "source": source}
        if kind == "code":
            out.update(execution_count=None, outputs=[])
        return out

    return {"cells": [cell("markdown", f"# {title}\n\nWhat does the newest balance sheet say?"),
                      cell("code", PARAMETERS, tags=["parameters"]),
                      cell("markdown", "## Data"),
                      cell("code", BODY.replace("PARAMETER_NAMES", repr(PARAMETER_NAMES)))],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


SETS = {"default": "as_of: latest\n", "other": "as_of: \"2025-11-17\"\n", "broken": "fail: true\n"}


def make_project(root: Path, cache_from: Path | None = None,
                 notebooks=(("tiny", ("default", "other")), ("tiny_b", ("default", "other", "broken")))) -> Path:
    """The project folder: data/ (the suite's catalog and timeline), notebooks/<name>.ipynb with parameter sets
    (default, other: as of 17 Nov 2025, broken: a note that fails), and data/cache copied from `cache_from`."""
    (root / "data" / "claims").mkdir(parents=True)
    for f in ("series.yaml", "releases.yaml", "events.yaml"):
        shutil.copy(ROOT / "data" / f, root / "data" / f)
    for name, sets in notebooks:
        (root / "notebooks" / "params" / name).mkdir(parents=True)
        (root / "notebooks" / f"{name}.ipynb").write_text(json.dumps(notebook(f"Tiny note {name}"), indent=1))
        for s in sets:
            (root / "notebooks" / "params" / name / f"{s}.yaml").write_text(SETS[s])
    if cache_from is not None:
        shutil.copytree(cache_from, root / "data" / "cache")
        for leftover in (root / "data" / "cache").glob("SNAPSHOT*"):
            leftover.unlink()
    return root


def project_env(root: Path, mirror: Path | None = None, **extra) -> dict:
    env = {**os.environ, "LIQUIDITY_ROOT": str(root), "LIQUIDITY_CACHE": str(root / "data" / "cache"),
           "LIQUIDITY_OUTPUTS": str(root / "outputs")}
    if mirror is not None:
        env["LIQUIDITY_MIRROR"] = str(mirror)
    env.update({k: str(v) for k, v in extra.items()})
    return env

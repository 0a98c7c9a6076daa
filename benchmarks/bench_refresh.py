"""Refresh timings on this machine: the suite's runner against the baseline a user would write by hand.

Measures, on the data mirror (LIQUIDITY_MIRROR), every notebook with every parameter set:
  1. `liquidity refresh`-equivalent run (ipynb, HTML, PDF) with --jobs 1 and --jobs 2 (--force: everything runs);
  2. a no-op refresh (nothing changed: every task is carried over);
  3. the baseline: `papermill` CLI then `jupyter nbconvert --to html` per notebook, one after another (no PDF).
Writes benchmarks/results/refresh.json; the numbers are copied into benchmarks/README.md by hand.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd, **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return round(time.perf_counter() - t, 2)


def main() -> None:
    if not os.environ.get("LIQUIDITY_MIRROR"):
        sys.exit("set LIQUIDITY_MIRROR=../shared/data")
    subprocess.run([BIN / "liquidity", "data", "update", "--quiet"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    from liquidity.publish import runner

    tasks = runner.plan(all_notebooks=True, params_set="all")
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    results = {"tasks": len(tasks), "cores": os.cpu_count()}
    liq = [str(BIN / "liquidity"), "run", "--all", "--params-set", "all", "--quiet", "--out", str(out)]
    results["full_html_pdf_jobs1_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--jobs", "1", "--force"])
    results["full_html_pdf_jobs2_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--jobs", "2", "--force"])
    results["full_html_jobs2_s"] = timed(liq + ["--formats", "ipynb,html", "--jobs", "2", "--force"])
    results["noop_refresh_s"] = timed(liq + ["--formats", "ipynb,html", "--jobs", "2"])

    base = Path(tempfile.mkdtemp(prefix="baseline-"))
    t = time.perf_counter()
    for task in tasks:
        nb = ROOT / "notebooks" / f"{task.notebook}.ipynb"
        executed = base / f"{task.notebook}-{task.paramset}.ipynb"
        params = ["-y", json.dumps(task.parameters)]  # JSON is YAML: lists (tga_points) keep their type
        subprocess.run([BIN / "papermill", str(nb), str(executed), *params, "--cwd", str(nb.parent)], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", str(executed)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results["baseline_papermill_nbconvert_html_s"] = round(time.perf_counter() - t, 2)
    results["ratio_full_jobs2_html_vs_baseline"] = round(results["full_html_jobs2_s"] /
                                                         results["baseline_papermill_nbconvert_html_s"], 2)
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "refresh.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Refresh timings on this machine: the cost of the PDF step, of the second language, of a fresh kernel per note,
and the no-op refresh.

Measures, on the data mirror (LIQUIDITY_MIRROR), every notebook with every parameter set (--force: everything runs),
`--jobs 2`, one after another in one session:
  1. English, ipynb + HTML, then ipynb + HTML + PDF: the PDF step's cost (issue 16: within 1.15x) and the PDF
     seconds per note from the manifest (one headless Chromium per run, printing while the workers go on);
  2. English and Chinese, ipynb + HTML + PDF (what `liquidity refresh` publishes): the cost of the second language,
     rendered from the same execution (issue 30: at most 1.25x the English run);
  3. both runs again with a fresh kernel per note (LIQUIDITY_WARM_KERNELS=0) against warm kernels (the default:
     the next note's kernel starts, the library imported, while the current note runs);
  4. a no-op refresh (nothing changed: every task carried over);
  5. with --baseline, the baseline a user would write by hand: `papermill` then `jupyter nbconvert --to html` per
     English task, one after another.
Writes benchmarks/results/refresh.json; the numbers are copied into benchmarks/README.md by hand.
"""
from __future__ import annotations

import json
import os
import statistics
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


def manifest(out: Path) -> dict:
    return json.loads((out / "latest" / "manifest.json").read_text())


def execution_median(out: Path) -> float:
    """The median seconds of one execution (kernel, imports, data, computation) in the latest run."""
    seconds = [t["execution_seconds"] for t in manifest(out)["notebooks"] if "execution_seconds" in t]
    return round(statistics.median(seconds), 2) if seconds else float("nan")


def main() -> None:
    if not os.environ.get("LIQUIDITY_MIRROR"):
        sys.exit("set LIQUIDITY_MIRROR=../shared/data")
    subprocess.run([BIN / "liquidity", "data", "update", "--quiet"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    from liquidity.publish import runner

    tasks = runner.plan(all_notebooks=True, params_set="all")
    results = {"tasks_per_language": len(tasks), "cores": os.cpu_count()}
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    liq = [str(BIN / "liquidity"), "run", "--all", "--params-set", "all", "--quiet", "--out", str(out), "--jobs", "2"]
    results["en_html_jobs2_s"] = timed(liq + ["--formats", "ipynb,html", "--lang", "en", "--force"])
    results["en_html_pdf_jobs2_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--lang", "en", "--force"])
    pdf = [t["pdf_seconds"] for t in manifest(out)["notebooks"] if "pdf_seconds" in t]
    results["pdf_seconds_per_note_median"] = round(statistics.median(pdf), 2)
    results["pdf_seconds_per_note_max"] = round(max(pdf), 2)
    results["execution_seconds_median_en"] = execution_median(out)
    results["ratio_pdf_vs_html"] = round(results["en_html_pdf_jobs2_s"] / results["en_html_jobs2_s"], 3)
    results["en_zh_html_pdf_jobs2_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--lang", "en,zh", "--force"])
    results["execution_seconds_median_en_zh"] = execution_median(out)
    results["ratio_two_languages_vs_one"] = round(results["en_zh_html_pdf_jobs2_s"] / results["en_html_pdf_jobs2_s"], 3)
    cold = {"env": {**os.environ, "LIQUIDITY_WARM_KERNELS": "0"}}
    results["en_html_pdf_jobs2_fresh_kernels_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--lang", "en",
                                                                "--force"], **cold)
    results["en_zh_html_pdf_jobs2_fresh_kernels_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--lang", "en,zh",
                                                                   "--force"], **cold)
    results["execution_seconds_median_en_zh_fresh_kernels"] = execution_median(out)
    for lang in ("en", "en_zh"):
        warm, fresh = results[f"{lang}_html_pdf_jobs2_s"], results[f"{lang}_html_pdf_jobs2_fresh_kernels_s"]
        results[f"warm_kernels_saving_{lang}"] = round(1 - warm / fresh, 3)
    results["ratio_two_languages_vs_one_fresh_kernels"] = round(results["en_zh_html_pdf_jobs2_fresh_kernels_s"] /
                                                               results["en_html_pdf_jobs2_fresh_kernels_s"], 3)
    results["noop_refresh_s"] = timed(liq + ["--formats", "ipynb,html,pdf", "--lang", "en,zh"])

    if "--baseline" in sys.argv:
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
        results["ratio_en_html_jobs2_vs_baseline"] = round(results["en_html_jobs2_s"] /
                                                           results["baseline_papermill_nbconvert_html_s"], 2)
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "refresh.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

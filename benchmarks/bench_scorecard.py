"""The scorecard's walk-forward grid, in-process (issue 27: under 30 s on 2 cores).

Times `scorecard.walk_forward` over every origin of the default set (every fourth Wednesday from 2022-06-01 to the
last with a 13-week outcome) and `score` on the result, on the data mirror:
- cold: the balance-sheet engine's error history is not cached yet, so the grid computes it (the engine run at every
  fourth Wednesday since 2016, 140 origins on today's mirror) before scoring: what the first note of a new data
  snapshot pays;
- warm: the history is read from its cache (every later note and scorecard set of the same snapshot), median of
  `repeats` runs.
Wall-clock seconds depend on what else the machine runs (the load average is printed); the CPU seconds of the
process (one thread) are what the grid costs on a core of its own. It also times one note's baseline path
(`engine.baseline`, 52 weeks with its band) with a warm history. Prints JSON; the numbers go into
benchmarks/README.md by hand.

    LIQUIDITY_MIRROR=../shared/data .venv/bin/python benchmarks/bench_scorecard.py
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(repeats: int = 3) -> None:
    if not os.environ.get("LIQUIDITY_MIRROR"):
        sys.exit("set LIQUIDITY_MIRROR=../shared/data")
    import liquidity as lq
    from liquidity.models import engine
    from liquidity.models import scorecard as sc

    folder = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    engine.history_folder = lambda: folder           # a cold cache of the history, whatever the real one holds
    try:
        ds = lq.Dataset("latest")
        settings = sc.Settings()
        truth = sc.outcomes(ds)
        origins = sc.origin_grid("2022-06-01", sc.last_full_origin(truth, max(settings.horizons)), settings.step_weeks)
        started, cpu = time.perf_counter(), time.process_time()
        forecasts, _ = sc.walk_forward(lq.Dataset("latest"), origins, settings)
        scores = sc.score(forecasts, settings.step_weeks)
        cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
        times, cpus = [], []
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            forecasts, _ = sc.walk_forward(lq.Dataset("latest"), origins, settings)
            scores = sc.score(forecasts, settings.step_weeks)
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        note = []
        for _ in range(repeats):
            t = time.perf_counter()
            engine.baseline(lq.Dataset("2025-11-17"))
            note.append(time.perf_counter() - t)
        history = engine.error_history(ds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"origins": len(origins), "forecasts": len(forecasts), "scores": len(scores),
                      "history_origins": int(history["origin"].nunique()),
                      "grid_cold_s": round(cold, 2), "grid_cold_cpu_s": round(cold_cpu, 2),
                      "grid_warm_median_s": round(statistics.median(times), 2),
                      "grid_warm_cpu_median_s": round(statistics.median(cpus), 2),
                      "per_origin_warm_ms": round(1000 * statistics.median(times) / len(origins), 1),
                      "note_baseline_warm_median_s": round(statistics.median(note), 3),
                      "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()

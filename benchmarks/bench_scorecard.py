"""The scorecard's walk-forward grid, in-process (issue 19: well under a minute on 2 cores).

Times `scorecard.walk_forward` over every origin of the default set (every fourth Wednesday from 2022-06-01 to the
last with a 13-week outcome) and `score` on the result, on the data mirror; median of `repeats` runs after one
warm-up (the first run also reads the cache). Prints JSON; the numbers go into benchmarks/README.md by hand.

    LIQUIDITY_MIRROR=../shared/data .venv/bin/python benchmarks/bench_scorecard.py
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time


def main(repeats: int = 3) -> None:
    if not os.environ.get("LIQUIDITY_MIRROR"):
        sys.exit("set LIQUIDITY_MIRROR=../shared/data")
    import liquidity as lq
    from liquidity.models import scorecard as sc

    started = time.perf_counter()
    ds = lq.Dataset("latest")
    settings = sc.Settings()
    truth = sc.outcomes(ds)
    origins = sc.origin_grid("2022-06-01", sc.last_full_origin(truth, max(settings.horizons)), settings.step_weeks)
    forecasts, _ = sc.walk_forward(ds, origins, settings)
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        forecasts, _ = sc.walk_forward(lq.Dataset("latest"), origins, settings)
        scores = sc.score(forecasts, settings.step_weeks)
        times.append(time.perf_counter() - t)
    print(json.dumps({"origins": len(origins), "forecasts": len(forecasts), "scores": len(scores),
                      "first_run_with_cache_read_s": round(first, 2),
                      "grid_median_s": round(statistics.median(times), 2),
                      "per_origin_ms": round(1000 * statistics.median(times) / len(origins), 1)}, indent=2))


if __name__ == "__main__":
    main()

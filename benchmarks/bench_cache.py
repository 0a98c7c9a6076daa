"""Read time of the whole panel from the cache: every catalog series read once, as a notebook's Dataset does.

Run from a checkout of the product (LIQUIDITY_MIRROR set); it fills a fresh cache from the mirror, then times
`repeats` cold reads of every series (median of the repeats) and prints JSON. To compare the cache layouts, run it
in a checkout of each commit (the CSV + meta.json layout before 0.2, the SQLite layout after):

    LIQUIDITY_MIRROR=../shared/data .venv/bin/python benchmarks/bench_cache.py
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time


def main(repeats: int = 7) -> None:
    if not os.environ.get("LIQUIDITY_MIRROR"):
        sys.exit("set LIQUIDITY_MIRROR=../shared/data")
    os.environ["LIQUIDITY_CACHE"] = tempfile.mkdtemp(prefix="bench-cache-")
    try:
        from liquidity.data import cache, store
        from liquidity.data.catalog import load_catalog
    except ImportError:                       # the flat layout before 0.2
        from liquidity import cache, store
        from liquidity.catalog import load_catalog

    started = time.perf_counter()
    store.update(source="mirror")
    update_s = time.perf_counter() - started
    ids = [info.id for info in load_catalog()]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        rows = sum(len(e.data) for e in (cache.read(i) for i in ids) if e is not None)
        times.append(time.perf_counter() - t)
    print(json.dumps({"series": len(ids), "rows": rows, "full_update_s": round(update_s, 2),
                      "panel_read_median_s": round(statistics.median(times), 3),
                      "panel_read_min_s": round(min(times), 3)}, indent=2))


if __name__ == "__main__":
    main()

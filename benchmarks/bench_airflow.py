"""Wall time of the DAG on Airflow's LocalExecutor (PostgreSQL, api-server, dag-processor, scheduler), with 1 and
with 2 parallel tasks: the run the LocalExecutor test triggers (three notes in two parameter sets, ipynb and HTML),
without the kill. Each parallelism gets a fresh database, cache and outputs; the time is from the trigger to the
DAG run's end, and the notebook tasks' own durations are summed beside it.

    .venv/bin/python benchmarks/bench_airflow.py [--repeat N]      (make bench-airflow)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from airflow_cluster import Airflow, Postgres  # noqa: E402
from test_airflow_executor import CONF, VENV, deployment, planned  # noqa: E402


def one_run(parallelism: int, mirror: Path, label: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-airflow-") as tmp:
        tmp = Path(tmp)
        pg = Postgres().start()
        airflow = Airflow(VENV, tmp / "airflow", pg, parallelism, deployment(tmp, mirror, parallelism, retries=0))
        try:
            t0 = time.monotonic()
            airflow.start()
            startup = time.monotonic() - t0
            started = time.monotonic()
            airflow.trigger(CONF, label)
            final = airflow.wait_for_run(label)
            wall = time.monotonic() - started
            notebook_ids = {t["task_id"] for t in planned()}
            tries = [t for t in airflow.tries(label) if t["task_id"] in notebook_ids]
            busy = sum(t["ended"] - t["started"] for t in tries)
            return {"parallelism": parallelism, "state": final["state"], "wall_s": round(wall, 1),
                    "startup_s": round(startup, 1), "notebook_tasks": len(tries), "task_seconds": round(busy, 1)}
        finally:
            airflow.stop()
            pg.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    mirror = Path(os.environ.get("LIQUIDITY_MIRROR") or ROOT.parent / "shared" / "data").resolve()
    rows = []
    for i in range(args.repeat):
        for parallelism in (1, 2):
            row = one_run(parallelism, mirror, f"bench_p{parallelism}_{i}")
            print(json.dumps(row), flush=True)
            rows.append(row)
    for parallelism in (1, 2):
        walls = [r["wall_s"] for r in rows if r["parallelism"] == parallelism]
        print(f"parallelism {parallelism}: median wall {statistics.median(walls):.1f} s over {len(walls)} run(s)")
    return 0 if all(r["state"] == "success" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Demand-curve benchmarks (issue 28): how long the fits take on the mirror, and how often the kink's 90% interval
covers the truth in a world built like the data (the default set's design, kink, slope and residual autoregression),
for the plain bootstrap interval and for the calibrated one the notes use.

    LIQUIDITY_MIRROR=../shared/data .venv/bin/python benchmarks/bench_demand_curve.py [--draws 100]

Prints JSON. The coverage run takes about 2 s a draw for the calibrated interval on a 2-core machine."""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import liquidity as lq
from liquidity.models import demand_curve as dcv
from liquidity.models.estimation import serial_errors


def timings(sets: dict) -> dict:
    out = {}
    for name, (as_of, measure) in sets.items():
        ds = lq.Dataset(as_of=as_of)
        panel = dcv.weekly_panel(ds, measure, start="2013-10-01")
        x, y, reg = panel["ratio"].to_numpy(), panel["spread"].to_numpy(), panel["regime"].to_numpy()
        row = {"weeks": len(panel)}
        for label, call in (("kink_calibrated", lambda: dcv.bootstrap_kink(x, y, reg, reps=200)),
                            ("kink_plain", lambda: dcv.bootstrap_kink(x, y, reg, reps=200, calibrate=False)),
                            ("curve", lambda: dcv.bootstrap_curve(x, y, reg, [x[-1]], reps=200))):
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            row[label] = {"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3)}
        out[name] = row
    return out


def fitted_world_coverage(draws: int, seed: int = 5) -> dict:
    """The default set's weeks and regimes, its fitted kink and slope, errors redrawn from its residual
    autoregression: the share of draws whose 90% interval holds the kink, plain and calibrated."""
    ds = lq.Dataset(as_of="latest")
    panel = dcv.weekly_panel(ds, "effr_iorb", start="2013-10-01")
    x, y, reg = panel["ratio"].to_numpy(), panel["spread"].to_numpy(), panel["regime"].to_numpy()
    truth = dcv.fit_kink(x, y, reg)
    fitted = truth.predict(x, reg)
    errors = serial_errors(y - fitted)
    rng = np.random.default_rng(seed)
    out = {"kink": truth.kink, "slope": truth.slope, "ar_order": len(errors.ar), "ar_sum": errors.persistence}
    for label, calibrate in (("plain", False), ("calibrated", True)):
        hits = located = 0
        widths = []
        start = time.perf_counter()
        for d in range(draws):
            sample = fitted + errors.draw(1, rng)[:, 0]
            k = dcv.bootstrap_kink(x, sample, reg, reps=200, calibrate=calibrate, seed=d)
            hits += k.ci_low <= truth.kink <= k.ci_high
            located += k.located
            widths.append(k.width)
        out[label] = {"draws": draws, "coverage": hits / draws, "located": located / draws,
                      "median_width_pp": float(np.median(widths)), "seconds": round(time.perf_counter() - start, 1)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=100, help="draws of the fitted-world coverage run (0: skip)")
    args = parser.parse_args()
    sets = {"default": ("latest", "effr_iorb"), "as_of_2025_11_17": ("2025-11-17", "effr_iorb"),
            "episode_2019": ("2019-09-30", "effr_iorb"), "sofr_curve_2025_11_17": ("2025-11-17", "sofr_iorb")}
    result = {"timings": timings(sets)}
    if args.draws:
        result["fitted_world_coverage"] = fitted_world_coverage(args.draws)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

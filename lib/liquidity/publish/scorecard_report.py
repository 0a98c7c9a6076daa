"""How the forecast scorecard (models.scorecard, notebook scorecard) reads for a reader: the names of its engines and
targets, its table cells, and its findings as claims checked against the scorecard's own sidecar keys
(`<engine>_<target>_h<weeks>_<metric>`), every verdict at the house significance level."""
from __future__ import annotations

import math

import pandas as pd

from ..models import findings as F
from ..models.scorecard import LEG_PARTS
from .i18n import Text, fmt, tr

ENGINES = {"balance_sheet": "Balance-sheet engine", "treasury_target": "Treasury's stated targets",
           "previous_identity_a": "Previous reserves engine (A)",
           "previous_identity_b": "Previous engine, realized TGA and Fed assets (B)",
           "curve_realized": "Demand curve, realized reserves", "curve_engine": "Demand curve, the engine's reserves",
           "rw": "Random walk", "drift": "Drift", "seasonal": "Seasonal naive"}
TARGETS = {"reserves": "reserves", "tga": "TGA", "rrp": "ON RRP", "treasuries": "Treasury holdings",
           "mbs": "MBS holdings", "fed_assets": "Fed assets", "currency": "currency", "spread": "EFFR - IORB"}
LEGS = {"fed_assets": "Fed assets", "tga": "TGA", "rrp": "ON RRP", "rest": "currency and other"}
BENCHMARKS = ("rw", "drift", "seasonal")
MODEL = "the forecast scorecard"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def series_label(engine: str, target: str) -> Text:
    """A chart's line: the engine alone for reserves and the spread, else "engine: target"."""
    if target in ("reserves", "spread") and engine not in BENCHMARKS:
        return tr(ENGINES[engine])
    return tr("{engine}: {target}", engine=tr(ENGINES[engine]), target=tr(TARGETS[target]))


def ratio_cell(ratio, p) -> Text:
    """"0.96 (p = 0.58)": the MAE ratio to the random walk with its Diebold-Mariano p-value."""
    if _missing(p):
        return fmt.num(ratio, 2)
    return tr("{ratio} ({p})", ratio=fmt.num(ratio, 2), p=fmt.p(p))


def p_cell(p) -> Text | str:
    return "" if _missing(p) else fmt.p(p)


def coverage_cell(c) -> Text:
    return tr("no band") if _missing(c) else fmt.share(c)


def amount(v, target: str, sign: bool = False) -> Text:
    """An error in its target's units: bp for the spread, billions otherwise."""
    return fmt.bp(v, digits=1, sign=sign) if target == "spread" else fmt.bn(v, sign=sign)


def row(scores: pd.DataFrame, engine: str, target: str, horizon: int):
    found = scores[(scores["engine"] == engine) & (scores["target"] == target) & (scores["horizon"] == horizon)]
    return found.iloc[0] if len(found) else None


def tests(scores: pd.DataFrame, engine: str, target: str, horizons) -> list:
    """One test claim per horizon: the MAE ratio to the random walk with its Diebold-Mariano p-value and the verdict
    at the house level, each checked against the sidecar keys it came from."""
    out = []
    for h in horizons:
        r = row(scores, engine, target, h)
        if r is None or _missing(r["mae_ratio_rw"]):
            continue
        key = f"{engine}_{target}_h{int(h)}"
        out.append(F.test(f"{key}_test", "{engine} on {target}, MAE relative to the random walk", r["mae_ratio_rw"],
                          r["dm_p"], better_below=1.0, model=MODEL, output=f"{key}_mae_ratio_rw",
                          p_output=f"{key}_dm_p", horizon=int(h),
                          label_values={"engine": ENGINES[engine], "target": TARGETS[target]}))
    return out


def mae(scores: pd.DataFrame, engine: str, target: str, h: int, unit: str = "bn"):
    """The engine's mean absolute error at one horizon, as a claim of the scorecard's output (or None)."""
    r = row(scores, engine, target, h)
    if r is None or _missing(r["mae"]):
        return None
    key = f"{engine}_{target}_h{int(h)}"
    return F.model_value(f"{key}_mae", "the mean absolute error of {engine} on {target}", r["mae"], unit,
                         model=MODEL, output=f"{key}_mae", digits=2 if unit == "bp" else None, horizon=int(h),
                         label_values={"engine": ENGINES[engine], "target": TARGETS[target]})


def limits(limiting: pd.DataFrame, h: int) -> list:
    """The mean absolute contribution of each leg's error to the reserves miss at one horizon, largest first."""
    found = limiting[limiting["horizon"] == h]
    if found.empty:
        return []
    top = found.iloc[0]
    return [F.model_value(f"limit_{leg}_h{int(h)}", "the mean absolute contribution of {leg} to the reserves miss",
                          top[leg], "bn", model=MODEL, output=f"balance_sheet_reserves_h{int(h)}_limit_{leg}_bn",
                          horizon=int(h), label_values={"leg": LEGS[leg]})
            for leg in top["order"] if leg in LEG_PARTS]


def coverage(scores: pd.DataFrame, engine: str, target: str, horizons, level: float) -> list:
    """The share of outcomes inside the engine's band at each horizon, against its nominal level."""
    out = []
    for h in horizons:
        r = row(scores, engine, target, h)
        if r is None or _missing(r["coverage"]):
            continue
        key = f"{engine}_{target}_h{int(h)}"
        out.append(F.model_value(f"{key}_coverage", "the share of outcomes inside the band of nominal {level}% of "
                                 "{engine} on {target}", r["coverage"], "share", model=MODEL,
                                 output=f"{key}_coverage", horizon=int(h),
                                 label_values={"level": round(level * 100), "engine": ENGINES[engine],
                                               "target": TARGETS[target]}))
    return out

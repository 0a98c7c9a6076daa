"""The liquidity monitor's analytics: latest readings, changes over horizons, and alert flags."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import MissingSeriesError
from ..data.measures import MEASURES

HORIZONS = {"1w": pd.DateOffset(weeks=1), "1m": pd.DateOffset(months=1), "3m": pd.DateOffset(months=3)}


def change_over(values: pd.Series, horizon: pd.DateOffset) -> tuple[float, pd.Timestamp | None]:
    """Latest value minus the value on the last observation at or before (latest date - horizon)."""
    values = values.dropna()
    if values.empty:
        return float("nan"), None
    last = values.index.max()
    earlier = values[values.index <= last - horizon]
    if earlier.empty:
        return float("nan"), None
    return float(values.iloc[-1] - earlier.iloc[-1]), earlier.index.max()


def snapshot(ds, names: list[str]) -> pd.DataFrame:
    """One row per measure: latest date and value, 1w/1m/3m changes; missing measures say why."""
    rows = []
    for name in names:
        m = MEASURES[name]
        try:
            values = ds.measure(name)
        except MissingSeriesError:
            rows.append({"measure": name, "title": m.title, "units": m.units, "date": pd.NaT, "value": None,
                         **{f"chg_{h}": None for h in HORIZONS}, "note": "missing: " + ds.missing.get(name, "")})
            continue
        row = {"measure": name, "title": m.title, "units": m.units, "date": values.index.max(),
               "value": float(values.iloc[-1]), "note": ""}
        for label, offset in HORIZONS.items():
            row[f"chg_{label}"] = change_over(values, offset)[0]
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")


@dataclass(frozen=True)
class AlertRule:
    name: str
    measure: str
    op: str          # "<" | ">=" | ">"
    threshold: float
    text: str


def evaluate_alerts(snap: pd.DataFrame, rules: list[AlertRule]) -> pd.DataFrame:
    """Each rule against the latest reading: fired True/False, or None when the measure is missing."""
    out = []
    for rule in rules:
        value = snap.loc[rule.measure, "value"] if rule.measure in snap.index else None
        if value is None or pd.isna(value):
            fired = None
        elif rule.op == "<":
            fired = value < rule.threshold
        elif rule.op == ">=":
            fired = value >= rule.threshold
        elif rule.op == ">":
            fired = value > rule.threshold
        else:
            raise ValueError(f"unknown operator {rule.op!r}")
        out.append({"alert": rule.name, "measure": rule.measure, "rule": f"{rule.measure} {rule.op} {rule.threshold:g}",
                    "value": value, "fired": fired, "meaning": rule.text})
    return pd.DataFrame(out)

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
            rows.append({"measure": name, "title": m.title, "concept": m.concept, "units": m.units, "date": pd.NaT,
                         "value": None, **{f"chg_{h}": None for h in HORIZONS},
                         "note": "missing: " + ds.missing.get(name, "")})
            continue
        row = {"measure": name, "title": m.title, "concept": m.concept, "units": m.units, "date": values.index.max(),
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


def evaluate_alerts(readings: dict, rules: list[AlertRule]) -> pd.DataFrame:
    """Each rule against its reading (measure -> latest value): fired True/False, or None when the reading is
    missing."""
    out = []
    for rule in rules:
        value = readings.get(rule.measure)
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


@dataclass(frozen=True)
class Window:
    """Standing Repo Facility use over the last business days to the latest reading."""
    end: pd.Timestamp
    days: int                 # business days in the window with a reading
    days_used: int            # of which with any take-up
    peak: float
    peak_date: pd.Timestamp


def used_in_window(values: pd.Series, business_days: int) -> Window | None:
    """Days with any take-up, and the largest take-up, over the last `business_days` business days (the days the
    facility operated) to the latest reading."""
    values = values.dropna()
    if values.empty:
        return None
    window = values.iloc[-business_days:]
    return Window(end=window.index.max(), days=len(window), days_used=int((window > 0).sum()),
                  peak=float(window.max()), peak_date=window.idxmax())

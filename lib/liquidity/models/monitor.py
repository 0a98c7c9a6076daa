"""The liquidity monitor's analytics: latest readings, changes over horizons, alert flags, the claims behind an
alert's state, and whether a note's alert thresholds belong to its era."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import MissingSeriesError
from ..core.rules import IORB_FROM, SRF_FROM
from ..data.measures import MEASURES
from . import findings as F

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
    op: str          # "<" | ">=" | ">"  (the notes use the strict ones: a claim's "below" and "above" are strict)
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
    start: pd.Timestamp | None = None     # the first business day of the window
    values: pd.Series | None = None       # the readings of the window


def used_in_window(values: pd.Series, business_days: int) -> Window | None:
    """Days with any take-up, and the largest take-up, over the last `business_days` business days (the days the
    facility operated) to the latest reading."""
    values = values.dropna()
    if values.empty:
        return None
    window = values.iloc[-business_days:]
    return Window(end=window.index.max(), days=len(window), days_used=int((window > 0).sum()),
                  peak=float(window.max()), peak_date=window.idxmax(), start=window.index.min(), values=window)


# -- eras: a threshold chosen for today's market is not a 2019 threshold ----------------------------------------------
def _modern(day) -> bool:
    """The era of IORB and the SRF (core.rules): from 29 Jul 2021; None (the latest data) is today's."""
    return day is None or pd.Timestamp(day) >= IORB_FROM


def thresholds_apply(as_of, thresholds_date=None) -> bool:
    """Whether alert thresholds chosen for `thresholds_date` (None: today's market) apply to a note as of `as_of`
    (None: the latest data): both in the same era of core.rules (IOER and no SRF before 29 Jul 2021, IORB and the
    SRF from then). When they do not, the note shows them for comparison only."""
    return _modern(as_of) == _modern(thresholds_date)


def srf_existed(day) -> bool:
    """Whether the Standing Repo Facility existed on `day` (None: today): from 28 Jul 2021 (core.rules)."""
    return day is None or pd.Timestamp(day) >= SRF_FROM


# -- the claims behind an alert's state (models.findings), re-checked by the claims engine -----------------------------
_UNITS = {"bn": "bn", "pct": "pct", "bp": "bp"}


def run_across(values: pd.Series, threshold: float, direction: str, id: str, measure: str) -> F.Claim | None:
    """The run of observations strictly `direction` ("below"/"above") `threshold` that the latest one belongs to, as
    a crossing claim: "reserves stood below $3.00tn on every observation since 1 Oct 2025". The claim's window starts
    at the last observation on the other side (the claims engine finds the run's first day as the first crossing),
    or at the first observation when every one is across. None when the latest observation is not across."""
    values = values.dropna()
    if values.empty:
        return None
    side = values < threshold if direction == "below" else values > threshold
    if not side.iloc[-1]:
        return None
    other = values.index[~side]
    start = other.max() if len(other) else values.index[0]
    since = values.index[values.index > start][0] if len(other) else values.index[0]
    return F.crossing(id, measure, direction, threshold, since, start, values.index[-1],
                      unit=_UNITS.get(MEASURES[measure].units, "bn"), already=True)


def alert_claim(rule: AlertRule, values: pd.Series, measure: str | None = None, window: bool = False
                ) -> F.Claim | None:
    """The claim that says where an alert stands, from the readings it tests (None when it cannot say: no data, or
    the latest reading exactly at the threshold).
    - a rule on the latest reading (`reserves < 3000`): the run of observations on the latest one's side of the
      threshold ("stood below $3.00tn on every observation since ..."), below or above;
    - a rule on the largest reading of a window (`window`: SRF use over the last N business days above $50bn): the
      count of readings above the threshold in the window (one or more: the alert fired; none: clear).
    `measure` names what the readings are when the rule's measure is a derived one (srf_window_max)."""
    measure = measure or rule.measure
    values = values.dropna()
    if values.empty:
        return None
    cid = f"alert_{rule.name}"
    if window:
        if rule.op != ">":
            raise ValueError(f"alert {rule.name}: a window rule counts readings above its threshold (op '>')")
        return F.count(cid, measure, "above", rule.threshold, int((values > rule.threshold).sum()), len(values),
                       values.index.min(), values.index.max(), unit=_UNITS.get(MEASURES[measure].units, "bn"))
    if rule.op not in ("<", ">"):
        raise ValueError(f"alert {rule.name}: op {rule.op!r}; a note's alerts are strict (< or >), like the claims "
                         "engine's below and above")
    latest = float(values.iloc[-1])
    if latest == rule.threshold:
        return None
    direction = "below" if latest < rule.threshold else "above"
    return run_across(values, rule.threshold, direction, cid, measure)

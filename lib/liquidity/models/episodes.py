"""Episodes: event-time alignment around a day 0, episode statistics, and TGA drawdown detection."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import InputError


# -- event time -------------------------------------------------------------------------------------------
def business_offset(dates: pd.DatetimeIndex, day0) -> np.ndarray:
    """Business days (Mon-Fri) from day 0 to each date: 0 on day 0, negative before."""
    d0 = np.datetime64(pd.Timestamp(day0).date())
    days = pd.DatetimeIndex(dates).values.astype("datetime64[D]")
    return np.busday_count(d0, days) if len(days) else np.array([], int)


def event_window(values: pd.Series, day0, before: int, after: int) -> pd.DataFrame:
    """Observations from `before` business days before day 0 to `after` after it, with their offset."""
    values = values.dropna()
    if values.empty:
        return pd.DataFrame(columns=["date", "offset", "value"])
    offsets = business_offset(values.index, day0)
    keep = (offsets >= -before) & (offsets <= after)
    return pd.DataFrame({"date": values.index[keep], "offset": offsets[keep], "value": values.to_numpy()[keep]})


def peak(values: pd.Series, day0, before: int, after: int,
         low: bool = False) -> tuple[float | None, pd.Timestamp | None]:
    """The largest (or smallest) value in the event window and its date."""
    win = event_window(values, day0, before, after)
    if win.empty:
        return None, None
    i = win["value"].idxmin() if low else win["value"].idxmax()
    return float(win.loc[i, "value"]), pd.Timestamp(win.loc[i, "date"])


def value_at(values: pd.Series, date) -> tuple[float | None, pd.Timestamp | None]:
    """The last observation on or before `date`."""
    values = values.dropna()
    before = values[values.index <= pd.Timestamp(date)]
    if before.empty:
        return None, None
    return float(before.iloc[-1]), before.index[-1]


def change_over(values: pd.Series, end, months: int) -> float | None:
    """Change from the last observation on or before `end` - `months` to the last on or before `end`."""
    v1, _ = value_at(values, end)
    v0, _ = value_at(values, pd.Timestamp(end) - pd.DateOffset(months=months))
    return None if v1 is None or v0 is None else v1 - v0


def week_of(day) -> pd.Timestamp:
    """The H.4.1 week (ending Wednesday) holding `day`."""
    day = pd.Timestamp(day)
    return day + pd.Timedelta(days=(2 - day.day_of_week) % 7)


def weekly_jump(wednesday_levels: pd.Series, day0) -> tuple[float | None, pd.Timestamp | None, pd.Timestamp | None]:
    """Change of a Wednesday-level series from the week before day 0's week to day 0's week."""
    wk = week_of(day0)
    levels = wednesday_levels.dropna()
    if wk not in levels.index:
        return None, None, None
    prior = levels[levels.index < wk]
    if prior.empty:
        return None, None, None
    return float(levels[wk] - prior.iloc[-1]), prior.index[-1], wk


def window_bounds(day0, before: int, after: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last calendar days of the event window (`before` business days before day 0 to `after`
    after it): every observation `event_window` keeps lies between them, and nothing else does."""
    day0 = pd.Timestamp(day0)
    return day0 - pd.offsets.BDay(before), day0 + pd.offsets.BDay(after)


def first_response(decisions: pd.DataFrame, day0) -> pd.DataFrame | None:
    """The first decisions announced on or after day 0 (a decision announced before day 0 was known before the
    squeeze and is not a response to it), or None."""
    later = decisions[decisions["announced"] >= pd.Timestamp(day0)]
    return later[later["announced"] == later["announced"].min()] if len(later) else None


def episode_summary(ds, day0, before: int, after: int, lending: pd.Series | None, decisions: pd.DataFrame) -> dict:
    """One episode around day 0, each figure with the date of the observation it comes from:
    the widest SOFR and EFFR spreads over the rate on reserves in the event window (a rate cut inside the window
    would otherwise make the higher pre-cut level look like the peak) with SOFR and EFFR that day; reserves at their
    window low and in day 0's week, reserves/GDP in day 0's week; the TGA's change over the three months to day 0;
    ON RRP on day 0; the largest Fed lending in the window; the first decisions announced on or after day 0."""
    day0 = pd.Timestamp(day0)
    week = week_of(day0)
    sofr_iorb, sofr_iorb_at = peak(ds.measure("sofr_iorb"), day0, before, after)
    effr_iorb, effr_iorb_at = peak(ds.measure("effr_iorb"), day0, before, after)
    res_low, res_low_at = peak(ds.measure("reserves"), day0, before, after, low=True)
    lend, lend_at = peak(lending, day0, before, after) if lending is not None else (None, None)
    tga = ds.measure("tga")
    tga_to, tga_to_at = value_at(tga, day0)
    tga_from, tga_from_at = value_at(tga, day0 - pd.DateOffset(months=3))
    out = {
        "window": window_bounds(day0, before, after),
        "reserves_day0": value_at(ds.measure("reserves"), week),
        "reserves_gdp": value_at(ds.measure("reserves_gdp"), week),
        "reserves_low": (res_low, res_low_at),
        "tga_change_3m": (None if tga_to is None or tga_from is None else tga_to - tga_from, tga_from_at, tga_to_at),
        "rrp_day0": value_at(ds.measure("rrp"), day0),
        "sofr_iorb_peak": (sofr_iorb, sofr_iorb_at),
        "effr_iorb_peak": (effr_iorb, effr_iorb_at),
        "sofr_peak": value_at(ds.measure("sofr"), sofr_iorb_at) if sofr_iorb_at is not None else (None, None),
        "effr_peak": value_at(ds.measure("effr"), effr_iorb_at) if effr_iorb_at is not None else (None, None),
        "lending_peak": (lend, lend_at),
        "response": first_response(decisions, day0),
    }
    r = out["response"]
    out["response_after_as_of"] = r is not None and ds.as_of is not None and bool(r["announced"].iloc[0] > ds.as_of)
    return out


# -- TGA drawdowns ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drawdown:
    start: pd.Timestamp          # the peak before the fall
    end: pd.Timestamp            # the trough
    tga_start: float
    tga_end: float

    @property
    def size(self) -> float:
        return self.tga_start - self.tga_end

    @property
    def days(self) -> int:
        return int((self.end - self.start).days)


def _swings(vals: np.ndarray, recovery: float) -> list[tuple[int, int]]:
    """(peak, trough) index pairs: a fall starts once the series is `recovery` below its running peak and ends
    when it has risen `recovery` above its trough (or the data end)."""
    out: list[tuple[int, int]] = []
    peak_i = trough_i = 0
    falling = False
    for i in range(1, len(vals)):
        if not falling:
            if vals[i] > vals[peak_i]:
                peak_i = i
            elif vals[peak_i] - vals[i] >= recovery:
                falling, trough_i = True, i
        else:
            if vals[i] < vals[trough_i]:
                trough_i = i
            elif vals[i] - vals[trough_i] >= recovery:
                out.append((peak_i, trough_i))
                falling, peak_i = False, i
    if falling:
        out.append((peak_i, trough_i))
    return out


def detect_drawdowns(tga: pd.Series, min_size: float, min_recovery: float | None = None,
                     merge_within: list[tuple] | None = None) -> list[Drawdown]:
    """Falls of the TGA from a peak to a trough of at least `min_size` billions.

    A fall ends once the series has risen `min_recovery` (default: half of min_size) above its trough; smaller
    rebounds do not split it. `merge_within` takes periods (start, end), e.g. debt-limit episodes: two falls
    are joined when the rebound between them lies inside one period and the second trough is lower (a tax-day
    rebound inside a debt-limit drawdown). Works on any frequency; pass weekly values for stable dates.
    """
    if min_size <= 0:
        raise InputError(f"parameter drawdown_min_bn={min_size!r} must be above zero")
    recovery = min_size / 2 if min_recovery is None else min_recovery
    if recovery <= 0:
        raise InputError(f"parameter drawdown_recovery_bn={recovery!r} must be above zero")
    s = tga.dropna().sort_index()
    if len(s) < 2:
        return []
    vals, idx = s.to_numpy(float), s.index
    swings = _swings(vals, recovery)
    periods = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in (merge_within or [])]
    merged: list[list[int]] = []
    for peak_i, trough_i in swings:
        if merged:
            prev = merged[-1]
            rebound_from, rebound_to = idx[prev[1]], idx[peak_i]
            inside = any(a <= rebound_from and rebound_to <= b for a, b in periods)
            if inside and vals[trough_i] < vals[prev[1]] and vals[peak_i] < vals[prev[0]]:
                prev[1] = trough_i
                continue
        merged.append([peak_i, trough_i])
    return [Drawdown(idx[p], idx[t], vals[p], vals[t]) for p, t in merged if vals[p] - vals[t] >= min_size]


def change_between(values: pd.Series | None, start, end, pct: bool = False) -> float | None:
    """Change of a series from its value on or before `start` to its value on or before `end`."""
    if values is None:
        return None
    v0, d0 = value_at(values, start)
    v1, d1 = value_at(values, end)
    if v0 is None or v1 is None or d1 < pd.Timestamp(start):
        return None
    return (v1 / v0 - 1) * 100 if pct else v1 - v0

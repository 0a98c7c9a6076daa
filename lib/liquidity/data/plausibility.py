"""Plausibility of source data, checked at the one boundary where observations enter the cache (`store.update`),
by rules the catalog declares for each series (data/series.yaml):

- finite:    every value is a finite number or missing (FRED's "."); never inf;
- range:     every value inside the series' plausible range in display units (billions of USD, percent, index
             points, USD): its own `range`, else the catalog's `plausible` range for its units;
- calendar:  observation dates on the series' grid: Wednesdays for the weekly H.4.1/H.8 series, weekdays for
             business-daily series, the first day of a quarter for quarterly ones;
- published: no observation the source could not have published yet (its publication date by the catalog's lag
             and release calendar falls after today);
- history:   a full update does not shrink the cached history (fewer rows, a later first or an earlier last
             observation) unless asked for (`liquidity data update --allow-shrink`).

A refusal names where the data came from (the file or URL), the row (the observation date), the value and the
rule; the update keeps the cached entry, marks the series failed with that reason, and exits non-zero.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import SourceError
from ..core.units import to_display
from .catalog import SeriesInfo, TableInfo

RULES = ("finite", "range", "calendar", "published", "history")
UNIT_WORDS = {"billions_usd": "bn USD", "percent": "%", "index": "index points", "usd": "USD"}


class ImplausibleData(SourceError):
    """Source data that break a plausibility rule; nothing of the update enters the cache."""

    def __init__(self, series_id: str, where: str, rule: str, message: str, date: pd.Timestamp | None = None):
        self.series_id = series_id
        self.where = where
        self.rule = rule
        self.date = date
        super().__init__(f"refused {series_id} from {where}: {message} (rule: {rule}); the cached copy is kept")


def _day(date) -> str:
    return f"{pd.Timestamp(date):%Y-%m-%d}"


def on_grid(info: SeriesInfo, dates: pd.DatetimeIndex) -> np.ndarray:
    """Which dates fall on the series' declared observation grid."""
    dates = pd.DatetimeIndex(dates)
    if info.frequency == "weekly":
        return np.asarray(dates.day_of_week == 2)
    if info.frequency == "quarterly":
        return np.asarray((dates.day == 1) & dates.month.isin([1, 4, 7, 10]))
    if info.observation == "daily_7day":
        return np.ones(len(dates), dtype=bool)
    return np.asarray(dates.day_of_week < 5)


GRID_WORDS = {"weekly": "a Wednesday (weekly series are dated on Wednesdays)",
              "quarterly": "the first day of a quarter", "daily": "a weekday (a business-daily series)"}


def check_rows(info: SeriesInfo, new: pd.Series, where: str, today: pd.Timestamp) -> None:
    """Every observation of `new` (native units, as the source gave them) against the rules finite, range,
    calendar and published. Raises ImplausibleData for the first row that breaks one."""
    if new.empty:
        return
    values = new.to_numpy(dtype=float)
    bad = np.isinf(values)
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise ImplausibleData(info.id, where, "finite", f"row {_day(new.index[i])} has the value {values[i]:g}, "
                              "not a finite number", new.index[i])
    low, high = info.plausible
    shown = to_display(new, info.units).to_numpy(dtype=float)
    outside = ~np.isnan(shown) & ((shown < low) | (shown > high))
    if outside.any():
        i = int(outside.nonzero()[0][0])
        unit = UNIT_WORDS.get(info.display_units, info.display_units)
        raise ImplausibleData(info.id, where, "range", f"row {_day(new.index[i])} has {shown[i]:.6g} {unit}, outside "
                              f"the plausible range [{low:g}, {high:g}] {unit} the catalog declares for "
                              f"{info.id}", new.index[i])
    off = ~on_grid(info, new.index)
    if off.any():
        i = int(off.nonzero()[0][0])
        kind = info.frequency if info.frequency in GRID_WORDS else "daily"
        raise ImplausibleData(info.id, where, "calendar", f"row {_day(new.index[i])} is not "
                              f"{GRID_WORDS[kind]}", new.index[i])
    published = info.publication_dates(new.index)
    late = np.asarray(published > pd.Timestamp(today))
    if late.any():
        i = int(late.nonzero()[0][0])
        lag = "the same day" if info.lag_days == 0 else f"{info.describe_lag()} after the observation"
        raise ImplausibleData(info.id, where, "published", f"row {_day(new.index[i])} could not have been published "
                              f"by today ({_day(today)}): by the catalog's schedule ({lag}) it comes out on "
                              f"{_day(published[i])}", new.index[i])


def check_history(info: SeriesInfo, old: pd.Series, new: pd.Series, where: str) -> None:
    """A full update against the cached history: not fewer rows, not a later first or an earlier last
    observation. Raises ImplausibleData (rule history) saying how to accept it on purpose."""
    old_obs, new_obs = old.dropna(), new.dropna()
    if old_obs.empty:
        return
    fix = f"if the source really did cut it, run `liquidity data update --series {info.id} --allow-shrink`"
    if new_obs.empty or new_obs.index.min() > old_obs.index.min():
        first = _day(new_obs.index.min()) if len(new_obs) else "nothing"
        raise ImplausibleData(info.id, where, "history", f"the update would move the first observation from "
                              f"{_day(old_obs.index.min())} to {first}; {fix}", old_obs.index.min())
    if new_obs.index.max() < old_obs.index.max():
        raise ImplausibleData(info.id, where, "history", f"the update would cut the history short: its last "
                              f"observation would move back from {_day(old_obs.index.max())} to "
                              f"{_day(new_obs.index.max())} ({len(new)} rows instead of {len(old)}); {fix}",
                              new_obs.index.max())
    if len(new) < len(old):
        lost = old.index.difference(new.index)
        raise ImplausibleData(info.id, where, "history", f"the update would hold {len(new)} rows instead of "
                              f"{len(old)} (first row lost: {_day(lost.min()) if len(lost) else '?'}); {fix}",
                              lost.min() if len(lost) else None)


def check_table(info: TableInfo, new: pd.DataFrame, where: str, today: pd.Timestamp,
                old: pd.DataFrame | None = None) -> None:
    """A statement table (the Treasury's cash targets) by the same rules: its amounts finite and inside the catalog's
    plausible range for billions of USD, no statement announced after today, and no fewer statements than the cached
    table holds (`old`, unless the update may shrink it)."""
    amounts = [c for c, kind in info.columns if kind == "billions_usd"]
    low, high = info.plausible
    for col in amounts:
        values = pd.to_numeric(new[col], errors="coerce").to_numpy(dtype=float)
        bad = np.isinf(values) | (~np.isnan(values) & ((values < low) | (values > high)))
        if bad.any():
            i = int(bad.nonzero()[0][0])
            rule = "finite" if np.isinf(values[i]) else "range"
            raise ImplausibleData(info.id, where, rule, f"row {i + 2} ({info.announced} "
                                  f"{_day(new[info.announced].iloc[i])}) has {col} = {values[i]:g}, outside the "
                                  f"plausible range [{low:g}, {high:g}] bn USD",
                                  pd.Timestamp(new[info.announced].iloc[i]))
    announced = pd.to_datetime(new[info.announced])
    late = np.asarray(announced > pd.Timestamp(today))
    if late.any():
        i = int(late.nonzero()[0][0])
        raise ImplausibleData(info.id, where, "published", f"row {i + 2} was announced on {_day(announced.iloc[i])}, "
                              f"after today ({_day(today)})", announced.iloc[i])
    if old is not None and len(new) < len(old):
        raise ImplausibleData(info.id, where, "history", f"the update would hold {len(new)} statements instead of "
                              f"{len(old)}; if the source really did withdraw some, run `liquidity data update "
                              f"--series {info.id} --allow-shrink`")

"""Freshness against the release calendar: the newest observation a series' schedule leads you to expect on a
day, and how far behind it the data are ("WALCL: 19 Aug 2026; expected 18 Nov 2026; 13 weeks behind").

The reference day is today (core.dates.today, frozen in tests) for the latest data, or as_of for an as-of note.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.dates import US_BUSINESS_DAY
from .catalog import SeriesInfo

UNITS = {"weekly": ("week", "weeks"), "daily": ("business day", "business days"),
         "daily_7day": ("day", "days"), "quarterly": ("quarter", "quarters")}


def _grid(info: SeriesInfo, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """The dates a series is observed on between start and end (its release schedule's observation dates)."""
    if info.frequency == "weekly":
        return pd.date_range(start, end, freq="W-WED")
    if info.frequency == "quarterly":
        return pd.date_range(start, end, freq="QS")
    if info.observation == "daily_7day":
        return pd.date_range(start, end, freq="D")
    return pd.date_range(start, end, freq=US_BUSINESS_DAY)


def _kind(info: SeriesInfo) -> str:
    if info.frequency in ("weekly", "quarterly"):
        return info.frequency
    return "daily_7day" if info.observation == "daily_7day" else "daily"


def expected_observation(info: SeriesInfo, reference) -> pd.Timestamp:
    """The newest observation date whose regular publication falls on or before `reference`."""
    ref = pd.Timestamp(reference).normalize()
    span = {"weekly": 70, "quarterly": 400}.get(info.frequency, 20) + info.lag_days * 2
    candidates = _grid(info, ref - pd.Timedelta(days=span), ref)
    published = info.publication_dates(candidates)
    ok = candidates[published <= ref]
    return ok.max() if len(ok) else candidates.min()


@dataclass(frozen=True)
class Freshness:
    series: str
    last: pd.Timestamp | None
    expected: pd.Timestamp
    behind: int            # observation periods between the last and the expected one (0: on schedule)
    unit: str              # weekly, daily (business days), daily_7day, quarterly

    @property
    def text(self) -> str:
        last = f"{self.last.day} {self.last:%b %Y}" if self.last is not None else "no data"
        exp = f"{self.expected.day} {self.expected:%b %Y}"
        if self.behind <= 0:
            return f"{self.series}: {last}; on schedule"
        one, many = UNITS[self.unit]
        return f"{self.series}: {last}; expected {exp}; {self.behind} {one if self.behind == 1 else many} behind"

    def as_dict(self) -> dict:
        return {"last": None if self.last is None else f"{self.last:%Y-%m-%d}",
                "expected": f"{self.expected:%Y-%m-%d}", "behind": self.behind, "unit": self.unit}


def freshness(info: SeriesInfo, last, reference) -> Freshness:
    """How the last observation of a series compares with what its schedule leads you to expect on `reference`."""
    expected = expected_observation(info, reference)
    kind = _kind(info)
    if last is None or pd.isna(last):
        return Freshness(info.id, None, expected, 1, kind)
    last = pd.Timestamp(last)
    behind = len(_grid(info, last + pd.Timedelta(days=1), expected)) if expected > last else 0
    return Freshness(info.id, last, expected, behind, kind)

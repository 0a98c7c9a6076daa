"""Names of their era over a window, for tables and charts (a sentence about one day uses findings.era_title), and
what a note says when its alert thresholds were chosen for another era.

IOER before 29 Jul 2021, IORB from then; no Standing Repo Facility before 28 Jul 2021 (core.rules). A chart whose
window lies before the change uses the old name, one after it the new name, and one across it says both.
"""
from __future__ import annotations

import pandas as pd

from ..core.rules import IORB_FROM, SRF_FROM
from .findings import era_title
from .i18n import Text, fmt, tr


def _span(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    return (None if start is None else pd.Timestamp(start)), (None if end is None else pd.Timestamp(end))


def window_name(measure: str, start=None, end=None, name: bool = True) -> Text:
    """How a measure is called over [start, end] (None: open): "IORB", "IOER", or "IORB (IOER before 29 Jul 2021)"
    for a window across the change; `name=False` gives the measure's title instead of its name in a sentence."""
    start, end = _span(start, end)
    late = tr(era_title(measure, end if end is not None else pd.Timestamp.max, name=name))
    if start is None or start >= IORB_FROM:
        return late
    early = tr(era_title(measure, start, name=name))
    if end is not None and end < IORB_FROM:
        return early
    if early == late:
        return late
    return tr("{name} ({earlier} before {date})", name=late, earlier=early, date=fmt.date(IORB_FROM))


def top_of_range_name(start=None, end=None) -> Text:
    """The top of the target range, which is the SRF's minimum bid rate only from 28 Jul 2021."""
    start, end = _span(start, end)
    if end is not None and end < SRF_FROM:
        return tr("Top of range")
    if start is None or start >= SRF_FROM:
        return tr("Top of range (SRF rate)")
    return tr("Top of range (SRF rate from {date})", date=fmt.date(SRF_FROM))


def thresholds_caption(as_of, thresholds_date, apply: bool) -> Text | None:
    """The sentence over an alerts table: whose thresholds these are (None: today's, for a note of today's era)."""
    if not apply and thresholds_date is None:        # a note before 29 Jul 2021 with today's thresholds
        return tr("Today's thresholds, shown for comparison only: they were chosen for today's market, not for "
                  "{date} (IOER and no Standing Repo Facility then).", date=fmt.date(as_of))
    if not apply:
        return tr("Thresholds chosen for {chosen}, shown for comparison only: that day and this note's data lie on "
                  "either side of {boundary} (IOER and no Standing Repo Facility before it).",
                  chosen=fmt.date(thresholds_date), boundary=fmt.date(IORB_FROM))
    if thresholds_date is not None:
        return tr("Thresholds chosen for {chosen}.", chosen=fmt.date(thresholds_date))
    return None


def rate_series(start=None, end=None) -> list[str]:
    """The series of interest on reserves a chart over [start, end] draws from: IOER, IORB or both."""
    start, end = _span(start, end)
    out = ["IOER"] if start is not None and start < IORB_FROM else []
    return out + (["IORB"] if end is None or end >= IORB_FROM else [])

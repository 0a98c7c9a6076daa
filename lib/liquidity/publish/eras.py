"""Names of their era in a note's tables, charts and section text (a sentence about one day uses
publish.findings.era_title; the dates of the eras are in core.rules):

- the rate paid on reserves is IOER before 29 Jul 2021 and IORB from then: a window inside one era uses that era's
  name, a window across the change names both ("SOFR - IOER/IORB");
- there is no Standing Repo Facility before 28 Jul 2021: "the SRF rate" before then is the top of the target range,
  and a note dated before it says so instead of reporting SRF use as missing;
- a note dated in another era than today's shows today's thresholds only for comparison, and says so;
- chart sources list the series of the window's era only (IOER or IORB).

`span_title` returns an English message for `tr` (the catalog holds each variant); the other names are Texts.
"""
from __future__ import annotations

import pandas as pd

from ..core.rules import IORB_FROM, SRF_FROM
from .findings import era_title
from .i18n import Text, fmt, tr

SPANNING = "IOER/IORB"


def before_iorb(day) -> bool:
    return day is not None and pd.Timestamp(day) < IORB_FROM


def before_srf(day) -> bool:
    return day is not None and pd.Timestamp(day) < SRF_FROM


def span_title(measure: str, start, end, name: bool = False) -> str:
    """A measure's title (or how a sentence names it) over the window start..end (None: open): the name of its era
    when the window lies in one era, both names when it spans the change from IOER to IORB."""
    first = era_title(measure, start if start is not None else pd.Timestamp.min, name=name)
    last = era_title(measure, end if end is not None else pd.Timestamp.max, name=name)
    if first == last:
        return first
    if "IORB" in last and first == last.replace("IORB", "IOER"):
        return last.replace("IORB", SPANNING)
    return last


def window_name(measure: str, start=None, end=None, name: bool = True) -> Text:
    """`span_title` as a Text: how a table or a legend names a measure over a window."""
    return tr(span_title(measure, start, end, name=name))


def series_in(series, start, end) -> list[str]:
    """Series ids of a chart's source line without the rate series of another era (IORB before 29 Jul 2021,
    IOER from then)."""
    out = []
    for sid in series:
        if sid == "IORB" and before_iorb(end):
            continue
        if sid == "IOER" and start is not None and not before_iorb(start):
            continue
        out.append(sid)
    return out


def rate_series(start=None, end=None) -> list[str]:
    """The series of interest on reserves a chart over [start, end] draws from: IOER, IORB or both."""
    return series_in(["IOER", "IORB"], start, end)


def other_era(day) -> bool:
    """Whether a note dated `day` belongs to another era than today's: before the SRF and IORB existed, when the
    thresholds a note applies (calibrated on today's corridor and facilities) were not declared."""
    return before_srf(day)


def top_of_range_name(start=None, end=None) -> Text:
    """The top of the target range, which is the SRF's minimum bid rate only from 28 Jul 2021."""
    start = None if start is None else pd.Timestamp(start)
    end = None if end is None else pd.Timestamp(end)
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

"""Names of their era in a note's tables, charts and section text (the findings name each claim by its own date in
publish.findings.era_title; the dates of the eras are in core.rules):

- the rate paid on reserves is IOER before 29 Jul 2021 and IORB from then: a window inside one era uses that era's
  name, a window across the change names both ("SOFR - IOER/IORB");
- there is no Standing Repo Facility before 28 Jul 2021: "the SRF rate" before then is the top of the target range,
  and a note dated before it says so instead of reporting SRF use as missing;
- a note dated in another era than today's shows today's thresholds only for comparison, and says so;
- chart sources list the series of the window's era only (IOER or IORB).

Every function returns an English message for `tr` (the catalog holds each variant).
"""
from __future__ import annotations

import pandas as pd

from ..core.rules import IORB_FROM, SRF_FROM
from .findings import era_title

SPANNING = "IOER/IORB"


def before_iorb(day) -> bool:
    return day is not None and pd.Timestamp(day) < IORB_FROM


def before_srf(day) -> bool:
    return day is not None and pd.Timestamp(day) < SRF_FROM


def span_title(measure: str, start, end, name: bool = False) -> str:
    """A measure's title (or how a sentence names it) over the window start..end: the name of its era when the
    window lies in one era, both names when it spans the change from IOER to IORB."""
    first, last = era_title(measure, start, name=name), era_title(measure, end, name=name)
    if first == last:
        return first
    if "IORB" in last and first == last.replace("IORB", "IOER"):
        return last.replace("IORB", SPANNING)
    return last


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


def other_era(day) -> bool:
    """Whether a note dated `day` belongs to another era than today's: before the SRF and IORB existed, when the
    thresholds a note applies (calibrated on today's corridor and facilities) were not declared."""
    return before_srf(day)

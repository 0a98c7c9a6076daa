"""Helpers for the tests that read a published note as an outside reviewer would."""
from __future__ import annotations

import re

import pandas as pd


def sentence(findings: list[str], *needles: str) -> str:
    """The one findings sentence that contains every needle."""
    hits = [s for s in findings if all(n in s for n in needles)]
    assert len(hits) == 1, (needles, findings)
    return hits[0]


def plain(text: str) -> str:
    """Markdown emphasis removed: **$2.86tn** -> $2.86tn."""
    return text.replace("**", "")


def value_on_or_before(series: pd.Series, day) -> tuple[float, pd.Timestamp]:
    s = series.dropna()
    s = s[s.index <= pd.Timestamp(day)]
    return float(s.iloc[-1]), s.index[-1]


def words_agree(text: str, change: float, up: str = "rose", down: str = "fell") -> bool:
    """The verb next to an amount agrees with its sign."""
    return (up in text) if change > 0 else (down in text)


NUMBER = re.compile(r"[-+]?\$?\d[\d,.]*(?:tn|bn|bp|%)?")


def mirror_last(series_id: str) -> tuple[str, float]:
    """The newest observation of a FRED series in the mirror, read from its CSV as a reviewer would: tests of the
    `latest` sets compare with it instead of pinning the mirror's coverage (the mirror grows)."""
    from conftest import MIRROR          # fixtures may unset LIQUIDITY_MIRROR; the mirror found at start-up

    frame = pd.read_csv(MIRROR / "fred" / f"{series_id}.csv")
    frame = frame[pd.to_numeric(frame.iloc[:, 1], errors="coerce").notna()]
    return str(frame.iloc[-1, 0]), float(frame.iloc[-1, 1])

"""House rules every note follows, each stated once here and quoted by the notes where it applies.

- One significance level for every test verdict in every note (Diebold-Mariano, regression slopes, correlations):
  a result is "significant" when its p-value is below SIGNIFICANCE, and intervals that carry a verdict are the
  matching 1 - SIGNIFICANCE intervals.
- Names of their era: the rate paid on reserves was IOER until 28 Jul 2021 and IORB from 29 Jul 2021; the Standing
  Repo Facility exists from 28 Jul 2021 (the 2019-20 repo operations were ad hoc). A window that speaks of a
  facility ("the largest SRF take-up since ...") starts no earlier than the facility.
"""
from __future__ import annotations

import pandas as pd

SIGNIFICANCE = 0.05
VERDICT_LEVEL = 1 - SIGNIFICANCE          # the coverage of an interval that carries a verdict (95%)

IORB_FROM = pd.Timestamp("2021-07-29")    # IOER before this day
SRF_FROM = pd.Timestamp("2021-07-28")     # no Standing Repo Facility before this day


def significant(p: float | None) -> bool:
    """Whether a p-value clears the house level (a missing p-value never does)."""
    return p is not None and p == p and p < SIGNIFICANCE

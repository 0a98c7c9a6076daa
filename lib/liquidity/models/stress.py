"""The stress summary: current readings with traffic lights, and a composite score.

Each indicator is green (0), amber (0.5) or red (1) against its thresholds; the composite score is the average
over the indicators the source can assess, times 100 (0 = no sign of stress, 100 = every light red). Indicators
the source lacks are shown as n/a and left out of the average, never counted as green.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LIGHTS = {0.0: "green", 0.5: "amber", 1.0: "red"}


@dataclass(frozen=True)
class Indicator:
    name: str
    value: float | None
    amber: float
    red: float
    higher_is_worse: bool = True
    units: str = ""
    why: str = ""
    digits: int = 1          # the value is shown, and compared with its thresholds, at this precision

    @property
    def shown(self) -> float | None:
        """The value as the table prints it: the light is decided on this, so the two never disagree."""
        if self.value is None or pd.isna(self.value):
            return None
        return round(float(self.value), self.digits)

    def level(self) -> float | None:
        if self.shown is None:
            return None
        v = self.shown if self.higher_is_worse else -self.shown
        amber, red = (self.amber, self.red) if self.higher_is_worse else (-self.amber, -self.red)
        return 1.0 if v >= red else 0.5 if v >= amber else 0.0


def summary(indicators: list[Indicator]) -> tuple[pd.DataFrame, float | None]:
    """The traffic-light table and the composite score (None when nothing can be assessed)."""
    rows, levels = [], []
    for ind in indicators:
        lvl = ind.level()
        if lvl is not None:
            levels.append(lvl)
        cmp = ">=" if ind.higher_is_worse else "<="
        rows.append({"indicator": ind.name, "value": ind.shown, "units": ind.units,
                     "amber when": f"{cmp} {ind.amber:.4g}", "red when": f"{cmp} {ind.red:.4g}",
                     "light": LIGHTS[lvl] if lvl is not None else "n/a", "why it matters": ind.why})
    score = 100.0 * sum(levels) / len(levels) if levels else None
    return pd.DataFrame(rows).set_index("indicator"), score


def days_above(values: pd.Series, reference: pd.Series, days: int, end=None) -> tuple[int, int]:
    """Business days within the `days` calendar days ending at `end` (default: the last value) on which
    `values` was strictly above `reference` (the reference's latest value on or before each day).
    Returns (days above, days observed)."""
    from ..data.measures import asof_align

    values = values.dropna()
    end = pd.Timestamp(end) if end is not None else values.index.max()
    window = values[(values.index > end - pd.Timedelta(days=days)) & (values.index <= end)]
    ref = asof_align(reference, window.index)
    above = (window - ref).round(6) > 0
    return int(above.sum()), int(ref.notna().sum())

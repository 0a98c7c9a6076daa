"""How the QT note describes a path in its tables: the end of runoff and the purchases it holds, each pace marked
as decided or assumed (the key findings say the same through claims: models.qt.premise_claims)."""
from __future__ import annotations

import pandas as pd

from ..models.scenarios import QtSpec
from .i18n import Text, fmt, tr


def purchases_text(spec: QtSpec, after: pd.Period) -> Text:
    """The purchase schedules of a path still running after the month `after`: "$40bn a month from Dec 2025 to
    Apr 2026; $20bn a month from May 2026 (our assumption)"."""
    buys = [s for s in spec.purchases if s.end is None or s.end > after]
    if not buys:
        return tr("no purchase programme")
    parts = []
    for s in buys:
        text = tr("{amount} a month from {start}", amount=fmt.bn(s.amount), start=fmt.month(s.start))
        if s.end is not None:
            text += tr(" to {end}", end=fmt.month(s.end))
        if s.assumed:
            text += tr(" (our assumption)")
        parts.append(text)
    return tr("; ").join(parts)


def end_text(spec: QtSpec) -> Text:
    """When runoff ends on a path, or that it continues under its caps."""
    if spec.qt_end is not None:
        return tr("runoff ends in {month}", month=fmt.month(spec.qt_end))
    return tr("runoff continues under the caps")

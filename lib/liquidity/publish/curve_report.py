"""How a note reads the reserve demand curve's fits (models.demand_curve) for a reader: whether a kink is located
and, when not, why; why an exponential fit is degenerate."""
from __future__ import annotations

from ..models.demand_curve import CURVE_MAX_HEIGHT_BP, KINK_MAX_WIDTH_PP
from .i18n import Text, fmt, tr


WHY_NOT_LOCATED = {"whole": "the interval spans the range searched", "edge": "on the edge of the range searched",
                   "wide": "its interval is wider than a located kink's may be",
                   "degenerate": "the spread does not rise below it"}


def why_not_located(kink) -> Text:
    """Why the data do not locate a kink (Kink.why_not_located), in words."""
    if kink.why_not_located == "wide":
        return tr("interval wider than {width} pp", width=fmt.num(KINK_MAX_WIDTH_PP, 1))
    return tr(WHY_NOT_LOCATED[kink.why_not_located])


def reading(kink) -> Text:
    """"located", or "not located: why"."""
    return tr("located") if kink.located else tr("not located: {why}", why=why_not_located(kink))


def degenerate_reason(curve) -> Text:
    """Why an exponential fit describes no demand curve (Curve.degenerate_reason), in words."""
    return {"decay at a bound": tr("its decay sits on the edge of the range searched"),
            "height not positive": tr("its height is not positive"),
            "height absurd": tr("its height is above {limit}", limit=fmt.bp(CURVE_MAX_HEIGHT_BP)),
            "not finite": tr("its parameters are not finite")}[curve.degenerate_reason]

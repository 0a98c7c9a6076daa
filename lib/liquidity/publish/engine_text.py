"""What a note says about the balance-sheet engine's path (models.engine): which Treasury statements its TGA follows,
what it had to assume because an input was missing, and how its band was made. One wording for every note."""
from __future__ import annotations

from .i18n import fmt, tr
from . import report

SPREAD_SERIES = {"repo": "TGCRRATE", "bill": "DTB3"}


def statement_text(projection):
    """The TGA rule of the path: the Treasury's statements it follows, a binding debt limit, or none known."""
    leg = projection.legs.get("tga", {})
    rule = leg.get("rule")
    if rule == "scenario":
        return None
    knots = leg.get("knots") or []
    if rule == "debt_limit":
        return tr("A debt limit has bound since {date}: the Treasury's stated targets assume it is resolved, which "
                  "nobody could date, so the engine's TGA stays at its level plus the usual intra-quarter moves.",
                  date=fmt.date(leg["binding_since"]))
    if not knots:
        return tr("No Treasury statement known on the as-of date covers a date after {date}: the engine's TGA stays "
                  "at its level plus the usual intra-quarter moves.", date=fmt.date(projection.start))
    items = tr("; ").join(tr("{amount} on {date} (stated {announced})", amount=fmt.bn(k.stated_bn),
                             date=fmt.date(k.stated_for), announced=fmt.date(k.announced)) for k in knots)
    return tr("The engine's TGA follows the Treasury's latest statements known on the as-of date: {items}. A stated "
              "balance is a close on its day; on the week-average basis it is the week average of the week holding "
              "it, {gap} from the close in the median of {n} past quarters.", items=items,
              gap=fmt.bn(leg.get("gap_bn", 0.0), sign=True), n=leg.get("gap_quarters", 0))


def missing_texts(projection) -> list:
    """What the engine assumed because an input was missing or unknown on the as-of date."""
    notes = projection.notes
    out = []
    if "currency_not_observed" in notes:
        last = notes["currency_not_observed"]["last"]
        out.append(tr("Currency in circulation (WCURCIR) ends on {date} in this source: the engine carries it on its "
                      "trend from there, and its changes sit with the rest of the balance sheet.", date=fmt.date(last))
                   if last is not None else
                   tr("Currency in circulation (WCURCIR) is missing from this source: its changes sit with the rest "
                      "of the balance sheet, on that rest's trend."))
    for name in notes.get("rrp_spread_missing", []):
        out.append(tr("{series} has no value for the base week: the ON RRP leg drains without that spread.",
                      series=SPREAD_SERIES[name]))
    for tid in notes.get("missing_statements", []):
        out.append(tr("The Treasury's statements ({table}) are missing from this source: the engine's TGA stays at its "
                      "level plus the usual intra-quarter moves.", table=tid))
    if "band_missing" in notes:
        out.append(tr("The engine has too few past errors for a band on {n} weeks of the path.",
                      n=notes["band_missing"]["weeks"]))
    elif "band_widened" in notes:
        out.append(tr("Beyond {weeks} weeks the engine has too few past errors: the band is widened from the last "
                      "horizon that has enough, with the square root of the horizon.",
                      weeks=notes["band_widened"]["from_weeks"]))
    return out


def band_text(projection):
    band = projection.legs.get("band")
    if not band or not band.get("errors"):
        return None
    return tr("The {level} band is the range that held that share of the engine's own errors at each horizon, from "
              "{n} earlier dates between {first} and {last} whose outcomes were published before the path starts.",
              level=fmt.share(band["level"]), n=band["origins"], first=fmt.date(band["first_origin"]),
              last=fmt.date(band["last_origin"]))


def show(projection, baseline=None) -> None:
    """One paragraph under a note's projection: the statements the TGA follows (the baseline's where the note sets
    its own TGA path), what was assumed for missing inputs, and how the band was made."""
    parts = [statement_text(baseline if baseline is not None and projection.legs["tga"]["rule"] == "scenario"
                            else projection), *missing_texts(projection), band_text(projection)]
    parts = [p for p in parts if p is not None]
    if parts:
        report.show(tr(" ").join(parts))

"""What the data say about a checked claim, as a claim of the note (models.findings) that the publish check re-computes.

A claims check quotes someone else's claim and says what the data give instead. The quotation and the claimed value
are not the note's claims; the value the data give is, and it is written here as the claim kind that says what it is:
a value on a date is a level, a change over a window a change, a highest or lowest value an extreme with its day,
a share, a count or a first crossing its own kind. A mean or a percent change has no kind of its own: it is the
claims check's output (a model claim naming the sidecar key that holds it, `actual_key`).
"""
from __future__ import annotations

import math

import pandas as pd

from ..core.errors import MissingSeriesError
from ..data.measures import MEASURES
from . import findings as F
from .claims import Claim, Verdict

# the claim units of a catalog series' native units (amounts in millions are shown as plain numbers)
SERIES_UNITS = {"billions_usd": "bn", "percent": "pct", "index": "index", "usd": "usd", "millions_usd": "ratio"}


def unit_of(claim: Claim, ds) -> str:
    """The unit a claim's numbers are in: its measure's display unit, or its series' native unit."""
    if claim.measure:
        return MEASURES[claim.measure].units if MEASURES[claim.measure].units in F.UNITS else "ratio"
    return SERIES_UNITS.get(ds.info(claim.series).units, "ratio")


def value_unit(claim: Claim, ds) -> str:
    """The unit of the claim's statistic: a count is a count, a share a share, a percent change a percent."""
    if claim.stat in ("count_above", "count_below"):
        return "count"
    if claim.stat == "share":
        return "share"
    if claim.stat == "pct_change":
        return "pct"
    return unit_of(claim, ds)


def digits(x, unit: str) -> int | None:
    """Decimals that show a number as precisely as it is written (up to two): $50.35bn, $0.5bn, $700bn. None where
    the reader's default is exact enough ($2.55tn, 4.22%)."""
    if x is None or isinstance(x, str) or (isinstance(x, float) and math.isnan(x)):
        return None
    if unit == "bn" and abs(x) >= 1000:
        return None
    if unit not in ("bn", "bp", "ratio"):
        return None
    text = f"{round(float(x), 2):.2f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def actual_digits(claim: Claim, x, unit: str) -> int | None:
    """Decimals for what the data give: as precise as the claim is stated (its value, tolerance or bounds), never
    more than the number needs: $29.4bn against a claimed $50.35bn, $718bn against about $700bn ± $35bn."""
    mine = digits(x, unit)
    stated = [digits(v, unit) for v in (claim.expect, claim.tolerance, claim.low, claim.high)
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    stated = [d for d in stated if d is not None]
    if mine is None or not stated:
        return mine
    return min(mine, max(stated))


def actual_key(claim_id: str) -> str:
    """The sidecar key holding what the data give for a claim whose statistic has no claim kind of its own."""
    return f"actual_{claim_id}"


def _values(claim: Claim, ds) -> pd.Series:
    values = ds.measure(claim.measure) if claim.measure else ds.series(claim.series, native=True)
    return values.dropna()


def data_claim(claim: Claim, verdict: Verdict, ds) -> F.Claim | None:
    """The note's own claim of what the data give for a checked claim (None when the data give nothing: an
    unverifiable claim). Its id is the checked claim's, so that the sidecar and the verdicts table line up."""
    if verdict.actual is None and claim.stat not in ("first_above", "first_below"):
        return None
    if verdict.verdict == "unverifiable":
        return None
    try:
        values = _values(claim, ds)
    except MissingSeriesError:
        return None
    unit = unit_of(claim, ds)
    where = dict(measure=claim.measure, series=claim.series)
    cid = claim.id
    if claim.date is not None:
        if claim.stat not in ("value", "mean", "min", "max"):      # a change or a count on one day says nothing
            return None
        day = pd.Timestamp(verdict.dates[0])
        return F.level(cid, claim.measure, verdict.actual, day, unit=unit, series=claim.series,
                       digits=actual_digits(claim, verdict.actual, unit))
    start, end = claim.window
    window = values[(values.index >= start) & (values.index <= end)]
    if claim.stat == "value":
        return F.level(cid, claim.measure, verdict.actual, window.index.max(), unit=unit, series=claim.series,
                       digits=actual_digits(claim, verdict.actual, unit))
    if claim.stat in ("min", "max"):
        at = window.idxmax() if claim.stat == "max" else window.idxmin()
        return F.extreme(cid, claim.measure, claim.stat, verdict.actual, at, start, end,
                         first_observation=values.index.min(), unit=unit, series=claim.series,
                         digits=actual_digits(claim, verdict.actual, unit))
    if claim.stat == "change":
        if len(window) < 2:
            return None
        return F.change(cid, claim.measure, window.index.min(), window.index.max(), verdict.actual, unit=unit,
                        series=claim.series, digits=actual_digits(claim, verdict.actual, unit))
    if claim.stat == "share":
        whole = ds.measure(claim.of).dropna()
        whole = whole[(whole.index >= start) & (whole.index <= end)]
        return F.share(cid, claim.measure, claim.of, start, end, float(window.iloc[-1] - window.iloc[0]),
                       float(whole.iloc[-1] - whole.iloc[0]))
    if claim.stat in ("count_above", "count_below"):
        direction = claim.stat.split("_")[1]
        return F.Claim(cid, "count", "data", **where, value=float(verdict.actual), unit=unit, level=claim.level,
                       direction=direction, total=len(window), start=pd.Timestamp(start), end=pd.Timestamp(end))
    if claim.stat in ("first_above", "first_below"):
        direction = claim.stat.split("_")[1]
        return F.Claim(cid, "crossing", "data", **where, unit=unit, level=claim.level, direction=direction,
                       at=None if verdict.actual is None else pd.Timestamp(verdict.actual),
                       start=pd.Timestamp(start), end=pd.Timestamp(end))
    # mean, pct_change: the claims check's output, named by the sidecar key that holds it
    subject = {"subject": MEASURES[claim.measure].title if claim.measure else ds.info(claim.series).title}
    vu = value_unit(claim, ds)
    shown = dict(output=actual_key(cid), start=window.index.min(), end=window.index.max(), label_values=subject,
                 digits=actual_digits(claim, verdict.actual, vu))
    if claim.stat == "mean":
        return F.model_value(cid, "the mean of {subject}", verdict.actual, vu, model="the claims check", **shown)
    return F.model_value(cid, "the percent change of {subject}", verdict.actual, vu, model="the claims check",
                         **shown)

"""How the claims check speaks: each claim quoted in the reader's language, its statistic named in words, every
amount with its unit in both languages ($50.35bn / 503.5亿美元, 18bp / 18个基点), bounds as bounds, and the verdict
sentences that open the key findings (models.findings.Finding.lead). The value the data give is a claim of the note
(models.claims_findings), rendered by the findings templates and re-checked before publish."""
from __future__ import annotations

import re

import pandas as pd

from ..models import findings as F
from ..models.claims import Claim, Verdict
from ..models.claims_findings import actual_digits, data_claim, digits, value_unit
from .findings import amount
from .i18n import Text, fmt, message, tr

# the statistics in words (never the raw "min" or "value" of the file)
STATS = {"value": message("value on the date"), "mean": message("mean over the window"),
         "min": message("lowest in the window"), "max": message("highest in the window"),
         "change": message("change over the window"), "pct_change": message("percent change over the window"),
         "share": message("share of the other measure's change"),
         "count_above": message("observations above the level"), "count_below": message("observations below the level"),
         "first_above": message("first day above the level"), "first_below": message("first day below the level")}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def quoted(english: str, chinese: str | None) -> Text:
    """A text of someone else's, quoted in the reader's language: “...” in both (mainland Chinese quotes,
    STYLE.zh.md)."""
    return Text(lambda lang: f"“{chinese}”" if lang == "zh" else f"“{english}”")


def quote(claim: Claim, zh: dict[str, str]) -> Text:
    """The claim as written, quoted in the reader's language (its Chinese text from `models.claims.chinese_texts`)."""
    return quoted(claim.text, zh.get(claim.id))


def verdict_name(verdict: str) -> Text:
    return {"supported": tr("supported"), "contradicted": tr("contradicted"),
            "unverifiable": tr("unverifiable")}[verdict]


def stat_name(stat: str) -> Text:
    return tr(STATS[stat])


def number(x, claim: Claim, ds, spread: bool = False, given: bool = False) -> Text:
    """A number of a claim in its unit: an amount, a rate (a change of a rate, or a tolerance on one, in basis
    points), a share, a count, or a date for a first crossing. `spread`: a difference (a tolerance); `given`: what
    the data give (as precise as the claim is stated)."""
    if claim.stat in ("first_above", "first_below"):
        return tr("never") if x is None else fmt.date(x)
    unit = value_unit(claim, ds)
    if unit == "pct" and claim.stat != "pct_change" and (spread or claim.stat == "change"):
        return fmt.bp(x * 100, digits=digits(x * 100, "bp") or 0)
    return amount(x, unit, digits=actual_digits(claim, x, unit) if given else digits(x, unit))


def claimed(claim: Claim, ds) -> Text:
    """What the claim says, with its tolerance or bounds: "$50.35bn, tolerance $0.5bn", "at most $10bn"."""
    if claim.low is not None and claim.high is not None:
        return tr("between {low} and {high}", low=number(claim.low, claim, ds), high=number(claim.high, claim, ds))
    if claim.high is not None:
        return tr("at most {high}", high=number(claim.high, claim, ds))
    if claim.low is not None:
        return tr("at least {low}", low=number(claim.low, claim, ds))
    if claim.stat in ("first_above", "first_below"):
        return number(claim.expect, claim, ds)
    return tr("{value}, tolerance {tolerance}", value=number(claim.expect, claim, ds),
              tolerance=number(claim.tolerance, claim, ds, spread=True))


def actual(verdict: Verdict, claim: Claim, ds) -> Text:
    """What the data give, as precise as the claim is stated (the findings' clause shows the same)."""
    if verdict.verdict == "unverifiable" or (verdict.actual is None and claim.stat not in ("first_above",
                                                                                            "first_below")):
        return tr("n/a")
    return number(verdict.actual, claim, ds, given=True)


def reasons(verdict: Verdict) -> Text:
    """Why a verdict is what it is, in the reader's language: dates as dates, statistics and directions in words."""
    def value(k, v):
        if k == "stat":
            return stat_name(v)
        if k == "direction":
            return tr("above") if v == "above" else tr("below")
        if isinstance(v, str) and _ISO.match(v):
            return fmt.date(v)
        return v

    from ..models.claims import REASONS

    return tr("; ").join(tr(REASONS[code], **{k: value(k, v) for k, v in values.items()})
                         for code, values in verdict.notes)


def dates(verdict: Verdict) -> Text:
    return tr("{low} – {high}", low=fmt.date(verdict.dates[0]), high=fmt.date(verdict.dates[1])) \
        if len(verdict.dates) == 2 else (fmt.date(verdict.dates[0]) if verdict.dates else "")


def summary(verdicts: list[Verdict]) -> Text:
    """The tally that opens the findings, and what the bullets after it show."""
    from ..models.claims import summary as counts

    c = counts(verdicts)
    text = tr("{supported} of {total} claims supported, {contradicted} contradicted, {unverifiable} unverifiable",
              **c)
    if c["supported"] == c["total"]:
        return text + tr("; every claim is in the table of section 1")
    return text + tr("; each claim the data do not support follows, with what the data give")


def findings(claims: list[Claim], verdicts: list[Verdict], zh: dict[str, str], ds) -> list[F.Finding]:
    """The key findings of a claims check: the tally, then each claim that is not supported, quoted, with what it
    claims and, as a claim of the note, what the data give (none for a claim that cannot be checked)."""
    out = [F.finding(lead=summary(verdicts))]
    for claim, verdict in zip(claims, verdicts):
        if verdict.verdict == "supported":
            continue
        if verdict.verdict == "contradicted":
            lead = tr("{quote} is contradicted (claimed: {claimed})", quote=quote(claim, zh),
                      claimed=claimed(claim, ds))
            said = data_claim(claim, verdict, ds)
            if said is None:              # a statistic the findings cannot state as a claim: the number in words
                lead = tr("{quote} is contradicted (claimed: {claimed}; the data give {actual})",
                          quote=quote(claim, zh), claimed=claimed(claim, ds), actual=actual(verdict, claim, ds))
            out.append(F.finding(said, lead=lead))
        else:
            out.append(F.finding(lead=tr("{quote} cannot be checked here ({why})", quote=quote(claim, zh),
                                         why=reasons(verdict))))
    return out


def table(claims: list[Claim], verdicts: list[Verdict], zh: dict[str, str], ds) -> pd.DataFrame:
    """Every claim with its verdict: the quotation, the statistic in words, what the data give and what the claim
    says (with units, tolerance or bounds), the series and dates used, and why."""
    return pd.DataFrame({
        tr("claim"): [quote(c, zh) for c in claims],
        tr("verdict"): [verdict_name(v.verdict) for v in verdicts],
        tr("statistic"): [stat_name(c.stat) for c in claims],
        tr("actual"): [actual(v, c, ds) for c, v in zip(claims, verdicts)],
        tr("claimed"): [claimed(c, ds) for c in claims],
        tr("series"): [v.series for v in verdicts],
        tr("dates"): [dates(v) for v in verdicts],
        tr("note"): [reasons(v) for v in verdicts]})

"""Findings rendered for readers, and re-checked before publish.

Each claim (models/findings.py) is rendered by the one template of its kind, in every language of the run, with its
numbers formatted by `fmt`. A finding (one bullet) is its claims' clauses joined into one sentence. The house rules
live here, once:
- provenance in words: an assumption reads "we assume ...", a decision says who decided it and when, a model output
  names its model, data published after the as-of date read "with hindsight";
- every clause carries its own date or window, so a figure dated differently from the others in its sentence says so;
- a record ("the highest") names its window, which starts no earlier than the series or the facility;
- names of their era (`era_title`): IOER before 29 Jul 2021, no SRF before 28 Jul 2021;
- test verdicts at the one house significance level (core.rules), stated in the clause;
- a selection of rows states its rule.

`verify` re-reads a rendered clause against its claims without using the templates: every number and date the
claims carry must appear, no other number or date may, and only a change may read as one ("rose", "fell", a sign).
`check_note` runs it on every finding of an executed note with the claims engine (data claims) and the sidecar
(model claims): the publish gate fails a note whose findings do not hold.
"""
from __future__ import annotations

import re

import pandas as pd

from ..core.rules import IORB_FROM, SIGNIFICANCE, SRF_FROM
from ..data.measures import MEASURES
from ..models.findings import Claim, Finding, flatten
from .i18n import Text, fmt, language, realize, tr

WEEKLY_CONCEPTS = ("Wednesday level", "week average ending Wednesday")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VERDICTS = {"better": "better than the random walk", "worse": "worse than the random walk",
            "no different": "not distinguishable from the random walk", "significant": "significant",
            "not significant": "not significant"}
WHO = ("the FOMC", "the New York Fed", "the Treasury", "the Federal Reserve")


# -- names of their era ------------------------------------------------------------------------------------------------
# how a sentence names a measure (the tables and charts use the measure's title)
NAMES = {"reserves": "reserves", "fed_assets": "Fed assets", "treasuries_held": "Treasury holdings",
         "mbs_held": "MBS holdings", "tga": "the TGA (Wednesday level)", "tga_week_avg": "the TGA (week average)",
         "tga_daily": "the TGA (daily close)", "rrp": "ON RRP take-up", "rrp_week_avg": "ON RRP (week average)",
         "srf_usage": "SRF take-up (all collateral)", "repo_treasury": "Fed repo operations (Treasury collateral)",
         "currency": "currency in circulation", "net_liquidity": "net liquidity", "sofr": "SOFR", "effr": "EFFR",
         "iorb": "IORB", "tgcr": "TGCR", "sofr99": "the 99th percentile of SOFR", "sofr_iorb": "SOFR - IORB",
         "effr_iorb": "EFFR - IORB", "tgcr_iorb": "TGCR - IORB", "sofr99_iorb": "SOFR's 99th percentile - IORB",
         "sofr_rrp": "SOFR - ON RRP rate", "reserves_gdp": "reserves/GDP", "sp500": "the S&P 500", "btc": "bitcoin",
         "srf_rate": "the SRF rate", "rrp_rate": "the ON RRP rate"}


def era_title(measure: str, day=None, name: bool = False) -> str:
    """A measure's title (or, with name=True, how a sentence names it) as it was called on `day` (an English message
    for tr): IOER before 29 Jul 2021; before the SRF existed its rate is the top of the target range."""
    title = NAMES.get(measure, MEASURES[measure].title) if name else MEASURES[measure].title
    if name and measure == "srf_rate" and day is not None and pd.Timestamp(day) < SRF_FROM:
        return "the top of the target range"
    if day is None:
        return title
    day = pd.Timestamp(day)
    if day < IORB_FROM and "IORB" in title:
        return title.replace("IORB", "IOER")
    if day < SRF_FROM and measure == "srf_rate":
        return MEASURES["range_high"].title
    if day < SRF_FROM and "SRF rate" in title:          # a spread over it (sofr_srf): the top of the range then
        return title.replace("SRF rate", "top of the target range")
    return title


def _label_value(v):
    if isinstance(v, pd.Timestamp):
        return fmt.date(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return fmt.num(v, 0 if float(v).is_integer() else 2)
    return tr(v) if isinstance(v, str) else v


def _claim_day(c: Claim):
    return c.date or c.at or c.end or c.start


def subject(c: Claim) -> Text:
    if c.label:
        return tr(c.label, **{k: _label_value(v) for k, v in c.label_values})
    if c.measure:
        return tr(era_title(c.measure, _claim_day(c), name=True))
    return Text.of(en=c.series or c.output or c.id)


# -- numbers by unit ---------------------------------------------------------------------------------------------------
def amount(x, unit: str, sign: bool = False, digits: int | None = None) -> Text:
    """A value in its unit, in the reader's conventions."""
    if unit == "bn":
        return fmt.bn(x, sign=sign, digits=digits)
    if unit == "bn_month":
        return tr("{amount} a month", amount=fmt.bn(x, sign=sign, digits=digits))
    if unit == "pct":
        return fmt.pct(x, sign=sign, digits=2 if digits is None else digits)
    if unit == "bp":
        return fmt.bp(x, sign=sign, digits=digits or 0)
    if unit == "share":
        return fmt.share(x)
    if unit == "ratio":
        return fmt.num(x, 2 if digits is None else digits, sign=sign)
    if unit in ("count", "weeks"):
        return fmt.num(x, 0)
    if unit == "p":
        return fmt.p(x)
    return fmt.num(x, 2, sign=sign)


def _abs(x):
    return None if x is None else abs(x)


# -- one template per kind ---------------------------------------------------------------------------------------------
def _moved(c: Claim) -> Text:
    v = c.value
    if abs(v) < (0.05 if c.unit == "bn" else 0.005):
        return tr("did not change")
    size = fmt.bp(abs(v) * 100) if c.unit == "pct" else amount(abs(v), c.unit, digits=c.digits)
    return tr("rose {amount}", amount=size) if v > 0 else tr("fell {amount}", amount=size)


def _window(c: Claim) -> Text:
    return tr("from {start} to {end}", start=fmt.date(c.start), end=fmt.date(c.end))


def clause(c: Claim) -> Text:
    """The clause a claim reads as (its kind's template)."""
    text = _clause(c)
    if c.provenance == "hindsight":
        text = tr("with hindsight (published after {as_of}), {clause}", as_of=fmt.date(c.as_of), clause=text)
    return text


def _clause(c: Claim) -> Text:
    s = subject(c)
    if c.kind == "level" and c.provenance == "model":
        text = tr("{model} puts {subject} at {value}", model=tr(c.model), subject=s,
                  value=amount(c.value, c.unit, digits=c.digits))
        return text + _model_suffix(c)
    if c.kind == "level":
        return tr("{subject} stood at {value} on {date}", subject=s, value=amount(c.value, c.unit, digits=c.digits),
                  date=fmt.date(c.date))
    if c.kind == "change":
        return tr("{subject} {moved} from {start} to {end}", subject=s, moved=_moved(c), start=fmt.date(c.start),
                  end=fmt.date(c.end))
    if c.kind == "share":
        values = dict(part_move=tr("rise") if c.part_change > 0 else tr("fall"), part=s,
                      part_amount=amount(abs(c.part_change), "bn"), share=fmt.share(abs(c.value)),
                      whole_move=tr("rise") if c.whole_change > 0 else tr("fall"),
                      whole=tr(era_title(c.of, c.end, name=True)),
                      whole_amount=amount(abs(c.whole_change), "bn"), start=fmt.date(c.start), end=fmt.date(c.end))
        if (c.part_change > 0) == (c.whole_change > 0):
            return tr("the {part_move} in {part} ({part_amount}) was {share} of the {whole_move} in {whole} "
                      "({whole_amount}) from {start} to {end}", **values)
        return tr("the {part_move} in {part} ({part_amount}) offset {share} of the {whole_move} in {whole} "
                  "({whole_amount}) from {start} to {end}", **values)
    if c.kind == "extreme":
        value = amount(c.value, c.unit, digits=c.digits)
        if c.window_from == "facility":
            span = tr("since the facility opened ({start}; data to {end})", start=fmt.date(c.start),
                      end=fmt.date(c.end))
        elif c.window_from == "series":
            span = tr("since the series began ({start}; data to {end})", start=fmt.date(c.start),
                      end=fmt.date(c.end))
        else:
            span = tr("between {start} and {end}", start=fmt.date(c.start), end=fmt.date(c.end))
        if c.direction == "max":
            return tr("{subject} peaked at {value} on {at}, the highest {span}", subject=s, value=value,
                      at=fmt.date(c.at), span=span)
        return tr("{subject} reached a low of {value} on {at}, the lowest {span}", subject=s, value=value,
                  at=fmt.date(c.at), span=span)
    if c.kind == "count":
        unit = tr("weeks") if c.measure and MEASURES[c.measure].concept in WEEKLY_CONCEPTS else tr("days with data")
        values = dict(subject=s, level=amount(c.level, c.unit), n=fmt.num(c.value, 0), total=fmt.num(c.total, 0),
                      unit=unit, start=fmt.date(c.start), end=fmt.date(c.end))
        if c.direction == "above" and c.level == 0:
            values.pop("level")
            return tr("{subject} stood above zero on {n} of the {total} {unit} from {start} to {end}", **values)
        if c.direction == "above":
            return tr("{subject} stood above {level} on {n} of the {total} {unit} from {start} to {end}", **values)
        return tr("{subject} stood below {level} on {n} of the {total} {unit} from {start} to {end}", **values)
    if c.kind == "crossing":
        lvl = amount(c.level, c.unit)
        below = c.direction == "below"
        at, start, end = fmt.date(c.at), fmt.date(c.start), fmt.date(c.end)
        if c.note == "already" and c.at == c.start:     # every observation of the series is across
            return tr("{subject} stood below {level} on every observation of the series (from {at})", subject=s,
                      level=lvl, at=at) if below else \
                tr("{subject} stood above {level} on every observation of the series (from {at})", subject=s,
                   level=lvl, at=at)
        if c.note == "already" and c.at == c.end:       # a run of one: only the latest observation is across
            return tr("{subject} went below {level} on {at}, the latest observation", subject=s, level=lvl, at=at) \
                if below else tr("{subject} went above {level} on {at}, the latest observation", subject=s, level=lvl,
                                 at=at)
        if c.note == "already":
            return tr("{subject} stood below {level} on every observation since {at}", subject=s, level=lvl, at=at) \
                if below else tr("{subject} stood above {level} on every observation since {at}", subject=s,
                                 level=lvl, at=at)
        if c.at is None:
            return tr("{subject} did not go below {level} from {start} to {end}", subject=s, level=lvl, start=start,
                      end=end) if below else \
                tr("{subject} did not go above {level} from {start} to {end}", subject=s, level=lvl, start=start,
                   end=end)
        if below:
            return tr("{subject} first went below {level} on {at} (counting from {start})", subject=s, level=lvl,
                      at=at, start=start)
        return tr("{subject} first went above {level} on {at} (counting from {start})", subject=s, level=lvl, at=at,
                  start=start)
    if c.kind == "comparison":
        a, b = c.parts
        return tr("{first}, against {second}", first=_clause(a), second=_clause(b))
    if c.kind == "test" and c.horizon is not None:
        return tr("{subject}, {h} weeks ahead: {value} ({p}), {verdict} at the {alpha} significance level", subject=s,
                  h=fmt.num(c.horizon, 0), value=amount(c.value, c.unit, digits=c.digits), p=fmt.p(c.p),
                  verdict=tr(VERDICTS[c.verdict]), alpha=fmt.share(SIGNIFICANCE))
    if c.kind == "test":
        return tr("{subject}: {value} ({p}), {verdict} at the {alpha} significance level", subject=s,
                  value=amount(c.value, c.unit, digits=c.digits), p=fmt.p(c.p), verdict=tr(VERDICTS[c.verdict]),
                  alpha=fmt.share(SIGNIFICANCE))
    if c.kind == "projection":
        text = tr("{model} puts {subject} at {value} on {date}", model=tr(c.model), subject=s,
                  value=amount(c.value, c.unit, digits=c.digits), date=fmt.date(c.date))
        if c.low is not None and c.high is not None:
            text += tr(" ({band} band {low} to {high})", band=fmt.share(c.band or 0.9),
                       low=amount(c.low, c.unit, digits=c.digits), high=amount(c.high, c.unit, digits=c.digits))
        return text
    if c.kind == "assumption":
        value = tr(c.note) if c.unit == "text" else amount(c.value, c.unit, digits=c.digits)
        text = tr("we assume {subject} of {value}", subject=s, value=value)
        if c.date is not None:
            text += tr(" by {date}", date=fmt.date(c.date))
        if c.start is not None:
            text += tr(" from {start}", start=fmt.date(c.start))
        if c.end is not None:
            text += tr(" until {end}", end=fmt.date(c.end))
        return text
    if c.kind == "decision":
        return tr("{who} decided on {announced}: {decision}, effective {date}", who=tr(c.who),
                  announced=fmt.date(c.announced), decision=tr(c.label), date=fmt.date(c.date))
    raise ValueError(f"no template for kind {c.kind}")


def _model_suffix(c: Claim) -> Text | str:
    """What follows a model's value: its interval, then its date, its horizon or the data it was estimated on."""
    text = ""
    if c.low is not None and c.high is not None:
        text = tr(" ({band} interval {low} to {high})", band=fmt.share(c.band or 0.9),
                  low=amount(c.low, c.unit, digits=c.digits), high=amount(c.high, c.unit, digits=c.digits))
    if c.date is not None:
        text += tr(" on {date}", date=fmt.date(c.date))
    elif c.horizon is not None:
        text += tr(", {h} weeks ahead", h=fmt.num(c.horizon, 0))
    elif c.start is not None:
        text += tr(", estimated on data from {start} to {end}", start=fmt.date(c.start), end=fmt.date(c.end))
    return text


SHORT_VERDICTS = {"better": "better", "worse": "worse", "no different": "not distinguishable",
                  "significant": "significant", "not significant": "not significant"}


def listing(items: list) -> Text:
    """Items as a list in the reader's language: "a, b and c" / "a，b，c"."""
    items = list(items)

    def make(lang):
        parts = [realize(x, lang) for x in items]
        if lang == "zh" or len(parts) < 2:
            return "，".join(parts)
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    return Text(make)


def units(f: Finding) -> list[tuple[list[Claim], Text]]:
    """The clauses of a finding with the claims each reads: consecutive changes over one window read as one clause
    ("from A to B, the TGA rose x, reserves fell y and ..."); every other claim is a clause of its own."""
    out, claims, i = [], list(f.claims), 0
    while i < len(claims):
        c, j = claims[i], i + 1
        while j < len(claims) and _same_clause(c, claims[j]):
            j += 1
        group = claims[i:j]
        if len(group) > 1 and c.kind == "test":
            text = tr("{subject}: {items}, at the {alpha} significance level", subject=subject(c),
                      alpha=fmt.share(SIGNIFICANCE),
                      items=listing(tr("{value} at {h} weeks ({p}, {verdict})", value=amount(g.value, g.unit,
                                                                                          digits=g.digits),
                                       h=fmt.num(g.horizon, 0), p=fmt.p(g.p), verdict=tr(SHORT_VERDICTS[g.verdict]))
                                    for g in group))
            out.append((group, text))
        elif len(group) > 1 and c.kind == "level" and c.provenance == "model" and \
                len({(g.label, g.label_values) for g in group}) == 1:
            text = tr("{model} puts {subject} at {items}", model=tr(c.model), subject=subject(c),
                      items=listing(tr("{value} {h} weeks ahead", value=amount(g.value, g.unit, digits=g.digits),
                                       h=fmt.num(g.horizon, 0)) for g in group))
            out.append((group, text))
        elif len(group) > 1 and c.kind == "level" and c.provenance == "model":
            text = tr("{model} puts {items}", model=tr(c.model),
                      items=listing(tr("{subject} at {value}", subject=subject(g),
                                       value=amount(g.value, g.unit, digits=g.digits)) for g in group)) + \
                _model_suffix(c)
            out.append((group, text))
        elif len(group) > 1 and c.kind == "level":
            text = tr("on {date}, {items}", date=fmt.date(c.date),
                      items=listing(tr("{subject} stood at {value}", subject=subject(g),
                                       value=amount(g.value, g.unit, digits=g.digits)) for g in group))
            out.append((group, text))
        elif len(group) > 1:
            text = tr("from {start} to {end}, {items}", start=fmt.date(c.start), end=fmt.date(c.end),
                      items=listing(tr("{subject} {moved}", subject=subject(g), moved=_moved(g)) for g in group))
            if c.provenance == "hindsight":
                text = tr("with hindsight (published after {as_of}), {clause}", as_of=fmt.date(c.as_of), clause=text)
            out.append((group, text))
        else:
            out.append(([c], clause(c)))
        i = j
    return out


def _same_clause(a: Claim, b: Claim) -> bool:
    """Claims that read as one clause: changes over one window; data levels on one day; one test's results over
    several horizons; several values of one model with nothing else between them (the same date, horizon or data,
    no interval)."""
    if a.kind != b.kind or a.provenance != b.provenance:
        return False
    if a.kind == "change":
        return (a.start, a.end) == (b.start, b.end)
    if a.kind == "test":
        return a.horizon is not None and b.horizon is not None and a.horizon != b.horizon and \
            (a.label, a.model) == (b.label, b.model) and \
            [kv for kv in a.label_values if kv[0] != "h"] == [kv for kv in b.label_values if kv[0] != "h"]
    if a.kind == "level" and a.provenance == "model":
        if a.model != b.model or a.low is not None or b.low is not None:
            return False
        over_horizons = (a.label, a.label_values, a.date) == (b.label, b.label_values, b.date) and \
            a.horizon is not None and b.horizon is not None and a.horizon != b.horizon
        return over_horizons or (a.date, a.horizon, a.start, a.end) == (b.date, b.horizon, b.start, b.end)
    return a.kind == "level" and a.provenance == "data" and a.date == b.date


def sentence(f: Finding) -> Text:
    """A finding as one sentence: its clauses joined, the selection rule stated."""
    body = tr("; ").join(text for _, text in units(f))
    if f.selection:
        body += tr(" ({rule})", rule=tr(f.selection))
    if f.lead is not None:                 # a Text built by the library, or an English message
        lead = f.lead if isinstance(f.lead, Text) else tr(f.lead)
        body = tr("{lead}: {clauses}", lead=lead, clauses=body) if f.claims else lead
    return Text(lambda lang: _capital(body.render(lang)) + realize(tr("."), lang))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


# -- verification, independent of the templates ------------------------------------------------------------------------
_TOKENS = {
    "en": [r"[-+]?\$\d[\d,]*(?:\.\d+)?(?:tn|bn)", r"[-+]?\d[\d,]*(?:\.\d+)?%", r"[-+]?\d[\d,]*(?:\.\d+)?bp",
           r"\d{1,2} [A-Z][a-z]{2} \d{4}", r"[A-Z][a-z]{2} \d{4}", r"p [=<] \d(?:\.\d+)?",
           r"(?<![A-Za-z0-9_.$])\d[\d,]*(?:\.\d+)?"],
    "zh": [r"[-+]?\d[\d,]*(?:\.\d+)?(?:万亿美元|亿美元)", r"[-+]?\d[\d,]*(?:\.\d+)?%", r"[-+]?\d[\d,]*(?:\.\d+)?个基点",
           r"\d{4}年\d{1,2}月\d{1,2}日", r"\d{4}年\d{1,2}月(?!\d)", r"p [=<] \d(?:\.\d+)?",
           r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?"],
}
_CHANGE_WORDS = {"en": (r"\brose\b", r"\bfell\b", r"\bdid not change\b"),
                 "zh": (r"上升|增加", r"下降|减少", r"持平|不变")}


def tokens(text: str, lang: str) -> list[str]:
    """The numbers and dates a reader sees in a text, longest patterns first (an amount is not also a number)."""
    found, rest = [], text
    for pattern in _TOKENS[lang]:
        for m in re.finditer(pattern, rest):
            found.append(m.group(0))
        rest = re.sub(pattern, " ", rest)
    return found


def expected(c: Claim, lang: str) -> list[str]:
    """What a clause about `c` must show, formatted straight from the claim (not through its template)."""
    def r(t):
        return realize(t, lang)
    out = []
    days = [c.date, c.start, c.end, c.at, c.announced, c.as_of]
    if c.kind == "crossing" and c.at is not None:
        days = [c.at, c.start if c.note != "already" else None]
    out += [r(fmt.date(d)) for d in days if d is not None]
    if c.kind == "change":
        out.append(r(fmt.bp(abs(c.value) * 100) if c.unit == "pct" else amount(abs(c.value), c.unit, digits=c.digits)))
    elif c.kind == "share":
        out += [r(fmt.share(abs(c.value))), r(amount(abs(c.part_change), "bn")), r(amount(abs(c.whole_change), "bn"))]
    elif c.kind == "count":
        out += ([] if c.level == 0 and c.direction == "above" else [r(amount(c.level, c.unit))]) + \
            [r(fmt.num(c.value, 0)), r(fmt.num(c.total, 0))]
    elif c.kind == "crossing":
        out.append(r(amount(c.level, c.unit)))
    elif c.kind == "test":
        out += [r(amount(c.value, c.unit, digits=c.digits)), r(fmt.p(c.p)), r(fmt.share(SIGNIFICANCE))]
        out += [r(fmt.num(c.horizon, 0))] if c.horizon is not None else []
    elif c.kind == "comparison":
        for p in c.parts:
            out += expected(p, lang)
    elif c.kind in ("level", "extreme", "projection", "assumption"):
        out += [r(fmt.num(c.horizon, 0))] if c.horizon is not None and c.date is None else []
        if c.value is not None:
            out.append(r(amount(c.value, c.unit, digits=c.digits)))
        if c.low is not None and c.high is not None:
            out += [r(amount(c.low, c.unit, digits=c.digits)), r(amount(c.high, c.unit, digits=c.digits)),
                    r(fmt.share(c.band or 0.9))]
    return out


def _names(c: Claim, lang: str) -> list[str]:
    """The words of a clause that are names, not numbers (a label may hold a year: "the 2019 repo spike")."""
    out = [realize(subject(c), lang)]
    out += [realize(tr(x), lang) for x in (c.model, c.who) if x]
    if c.kind == "decision" or (c.kind == "assumption" and c.unit == "text"):
        out.append(realize(tr(c.label if c.kind == "decision" else c.note), lang))
    if c.kind == "share":
        out.append(realize(tr(era_title(c.of, c.end, name=True)), lang))
    for p in c.parts:
        out += _names(p, lang)
    return sorted(set(out), key=len, reverse=True)


def verify(claims: list[Claim], text: str, lang: str) -> list[str]:
    """Problems of a rendered clause or sentence against its claims (empty: it says what they say)."""
    problems = []
    want = [t for c in claims for t in expected(c, lang)]
    original = text
    for name in [n for c in claims for n in _names(c, lang)]:
        text = text.replace(name, " ")
    shown = tokens(text, lang)
    want_tokens = [t for w in want for t in tokens(w, lang)]
    for w in want_tokens:
        if w not in shown:
            problems.append(f"{w!r} is missing")
    for t in shown:
        if t not in want_tokens:
            problems.append(f"{t!r} is not a number or date of its claims")
    changes = [c for c in claims if c.kind == "change"]
    if not changes and not any(c.kind == "share" for c in claims):
        pattern = r"(rose|fell)\s+[-+]?\$" if lang == "en" else r"(上升|下降|增加|减少)[-+]?\d"
        if re.search(pattern, text):
            problems.append("reads as a change but claims no change")
    for c in changes:
        up, down, flat = _CHANGE_WORDS[lang]
        word = flat if abs(c.value) < (0.05 if c.unit == "bn" else 0.005) else (up if c.value > 0 else down)
        name = re.escape(realize(subject(c), lang))
        if not re.search(name + (r"\s+(?:" if lang == "en" else "(?:") + word + ")", original, re.IGNORECASE):
            problems.append(f"the change of {c.measure or c.label} ({c.value:+g}) does not read as such")
    if re.search(r"\+\$|\+\d[\d,.]*(?:万亿|亿)美元", text) and not changes:
        problems.append("a level carries a plus sign")
    return problems


def bullets(findings: list[Finding]) -> list[dict]:
    """What FINDINGS_MIME records per language: each bullet's sentence, and each clause with its claim ids."""
    lang = language()
    out = []
    for f in findings:
        out.append({"text": realize(sentence(f), lang),
                    "clauses": [{"claims": [x.id for x in flatten([Finding(tuple(group))])],
                                 "text": realize(text, lang)}
                                for group, text in units(f)]})
    return out


# -- the publish check -------------------------------------------------------------------------------------------------
def check_note(recorded: list[dict], sidecar: dict, by_lang: dict[str, list[dict]], datasets: dict | None = None
               ) -> list[str]:
    """Problems of an executed note's findings, or []: each data claim re-checked by the claims engine on the same
    data (the note's as-of cut; hindsight claims on the latest), each model claim against the sidecar key it names,
    and each clause of each language against its claims (`verify`)."""
    from ..models.claims import Claim as FileClaim, evaluate_all

    problems = []
    claims = {c["id"]: c for c in recorded}
    data = [c for c in recorded if c.get("stat")]
    file_claims = []
    for c in data:
        window = (pd.Timestamp(c["window"][0]), pd.Timestamp(c["window"][1])) if "window" in c else None
        file_claims.append(FileClaim(
            c["id"], c.get("text", ""), c.get("measure"), c.get("series"),
            pd.Timestamp(c["date"]) if "date" in c else None, window, c["stat"], c.get("expect"),
            float(c.get("tolerance", 1e-5)), str(c.get("tolerance", "")), 0, level=c.get("level"), of=c.get("of"),
            at=pd.Timestamp(c["at"]) if c.get("at") else None,
            as_of="latest" if c.get("provenance") == "hindsight" else str(sidecar.get("as_of") or "latest")))
    for v in evaluate_all(file_claims, datasets=datasets):
        if v.verdict != "supported":
            problems.append(f"finding {v.id}: the data say {v.actual!r}, the note {v.expect!r} ({v.verdict}: "
                            f"{v.reason})")
    for c in recorded:
        if c.get("provenance") != "model":
            continue
        for key, value in ((c.get("output"), c.get("value") if c.get("kind") != "crossing" else c.get("at")),
                           (c.get("p_output"), c.get("p"))):
            if key and not _same(sidecar.get(key), value):
                problems.append(f"finding {c['id']}: the model's output {key} is {sidecar.get(key)!r}, the note "
                                f"says {value!r}")
    for lang, items in by_lang.items():
        for bullet in items:
            for part in bullet.get("clauses", []):
                objs = [from_dict(claims[i]) for i in part["claims"] if i in claims]
                for problem in verify(objs, part["text"], lang):
                    problems.append(f"finding {', '.join(part['claims'])} ({lang}): {problem}: {part['text']!r}")
    return problems


def _same(got, said) -> bool:
    """A sidecar value and a claim's value agree: numbers within the sidecar's rounding, dates and words exactly."""
    if isinstance(got, (int, float)) and not isinstance(got, bool) and isinstance(said, (int, float)):
        return abs(float(got) - float(said)) <= 1e-5 * max(1.0, abs(float(got)))
    return got == said


def from_dict(d: dict) -> Claim:
    """A claim back from its sidecar form."""
    fields = {k: v for k, v in d.items() if k in Claim.__dataclass_fields__}
    for k in ("date", "start", "end", "at", "announced", "as_of"):
        if fields.get(k) is not None:
            fields[k] = pd.Timestamp(fields[k])
    if "parts" in d:
        fields["parts"] = tuple(from_dict(p) for p in d["parts"])
    if "label_values" in d:
        fields["label_values"] = tuple(sorted((k, pd.Timestamp(v) if isinstance(v, str) and _ISO.match(v) else v)
                                              for k, v in d["label_values"].items()))
    if d.get("stat") and "window" in d and fields.get("start") is None:
        fields["start"], fields["end"] = (pd.Timestamp(x) for x in d["window"])
    return Claim(**fields)

"""Findings as structured claims: what a note asserts, in a form that is re-checked before publish and rendered in
every language by one template per kind (publish/findings.py).

A `Claim` is one assertion: its kind, what it is about (a measure, a series, or a model output named by its sidecar
key), its date or window, its value(s) and unit, and where the value comes from (provenance):
- data: recomputable from a measure or series by the claims engine (models/claims.py) on the note's data;
- hindsight: the same, from data published after the note's as-of date (re-checked on the latest data);
- model: a model's output, re-checked against the sidecar key it names (`output`);
- assumption: a value the note assumes (a parameter); it reads as an assumption, never as a fact or a decision;
- decision: a policy decision of data/events.yaml, with who decided it and when it was announced.

A `Finding` is one bullet of the key findings (or one caveat sentence with numbers): one or more claims rendered
together. `Finding.selection` states the rule when a finding shows some rows of a table and not others.

Kinds and what each carries:
  level       value of a measure on a date                      (stat value)
  change      change of a measure over a window                 (stat change; start and end are observations)
  share       change of one measure as a share of another's     (stat share, `of` the other measure)
  extreme     peak or trough over a window, with its date        (stat max/min; `at`; the window never starts
                                                                  before the series or the facility exists)
  count       observations above or below a level in a window   (stat count_above/count_below, `level`)
  crossing    first date a measure crosses a level in a window  (stat first_below/first_above, `level`)
  comparison  two claims side by side (each with its own date)
  test        a test's estimate and p-value, with its verdict at the house significance level (core.rules)
  projection  a model's value on a date, with its band
  assumption  a value the note assumes
  decision    who decided what, announced when, effective when
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from ..core.errors import InputError
from ..core.rules import SIGNIFICANCE, SRF_FROM

KINDS = ("level", "change", "share", "extreme", "count", "crossing", "comparison", "test", "projection",
         "assumption", "decision")
PROVENANCES = ("data", "hindsight", "model", "assumption", "decision")
UNITS = ("bn", "pct", "bp", "share", "ratio", "count", "weeks", "index", "usd", "p", "bn_month", "date", "text")
DATA_STATS = {"level": "value", "change": "change", "share": "share", "extreme": None, "count": None,
              "crossing": None}
# measures whose history begins with a facility: a record over them starts no earlier than the facility
FACILITY_START = {"srf_usage": SRF_FROM, "srf_agency": SRF_FROM, "srf_mbs": SRF_FROM}


def _day(d) -> pd.Timestamp | None:
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return None
    ts = pd.Timestamp(d)
    return None if pd.isna(ts) else ts.normalize()


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class Claim:
    id: str
    kind: str
    provenance: str = "data"
    measure: str | None = None       # a measure of data.measures (display units)
    series: str | None = None        # or a catalog series (native units)
    output: str | None = None        # model provenance: the sidecar key holding the model's value
    label: str | None = None         # what the claim is about, for a reader (an English message), when not a measure
    value: float | None = None
    unit: str = "bn"
    date: pd.Timestamp | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    at: pd.Timestamp | None = None   # extreme: the day of the peak or trough; crossing: the first day across
    level: float | None = None       # count, crossing: the threshold
    direction: str | None = None     # extreme: max | min; count, crossing: above | below
    total: int | None = None         # count: observations in the window
    of: str | None = None            # share: the measure whose change is the whole
    part_change: float | None = None
    whole_change: float | None = None
    low: float | None = None         # projection: the band
    high: float | None = None
    band: float | None = None        # projection: the band's coverage (0.9)
    model: str | None = None         # projection, test: the model's name (an English message)
    p: float | None = None           # test
    verdict: str | None = None       # test: better | worse | no different | significant | not significant
    who: str | None = None           # decision: who decided it (an English message)
    announced: pd.Timestamp | None = None
    as_of: pd.Timestamp | None = None   # hindsight: the note's as-of date (what came after it)
    window_from: str | None = None   # extreme/crossing: why the window starts where it does (series, facility)
    parts: tuple = ()                # comparison: the claims compared
    note: str | None = None          # a short qualifier for the reader (an English message), e.g. the concept
    digits: int | None = None        # decimals shown, where the default would hide what matters ($50.35bn)
    label_values: tuple = ()         # ((name, value), ...) filling the label's {placeholders}: whole numbers, dates
    p_output: str | None = None      # test: the sidecar key of its p-value
    horizon: int | None = None       # a forecast's horizon in weeks (test, model values of a scorecard)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id}: provenance {self.provenance!r} is not one of {', '.join(PROVENANCES)}")
        if self.unit not in UNITS:
            raise ValueError(f"claim {self.id}: unit {self.unit!r} is not one of {', '.join(UNITS)}")
        if self.provenance in ("data", "hindsight") and self.kind in DATA_STATS and not (self.measure or self.series):
            raise ValueError(f"claim {self.id}: a {self.provenance} claim names its measure or series")
        if self.provenance == "model" and not self.output:
            raise ValueError(f"claim {self.id}: a model claim names the sidecar key of its output")
        if self.provenance == "hindsight" and self.as_of is None:
            raise ValueError(f"claim {self.id}: a hindsight claim carries the note's as-of date")

    # -- what the claims engine re-checks ----------------------------------------------------------------------------
    @property
    def stat(self) -> str | None:
        """The claims engine's statistic for a data claim (None when the claim is not recomputable from data)."""
        if self.provenance not in ("data", "hindsight"):
            return None
        if self.kind in ("level", "change", "share"):
            return DATA_STATS[self.kind]
        if self.kind == "extreme":
            return self.direction
        if self.kind == "count":
            return f"count_{self.direction}"
        if self.kind == "crossing":
            return f"first_{self.direction}"
        return None

    def as_dict(self, text: str = "") -> dict:
        """The sidecar form. Data claims carry the keys a claims file has (id, text, measure or series, date or
        window, stat, expect, tolerance), so that `liquidity claims` re-checks them."""
        out = {k: _plain(v) for k, v in asdict(self).items() if k not in ("parts", "label_values") and v is not None}
        if self.label_values:
            out["label_values"] = {k: _plain(v) for k, v in self.label_values}
        if self.parts:
            out["parts"] = [p.as_dict() for p in self.parts]
        stat = self.stat
        if stat:
            out["stat"] = stat
            out["text"] = text
            if self.date is not None:
                out["date"] = _plain(self.date)
            else:
                out["window"] = [_plain(self.start), _plain(self.end)]
            if stat.startswith("first_"):
                out["expect"] = _plain(self.at)
            elif stat in ("max", "min"):
                out["expect"], out["at"] = self.value, _plain(self.at)
            else:
                out["expect"] = self.value
            out["tolerance"] = tolerance(self.value)
        return out


def tolerance(value) -> float:
    """How far a recomputed value may differ: the sidecar keeps 6 decimals, the data are the same snapshot."""
    v = _num(value) if not isinstance(value, (str, pd.Timestamp)) else None
    return 1e-5 if v is None else max(1e-5, abs(v) * 1e-9)


def _plain(v):
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    return v


@dataclass(frozen=True)
class Finding:
    """One bullet (or caveat sentence): its claims, rendered together, and the rule of a selection it shows.

    `lead` is what the bullet answers when that is not a claim of the note: a claims check quotes the claim it
    checks, with the claimed value and its verdict ("“...” is contradicted (claimed $50.35bn ± $0.5bn)"). It is text
    in every language of the run (publish.i18n.Text), built by the library, rendered before the clauses and never
    re-read as a claim; a finding of a lead alone (a claim that cannot be checked) holds no claim."""
    claims: tuple[Claim, ...]
    selection: str | None = None     # e.g. "the five largest days" (an English message); None: nothing left out
    lead: str | None = None

    def __post_init__(self):
        if not self.claims and self.lead is None:
            raise ValueError("a finding holds at least one claim")
        ids = [c.id for c in self.claims]
        if len(set(ids)) != len(ids):
            raise ValueError(f"claim ids repeat in a finding: {ids}")


def finding(*claims: Claim, selection: str | None = None, lead: str | None = None) -> Finding:
    return Finding(tuple(c for c in claims if c is not None), selection, lead)


# -- constructors: each checks what its kind needs ---------------------------------------------------------------------
def level(id: str, measure: str, value, date, unit: str = "bn", provenance: str = "data", series=None, label=None,
          as_of=None, note=None, digits=None) -> Claim:
    return Claim(id, "level", provenance, measure=measure, series=series, label=label, value=_need(id, value),
                 unit=unit, date=_need_day(id, date), as_of=_day(as_of), note=note, digits=digits)


def change(id: str, measure: str, start, end, value, unit: str = "bn", provenance: str = "data", series=None,
           label=None, as_of=None, digits=None) -> Claim:
    """The change from the observation on `start` to the one on `end` (both observation dates of the measure)."""
    start, end = _need_day(id, start), _need_day(id, end)
    if start >= end:
        raise ValueError(f"claim {id}: the window {start:%Y-%m-%d}..{end:%Y-%m-%d} is empty")
    return Claim(id, "change", provenance, measure=measure, series=series, label=label, value=_need(id, value),
                 unit=unit, start=start, end=end, as_of=_day(as_of), digits=digits)


def share(id: str, part: str, whole: str, start, end, part_change, whole_change, provenance: str = "data",
          label=None) -> Claim:
    """The change of `part` as a share of the change of `whole` over the same window (signed: a fall in ON RRP
    against a rise in the TGA is a negative share)."""
    part_change, whole_change = _need(id, part_change), _need(id, whole_change)
    if whole_change == 0:
        raise ValueError(f"claim {id}: the change of {whole} is zero; a share of it is undefined")
    return Claim(id, "share", provenance, measure=part, of=whole, label=label, value=part_change / whole_change,
                 unit="share", start=_need_day(id, start), end=_need_day(id, end), part_change=part_change,
                 whole_change=whole_change)


def extreme(id: str, measure: str, direction: str, value, at, start, end, first_observation=None, unit: str = "bn",
            provenance: str = "data", label=None, series=None, digits=None) -> Claim:
    """A peak (max) or trough (min) over [start, end]. The window starts no earlier than the series' first
    observation or the facility the measure belongs to; the claim says which bound it starts at."""
    if direction not in ("max", "min"):
        raise ValueError(f"claim {id}: direction {direction!r} is max or min")
    start, end = _need_day(id, start), _need_day(id, end)
    why = None
    bounds = [(FACILITY_START.get(measure), "facility"), (_day(first_observation), "series")]
    for bound, reason in bounds:
        if bound is not None and start <= bound:
            start, why = bound, reason
    return Claim(id, "extreme", provenance, measure=measure, series=series, label=label, value=_need(id, value),
                 unit=unit, at=_need_day(id, at), start=start, end=end, direction=direction, window_from=why,
                 digits=digits)


def count(id: str, measure: str, direction: str, level: float, n: int, total: int, start, end, unit: str = "bn",
          provenance: str = "data", label=None) -> Claim:
    if direction not in ("above", "below"):
        raise ValueError(f"claim {id}: direction {direction!r} is above or below")
    return Claim(id, "count", provenance, measure=measure, label=label, value=float(n), unit=unit, level=float(level),
                 direction=direction, total=int(total), start=_need_day(id, start), end=_need_day(id, end))


def crossing(id: str, measure: str, direction: str, level: float, at, start, end, unit: str = "bn",
             provenance: str = "data", label=None, already=False, model=None, output=None) -> Claim:
    """The first day in [start, end] the measure is below (or above) `level`; `at` None: it never was. `already`:
    it was across at the start of the window already, and `at` is the day it went across (then `start` is the
    last observation on the other side, so that the claims engine finds `at` as the first day across).
    A crossing of a model's path has provenance model and names its model and output."""
    if direction not in ("above", "below"):
        raise ValueError(f"claim {id}: direction {direction!r} is above or below")
    return Claim(id, "crossing", provenance, measure=measure, label=label, unit=unit, level=float(level),
                 direction=direction, at=_day(at), start=_need_day(id, start), end=_need_day(id, end),
                 note="already" if already else None, model=model, output=output)


def comparison(id: str, *parts: Claim) -> Claim:
    if len(parts) != 2:
        raise ValueError(f"claim {id}: a comparison holds two claims")
    return Claim(id, "comparison", parts[0].provenance, unit=parts[0].unit, parts=tuple(parts))


def test(id: str, label: str, value, p, unit: str = "ratio", model: str | None = None, output: str | None = None,
         better_below: float | None = None, p_output: str | None = None, label_values: dict | None = None,
         horizon: int | None = None) -> Claim:
    """A test result with its verdict at the house significance level (core.rules.SIGNIFICANCE). With
    `better_below` (1 for an error ratio to a benchmark) the verdict is better / worse / no different; otherwise
    significant / not significant."""
    value, p = _num(value), _num(p)
    significant = p is not None and p < SIGNIFICANCE
    if better_below is not None:
        verdict = "no different" if (not significant or value is None) else \
            ("better" if value < better_below else "worse")
    else:
        verdict = "significant" if significant else "not significant"
    return Claim(id, "test", "model", label=label, value=value, unit=unit, p=p, verdict=verdict, model=model,
                 output=output or id, p_output=p_output, label_values=_pairs(label_values),
                 horizon=None if horizon is None else int(horizon))


def projection(id: str, measure: str | None, value, date, low=None, high=None, band=None, model: str = "",
               output: str | None = None, label=None, unit: str = "bn") -> Claim:
    if not model:
        raise ValueError(f"claim {id}: a projection names its model")
    return Claim(id, "projection", "model", measure=measure, label=label, value=_need(id, value), unit=unit,
                 date=_need_day(id, date), low=_num(low), high=_num(high), band=_num(band), model=model,
                 output=output or id)


def model_value(id: str, label: str, value, unit: str, model: str, output: str | None = None, date=None,
                low=None, high=None, band=None, start=None, end=None, label_values: dict | None = None,
                digits=None, horizon: int | None = None) -> Claim:
    """A model's estimate that is not a projection over time (a kink, an elasticity, an offset share): a level of
    the model's output, named and attributed to its model."""
    return Claim(id, "level", "model", label=label, value=_need(id, value), unit=unit, model=model,
                 output=output or id, date=_day(date), low=_num(low), high=_num(high), band=_num(band),
                 start=_day(start), end=_day(end), label_values=_pairs(label_values), digits=digits,
                 horizon=None if horizon is None else int(horizon))


def _pairs(values: dict | None) -> tuple:
    return tuple(sorted((values or {}).items()))


def assumption(id: str, label: str, value, unit: str = "bn", start=None, end=None, date=None) -> Claim:
    return Claim(id, "assumption", "assumption", label=label, value=_num(value) if unit != "text" else None,
                 unit=unit, start=_day(start), end=_day(end), date=_day(date),
                 note=value if unit == "text" else None)


def decision(id: str, event: dict | pd.Series) -> Claim:
    """A decision of data/events.yaml: who decided it (from its source), when it was announced, when effective."""
    source = str(event.get("source") or "")
    who = "the FOMC" if source.startswith("FOMC") else "the New York Fed" if source.startswith("NY Fed") else \
        "the Treasury" if event.get("kind") == "treasury" else "the Federal Reserve"
    return Claim(id, "decision", "decision", label=str(event["label"]), unit="text", who=who,
                 announced=_need_day(id, event["announced"]), date=_need_day(id, event["date"]))


def hindsight(claim: Claim, as_of) -> Claim:
    """The same claim, from data published after the note's as-of date."""
    return replace(claim, provenance="hindsight", as_of=_need_day(claim.id, as_of))


def _need(id: str, value) -> float:
    v = _num(value)
    if v is None:
        raise InputError(f"finding {id}: its value is missing (no data for it): say so instead of claiming it")
    return v


def _need_day(id: str, d) -> pd.Timestamp:
    out = _day(d)
    if out is None:
        raise InputError(f"finding {id}: its date is missing")
    return out


def flatten(findings) -> list[Claim]:
    """Every claim of a list of findings, comparisons opened up."""
    out = []
    for f in findings:
        for c in f.claims:
            out.extend(c.parts if c.kind == "comparison" else (c,))
    return out


@dataclass
class Record:
    """The claims a note made, in order (report.findings and report.caveat add; results.record writes them)."""
    findings: list = field(default_factory=list)

    def add(self, items) -> None:
        self.findings.extend(items)

    def claims(self) -> list[Claim]:
        return flatten(self.findings)

"""Claims check: verify a research note's numbers against the data.

A claims file (YAML) lists claims; each names a measure (display units) or a catalog series (native units), a date
or an inclusive window, a statistic, the expected value and a tolerance. Verdicts: supported, contradicted, or
unverifiable (the source has no data for it; another series is never substituted).
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..core.errors import InputError, MissingSeriesError
from ..data.measures import MEASURES
from ..core.dates import parse_date

TOP_KEYS = {"title", "source", "claims", "title_zh", "source_zh"}
CLAIM_KEYS = {"id", "text", "measure", "series", "date", "window", "stat", "expect", "tolerance", "text_zh"}
STATS = ("value", "mean", "min", "max", "change", "pct_change")
# how far back "the latest observation on or before the date" may reach, by frequency
MAX_GAP_DAYS = {"daily": 7, "weekly": 10, "quarterly": 190}


@dataclass
class Claim:
    id: str
    text: str
    measure: str | None
    series: str | None
    date: pd.Timestamp | None
    window: tuple[pd.Timestamp, pd.Timestamp] | None
    stat: str
    expect: float
    tolerance: float          # absolute, in the claim's units
    tolerance_text: str
    line: int
    text_zh: str | None = None     # the claim in Chinese, for the Chinese note (publish.claims_view)


@dataclass
class Verdict:
    id: str
    verdict: str
    actual: float | None
    expect: float
    tolerance: float
    measure: str | None
    series: str | None
    dates: list[str] = field(default_factory=list)
    reason: str = ""
    text: str = ""
    notes: list = field(default_factory=list)    # [(code, values)]: the reason, for a reader in any language


# The reasons a verdict gives, by code (English; the notes translate them through publish.i18n).
REASONS = {
    "no_data": "no data in the source for {series}",
    "no_observation": "no observation on or before {date}",
    "too_old": "the latest observation before {date} is {gap} days older ({obs}); the series has no data for that date",
    "previous_used": "no observation on {date}; used the previous one, {obs}",
    "empty_window": "no observation in {start}..{end}",
    "undefined": "{stat} undefined (first value is zero)",
    "extreme_on": "{stat} on {at}",
}


def _verdict(verdict: str, notes: list, **fields) -> "Verdict":
    reason = "; ".join(REASONS[code].format(**values) for code, values in notes)
    return Verdict(verdict=verdict, reason=reason, notes=notes, **fields)


class _Loader(yaml.SafeLoader):
    """Safe YAML with dates left as strings, so an impossible date (2025-13-31) gets our message, not a crash."""


_Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                   for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _fail(path, line, message):
    raise InputError(f"claims file {path}, line {line}: {message}")


def _line_map(text: str) -> tuple[dict, list[dict]]:
    """Line numbers (1-based) of the top-level keys and of each claim's keys, from the YAML node tree."""
    node = yaml.compose(text)
    top, claims = {}, []
    if node is None or not isinstance(node, yaml.MappingNode):
        return top, claims
    for k, v in node.value:
        top[k.value] = k.start_mark.line + 1
        if k.value == "claims" and isinstance(v, yaml.SequenceNode):
            for item in v.value:
                keys = {"_": item.start_mark.line + 1}
                if isinstance(item, yaml.MappingNode):
                    keys.update({ck.value: ck.start_mark.line + 1 for ck, _ in item.value})
                claims.append(keys)
    return top, claims


def load_claims(path: Path) -> tuple[dict, list[Claim]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"claims file {path} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise InputError(f"claims file {path} cannot be read as text: {exc}") from None
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
        top_lines, claim_lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _fail(path, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(raw, dict):
        _fail(path, 1, "must be a mapping with keys title, source, claims")
    for key in raw:
        if key not in TOP_KEYS:
            _fail(path, top_lines.get(key, 1), f"unknown key {key!r}; allowed: {', '.join(sorted(TOP_KEYS))}")
    for key in ("title", "source", "claims"):      # title_zh and source_zh are optional
        if key not in raw:
            _fail(path, 1, f"missing key {key!r}")
    if not isinstance(raw["claims"], list) or not raw["claims"]:
        _fail(path, top_lines.get("claims", 1), "'claims' must be a non-empty list")
    claims, seen = [], set()
    for i, item in enumerate(raw["claims"]):
        lines = claim_lines[i] if i < len(claim_lines) else {"_": 1}
        claims.append(_parse_claim(path, item, lines, seen))
    header = {"title": str(raw["title"]), "source": str(raw["source"])}
    header |= {k: str(raw[k]) for k in ("title_zh", "source_zh") if raw.get(k) is not None}
    return header, claims


def _parse_claim(path, item, lines, seen) -> Claim:
    at = lines.get("_", 1)
    if not isinstance(item, dict):
        _fail(path, at, "each claim must be a mapping")
    cid = item.get("id")
    label = f"claim {cid!r}" if cid else f"claim at line {at}"
    for key in item:
        if key not in CLAIM_KEYS:
            _fail(path, lines.get(key, at), f"{label}: unknown key {key!r}; allowed: {', '.join(sorted(CLAIM_KEYS))}")
    for key in ("id", "text", "stat", "expect", "tolerance"):
        if key not in item:
            _fail(path, at, f"{label}: missing key {key!r}")
    if str(cid) in seen:
        _fail(path, lines.get("id", at), f"{label}: duplicate id")
    seen.add(str(cid))
    if ("measure" in item) == ("series" in item):
        _fail(path, at, f"{label}: give exactly one of 'measure' or 'series'")
    if ("date" in item) == ("window" in item):
        _fail(path, at, f"{label}: give exactly one of 'date' or 'window'")
    measure = item.get("measure")
    if measure is not None and measure not in MEASURES:
        _fail(path, lines.get("measure", at), f"{label}: unknown measure {measure!r}; known: {', '.join(MEASURES)}")
    series = item.get("series")
    if series is not None:
        from ..data.catalog import load_catalog

        try:
            series = load_catalog().get(str(series)).id
        except InputError as exc:
            _fail(path, lines.get("series", at), f"{label}: {exc}")
    date = window = None
    try:
        if "date" in item:
            date = parse_date(_iso(item["date"]), "date")
        else:
            w = item["window"]
            if not isinstance(w, list) or len(w) != 2:
                _fail(path, lines.get("window", at), f"{label}: window must be [YYYY-MM-DD, YYYY-MM-DD]")
            window = (parse_date(_iso(w[0]), "window start"), parse_date(_iso(w[1]), "window end"))
            if window[0] > window[1]:
                _fail(path, lines.get("window", at), f"{label}: window {_iso(w[0])}..{_iso(w[1])} is reversed")
    except InputError as exc:
        key = "date" if "date" in item else "window"
        _fail(path, lines.get(key, at), f"{label}: {str(exc).replace('parameter ', '')}")
    stat = item["stat"]
    if stat not in STATS:
        _fail(path, lines.get("stat", at), f"{label}: stat {stat!r} not one of {', '.join(STATS)}")
    expect = item["expect"]
    if isinstance(expect, bool) or not isinstance(expect, (int, float)):
        _fail(path, lines.get("expect", at), f"{label}: expect {expect!r} must be a number")
    tol_raw = item["tolerance"]
    tolerance = _tolerance(tol_raw, float(expect))
    if tolerance is None:
        _fail(path, lines.get("tolerance", at),
              f"{label}: tolerance {tol_raw!r} must be a number or a percent such as \"5%\"")
    return Claim(str(cid), str(item["text"]), measure, series, date, window, stat, float(expect), tolerance,
                 str(tol_raw), lines.get("_", at), None if item.get("text_zh") is None else str(item["text_zh"]))


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _tolerance(raw, expect: float) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if raw >= 0 and not math.isnan(raw) else None
    text = str(raw).strip()
    if text.endswith("%"):
        try:
            pct = float(text[:-1])
        except ValueError:
            return None
        return abs(expect) * pct / 100.0 if pct >= 0 else None
    return None


def evaluate(claim: Claim, ds) -> Verdict:
    """The verdict for one claim from a Dataset."""
    base = dict(id=claim.id, expect=claim.expect, tolerance=claim.tolerance, measure=claim.measure,
                series=", ".join(MEASURES[claim.measure].series) if claim.measure else claim.series, text=claim.text)
    try:
        if claim.measure:
            values = ds.measure(claim.measure)
            sid = ", ".join(MEASURES[claim.measure].series)
            freq = _frequency(ds, MEASURES[claim.measure].series)
        else:
            values = ds.series(claim.series, native=True)
            sid = claim.series
            freq = ds.info(claim.series).frequency
    except MissingSeriesError as exc:
        return _verdict("unverifiable", [("no_data", {"series": exc.series_id})], actual=None, **base)
    values = values.dropna()
    base["series"] = sid
    notes = []
    if claim.date is not None:
        before = values[values.index <= claim.date]
        if before.empty:
            return _verdict("unverifiable", [("no_observation", {"date": f"{claim.date:%Y-%m-%d}"})], actual=None, **base)
        obs_date = before.index.max()
        gap = (claim.date - obs_date).days
        if gap > MAX_GAP_DAYS.get(freq, 7):
            return _verdict("unverifiable", [("too_old", {"date": f"{claim.date:%Y-%m-%d}", "gap": gap,
                                                          "obs": f"{obs_date:%Y-%m-%d}"})],
                            actual=None, dates=[f"{obs_date:%Y-%m-%d}"], **base)
        if obs_date != claim.date:
            notes.append(("previous_used", {"date": f"{claim.date:%Y-%m-%d}", "obs": f"{obs_date:%Y-%m-%d}"}))
        window = before.iloc[-1:]
    else:
        window = values[(values.index >= claim.window[0]) & (values.index <= claim.window[1])]
        if window.empty:
            return _verdict("unverifiable", [("empty_window", {"start": f"{claim.window[0]:%Y-%m-%d}",
                                                               "end": f"{claim.window[1]:%Y-%m-%d}"})],
                            actual=None, **base)
    actual = compute_stat(window, claim.stat)
    if actual is None:
        return _verdict("unverifiable", [("undefined", {"stat": claim.stat})], actual=None, **base)
    dates = [f"{window.index.min():%Y-%m-%d}"] if len(window) == 1 else \
        [f"{window.index.min():%Y-%m-%d}", f"{window.index.max():%Y-%m-%d}"]
    if claim.stat in ("min", "max"):
        at = window.idxmin() if claim.stat == "min" else window.idxmax()
        notes.append(("extreme_on", {"stat": claim.stat, "at": f"{at:%Y-%m-%d}"}))
    ok = abs(actual - claim.expect) <= claim.tolerance + 1e-9
    return _verdict("supported" if ok else "contradicted", notes, actual=round(actual, 6), dates=dates, **base)


def _frequency(ds, series_ids) -> str:
    freqs = [ds.info(s).frequency for s in series_ids if s in ds.catalog]
    return "weekly" if "weekly" in freqs else (freqs[0] if freqs else "daily")


def compute_stat(window: pd.Series, stat: str) -> float | None:
    first, last = float(window.iloc[0]), float(window.iloc[-1])
    if stat == "value":
        return last
    if stat == "mean":
        return float(window.mean())
    if stat == "min":
        return float(window.min())
    if stat == "max":
        return float(window.max())
    if stat == "change":
        return last - first
    if stat == "pct_change":
        return None if first == 0 else (last / first - 1.0) * 100.0
    raise ValueError(stat)


def run_claims(path: Path, as_of=None) -> list[Verdict]:
    from ..data.dataset import Dataset

    _, claims = load_claims(path)           # a bad file fails here, before any data is read
    ds = Dataset(as_of=as_of or "latest")
    return [evaluate(c, ds) for c in claims]


def summary(verdicts: list[Verdict]) -> dict:
    counts = {k: sum(v.verdict == k for v in verdicts) for k in ("supported", "contradicted", "unverifiable")}
    return {"total": len(verdicts), **counts}


def summary_sentence(verdicts: list[Verdict]) -> str:
    c = summary(verdicts)
    return (f"{c['supported']} of {c['total']} claims supported, {c['contradicted']} contradicted, "
            f"{c['unverifiable']} unverifiable")


JSON_KEYS = ("id", "verdict", "actual", "expect", "tolerance", "measure", "series", "dates", "reason")


def format_verdicts(verdicts: list[Verdict], fmt: str = "table") -> str:
    rows = [{k: asdict(v)[k] for k in JSON_KEYS} for v in verdicts]
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=JSON_KEYS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "dates": " ".join(r["dates"])})
        return buf.getvalue().rstrip("\n")
    frame = pd.DataFrame(rows)
    frame["dates"] = frame["dates"].map(lambda d: "..".join(d))
    frame["tolerance"] = frame["tolerance"].map(lambda t: f"{t:g}")
    frame["reason"] = frame["reason"].map(lambda r: r if len(r) <= 90 else r[:87] + "...")
    return frame.to_string(index=False) + "\n\n" + summary_sentence(verdicts)

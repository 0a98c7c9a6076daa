"""Claims check: verify a research note's numbers against the data.

A claims file (YAML) lists claims; each names a measure (display units) or a catalog series (native units), a date
or an inclusive window, a statistic, and either the expected value with a tolerance or bounds (`min`, `max`: "under
$10bn" is `max: 10`). Verdicts: supported, contradicted, or unverifiable (the source has no data for it; another
series is never substituted). A claim may carry its Chinese text (`text_zh`) for the Chinese note.

Statistics: value, mean, min, max (with `at`: the day of the extreme must match too), change, pct_change, share (the
change of the measure as a share of the change of the measure `of` over the window), count_above / count_below (the
observations strictly above / below `level` in the window), first_above / first_below (the first day in the window
strictly above / below `level`: `expect` is that date, or null for "never").

A note's results sidecar (`<set>.results.json`) is also a claims file: its `findings` with a statistic are the
note's data claims (models/findings.py), checked as of the note's date (hindsight claims on the latest data).
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

TOP_KEYS = {"title", "source", "claims"}
OPTIONAL_TOP_KEYS = {"title_zh", "source_zh"}       # the Chinese note's title and source of the file
CLAIM_KEYS = {"id", "text", "text_zh", "measure", "series", "date", "window", "stat", "expect", "tolerance", "min",
              "max", "level", "of", "at"}
STATS = ("value", "mean", "min", "max", "change", "pct_change", "share", "count_above", "count_below", "first_above",
         "first_below")
DATE_STATS = ("first_above", "first_below")
LEVEL_STATS = ("count_above", "count_below", "first_above", "first_below")
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
    expect: float | str | None   # a number; a date (YYYY-MM-DD) or None ("never") for first_above/first_below
    tolerance: float          # absolute, in the claim's units
    tolerance_text: str
    line: int
    text_zh: str | None = None
    low: float | None = None  # bounds: supported when low <= actual <= high
    high: float | None = None
    level: float | None = None
    of: str | None = None
    at: pd.Timestamp | None = None
    as_of: str | None = None  # a sidecar claim: the date its data are cut at (None: the run's)


@dataclass
class Verdict:
    id: str
    verdict: str
    actual: float | str | None
    expect: float | str | None
    tolerance: float
    measure: str | None
    series: str | None
    dates: list[str] = field(default_factory=list)
    reason: str = ""
    text: str = ""
    notes: list = field(default_factory=list)    # [(code, values)]: the reason, for a reader in any language
    low: float | None = None                     # bounds, when the claim gives min and/or max
    high: float | None = None


# The reasons a verdict gives, by code (English; the notes translate them through publish.i18n).
REASONS = {
    "no_data": "no data in the source for {series}",
    "no_observation": "no observation on or before {date}",
    "too_old": "the latest observation before {date} is {gap} days older ({obs}); the series has no data for that date",
    "previous_used": "no observation on {date}; used the previous one, {obs}",
    "empty_window": "no observation in {start}..{end}",
    "undefined": "{stat} undefined (first value is zero)",
    "extreme_on": "{stat} on {at}",
    "extreme_elsewhere": "{stat} on {at}, not on {expected}",
    "never": "never {direction} {level} in the window",
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
    if path.suffix == ".json":
        return _sidecar_claims(path, text)
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
        top_lines, claim_lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _fail(path, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(raw, dict):
        _fail(path, 1, "must be a mapping with keys title, source, claims")
    for key in raw:
        if key not in TOP_KEYS | OPTIONAL_TOP_KEYS:
            _fail(path, top_lines.get(key, 1),
                  f"unknown key {key!r}; allowed: {', '.join(sorted(TOP_KEYS | OPTIONAL_TOP_KEYS))}")
    for key in TOP_KEYS:
        if key not in raw:
            _fail(path, 1, f"missing key {key!r}")
    if not isinstance(raw["claims"], list) or not raw["claims"]:
        _fail(path, top_lines.get("claims", 1), "'claims' must be a non-empty list")
    claims, seen = [], set()
    for i, item in enumerate(raw["claims"]):
        lines = claim_lines[i] if i < len(claim_lines) else {"_": 1}
        claims.append(_parse_claim(path, item, lines, seen))
    header = {"title": str(raw["title"]), "source": str(raw["source"])}
    header.update({k: str(raw[k]) for k in OPTIONAL_TOP_KEYS if raw.get(k)})
    return header, claims


def _sidecar_claims(path: Path, text: str) -> tuple[dict, list[Claim]]:
    """The data claims of a note's results sidecar: its findings that carry a statistic, each cut at the note's
    as-of date (a hindsight claim at the latest data)."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        _fail(path, 1, f"not valid JSON: {exc}")
    if not isinstance(raw, dict) or not isinstance(raw.get("findings"), list):
        _fail(path, 1, "a JSON claims file is a note's results sidecar (<set>.results.json) with a 'findings' list")
    claims, seen = [], set()
    for item in raw["findings"]:
        if not isinstance(item, dict) or not item.get("stat"):
            continue                      # model, assumption and decision claims are checked at publish
        fields = {k: v for k, v in item.items() if k in CLAIM_KEYS}
        if fields.get("stat") not in ("min", "max"):
            fields.pop("at", None)        # a crossing's day is its expect; `at` is the day of an extreme only
        claim = _parse_claim(path, fields, {"_": 1}, seen)
        hindsight = item.get("provenance") == "hindsight"
        claim.as_of = "latest" if hindsight else str(raw.get("as_of") or "latest")
        claims.append(claim)
    if not claims:
        _fail(path, 1, "the sidecar holds no data finding to check")
    return {"title": str(raw.get("title") or path.name), "source": path.name}, claims


def _parse_claim(path, item, lines, seen) -> Claim:
    at = lines.get("_", 1)
    if not isinstance(item, dict):
        _fail(path, at, "each claim must be a mapping")
    cid = item.get("id")
    label = f"claim {cid!r}" if cid else f"claim at line {at}"
    for key in item:
        if key not in CLAIM_KEYS:
            _fail(path, lines.get(key, at), f"{label}: unknown key {key!r}; allowed: {', '.join(sorted(CLAIM_KEYS))}")
    for key in ("id", "text", "stat"):
        if key not in item:
            _fail(path, at, f"{label}: missing key {key!r}")
    bounded = "min" in item or "max" in item
    if bounded and ("expect" in item or "tolerance" in item):
        _fail(path, at, f"{label}: give either expect and tolerance, or the bounds min and/or max, not both")
    if not bounded:
        for key in ("expect", "tolerance"):
            if key not in item:
                _fail(path, at, f"{label}: missing key {key!r} (or give the bounds min and/or max)")
    if str(cid) in seen:
        _fail(path, lines.get("id", at), f"{label}: duplicate id")
    seen.add(str(cid))
    if ("measure" in item) == ("series" in item):
        _fail(path, at, f"{label}: give exactly one of 'measure' or 'series'")
    if ("date" in item) == ("window" in item):
        _fail(path, at, f"{label}: give exactly one of 'date' or 'window'")
    measure = _measure(path, lines, at, label, item.get("measure"), "measure")
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
    level = item.get("level")
    if stat in LEVEL_STATS and (isinstance(level, bool) or not isinstance(level, (int, float))):
        _fail(path, lines.get("level", at), f"{label}: stat {stat} needs the number 'level' it counts or crosses")
    of = _measure(path, lines, at, label, item.get("of"), "of")
    if stat == "share" and of is None:
        _fail(path, at, f"{label}: stat share needs 'of', the measure whose change is the whole")
    if stat == "share" and measure is None:
        _fail(path, at, f"{label}: stat share compares two measures: give 'measure', not 'series'")
    extreme_at = None
    if "at" in item:
        if stat not in ("min", "max"):
            _fail(path, lines.get("at", at), f"{label}: 'at' (the day of the extreme) goes with stat min or max")
        try:
            extreme_at = parse_date(_iso(item["at"]), "at")
        except InputError as exc:
            _fail(path, lines.get("at", at), f"{label}: {str(exc).replace('parameter ', '')}")
    low = high = None
    expect, tolerance, tol_text = None, 0.0, ""
    if bounded:
        if stat in DATE_STATS:
            _fail(path, at, f"{label}: stat {stat} gives a date: use expect (a date, or null for never)")
        for key in ("min", "max"):
            v = item.get(key)
            if key in item and (isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v)):
                _fail(path, lines.get(key, at), f"{label}: {key} {v!r} must be a number")
        low, high = item.get("min"), item.get("max")
        if low is not None and high is not None and low > high:
            _fail(path, lines.get("min", at), f"{label}: min {low} is above max {high}")
    elif stat in DATE_STATS:
        expect = item["expect"]
        if expect is not None:
            try:
                expect = f"{parse_date(_iso(expect), 'expect'):%Y-%m-%d}"
            except InputError:
                _fail(path, lines.get("expect", at), f"{label}: expect {expect!r} must be a date YYYY-MM-DD "
                      "(or null: never)")
        tol_text = str(item["tolerance"])
    else:
        expect = item["expect"]
        if isinstance(expect, bool) or not isinstance(expect, (int, float)):
            _fail(path, lines.get("expect", at), f"{label}: expect {expect!r} must be a number")
        tol_raw = item["tolerance"]
        tolerance = _tolerance(tol_raw, float(expect))
        if tolerance is None:
            _fail(path, lines.get("tolerance", at),
                  f"{label}: tolerance {tol_raw!r} must be a number or a percent such as \"5%\"")
        expect, tol_text = float(expect), str(tol_raw)
    return Claim(str(cid), str(item["text"]), measure, series, date, window, stat, expect, tolerance, tol_text,
                 lines.get("_", at), text_zh=item.get("text_zh"), low=low, high=high,
                 level=None if level is None else float(level), of=of, at=extreme_at)


def translations_file(path: Path) -> Path:
    """Where the project keeps the Chinese texts of a claims file it cannot edit (a shared example): the folder
    data/claims/zh, one YAML per claims file (same file name), each claim id mapped to {text: the English it
    translates, text_zh: the Chinese}."""
    from ..core import paths

    return paths.claims_dir() / "zh" / Path(path).with_suffix(".yaml").name


def chinese_texts(path: Path, header: dict, claims: list[Claim]) -> dict:
    """The Chinese texts the Chinese note quotes: the file's title and source, and every claim's text, each from the
    file itself (`title_zh`, `source_zh`, a claim's `text_zh`), else from the committed translation of the file
    (`translations_file`: `title` and `source` as {text, text_zh}, `claims` mapping each id to {text, text_zh}) when
    it was made for the English text as it stands. Anything without one is an input error naming it and both ways
    to fix it, raised before any data is read. Returns {"title": ..., "source": ..., "claims": {id: ...}}."""
    import yaml as _yaml

    committed, where = {}, translations_file(path)
    if where.is_file():
        try:
            committed = _yaml.safe_load(where.read_text(encoding="utf-8")) or {}
        except _yaml.YAMLError as exc:
            raise InputError(f"translations file {where}: not valid YAML: {exc}") from None
        if not isinstance(committed, dict) or not isinstance(committed.get("claims", {}), dict):
            raise InputError(f"translations file {where}: give title and source as {{text: ..., text_zh: ...}} "
                             "and claims as a mapping of each claim id to {text: ..., text_zh: ...}")
    missing, stale = [], []

    def pick(name: str, own, english: str, entry):
        if own:
            return str(own)
        if isinstance(entry, dict) and entry.get("text_zh"):
            if str(entry.get("text")) == english:
                return str(entry["text_zh"])
            stale.append(name)
            return None
        missing.append(name)
        return None

    out = {"title": pick("the title", header.get("title_zh"), header["title"], committed.get("title")),
           "source": pick("the source", header.get("source_zh"), header["source"], committed.get("source")),
           "claims": {c.id: pick(f"claim {c.id}", c.text_zh, c.text, (committed.get("claims") or {}).get(c.id))
                      for c in claims}}
    if missing or stale:
        problems = [f"no Chinese text for {', '.join(missing)}"] if missing else []
        if stale:
            problems.append(f"the translation in {where} of {', '.join(stale)} was made for another English text "
                            "(the file's text changed since)")
        raise InputError(f"claims file {path}: the Chinese note quotes the file in Chinese, but there is "
                         f"{'; and '.join(problems)}: add `title_zh`, `source_zh` or a claim's `text_zh` to the file, "
                         f"or, for a file you cannot edit, give the Chinese in {where} as `title: {{text: <the English"
                         f">, text_zh: ...}}`, the same for `source`, and `claims: {{<id>: {{text: <the claim's "
                         f"English text>, text_zh: ...}}}}`")
    return out


def _measure(path, lines, at, label, name, key):
    if name is not None and name not in MEASURES:
        _fail(path, lines.get(key, at), f"{label}: unknown measure {name!r}; known: {', '.join(MEASURES)}")
    return name


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
                series=", ".join(MEASURES[claim.measure].series) if claim.measure else claim.series, text=claim.text,
                low=claim.low, high=claim.high)
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
            no_observation = ("no_observation", {"date": f"{claim.date:%Y-%m-%d}"})
            return _verdict("unverifiable", [no_observation], actual=None, **base)
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
    dates = [f"{window.index.min():%Y-%m-%d}"] if len(window) == 1 else \
        [f"{window.index.min():%Y-%m-%d}", f"{window.index.max():%Y-%m-%d}"]
    if claim.stat in DATE_STATS:
        found = first_across(window, claim.stat, claim.level)
        if found is None:
            notes.append(("never", {"direction": claim.stat.split("_")[1], "level": f"{claim.level:g}"}))
        return _verdict("supported" if found == claim.expect else "contradicted", notes, actual=found, dates=dates,
                        **base)
    if claim.stat == "share":
        try:
            whole = ds.measure(claim.of).dropna()
        except MissingSeriesError as exc:
            return _verdict("unverifiable", [("no_data", {"series": exc.series_id})], actual=None, **base)
        whole = whole[(whole.index >= claim.window[0]) & (whole.index <= claim.window[1])]
        actual = None if whole.empty or float(whole.iloc[-1] - whole.iloc[0]) == 0 else \
            compute_stat(window, "change") / float(whole.iloc[-1] - whole.iloc[0])
    elif claim.stat in LEVEL_STATS:
        actual = float((window > claim.level).sum() if claim.stat == "count_above" else (window < claim.level).sum())
    else:
        actual = compute_stat(window, claim.stat)
    if actual is None:
        return _verdict("unverifiable", [("undefined", {"stat": claim.stat})], actual=None, **base)
    ok = True
    if claim.stat in ("min", "max"):
        at = window.idxmin() if claim.stat == "min" else window.idxmax()
        if claim.at is not None and at != claim.at:
            ok = False
            notes.append(("extreme_elsewhere", {"stat": claim.stat, "at": f"{at:%Y-%m-%d}",
                                                "expected": f"{claim.at:%Y-%m-%d}"}))
        else:
            notes.append(("extreme_on", {"stat": claim.stat, "at": f"{at:%Y-%m-%d}"}))
    if claim.low is not None or claim.high is not None:
        ok = (ok and (claim.low is None or actual >= claim.low - 1e-9)
              and (claim.high is None or actual <= claim.high + 1e-9))
    else:
        ok = ok and abs(actual - claim.expect) <= claim.tolerance + 1e-9
    return _verdict("supported" if ok else "contradicted", notes, actual=round(actual, 6), dates=dates, **base)


def first_across(window: pd.Series, stat: str, level: float) -> str | None:
    """The first day of the window strictly above (first_above) or below (first_below) the level, or None."""
    hits = window[window > level] if stat == "first_above" else window[window < level]
    return None if hits.empty else f"{hits.index.min():%Y-%m-%d}"


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
    _, claims = load_claims(path)           # a bad file fails here, before any data is read
    return evaluate_all(claims, as_of)


def evaluate_all(claims: list[Claim], as_of=None, datasets: dict | None = None) -> list[Verdict]:
    """Verdicts for claims, each on the data cut at its own as-of (a sidecar claim) or at `as_of`; one Dataset
    per cut (`datasets` may hold them already: the runner passes the note's)."""
    from ..data.dataset import Dataset

    datasets = {} if datasets is None else datasets
    out = []
    for c in claims:
        cut = c.as_of or as_of or "latest"
        if cut not in datasets:
            datasets[cut] = Dataset(as_of=cut)
        out.append(evaluate(c, datasets[cut]))
    return out


def summary(verdicts: list[Verdict]) -> dict:
    counts = {k: sum(v.verdict == k for v in verdicts) for k in ("supported", "contradicted", "unverifiable")}
    return {"total": len(verdicts), **counts}


def summary_sentence(verdicts: list[Verdict]) -> str:
    c = summary(verdicts)
    return (f"{c['supported']} of {c['total']} claims supported, {c['contradicted']} contradicted, "
            f"{c['unverifiable']} unverifiable")


JSON_KEYS = ("id", "verdict", "actual", "expect", "tolerance", "low", "high", "measure", "series", "dates", "reason")


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
    frame["tolerance"] = [f"{t:g}" if lo is None and hi is None else
                          f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"
                          for t, lo, hi in zip(frame["tolerance"], frame["low"], frame["high"])]
    frame = frame.drop(columns=["low", "high"]).rename(columns={"tolerance": "tolerance/bounds"})
    frame["reason"] = frame["reason"].map(lambda r: r if len(r) <= 90 else r[:87] + "...")
    return frame.to_string(index=False) + "\n\n" + summary_sentence(verdicts)

"""The sections every note shares: the data status and note header, the decisions known at as_of and those learned
with hindsight, findings, tables, caveats and the appendix. Everything a reader sees goes through `tr` and `fmt`.

Every display helper renders what it shows once per language of the run (`emit`): one execution of a notebook
carries every language's output, the first language's as the output itself and the others under I18N_MIME; the
runner splits them into one clean notebook per language (`split_languages`).

What the exporter needs from a run travels as output metadata, never parsed from HTML:
- NOTE_MIME: the note header (data as of, newest observation, series behind their release schedule, sources);
- FINDINGS_MIME: the findings sentences (tests read them and recompute each number).
"""
from __future__ import annotations

import html
import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from .. import __version__
from ..core import paths
from ..core.dates import today
from ..data import cache
from ..data.events import decision_split, load_events
from ..data.freshness import freshness
from ..data.measures import MEASURES
from .i18n import Text, fmt, languages, realize, speaking, tr

NOTE_MIME = "application/vnd.liquidity.note+json"
FINDINGS_MIME = "application/vnd.liquidity.findings+json"
CAVEATS_MIME = "application/vnd.liquidity.caveats+json"
STATEMENT_MIME = "application/vnd.liquidity.statement+json"
CLAIM_MIMES = (FINDINGS_MIME, CAVEATS_MIME, STATEMENT_MIME)     # every text built from claims, re-checked
I18N_MIME = "application/vnd.liquidity.i18n+json"       # the other languages' renderings of an output
PACKAGES = ("liquidity", "pandas", "numpy", "scipy", "altair", "vl-convert-python", "papermill", "nbconvert",
            "fredapi", "ipykernel")
SOURCE_NAMES = {"mirror": "mirror snapshot (see the mirror's SOURCES.md)", "fred-api": "FRED API",
                "fred-csv": "FRED CSV download", "fiscaldata": "Treasury Fiscal Data",
                "nyfed": "NY Fed Markets API",
                "treasury": "the Treasury's refunding statements, each with its release address"}
WIDE_COLUMNS = 6          # tables with more columns print in a smaller type
UNIT_NAMES = {"billions_usd": "billions of USD", "millions_usd": "millions of USD", "percent": "percent",
              "index": "index", "usd": "US dollars", "native": "as published"}   # the catalog's native units


def _display(obj, raw=False):
    from IPython.display import display

    display(obj, raw=raw)


def emit(render) -> None:
    """Display an output in every language of the run: `render(lang)` gives the MIME bundle of one language (called
    with that language current). The first language's bundle is the output; the others travel under I18N_MIME."""
    langs = languages()
    bundles = {}
    for lang in langs:
        with speaking(lang):
            bundles[lang] = render(lang)
    out = dict(bundles[langs[0]])
    if len(langs) > 1:
        out[I18N_MIME] = {lang: bundles[lang] for lang in langs[1:]}
    _display(out, raw=True)


def split_languages(nb, lang: str):
    """The executed notebook as `lang` alone: its Markdown twins and its outputs in that language (a notebook
    executed once for several languages; see `emit`). Works on nbformat nodes and plain dicts."""
    import copy

    from .i18n import keeps

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and not keeps(cell, lang):
            continue
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            data = out.get("data")
            if not data or I18N_MIME not in data:
                continue
            others = data.pop(I18N_MIME)
            if lang in others:
                out["data"] = others[lang]
        cells.append(cell)
    nb["cells"] = cells
    return nb


def interval(low, high, digits: int = 2) -> Text:
    """An interval in a table cell: "1.20 – 3.40" (numbers in the reader's conventions)."""
    return tr("{low} – {high}", low=fmt.num(low, digits), high=fmt.num(high, digits))


def markdown(text: str) -> str:
    """Markdown with dollar signs kept literal: Jupyter and nbconvert read $...$ as LaTeX math, which would swallow
    text between two amounts such as "$589bn ... $514bn"."""
    return str(text).replace("\\$", "$").replace("$", "\\$")


def show(text: str) -> None:
    emit(lambda lang: {"text/markdown": markdown(realize(text, lang)), "text/plain": str(realize(text, lang))})


def table(frame: pd.DataFrame, index: bool = False, caption: str | None = None) -> None:
    """A table as the note prints it: no meaningless 0, 1, 2 index (index=True keeps a labelled one), cells that
    wrap, a smaller type when it is wide, and a caption above it."""
    shown = frame.reset_index() if index else frame
    classes = "liquidity-table" + (" wide" if len(shown.columns) > WIDE_COLUMNS else "") + \
        (" long" if len(shown) > 30 else "")

    def render(lang):
        local = realize(shown, lang)
        body = local.to_html(index=False, classes=classes, na_rep="", escape=True, border=0)
        cap = f'<p class="table-caption">{html.escape(realize(caption, lang))}</p>' if caption else ""
        return {"text/html": f'<div class="table-block">{cap}{body}</div>',
                "text/plain": (realize(caption, lang) + "\n" if caption else "") + local.to_string(index=False)}

    emit(render)


def chart(figure, events: pd.DataFrame | None = None) -> None:
    """A chart and, under it, the table of the events it numbers (charts.event_marks). Headless runs draw it as SVG
    in every language of the run; JupyterLab shows it interactive (charts.mode)."""
    from . import charts

    if charts.mode() == "interactive" and len(languages()) == 1:
        _display(figure)
    else:
        spec = figure.to_dict()            # Text titles, labels and data values stay translatable in the spec
        emit(lambda lang: {"image/svg+xml": charts.svg(realize(spec, lang), lang), "text/plain": "chart"})
    if events is not None and len(events):
        table(events)


# -- data status and the note header ----------------------------------------------------------------------------------
def source_names(series: list[str]) -> list[str]:
    """Where the series came from, named for a reader (never a path of the machine)."""
    metas = cache.all_meta()
    found = {metas.get(s, {}).get("source") for s in series} - {None, ""}
    return [tr(SOURCE_NAMES[s]) for s in sorted(found) if s in SOURCE_NAMES]


def data_status(ds, names: list[str]) -> dict:
    """The Data section: each measure's concept, last observation, what its release schedule leads you to expect on
    the reference day (as_of, or today for the latest data) and how far behind it is; inputs ending on different
    dates are flagged. Displays the table and the notes, and records the note header (NOTE_MIME) for the exporter.
    Returns the header: as_of, data_end, behind (measure -> text), series (id -> freshness), sources."""
    reference = ds.as_of if ds.as_of is not None else today()
    rows, behind, series_fresh = [], {}, {}
    for name in names:
        m = MEASURES[name]
        values = ds.try_measure(name)
        if values is None or not len(values):
            rows.append({tr("measure"): tr(m.title), tr("concept"): tr(m.concept), tr("series"): ", ".join(m.series),
                         tr("last observation"): "", tr("expected"): "",
                         tr("status"): tr("missing: {reason}", reason=missing_reason(ds.missing_errors.get(name)))})
            continue
        used = [s for s in m.series if s in ds.used_series()]
        # a series that ends before the measure does was superseded inside it (IOER by IORB): not behind
        current = [s for s in used if ds.series(s).index.max() >= values.index.max()] or used
        checks = [freshness(ds.info(s), ds.series(s).index.max(), reference) for s in current]
        for f in checks:
            series_fresh[f.series] = f.as_dict()
        worst = max(checks, key=lambda f: f.behind) if checks else None
        status = tr("on schedule")
        if worst is not None and worst.behind > 0:
            status = _behind_text(worst)
            behind[name] = status
        lag = lagging_inputs(ds, name)
        if lag:
            status += tr("; ") + tr("shown to {date}, the last date all inputs share; inputs end: {ends}",
                                    date=fmt.date(values.index.max()),
                                    ends=tr(", ").join(s + " " + fmt.date(d) for s, d in lag.items()))
            behind.setdefault(name, status)
        rows.append({tr("measure"): tr(m.title), tr("concept"): tr(m.concept),
                     tr("series"): ", ".join(ds.measure_sources.get(name) and [ds.measure_sources[name]] or used),
                     tr("last observation"): fmt.date(values.index.max()),
                     tr("expected"): fmt.date(worst.expected) if worst else "", tr("status"): status})
    newest = max((ds.measure(n).index.max() for n in names if ds.try_measure(n) is not None), default=None)
    header = {"as_of": ds.as_of_label, "data_end": None if newest is None else f"{newest:%Y-%m-%d}",
              "reference_day": f"{reference:%Y-%m-%d}", "behind": behind, "series": series_fresh,
              "sources": source_names(ds.used_series()), "vintages": sorted(s for s in ds.used_series()
                                                                            if ds.has_vintages(s)),
              "behind_lines": behind_lines(behind)}
    show(tr("Data as of **{as_of}**; newest observation used: **{newest}**. Compared with what each release "
            "schedule leads you to expect on {reference}.", as_of=_as_of_text(ds), newest=fmt.date(newest),
            reference=fmt.date(reference)))
    table(pd.DataFrame(rows))
    for note in (missing_note(ds), stale_note(ds), behind_note(behind)):
        if note:
            show(note)
    emit(lambda lang: {NOTE_MIME: realize(header, lang), "text/plain": f"note header: data as of {header['as_of']}"})
    return header


def lagging_inputs(ds, name: str) -> dict:
    """For a measure built from several series on common dates (net liquidity, spreads): the end of each current
    input when the measure stops more than one of its periods before its freshest input (net liquidity to 15 Jul
    while WALCL runs to 19 Aug). Empty when the inputs end together."""
    m = MEASURES[name]
    if len(m.series) < 2:
        return {}
    values = ds.measure(name)
    ends = {s: d for s, d in ds.input_ends(name).items() if d >= values.index.max()}
    period = pd.Timedelta(days=7 if m.concept in ("Wednesday level", "week average ending Wednesday") else 4)
    if ends and max(ends.values()) - values.index.max() > period:
        return ends
    return {}


def _as_of_text(ds) -> str:
    """The as-of date in words: a date, or the latest release (never the parameter's value "latest")."""
    return tr("the latest release") if ds.as_of is None else fmt.date(ds.as_of)


def _behind_text(f) -> str:
    units = {"weekly": ("week", "weeks"), "daily": ("business day", "business days"), "daily_7day": ("day", "days"),
             "quarterly": ("quarter", "quarters")}[f.unit]
    unit = tr(units[0] if f.behind == 1 else units[1])
    return tr("{n} {unit} behind (expected {expected})", n=f.behind, unit=unit, expected=fmt.date(f.expected))


def behind_lines(behind: dict) -> list[str]:
    """The banner's lines: measures grouped by how far behind they are ("Bank reserves, Fed assets: 13 weeks behind
    (expected 18 Nov 2026)"), in the note's language."""
    groups: dict[str, list[str]] = {}
    for name, text in behind.items():
        groups.setdefault(text, []).append(tr(MEASURES[name].title))
    return [tr("{measures}: {status}", measures=tr(", ").join(names), status=text) for text, names in groups.items()]


def behind_note(behind: dict) -> str:
    if not behind:
        return ""
    items = tr("; ").join(tr("{measures}: {status}", measures="**" + tr(MEASURES[k].title) + "**", status=v)
                          for k, v in behind.items())
    return tr("⚠ BEHIND SCHEDULE: these inputs end before their release schedule says they should: {items}.",
              items=items)


def missing_note(ds) -> str:
    """A sentence naming what is missing and what could not be shown, or '' when nothing is."""
    if not ds.missing:
        return ""
    items = tr("; ").join(f"**{k}**" for k in sorted(ds.missing))
    return tr("Not available from this source, so not shown: {items}.", items=items)


def missing_reason(exc) -> str:
    """Why a series or measure is missing, for readers in their language: no path, no error text (the operator
    finds those in the log and the manifest)."""
    if exc is None:
        return ""
    f = exc.fields
    if exc.kind == "unpublished":
        return tr("no {id} observation was published by {date} (the series starts {start})", id=exc.series_id,
                  date=fmt.date(f["date"]), start=fmt.date(f["start"]))
    if exc.kind == "uncached":
        return tr("{id} is not in the cache", id=exc.series_id)
    if exc.kind == "failed":
        return tr("the last update of {id} failed", id=exc.series_id)
    if exc.kind == "none_of":
        text = tr("none of {ids} is available from this source", ids=", ".join(f["ids"]))
        return text + (tr("; ") + tr(f["why"]) if f.get("why") else "")
    return tr("{id} is not available from this source", id=exc.series_id)


def stale_note(ds) -> str:
    stale = ds.stale_series()
    if not stale:
        return ""
    items = tr("; ").join(f"**{k}**" for k in stale)
    return tr("⚠ STALE DATA: the last update of these series failed, so the cached copy is used: {items}.",
              items=items)


# -- decisions: known at as_of, and learned with hindsight ------------------------------------------------------------
def decisions(ds, recent: int = 6) -> tuple[list[str], list[str]]:
    """The policy decisions a note may use (announced by as_of) and those announced after it up to the data end
    (what a replay learns with hindsight). Displays the latest `recent` known ones and every later one; returns
    the two id lists for the sidecar (`decisions_known`, `decisions_after_as_of`)."""
    data_end = ds.data_end()
    known, after = decision_split(ds.as_of, data_end)
    ev = load_events().set_index("id")
    rows = []
    for i in known[-recent:]:
        rows.append(_decision_row(ev.loc[i], tr("known on the as-of date")))
    for i in after:
        rows.append(_decision_row(ev.loc[i], tr("after the as-of date: with hindsight")))
    cut = _as_of_text(ds)
    if ds.as_of is None:        # the latest data: every decision to their end is known, none comes with hindsight
        show(tr("**Policy decisions.** On the latest data a projection uses every decision announced to the end of "
                "the data ({end}): {known} in the timeline, the latest below.", known=len(known),
                end=fmt.date(data_end)))
    elif not after:
        show(tr("**Policy decisions.** A projection as of {as_of} uses only decisions announced by then "
                "({known} in the timeline, the latest below); none was announced between {as_of} and the end of the "
                "data ({end}).", as_of=cut, known=len(known), end=fmt.date(data_end)))
    else:
        show(tr("**Policy decisions.** A projection as of {as_of} uses only decisions announced by then "
                "({known} in the timeline, the latest below); {after} more were announced between {as_of} and the "
                "end of the data ({end}) and are used only in paths marked *with hindsight*.",
                as_of=cut, known=len(known), after=len(after), end=fmt.date(data_end)))
    table(pd.DataFrame(rows))
    return known, after


def _decision_row(e, status: str) -> dict:
    return {tr("announced"): fmt.date(e["announced"]), tr("effective"): fmt.date(e["date"]),
            tr("decision"): tr(e["label"]), tr("status"): status}


def crossing_text(cr) -> Text:
    """A table cell for a projected path against a threshold (models.scenarios.Crossing)."""
    if cr.kind == "already":
        text = tr("already below since {date}", date=fmt.date(cr.date))
        return text + tr(", back above it on {date} in the scenario", date=fmt.date(cr.back)) if cr.back is not None \
            else text
    if cr.kind == "first":
        return tr("first below on {date}", date=fmt.date(cr.date))
    return tr("not crossed")


# -- findings, caveats, appendix ---------------------------------------------------------------------------------------
_NOTE_CLAIMS: dict = {}      # claim id -> (claim, English clause): what this note asserted, for its sidecar


def findings(items: list) -> None:
    """The key findings: 3-5 bullets, each built from structured claims (models.findings) and rendered by the
    template of each claim's kind (publish.findings) in every language of the run. Displayed as a list; recorded
    per language (FINDINGS_MIME: sentence and clauses with their claim ids) and, as claims, in the sidecar
    (`findings`), where the publish check re-checks them."""
    _claims_out(items, FINDINGS_MIME)


def caveats(items: list) -> None:
    """Caveat sentences that carry numbers: built from claims like the findings, shown as a list, re-checked too."""
    _claims_out(items, CAVEATS_MIME)


def statement(items: list) -> None:
    """Sentences with numbers inside a section (a track record, a scenario's end point): built from claims, shown
    as a paragraph, re-checked like the findings."""
    _claims_out(items, STATEMENT_MIME, as_list=False)


def _claims_out(items: list, mime: str, as_list: bool = True) -> None:
    from ..models.findings import flatten
    from .findings import bullets, clause

    if items and all(isinstance(x, str) for x in items):      # sentences not yet built from claims
        emit(lambda lang: {"text/markdown": markdown("\n".join(f"- {realize(x, lang)}" for x in items)),
                           "text/plain": "\n".join(str(realize(x, lang)) for x in items),
                           mime: [{"text": str(realize(x, lang)), "clauses": []} for x in items]})
        return
    for c in flatten(items):
        with speaking("en"):
            _NOTE_CLAIMS[c.id] = (c, str(realize(clause(c), "en")))

    def render(lang):
        local = bullets(items)
        text = "\n".join(f"- {b['text']}" for b in local) if as_list else " ".join(b["text"] for b in local)
        return {"text/markdown": markdown(text), "text/plain": text, mime: local}

    emit(render)


def recorded_claims() -> list[dict]:
    """The claims this note made (findings and caveats), in the sidecar's form."""
    return [c.as_dict(text) for c, text in _NOTE_CLAIMS.values()]


def parameter_value(v, name: str = ""):
    """A parameter's value as the appendix shows it: dates and numbers in the reader's conventions, an amount in
    billions (a name ending in _bn) in the unit of the prose ($850bn / 8500亿美元; $17.5bn / 175亿美元)."""
    import json as _json
    import re as _re

    if v is None:
        return "—"
    if isinstance(v, bool):
        return tr("yes") if v else tr("no")
    if name.endswith("_bn") and isinstance(v, (int, float)):
        whole = float(v).is_integer()
        return fmt.bn(v, digits=(None if abs(v) >= 1000 else 0) if whole else (2 if abs(v) >= 1000 else 1))
    if isinstance(v, (int, float)):
        return fmt.num(v, 0 if float(v).is_integer() else 4).rstrip("0").rstrip(".") if not float(v).is_integer() \
            else fmt.num(v, 0)
    if isinstance(v, str) and _re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return fmt.date(v)
    if v == "latest":
        return tr("latest")
    return v if isinstance(v, str) else _json.dumps(v, ensure_ascii=False, default=str)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["liquidity"] = __version__
    return out


def appendix(ds, parameters: dict) -> None:
    """The appendix: series used (sources named, never a path), parameters, environment."""
    prov = ds.provenance()
    if len(prov):
        why = [missing_reason(ds.missing_errors.get(sid)) if st == "missing" else
               tr("the last update failed; the cached copy is used") if st == "stale" else ""
               for sid, st in zip(prov["series"], prov["status"])]
        prov = prov.assign(status=[tr(s) for s in prov["status"]], why=why)
        prov = prov.assign(source=[tr(SOURCE_NAMES.get(s, s)) if s else "" for s in prov["source"]],
                           **{"native units": [tr(UNIT_NAMES[u]) if u in UNIT_NAMES else u
                                               for u in prov["native units"]]},
                           **{"fetched at": [str(f)[:16].replace("T", " ") for f in prov["fetched at"]]},
                           title=[tr(t) for t in prov["title"]],
                           vintage=[tr(v) for v in prov["vintage"]])
        prov.columns = [tr(c) for c in prov.columns]
    # captions, not separate lines of text: a caption stays on the page of its table
    table(prov, caption=tr("Series used"))
    from .params import labels

    names = labels()
    rows = {tr(names.get(k, k)): (Text(lambda lang: lang) if k == "lang" else parameter_value(v, k))
            for k, v in parameters.items()}
    table(pd.DataFrame({tr("parameter"): list(rows), tr("value"): list(rows.values())}), caption=tr("Parameters"))
    env = {tr("run at (UTC)"): datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), "git commit": git_commit(),
           tr("language"): Text(lambda lang: lang), **versions()}
    table(pd.DataFrame({tr("item"): list(env), tr("version"): list(env.values())}), caption=tr("Environment"))


# -- the forecast scorecard's track record, quoted by the scenario notes -----------------------------------------------
RUN_DIR_VARIABLE = "LIQUIDITY_RUN_DIR"     # the runner points kernels at the run being built


def scorecard_sidecar(as_of_label: str) -> tuple[dict, str] | tuple[None, None]:
    """The scorecard sidecar with this as_of: from the run being built (the runner runs the scorecard first), else
    from the last published run. Prefers the set `default`. Returns (values, set name) or (None, None)."""
    folders = []
    if os.environ.get(RUN_DIR_VARIABLE):
        folders.append(Path(os.environ[RUN_DIR_VARIABLE]) / "scorecard")
    folders.append(paths.outputs_dir() / "latest" / "scorecard")
    for folder in folders:
        found = []
        for f in sorted(folder.glob("*.results.json")) if folder.is_dir() else []:
            stem = f.name[: -len(".results.json")]
            if "." in stem:                      # default.zh: the same numbers as default
                continue
            try:
                values = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if values.get("as_of") == as_of_label:
                found.append((stem != "default", stem, values))
        if found:
            _, stem, values = min(found, key=lambda x: x[:2])
            return values, stem
    return None, None


def scorecard_line(ds, engine: str, target: str, weeks: int | None = None) -> dict:
    """Quote the walk-forward track record of the engine a note uses (read from the scorecard's sidecar with the
    note's as_of, never typed): the horizon nearest below `weeks` (the middle one when None). Shows one statement
    built from claims (re-checked at publish against the values returned here, which go into the note's sidecar)
    and returns them (None where no scorecard was found)."""
    from ..models import findings as F
    from ..models.scorecard import QUOTED, TARGET_TITLES

    values, stem = scorecard_sidecar(ds.as_of_label)
    out = {"scorecard_set": stem, "scorecard_horizon": None, "scorecard_mae_ratio_rw": None,
           "scorecard_dm_p": None, "scorecard_origins": None, "scorecard_mae": None, "scorecard_rw_mae": None}
    if values is None:
        show(tr("**Track record.** No forecast scorecard as of {as_of} exists in this run or the last published "
                "one, so this note cannot say how {engine} has done.", as_of=_as_of_text(ds),
                engine=tr(QUOTED[engine])))
        return out
    horizons = sorted(values.get("horizons") or [])
    below = [h for h in horizons if weeks is not None and h <= weeks]
    h = below[-1] if below else (horizons[0] if weeks is not None else horizons[len(horizons) // 2])
    key = f"{engine}_{target}_h{h}"
    ratio, p, mae = values.get(f"{key}_mae_ratio_rw"), values.get(f"{key}_dm_p"), values.get(f"{key}_mae")
    rw = values.get(f"rw_{target}_h{h}_mae")
    out = {"scorecard_set": stem, "scorecard_horizon": h, "scorecard_mae_ratio_rw": ratio, "scorecard_dm_p": p,
           "scorecard_origins": values.get("origins"), "scorecard_mae": mae, "scorecard_rw_mae": rw}
    unit = "bp" if target == "spread" else "bn"
    first, last = values.get("first_origin"), values.get("last_origin")
    show(tr("**Track record** (the forecast scorecard: {n} origins from {first} to {last}, each using only what was "
            "known then):", n=values.get("origins"), first=fmt.date(first), last=fmt.date(last)))
    claims = []
    if mae is not None and rw is not None:
        labels = {"engine": QUOTED[engine], "target": TARGET_TITLES[target], "h": h}
        # spreads' misses are a basis point or two: with whole bp "1bp against 0bp" would not show the ratio beside it
        digits = 2 if unit == "bp" else None
        claims.append(F.finding(
            F.model_value("track_mae", "the average miss of {engine} on {target}, {h} weeks ahead", mae, unit,
                          model="the forecast scorecard", output="scorecard_mae", label_values=labels, digits=digits),
            F.model_value("track_rw", "the random walk's average miss, {h} weeks ahead", rw, unit,
                          model="the forecast scorecard", output="scorecard_rw_mae", label_values={"h": h},
                          digits=digits)))
    if ratio is not None:
        claims.append(F.finding(F.test("track_test", "the ratio of the two", ratio, p, better_below=1.0,
                                       output="scorecard_mae_ratio_rw", p_output="scorecard_dm_p")))
    if claims:
        statement(claims)
    return out

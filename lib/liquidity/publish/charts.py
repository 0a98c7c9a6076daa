"""Charts: the suite's Altair theme, the renderer switch, and chart helpers with titles, units and a source line.

One switch decides how charts render (`mode()`):
- "static": SVG rendered in the kernel by vl-convert. Headless runs (papermill, nbconvert) use it, so executed
  notebooks, HTML and PDF show charts with no network.
- "interactive": an HTML chart with Vega inlined (tooltips, zoom), also with no network. Used when the kernel was
  started by a Jupyter server (JupyterLab sets JPY_SESSION_NAME), or when LIQUIDITY_CHARTS=interactive.
LIQUIDITY_CHARTS=static|interactive overrides the detection.
"""
from __future__ import annotations

import html
import os
import re

import altair as alt
import pandas as pd

from ..data.events import KIND_LABELS, load_events
from .i18n import fmt, language, tr
from .typography import FONT_STACK

WIDTH, HEIGHT = 680, 250        # the full text width of an A4/Letter page at 96 px per inch, minus margins
EVENT_ROW = 12                  # px between the staggered rows of event numbers
PALETTE = ["#1f4e79", "#c0392b", "#2e8b57", "#e67e22", "#7f8c8d", "#8e44ad", "#16a085", "#d4ac0d"]
EVENT_COLOURS = {"fed": "#1f4e79", "treasury": "#2e8b57", "market": "#c0392b", "debt_limit": "#7f8c8d",
                 "shutdown": "#e67e22", "tax": "#8e44ad", "qt": "#16a085"}


def mode() -> str:
    forced = os.environ.get("LIQUIDITY_CHARTS", "").strip().lower()
    if forced in ("static", "interactive"):
        return forced
    return "interactive" if os.environ.get("JPY_SESSION_NAME") else "static"


def _theme() -> dict:
    return {
        "config": {
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "font": FONT_STACK.replace('"', ""),      # Latin in DejaVu Sans, Chinese in WenQuanYi Zen Hei
            "title": {"fontSize": 14, "anchor": "start", "subtitleFontSize": 11, "subtitleColor": "#555",
                      "limit": 0},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "gridColor": "#e8e8e8", "titleLimit": 0},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom", "labelLimit": 0,
                       "columns": 2, "columnPadding": 16, "titleLimit": 0},
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 1.6},
        }
    }


def _interactive_renderer(spec: dict, **kwargs) -> dict:
    """A chart as an iframe holding a full HTML page with Vega inlined: tooltips work offline."""
    from altair.utils import spec_to_html
    from altair.vegalite.v6 import VEGA_VERSION, VEGAEMBED_VERSION, VEGALITE_VERSION

    doc = spec_to_html(localize(spec, language()), mode="vega-lite", vega_version=VEGA_VERSION,
                       vegaembed_version=VEGAEMBED_VERSION,
                       vegalite_version=VEGALITE_VERSION, template="inline", fullhtml=True,
                       embed_options=_locale_options())
    height = spec.get("height") if isinstance(spec.get("height"), (int, float)) else HEIGHT
    frame = (f'<iframe srcdoc="{html.escape(doc, quote=True)}" style="width:100%;height:{int(height) + 160}px;'
             f'border:0" sandbox="allow-scripts"></iframe>')
    return {"text/html": frame}


def setup(force_mode: str | None = None) -> None:
    """Register the theme and enable the renderer for the current context (`mode()` tells which)."""
    if "liquidity" not in alt.theme.names():
        alt.theme.register("liquidity", enable=True)(_theme)
    alt.theme.enable("liquidity")
    alt.data_transformers.disable_max_rows()  # daily series since 2018 exceed Altair's 5000-row guard
    chosen = force_mode or mode()
    if chosen == "interactive":
        alt.renderers.register("liquidity_interactive", _interactive_renderer)
        alt.renderers.enable("liquidity_interactive")
    else:
        alt.renderers.register("liquidity_svg", lambda spec, **kwargs: {"image/svg+xml": svg(spec, language())})
        alt.renderers.enable("liquidity_svg")


def _locale_options() -> dict:
    """Axis dates and numbers in the note's language (d3 locales, built into vl-convert and Vega)."""
    return {"timeFormatLocale": "zh-CN", "formatLocale": "zh-CN"} if language() == "zh" else {}


def svg(spec: dict, lang: str) -> str:
    """A chart spec (Text already rendered) as SVG: dated axes and amount axes in the language's conventions
    (`localize`), numbers in its d3 locale."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    locale = {"format_locale": "zh-CN", "time_format_locale": "zh-CN"} if lang == "zh" else {}
    return vlc.vegalite_to_svg(localize(spec, lang), vl_version=vl_version_for_vl_convert(), **locale)


# -- axes in the reader's conventions ----------------------------------------------------------------------------------
# A chart is built once and drawn in every language of the run, so what depends on the language and on the data
# drawn (which dates an axis spans, how large its amounts are) is decided here, on the finished spec, for every chart
# of every note (the helpers below and charts a notebook builds itself alike).
#
# Time axes: a label carries its year whenever the axis spans more than one calendar year: 2019 ... 2026 (2019年),
# Apr 2024 (2024年4月); within one year, months or days: Jul, 6 Jul (7月, 7月6日). Chinese labels are numeric
# (d3's zh-CN month names read 七月).
# Amount axes (billions of USD inside the library) are drawn in the unit the prose uses: in Chinese 亿美元, or 万亿美元
# when the axis reaches 1万亿; in English billions, or trillions when the axis reaches $1tn (fmt.bn does the same).
TIME_FORMATS = {  # (year on every label, unit of the ticks) -> d3 time format by language
    (False, "day"): {"en": "%-d %b", "zh": "%-m月%-d日"},
    (True, "day"): {"en": "%-d %b %Y", "zh": "%Y年%-m月%-d日"},
    (False, "month"): {"en": "%b", "zh": "%-m月"},
    (True, "month"): {"en": "%b %Y", "zh": "%Y年%-m月"},
    (True, "year"): {"en": "%Y", "zh": "%Y年"},
}
AMOUNT_TITLES = {      # English titles of amount axes (billions of USD) -> the title when drawn in trillions
    "Billions of USD": "Trillions of USD", "Billions of USD a month": "Trillions of USD a month",
    "Billions of USD per week": "Trillions of USD per week",
}
TRILLION = 1000.0      # billions


def time_axis(start, end, lang: str) -> dict:
    """Format and tick interval of a time axis from `start` to `end` (Timestamps) in `lang`."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = max((end - start).days, 1)
    years = start.year != end.year
    if days > 3 * 366:
        step = max(1, -(-int(round(days / 365.25)) // 9))
        return {"format": TIME_FORMATS[(True, "year")][lang], "tickCount": {"interval": "year", "step": step}}
    if days > 120:
        months = days / 30.44
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= (8 if years else 10))
        return {"format": TIME_FORMATS[(years, "month")][lang], "tickCount": {"interval": "month", "step": step}}
    weeks = days / 7
    step = max(1, -(-int(weeks) // (6 if years else 9)))
    return {"format": TIME_FORMATS[(years, "day")][lang], "tickCount": {"interval": "week", "step": step}}


def amount_title(title: str, lang: str, trillions: bool) -> str | None:
    """The axis title in the unit an amount axis is drawn in, or None when `title` is not an amount title."""
    if lang == "zh":
        if "十亿美元" not in title:
            return None
        return title.replace("十亿美元", "万亿美元" if trillions else "亿美元")
    if title in AMOUNT_TITLES:
        return AMOUNT_TITLES[title] if trillions else title
    if re.search(r"\bbn\b", title):
        return re.sub(r"\bbn\b", "tn", title) if trillions else title
    return None


def amount_label_expr(lang: str, trillions: bool) -> str | None:
    """The tick labels of an amount axis whose values are billions: x10 for 亿, /1000 for 万亿 or trillions."""
    if trillions:
        return "format(datum.value / 1000, '~f')"
    return "format(datum.value * 10, '~f')" if lang == "zh" else None


def localize(spec: dict, lang: str) -> dict:
    """A copy of a (rendered) Vega-Lite spec with its time axes dated and its amount axes in the language's unit."""
    import copy

    spec = copy.deepcopy(spec)
    _localize_view(spec, spec.get("datasets", {}), None, lang)
    if lang == "zh":      # no bold: it would reach the Latin letters only (typography: Zen Hei has no bold face)
        config = spec.setdefault("config", {})
        for key, prop in (("title", "fontWeight"), ("axis", "titleFontWeight"), ("legend", "titleFontWeight"),
                          ("header", "titleFontWeight"), ("header", "labelFontWeight")):
            config.setdefault(key, {})[prop] = "normal"
    return spec


def _units(view: dict, data):
    """Every unit (mark) of a view with the data it draws: (unit, records or None)."""
    data = view.get("data", data)
    if "layer" in view:
        for child in view["layer"]:
            yield from _units(child, data)
    elif "mark" in view:
        yield view, data


def _records(data, datasets: dict) -> list[dict]:
    if not isinstance(data, dict):
        return []
    if "values" in data and isinstance(data["values"], list):
        return data["values"]
    return datasets.get(data.get("name"), []) if "name" in data else []


def _localize_view(view: dict, datasets: dict, data, lang: str) -> None:
    for key in ("hconcat", "vconcat", "concat"):
        for child in view.get(key, []):
            _localize_view(child, datasets, view.get("data", data), lang)
    if "facet" in view and "spec" in view:
        _facet_amounts(view, datasets, lang)
        _localize_view(view["spec"], datasets, view.get("data", data), lang)
        return
    units = list(_units(view, data))
    if not units:
        return
    _time_axes(units, datasets, lang)
    trillions = _amount_axes(units, datasets, lang)
    if trillions is not None:        # a title that names the unit names the axis's: 准备金（万亿美元）
        for holder in [view, *(u for u, _ in units)]:
            _retitle(holder, lang, trillions)


def _retitle(holder: dict, lang: str, trillions: bool) -> None:
    title = holder.get("title")
    if isinstance(title, str):
        holder["title"] = amount_title(title, lang, trillions) or title
    elif isinstance(title, dict) and isinstance(title.get("text"), str):
        title["text"] = amount_title(title["text"], lang, trillions) or title["text"]


def _channel_values(units, datasets, channels, kind):
    """The values of the fields of `channels` (e.g. x and x2) of type `kind` over the units."""
    out = []
    for unit, data in units:
        enc = unit.get("encoding", {})
        rows = _records(unit.get("data", data), datasets)
        for ch in channels:
            e = enc.get(ch)
            if not isinstance(e, dict) or "field" not in e:
                continue
            if ch in ("x", "y") and e.get("type") != kind:
                continue
            out.extend(r.get(e["field"]) for r in rows if r.get(e["field"]) is not None)
    return out


def _time_axes(units, datasets, lang) -> None:
    temporal = [u for u, _ in units if isinstance(u.get("encoding", {}).get("x"), dict)
                and u["encoding"]["x"].get("type") == "temporal"]
    if not temporal:
        return
    axes = [u["encoding"]["x"].get("axis", {}) for u in temporal]
    if any(a is None or (isinstance(a, dict) and ("format" in a or "labelExpr" in a)) for a in axes):
        return                                   # no axis drawn, or one the chart formats itself
    values = pd.to_datetime(pd.Series(_channel_values(units, datasets, ("x", "x2"), "temporal")), errors="coerce")
    values = values.dropna()
    if values.empty:
        return
    chosen = time_axis(values.min(), values.max(), lang)
    for u in temporal:
        u["encoding"]["x"]["axis"] = {**(u["encoding"]["x"].get("axis") or {}), **chosen}


def _amount_axes(units, datasets, lang) -> bool | None:
    """The amount axis of a view in the language's unit; returns whether it is drawn in trillions (None: no amount
    axis)."""
    titled = [u for u, _ in units if isinstance(u.get("encoding", {}).get("y"), dict)
              and isinstance(u["encoding"]["y"].get("title"), str)
              and amount_title(u["encoding"]["y"]["title"], lang, False) is not None]
    if not titled:
        return None
    values = pd.to_numeric(pd.Series(_channel_values(units, datasets, ("y", "y2"), "quantitative")), errors="coerce")
    trillions = bool(values.abs().max() >= TRILLION) if values.notna().any() else False
    expr = amount_label_expr(lang, trillions)
    for u, _ in units:
        y = u.get("encoding", {}).get("y")
        if not isinstance(y, dict) or y.get("type") != "quantitative" or y.get("axis", {}) is None:
            continue
        if u in titled:
            y["title"] = amount_title(y["title"], lang, trillions)
        if expr:
            y["axis"] = {**(y.get("axis") or {}), "labelExpr": expr}
    return trillions


def _facet_amounts(view: dict, datasets: dict, lang: str) -> None:
    """A facet whose rows are measures with their units in the row label (Reserves (bn), SOFR - IORB (bp)): the
    amount rows' values rescaled to the unit their label then names (the axes are independent, one per row)."""
    row = view["facet"].get("row") if isinstance(view["facet"], dict) else None
    y = view["spec"].get("encoding", {}).get("y", {})
    if not isinstance(row, dict) or "field" not in row or not isinstance(y, dict) or "field" not in y:
        return
    name = (view.get("data") or {}).get("name")
    rows = datasets.get(name) if name else (view.get("data") or {}).get("values")
    if not rows:
        return
    label, field = row["field"], y["field"]
    top = {}
    for r in rows:
        if amount_title(str(r.get(label, "")), lang, False) is not None and r.get(field) is not None:
            top[r[label]] = max(top.get(r[label], 0.0), abs(float(r[field])))
    if not top:
        return
    factor = {k: (1 / 1000 if v >= TRILLION else (10 if lang == "zh" else 1)) for k, v in top.items()}
    new_rows = []
    for r in rows:
        key = r.get(label)
        if key in factor:
            r = {**r, field: None if r.get(field) is None else float(r[field]) * factor[key],
                 label: amount_title(str(key), lang, top[key] >= TRILLION)}
        new_rows.append(r)
    if name:
        datasets[name] = new_rows
    else:
        view["data"]["values"] = new_rows


AXIS_TITLES = {"bn": "Billions of USD", "billions_usd": "Billions of USD", "millions_usd": "Millions of USD",
               "pct": "Percent", "percent": "Percent", "bp": "Basis points", "index": "Index", "usd": "US dollars"}


def axis_title(units: str) -> str:
    """The y-axis title for a units code of the catalog or a measure, in the note's language."""
    return tr(AXIS_TITLES.get(units, units))


def source_line(series: list[str] | tuple[str, ...], as_of_label: str, extra: str = "") -> str | list[str]:
    """The chart's subtitle: the series it draws and the data's as-of, and the already translated `extra` on a
    second line (one line would run past the chart's width, in Chinese first)."""
    when = tr("latest") if as_of_label == "latest" else fmt.date(as_of_label)
    text = tr("Source: {series}; data as of {as_of}", series=", ".join(series), as_of=when)
    return [text, extra] if extra else text


def titled(chart, title: str, subtitle: str | list[str]):
    return chart.properties(title=alt.TitleParams(title, subtitle=subtitle))


def lines(frame: pd.DataFrame, y_title: str, title: str, source: str, x_title: str | None = None,
          value_format: str = ",.1f", zero: bool = False, height: int = HEIGHT, y_domain=None):
    """Long frame (date, series, value) as lines with tooltips, titled, with the source as subtitle.
    y_domain=(low, high) fixes the axis and clips what lies outside (say so in the title or caption)."""
    scale = alt.Scale(zero=zero) if y_domain is None else alt.Scale(domain=list(y_domain), clamp=True)
    base = alt.Chart(frame).mark_line(clip=y_domain is not None).encode(
        x=alt.X("date:T", title=x_title or tr("Date")),
        y=alt.Y("value:Q", title=y_title, scale=scale),
        color=alt.Color("series:N", title=None),
        tooltip=[alt.Tooltip("date:T"), alt.Tooltip("series:N"), alt.Tooltip("value:Q", format=value_format)],
    ).properties(width=WIDTH, height=height)
    return titled(base, title, source)


def by_horizon(frame: pd.DataFrame, y_title: str, title: str, source: str, value_format: str = ",.2f",
               reference: float | None = None, height: int = HEIGHT):
    """Long frame (horizon, series, value) as lines with points over the forecast horizon in weeks; `reference`
    draws a dashed level (1 for a ratio to a benchmark)."""
    base = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("horizon:Q", title=tr("Horizon (weeks)"), axis=alt.Axis(values=sorted(frame["horizon"].unique()))),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None),
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("horizon:Q"), alt.Tooltip("value:Q", format=value_format)],
    ).properties(width=WIDTH, height=height)
    if reference is not None:
        base = alt.layer(base, _reference_rule(reference, "#555"))
    return titled(base, title, source)


def grouped_bars(frame: pd.DataFrame, y_title: str, title: str, source: str, reference: float | None = None,
                 value_format: str = ".0%", height: int = HEIGHT):
    """Long frame (group, series, value) as bars side by side within each group; `reference` draws a dashed level
    (a nominal coverage)."""
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("group:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelLimit=0)),
        xOffset=alt.XOffset("series:N"),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
        color=alt.Color("series:N", title=None),
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("series:N"), alt.Tooltip("value:Q", format=value_format)],
    ).properties(width=WIDTH, height=height)
    if reference is not None:
        bars = alt.layer(bars, _reference_rule(reference, "#c0392b"))
    return titled(bars, title, source)


def _reference_rule(value: float, colour: str):
    """A dashed horizontal level: 1 for a ratio to a benchmark, a nominal coverage."""
    return alt.Chart(pd.DataFrame({"value": [value]})).mark_rule(color=colour, strokeDash=[4, 3]).encode(y="value:Q")


def long(frame: pd.DataFrame | pd.Series, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Wide frame (date index, one column per series) to the long form the helpers take."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name or "value")
    out = frame.rename(columns=names or {}).rename_axis("date").reset_index()
    out = out.melt(id_vars="date", var_name="series", value_name="value").dropna()
    return out


def event_marks(start=None, end=None, kinds: set[str] | None = None, as_of=None, width: int = WIDTH):
    """Point events of data/events.yaml in [start, end] as dashed rules with a number on top, and the table that
    explains the numbers. Numbers are staggered over rows so that no two boxes overlap; events after `as_of` (what
    a replay learned with hindsight) are drawn grey and marked in the table. Returns (layer or None, frame)."""
    ev = load_events(kinds=kinds, start=start, end=end)
    ev = ev[ev["end"].isna()].reset_index(drop=True) if not ev.empty else ev
    if ev.empty:
        return None, pd.DataFrame()
    lo = pd.Timestamp(start) if start is not None else ev["date"].min()
    hi = pd.Timestamp(end) if end is not None else ev["date"].max()
    span = max((hi - lo).days, 1)
    rows_end: list[float] = []
    placed = []
    for n, (_, e) in enumerate(ev.iterrows(), start=1):
        x = (e["date"] - lo).days / span * width
        half = 4 + 3.5 * len(str(n))                       # the box of a 9px number, with a margin
        row = next((r for r, right in enumerate(rows_end) if right < x - half), len(rows_end))
        if row == len(rows_end):
            rows_end.append(x + half)
        else:
            rows_end[row] = x + half
        after = as_of is not None and e["announced"] > pd.Timestamp(as_of)
        placed.append({"n": str(n), "date": e["date"], "y": 4 + row * EVENT_ROW, "label": tr(e["label"]),
                       "colour": "#999999" if after else EVENT_COLOURS.get(e["kind"], "#444444"), "after": after})
    frame = pd.DataFrame(placed)
    rules = alt.Chart(frame).mark_rule(strokeDash=[4, 3], opacity=0.6).encode(
        x="date:T", color=alt.Color("colour:N", scale=None), tooltip=[alt.Tooltip("date:T"), alt.Tooltip("label:N")])
    numbers = alt.Chart(frame).mark_text(baseline="top", fontSize=9, fontWeight="bold").encode(
        x="date:T", y=alt.Y("y:Q", scale=None), text="n:N", color=alt.Color("colour:N", scale=None))
    table = pd.DataFrame({tr("No."): frame["n"], tr("date"): [fmt.date(d) for d in frame["date"]],
                          tr("event"): [tr("{event} (announced after the as-of date: with hindsight)", event=lab)
                                        if a else lab for lab, a in zip(frame["label"], frame["after"])]})
    return rules + numbers, table


def event_periods(start=None, end=None, kinds: set[str] | None = None):
    """Shaded spans for events with an end date (shutdown, debt-limit periods), the legend naming each kind."""
    ev = load_events(kinds=kinds, start=start, end=end)
    ev = ev[ev["end"].notna()] if not ev.empty else ev
    if ev.empty:
        return None
    if start is not None:
        ev = ev.assign(date=ev["date"].clip(lower=pd.Timestamp(start)))
    if end is not None:
        ev = ev.assign(end=ev["end"].clip(upper=pd.Timestamp(end)))
    ev = ev.assign(period=[tr(KIND_LABELS[k]) for k in ev["kind"]], label=[tr(x) for x in ev["label"]])
    return alt.Chart(ev).mark_rect(opacity=0.12).encode(
        x="date:T", x2="end:T", color=alt.Color("period:N", title=tr("shaded")),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("date:T"), alt.Tooltip("end:T")])


def periods(frame: pd.DataFrame, title: str):
    """Shaded spans from a frame with date, end and label (each label a legend entry), e.g. QT cap regimes."""
    if frame is None or frame.empty:
        return None
    return alt.Chart(frame).mark_rect(opacity=0.10).encode(
        x="date:T", x2="end:T", color=alt.Color("label:N", title=title),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("date:T"), alt.Tooltip("end:T")])


def srf_marks(srf: pd.Series | None, threshold_bn: float, start=None, end=None, label: str = "SRF"):
    """Days of large Standing Repo Facility use as ticks along the bottom of a chart: reserves borrowed back for a
    day are not reserves supplied. Returns (layer or None, the marked days)."""
    if srf is None:
        return None, pd.Series(dtype=float)
    days = srf[(srf >= threshold_bn)]
    if start is not None:
        days = days[days.index >= pd.Timestamp(start)]
    if end is not None:
        days = days[days.index <= pd.Timestamp(end)]
    if days.empty:
        return None, days
    frame = pd.DataFrame({"date": days.index, "amount": days.to_numpy(), "label": label})
    layer = alt.Chart(frame).mark_tick(color="#e67e22", thickness=2, size=10).encode(
        x="date:T", y=alt.value(HEIGHT - 5), tooltip=[alt.Tooltip("date:T"), alt.Tooltip("amount:Q", format=",.1f")])
    return layer, days


def threshold_rules(values: dict[str, float]):
    """Horizontal rules with labels; labels alternate left and right so that close levels stay readable."""
    frame = pd.DataFrame({"label": list(values), "value": list(values.values())})
    frame["side"] = ["left" if i % 2 == 0 else "right" for i in range(len(frame))]
    rules = alt.Chart(frame).mark_rule(color="#c0392b", strokeDash=[2, 2]).encode(
        y="value:Q", tooltip=["label:N", alt.Tooltip("value:Q", format=",.0f")])
    left = alt.Chart(frame[frame["side"] == "left"]).mark_text(align="left", dx=4, dy=-6, fontSize=10,
                                                               color="#c0392b").encode(
        x=alt.value(0), y="value:Q", text="label:N")
    right = alt.Chart(frame[frame["side"] == "right"]).mark_text(align="right", dx=-4, dy=10, fontSize=10,
                                                                 color="#c0392b").encode(
        x=alt.value(WIDTH), y="value:Q", text="label:N")
    return rules + left + right


def stacked_bars(frame: pd.DataFrame, y_title: str, title: str, source: str, order: list[str] | None = None,
                 height: int = HEIGHT):
    """Long frame (date, series, value) as stacked bars by week: contributions that add up to a total."""
    base = alt.Chart(frame).mark_bar(width=6).encode(
        x=alt.X("date:T", title=tr("Week ending")),
        y=alt.Y("value:Q", title=y_title, stack="zero"),
        color=alt.Color("series:N", title=None, sort=order),
        order=alt.Order("order:Q") if "order" in frame else alt.Undefined,
        tooltip=[alt.Tooltip("date:T"), alt.Tooltip("series:N"), alt.Tooltip("value:Q", format=",.1f")],
    ).properties(width=WIDTH, height=height)
    return titled(base, title, source)


def points(frame: pd.DataFrame, colour: str = "#000000", size: int = 18):
    """Long frame (date, series, value) as points, e.g. a total drawn over stacked contributions."""
    return alt.Chart(frame).mark_point(filled=True, color=colour, size=size, shape="diamond").encode(
        x="date:T", y="value:Q", tooltip=[alt.Tooltip("date:T"), alt.Tooltip("series:N"),
                                          alt.Tooltip("value:Q", format=",.1f")])


def band(frame: pd.DataFrame, low: str = "low", high: str = "high", colour: str = PALETTE[0], opacity: float = 0.18):
    """A shaded interval from a wide frame with a date index and `low`/`high` columns."""
    data = frame[[low, high]].rename(columns={low: "low", high: "high"}).rename_axis("date").reset_index()
    return alt.Chart(data).mark_area(opacity=opacity, color=colour).encode(
        x="date:T", y="low:Q", y2="high:Q",
        tooltip=[alt.Tooltip("date:T"), alt.Tooltip("low:Q", format=",.1f"), alt.Tooltip("high:Q", format=",.1f")])


def layer(*charts):
    return alt.layer(*[c for c in charts if c is not None])


setup()

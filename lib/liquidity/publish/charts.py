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

import altair as alt
import pandas as pd

from ..data.events import load_events

WIDTH, HEIGHT = 640, 260
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
            "font": "DejaVu Sans, Noto Sans CJK SC, Arial, sans-serif",
            "title": {"fontSize": 14, "anchor": "start", "subtitleFontSize": 11, "subtitleColor": "#555"},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "gridColor": "#e8e8e8"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 1.6},
        }
    }


def _interactive_renderer(spec: dict, **kwargs) -> dict:
    """A chart as an iframe holding a full HTML page with Vega inlined: tooltips work offline."""
    from altair.utils import spec_to_html
    from altair.vegalite.v6 import VEGA_VERSION, VEGAEMBED_VERSION, VEGALITE_VERSION

    doc = spec_to_html(spec, mode="vega-lite", vega_version=VEGA_VERSION, vegaembed_version=VEGAEMBED_VERSION,
                       vegalite_version=VEGALITE_VERSION, template="inline", fullhtml=True)
    height = spec.get("height") if isinstance(spec.get("height"), (int, float)) else HEIGHT
    frame = (f'<iframe srcdoc="{html.escape(doc, quote=True)}" style="width:100%;height:{int(height) + 160}px;'
             f'border:0" sandbox="allow-scripts"></iframe>')
    return {"text/html": frame}


def setup(force_mode: str | None = None) -> str:
    """Register the theme and enable the renderer for the current context; returns the mode used."""
    if "liquidity" not in alt.theme.names():
        alt.theme.register("liquidity", enable=True)(_theme)
    alt.theme.enable("liquidity")
    alt.data_transformers.disable_max_rows()  # daily series since 2018 exceed Altair's 5000-row guard
    chosen = force_mode or mode()
    if chosen == "interactive":
        alt.renderers.register("liquidity_interactive", _interactive_renderer)
        alt.renderers.enable("liquidity_interactive")
    else:
        alt.renderers.enable("svg")
    return chosen


def source_line(series: list[str] | tuple[str, ...], as_of_label: str, extra: str = "") -> str:
    text = f"Source: FRED/Treasury series {', '.join(series)}; data as of {as_of_label}"
    return text + (f"; {extra}" if extra else "")


def titled(chart, title: str, subtitle: str | list[str]):
    return chart.properties(title=alt.TitleParams(title, subtitle=subtitle))


def lines(frame: pd.DataFrame, y_title: str, title: str, source: str, x_title: str = "Date",
          value_format: str = ",.1f", zero: bool = False, height: int = HEIGHT, y_domain=None):
    """Long frame (date, series, value) as lines with tooltips, titled, with the source as subtitle.
    y_domain=(low, high) fixes the axis and clips what lies outside (say so in the title or caption)."""
    scale = alt.Scale(zero=zero) if y_domain is None else alt.Scale(domain=list(y_domain), clamp=True)
    base = alt.Chart(frame).mark_line(clip=y_domain is not None).encode(
        x=alt.X("date:T", title=x_title),
        y=alt.Y("value:Q", title=y_title, scale=scale),
        color=alt.Color("series:N", title=None),
        tooltip=[alt.Tooltip("date:T", title="date"), alt.Tooltip("series:N"),
                 alt.Tooltip("value:Q", format=value_format)],
    ).properties(width=WIDTH, height=height)
    return titled(base, title, source)


def long(frame: pd.DataFrame | pd.Series, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Wide frame (date index, one column per series) to the long form the helpers take."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name or "value")
    out = frame.rename(columns=names or {}).rename_axis("date").reset_index()
    out = out.melt(id_vars="date", var_name="series", value_name="value").dropna()
    return out


def event_rules(start=None, end=None, kinds: set[str] | None = None, label: bool = True):
    """Vertical rules (and short labels) for policy events from data/events.yaml within [start, end]."""
    ev = load_events(kinds=kinds, start=start, end=end)
    ev = ev[ev["end"].isna()] if not ev.empty else ev
    if ev.empty:
        return None
    ev = ev.assign(colour=ev["kind"].map(EVENT_COLOURS))
    rules = alt.Chart(ev).mark_rule(strokeDash=[4, 3], opacity=0.6).encode(
        x="date:T", color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("date:T"), alt.Tooltip("label:N"), alt.Tooltip("source:N")])
    if not label:
        return rules
    text = alt.Chart(ev).mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-2, fontSize=9,
                                   color="#444").encode(x="date:T", y=alt.value(4), text="label:N")
    return rules + text


def event_periods(start=None, end=None, kinds: set[str] | None = None):
    """Shaded spans for events with an end date (shutdown, debt-limit, QT regimes)."""
    ev = load_events(kinds=kinds, start=start, end=end)
    ev = ev[ev["end"].notna()] if not ev.empty else ev
    if ev.empty:
        return None
    if start is not None:
        ev = ev.assign(date=ev["date"].clip(lower=pd.Timestamp(start)))
    if end is not None:
        ev = ev.assign(end=ev["end"].clip(upper=pd.Timestamp(end)))
    return alt.Chart(ev).mark_rect(opacity=0.12).encode(
        x="date:T", x2="end:T", color=alt.Color("kind:N", title="period"),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("date:T", title="from"), alt.Tooltip("end:T", title="to")])


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
        x=alt.X("date:T", title="Week ending"),
        y=alt.Y("value:Q", title=y_title, stack="zero"),
        color=alt.Color("series:N", title=None, sort=order),
        order=alt.Order("order:Q") if "order" in frame else alt.Undefined,
        tooltip=[alt.Tooltip("date:T", title="week"), alt.Tooltip("series:N"),
                 alt.Tooltip("value:Q", format=",.1f")],
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

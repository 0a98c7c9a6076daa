"""The renderer switch: static SVG for headless runs, interactive offline HTML in JupyterLab; both tested."""
import re

import altair as alt
import pandas as pd

from liquidity.publish import charts


def _bundle(chart):
    b = chart._repr_mimebundle_()
    return b[0] if isinstance(b, tuple) else b


CHART = alt.Chart(pd.DataFrame({"date": pd.to_datetime(["2025-10-30", "2025-10-31"]), "value": [3.93, 4.22]})) \
    .mark_line(tooltip=True).encode(x="date:T", y="value:Q")


def test_mode_follows_the_kernel_context(monkeypatch):
    assert charts.mode() == "static"                      # papermill / nbconvert: no Jupyter server
    monkeypatch.setenv("JPY_SESSION_NAME", "/notebooks/monitor.ipynb")
    assert charts.mode() == "interactive"                 # kernel started by JupyterLab
    monkeypatch.setenv("LIQUIDITY_CHARTS", "static")
    assert charts.mode() == "static"                      # explicit override wins


def test_static_mode_embeds_svg_with_text():
    charts.setup("static")
    bundle = _bundle(CHART)
    assert list(bundle) == ["image/svg+xml"]
    assert bundle["image/svg+xml"].startswith("<svg") and "<text" in bundle["image/svg+xml"]


def test_interactive_mode_inlines_vega_and_needs_no_network():
    try:
        charts.setup("interactive")
        html = _bundle(CHART)["text/html"]
    finally:
        charts.setup("static")
    assert html.startswith("<iframe srcdoc=")
    assert "vegaEmbed" in html and "tooltip" in html
    scripts = re.findall(r"&lt;script[^&]*src=&quot;(https?://[^&]+)", html)
    assert scripts == []                                  # no script from a CDN
    assert len(html) > 500_000                            # the Vega bundle itself is inlined

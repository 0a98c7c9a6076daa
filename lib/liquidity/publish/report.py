"""Helpers for the notebooks' data, findings, caveats and provenance sections."""
from __future__ import annotations

import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata

import pandas as pd

from .. import __version__
from ..data.measures import MEASURES
from ..core.units import fmt_bn, fmt_bp, fmt_pct

PACKAGES = ("liquidity", "pandas", "numpy", "scipy", "altair", "vl-convert-python", "papermill", "nbconvert",
            "fredapi", "ipykernel")


def md(text: str):
    """Markdown for display with dollar signs kept literal: Jupyter and nbconvert read $...$ as LaTeX math, which
    would swallow text between two amounts such as "$589bn ... $514bn"."""
    from IPython.display import Markdown

    return Markdown(text.replace("\\$", "$").replace("$", "\\$"))


def fmt_value(value, units: str, sign: bool = False) -> str:
    """A measure value in prose by its units: bn -> $943bn, pct -> 4.22%, bp -> 18bp."""
    if units == "bn":
        return fmt_bn(value, sign=sign)
    if units == "pct":
        if sign and value is not None and not pd.isna(value):
            return fmt_bp(value * 100, sign=True)  # a change in a rate reads best in bp
        return fmt_pct(value)
    if units == "bp":
        return fmt_bp(value, sign=sign)
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:+,.2f}" if sign else f"{value:,.2f}"


def data_summary(ds, names: list[str]) -> pd.DataFrame:
    """What was loaded: each measure's last observation and how far it lags the newest data or as_of."""
    rows = []
    newest = None
    loaded = {}
    for name in names:
        values = ds.try_measure(name)
        if values is not None and len(values):
            loaded[name] = values.index.max()
            newest = max(newest, loaded[name]) if newest is not None else loaded[name]
    ref = ds.as_of if ds.as_of is not None else newest
    for name in names:
        m = MEASURES[name]
        if name in loaded:
            lag = (ref - loaded[name]).days if ref is not None else None
            rows.append({"measure": name, "series": ", ".join(m.series), "last observation": f"{loaded[name]:%Y-%m-%d}",
                         "days behind": lag, "status": "ok"})
        else:
            rows.append({"measure": name, "series": ", ".join(m.series), "last observation": "",
                         "days behind": None, "status": "missing: " + ds.missing.get(name, "")})
    return pd.DataFrame(rows).set_index("measure")


def missing_note(ds) -> str:
    """A sentence naming what is missing and what could not be shown, or '' when nothing is."""
    if not ds.missing:
        return ""
    items = "; ".join(f"**{k}** ({v})" for k, v in sorted(ds.missing.items()))
    return f"Not available from this source, so not shown: {items}."


def stale_note(ds) -> str:
    stale = ds.stale_series()
    if not stale:
        return ""
    items = "; ".join(f"**{k}**: {v}" for k, v in stale.items())
    return f"⚠ STALE DATA: the last update of these series failed, so the cached copy is used: {items}."


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


def provenance(ds, parameters: dict) -> dict[str, pd.DataFrame]:
    """Tables for the provenance section: series used, parameters, environment."""
    env = {"run at (UTC)": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), "git commit": git_commit(),
           **versions()}
    return {
        "series": ds.provenance(),
        "parameters": pd.DataFrame({"value": {k: repr(v) for k, v in parameters.items()}}),
        "environment": pd.DataFrame({"version": env}),
    }

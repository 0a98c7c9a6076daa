"""The results sidecar: a notebook records its headline numbers under stable names.

`record(...)` shows them as a table and attaches them to the cell output under RESULTS_MIME; the runner reads
that output from the executed notebook and writes `<paramset>.results.json` beside it (`extract`).
"""
from __future__ import annotations

import datetime as _dt
import html
import math

import numpy as np
import pandas as pd

RESULTS_MIME = "application/vnd.liquidity.results+json"


def jsonable(value):
    """Plain JSON values: numbers rounded to 6 decimals, NaN -> None, dates -> YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else round(v, 6)
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Index)):
        return [jsonable(v) for v in value]
    if value is pd.NaT:
        return None
    return str(value)


def record(values: dict, title: str = "Headline numbers (results sidecar)") -> None:
    """Display the values and attach them for the runner (`extract`); the export leaves them out of the note. The
    claims the note's findings and caveats made (report.findings) go with them under `findings`."""
    from IPython.display import display

    from .report import recorded_claims

    data = jsonable({**values, "findings": recorded_claims()})
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(_show(v))}</td></tr>"
                   for k, v in data.items())
    table = (f"<p><b>{html.escape(title)}</b></p><table><thead><tr><th>name</th><th>value</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    text = "\n".join(f"{k}: {_show(v)}" for k, v in data.items())
    display({RESULTS_MIME: data, "text/html": table, "text/plain": text}, raw=True)


def _show(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, list):
        return f"[{len(v)} items]" if v and isinstance(v[0], dict) else ", ".join(map(str, v)) or "(none)"
    return str(v)


def extract(nb) -> dict | None:
    """The last results recorded in an executed notebook (nbformat node or dict), or None."""
    found = None
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            if RESULTS_MIME in data:
                found = data[RESULTS_MIME]
    return found

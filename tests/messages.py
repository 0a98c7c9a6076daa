"""Every message a reader can see, for the language tests: the literal first argument of each `tr(...)` call in
the notebooks and the library, plus the texts the library translates from data (measure titles and concepts,
event labels, source names ...)."""
from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _calls(source: str) -> set[str]:
    out = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return out
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.add(arg.value)
    return out


def literal_messages() -> set[str]:
    found = set()
    for path in (ROOT / "lib" / "liquidity").rglob("*.py"):
        found |= _calls(path.read_text(encoding="utf-8"))
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                found |= _calls("".join(cell["source"]))
    return found


def data_messages() -> set[str]:
    """Texts translated through tr(variable): where they come from is data the library owns."""
    from liquidity.data.catalog import load_catalog
    from liquidity.data.events import KIND_LABELS, load_events
    from liquidity.data.measures import MEASURES, SRF_TOTAL_ONLY
    from liquidity.models.claims import REASONS
    from liquidity.publish.report import SOURCE_NAMES, UNIT_NAMES

    out = {m.title for m in MEASURES.values()} | {m.concept for m in MEASURES.values()}
    out |= set(load_events()["label"]) | set(KIND_LABELS.values()) | set(SOURCE_NAMES.values())
    out |= {info.title for info in load_catalog()} | set(REASONS.values())
    from liquidity.models.scorecard import QUOTED, TARGET_TITLES
    from liquidity.publish.charts import AXIS_TITLES

    out |= set(QUOTED.values()) | set(TARGET_TITLES.values())

    out |= set(AXIS_TITLES.values())
    from liquidity.publish.claims_view import STAT_NAMES

    out |= set(STAT_NAMES.values()) | set(UNIT_NAMES.values())
    out |= {SRF_TOTAL_ONLY, "ok", "missing", "stale", "why"}
    out |= {"week", "weeks", "business day", "business days", "day", "days", "quarter", "quarters",
            "ALFRED, as of the cut", "ALFRED, latest", "today's vintage", "1w", "1m", "3m",
            "series", "title", "native units", "source", "first used", "last used", "vintage", "fetched at",
            "status"}
    return out


def all_messages() -> set[str]:
    return literal_messages() | data_messages()

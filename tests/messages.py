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
        if isinstance(node, ast.Call):      # claims name what they are about for a reader (models.findings)
            for kw in node.keywords:
                if kw.arg in READER_KEYWORDS and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    out.add(kw.value.value)
            func = node.func
            if isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "F" or \
                    getattr(func, "id", None) == "message":
                # a claim constructor's or message()'s words: any constant with a space (ids, measures, sidecar
                # keys have none); a dict of labels passed to it counts too
                for arg in node.args:
                    values = arg.values if isinstance(arg, ast.Dict) else [arg]
                    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Dict):
                        values = arg.value.values
                    for v in values:
                        if isinstance(v, ast.Constant) and isinstance(v.value, str) and " " in v.value:
                            out.add(v.value)
    return out


READER_KEYWORDS = ("label", "model", "selection", "note")


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
    out |= {t.title for t in load_catalog().tables.values()} | {"statements known on the as-of date"}
    from liquidity.models.scorecard import QUOTED, TARGET_TITLES
    from liquidity.publish.charts import AXIS_TITLES

    out |= set(QUOTED.values()) | set(TARGET_TITLES.values())

    out |= set(AXIS_TITLES.values())
    from liquidity.data.measures import MEASURES as _M
    from liquidity.publish.findings import NAMES, SHORT_VERDICTS, VERDICTS, WHO, era_title

    from liquidity.publish import scorecard_report
    from liquidity.publish.curve_report import WHY_NOT_LOCATED

    out |= set(scorecard_report.ENGINES.values()) | set(scorecard_report.TARGETS.values()) | \
        set(scorecard_report.LEGS.values())

    out |= set(VERDICTS.values()) | set(SHORT_VERDICTS.values()) | set(WHO) | set(NAMES.values()) | \
        set(WHY_NOT_LOCATED.values())
    out |= {era_title(m, "2019-09-17", name=n) for m in _M for n in (True, False)}
    from liquidity.publish.eras import span_title

    out |= {span_title(m, "2019-09-17", "2025-10-31", name=n) for m in _M for n in (True, False)}
    out |= set(UNIT_NAMES.values())
    out |= {SRF_TOTAL_ONLY, "ok", "missing", "stale", "why"}
    out |= {"week", "weeks", "business day", "business days", "day", "days", "quarter", "quarters",
            "ALFRED, as of the cut", "ALFRED, latest", "today's vintage", "1w", "1m", "3m",
            "series", "title", "native units", "source", "first used", "last used", "vintage", "fetched at",
            "status"}
    return out


def parameter_labels() -> set[str]:
    """How the appendix names each notebook's parameters (their comments without the range)."""
    from liquidity.publish.notebooks import declared_params, list_notebooks

    return {p.label for nb in list_notebooks() for p in declared_params(nb).values()}


def all_messages() -> set[str]:
    return literal_messages() | data_messages() | parameter_labels()

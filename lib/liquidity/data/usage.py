"""Which catalog series the notes can read: the series of every measure, and the ids quoted in the notebooks'
code, the library's code and the claims files. `liquidity data status` says "never fetched: not used by any note"
for the others, so that a series nobody reads is not mistaken for a failure."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..core import paths
from .catalog import load_catalog

_LIBRARY = Path(__file__).resolve().parents[1]


def _texts() -> list[Path]:
    files = sorted(paths.notebooks_dir().glob("*.ipynb")) + sorted(_LIBRARY.rglob("*.py"))
    return files + sorted(paths.claims_dir().glob("*.yaml"))


def _code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8", errors="replace")
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    return "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")


@lru_cache(maxsize=4)
def _scan(key: tuple) -> frozenset[str]:
    from .measures import MEASURES

    ids = load_catalog().ids()
    used = {sid for m in MEASURES.values() for sid in m.series}
    text = "\n".join(_code(Path(p)) for p, _ in key)
    quoted = set(re.findall(r"""["']([A-Z][A-Z0-9_]+)["']""", text))
    quoted |= set(re.findall(r"series:\s*([A-Z][A-Z0-9_]+)", text))
    return frozenset(sid for sid in ids if sid in used or sid in quoted)


def used_by_notes() -> frozenset[str]:
    """The catalog ids some note can read (cached until a notebook, library or claims file changes)."""
    key = tuple((str(p), p.stat().st_mtime) for p in _texts() if p.is_file())
    return _scan(key)

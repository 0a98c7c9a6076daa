"""The notebooks of the suite: names, declared parameters (from the `parameters` cell) and parameter sets."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

from ..core import paths
from ..core.errors import InputError
from .params import Param, declaration, read_param_file, read_set, resolve, set_names, suggest  # noqa: F401


# Notebooks whose sidecars other notes quote, and the notes that quote them: a run executes a provider's tasks
# before its readers' (and a scheduler makes them upstream), so a note quotes the scorecard of its own run.
PROVIDERS = {"scorecard": ("tga_drain", "stealth_qe", "qt_path", "repo_stress")}


def readers_of(notebook: str) -> tuple[str, ...]:
    return PROVIDERS.get(notebook, ())


def providers_of(notebook: str) -> list[str]:
    return [p for p, readers in PROVIDERS.items() if notebook in readers]


def list_notebooks() -> list[str]:
    return sorted(p.stem for p in paths.notebooks_dir().glob("*.ipynb") if not p.name.startswith("."))


def notebook_path(name: str) -> Path:
    """A notebook by name ('monitor', 'monitor.ipynb' or notebooks/monitor.ipynb); nothing outside notebooks/."""
    raw = str(name)
    stem = Path(raw).name
    if stem.endswith(".ipynb"):
        stem = stem[: -len(".ipynb")]
    known = list_notebooks()
    ok_form = "\x00" not in raw and (raw in (stem, stem + ".ipynb")
                                     or Path(raw).resolve() == (paths.notebooks_dir() / f"{stem}.ipynb"))
    if not ok_form or stem not in known:
        raise InputError(f"unknown notebook {raw!r}{suggest(stem, known)}; notebooks are named by their file in "
                         f"notebooks/: {', '.join(known)}")
    return paths.notebooks_dir() / f"{stem}.ipynb"


@lru_cache(maxsize=32)
def _declared(path: str, mtime: float) -> dict[str, Param]:
    # plain JSON: importing nbformat (jsonschema and its grammars) would cost more than the whole no-op refresh
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise InputError(f"notebook {path} has no cell tagged parameters")
    source = cells[0].get("source", "")
    return declaration("".join(source) if isinstance(source, list) else source, Path(path).stem)


def declared_params(name: str) -> dict[str, Param]:
    path = notebook_path(name)
    return _declared(str(path), path.stat().st_mtime)


def param_sets(name: str) -> list[str]:
    return set_names(notebook_path(name).stem)


def load_param_set(name: str, paramset: str) -> dict:
    return read_set(notebook_path(name).stem, paramset)


def resolve_parameters(name: str, given: dict) -> dict:
    """Check given parameters against the notebook's declaration; returns them (typed). Raises InputError."""
    return resolve(declared_params(name), given, notebook_path(name).stem)


def coerce_cli_value(text: str):
    """-p NAME VALUE: YAML rules (numbers, true/false, lists), but dates stay strings."""
    try:
        value = yaml.safe_load(text)
    except Exception:  # YAML errors, and impossible dates such as 2025-31-12 (ValueError)
        return text
    if hasattr(value, "isoformat"):
        return text
    return text if value is None and text.strip() not in ("null", "~", "None") else value

"""The notebooks of the suite: names, declared parameters (from the `parameters` cell) and parameter sets."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..core import paths
from ..core.errors import InputError
from .params import Param, check_order, check_type, check_value, parse_parameters_cell, suggest


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
    return parse_parameters_cell("".join(source) if isinstance(source, list) else source)


def declared_params(name: str) -> dict[str, Param]:
    path = notebook_path(name)
    return _declared(str(path), path.stat().st_mtime)


def param_sets(name: str) -> list[str]:
    folder = paths.params_dir() / Path(notebook_path(name)).stem
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def read_param_file(path: Path, what: str) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{what} {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{what} {path} must be a mapping of parameter names to values")
    # YAML reads 2025-11-17 as a date: parameters take ISO strings
    return {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def load_param_set(name: str, paramset: str) -> dict:
    sets = param_sets(name)
    if paramset not in sets:
        raise InputError(f"notebook {name} has no parameter set {paramset!r}{suggest(paramset, sets)}; "
                         f"its sets: {', '.join(sets) or '(none)'} (files notebooks/params/{name}/<set>.yaml)")
    return read_param_file(paths.params_dir() / name / f"{paramset}.yaml", f"parameter set {name}/{paramset}")


def resolve_parameters(name: str, given: dict) -> dict:
    """Check given parameters against the notebook's declaration; returns them (typed). Raises InputError."""
    declared = declared_params(name)
    typed = {}
    for key, value in given.items():
        if key not in declared:
            raise InputError(f"notebook {name} has no parameter {key!r}{suggest(key, declared)}; "
                             f"its parameters: {', '.join(declared)}")
        typed[key] = check_type(key, value, declared[key].type_name)
        check_value(key, typed[key], declared[key].domain)
    merged = {k: p.default for k, p in declared.items()} | typed
    check_order(merged)
    return typed


def coerce_cli_value(text: str):
    """-p NAME VALUE: YAML rules (numbers, true/false, lists), but dates stay strings."""
    try:
        value = yaml.safe_load(text)
    except Exception:  # YAML errors, and impossible dates such as 2025-31-12 (ValueError)
        return text
    if hasattr(value, "isoformat"):
        return text
    return text if value is None and text.strip() not in ("null", "~", "None") else value

"""One place for every path the suite uses.

The project root is found from LIQUIDITY_ROOT, else by walking up from the working directory to the folder
holding data/series.yaml, else from the package's own location (an editable install under lib/).
"""
from __future__ import annotations

import os
from pathlib import Path

_PKG_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    env = os.environ.get("LIQUIDITY_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "series.yaml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return _PKG_ROOT


def data_dir() -> Path:
    return project_root() / "data"


def catalog_file() -> Path:
    return data_dir() / "series.yaml"


def events_file() -> Path:
    return data_dir() / "events.yaml"


def claims_dir() -> Path:
    return data_dir() / "claims"


def cache_dir() -> Path:
    env = os.environ.get("LIQUIDITY_CACHE")
    return Path(env).expanduser().resolve() if env else data_dir() / "cache"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def params_dir() -> Path:
    return notebooks_dir() / "params"


def outputs_dir() -> Path:
    env = os.environ.get("LIQUIDITY_OUTPUTS")
    return Path(env).expanduser().resolve() if env else project_root() / "outputs"


def mirror_dir() -> Path | None:
    env = os.environ.get("LIQUIDITY_MIRROR")
    return Path(env).expanduser().resolve() if env else None


PATH_VARIABLES = ("LIQUIDITY_ROOT", "LIQUIDITY_CACHE", "LIQUIDITY_OUTPUTS", "LIQUIDITY_MIRROR")


def absolutize_env() -> None:
    """Make relative path settings absolute against the current directory, once, before kernels start: a kernel
    runs in the notebooks folder and would otherwise read `../shared/data` against that folder."""
    for name in PATH_VARIABLES:
        value = os.environ.get(name)
        if value and not Path(value).expanduser().is_absolute():
            os.environ[name] = str(Path(value).expanduser().resolve())

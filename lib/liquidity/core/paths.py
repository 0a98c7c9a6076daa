"""One place for every path the suite uses.

The project root is found from LIQUIDITY_ROOT, else by walking up from the working directory to the folder
holding data/series.yaml, else from the package's own location (an editable install under lib/).
"""
from __future__ import annotations

import os
from pathlib import Path

_PKG_ROOT = Path(__file__).resolve().parents[3]  # lib/liquidity/core/paths.py -> the project


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


def releases_file() -> Path:
    return data_dir() / "releases.yaml"


def claims_dir() -> Path:
    return data_dir() / "claims"


def _setting(name: str, root: Path | None = None) -> Path | None:
    """A path setting; a relative value is taken from the project root (where README.md documents it), so that
    `LIQUIDITY_MIRROR=../shared/data` means the same folder to the CLI, to a kernel in notebooks/ and to nbval."""
    env = os.environ.get(name)
    if not env:
        return None
    path = Path(env).expanduser()
    return (path if path.is_absolute() else (root or project_root()) / path).resolve()


def cache_dir() -> Path:
    return _setting("LIQUIDITY_CACHE") or data_dir() / "cache"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def params_dir() -> Path:
    return notebooks_dir() / "params"


def _is_url(text: str) -> bool:
    """LIQUIDITY_OUTPUTS may name a remote location (s3://...; publish.location): it is no local folder."""
    return "://" in text and not text.startswith("file://")


def outputs_dir(root: Path | None = None) -> Path:
    """The local outputs folder of this project (or of the project at `root`); with a remote LIQUIDITY_OUTPUTS, the
    local one runs are built in."""
    if _is_url(os.environ.get("LIQUIDITY_OUTPUTS", "")):
        return (root or project_root()) / "outputs"
    return _setting("LIQUIDITY_OUTPUTS", root) or (root or project_root()) / "outputs"


def mirror_dir() -> Path | None:
    return _setting("LIQUIDITY_MIRROR")


PATH_VARIABLES = ("LIQUIDITY_ROOT", "LIQUIDITY_CACHE", "LIQUIDITY_OUTPUTS", "LIQUIDITY_MIRROR")


def absolutize_env() -> None:
    """Write relative path settings as absolute paths (by the rule of `_setting`) before kernels or worker
    processes start, so that every process sees the same folders whatever its working directory."""
    root = os.environ.get("LIQUIDITY_ROOT")
    if root and not Path(root).expanduser().is_absolute():
        os.environ["LIQUIDITY_ROOT"] = str(Path(root).expanduser().resolve())
    for name in PATH_VARIABLES[1:]:
        if _is_url(os.environ.get(name, "")):
            continue
        path = _setting(name)
        if path is not None:
            os.environ[name] = str(path)

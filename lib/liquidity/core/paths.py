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


ALLOW_VARIABLE = "LIQUIDITY_ALLOW_DIR"


def allowed_dirs() -> list[Path]:
    """Folders a file parameter (claims file, parameter file, a note's results file) may name: the project, its
    outputs, and the folders listed in LIQUIDITY_ALLOW_DIR (separated by ':'; relative ones from the project root)."""
    root = project_root()
    out = [root, outputs_dir().resolve()]
    for part in os.environ.get(ALLOW_VARIABLE, "").split(os.pathsep):
        if part.strip():
            path = Path(part.strip()).expanduser()
            out.append((path if path.is_absolute() else root / path).resolve())
    return out


def user_file(value, name: str) -> Path:
    """The file a parameter names, relative to the project root or absolute, once links are resolved: it must be a
    file inside the project or a folder of LIQUIDITY_ALLOW_DIR. Raises InputError naming the parameter and the fix."""
    from .errors import InputError

    text = str(value) if isinstance(value, (str, os.PathLike)) else ""
    if not text.strip() or "\x00" in text:
        raise InputError(f"parameter {name}={value!r} is not a file name: give a path inside the project, e.g. "
                         "data/claims/late_2025_squeeze.yaml")
    raw = Path(text).expanduser()
    path = (raw if raw.is_absolute() else project_root() / raw).resolve()
    if not any(path == d or d in path.parents for d in allowed_dirs()):
        raise InputError(f"parameter {name}={value!r} is outside the project: a file parameter names a file in the "
                         f"project folder or in a folder allowed by {ALLOW_VARIABLE}; move the file into the project "
                         f"(e.g. data/claims/) or set {ALLOW_VARIABLE}=<its folder>")
    if not path.is_file():
        raise InputError(f"parameter {name}={value!r}: no such file ({display_file(path)}); give a file in the project "
                         f"or in a folder allowed by {ALLOW_VARIABLE}")
    return path


def display_file(path) -> str:
    """How a note names a file: its path inside the project, or its folder's name and its path inside an allowed
    folder; never a path of this machine."""
    path = Path(path).resolve()
    dirs = allowed_dirs()
    for d in sorted(dirs, key=lambda d: len(d.parts), reverse=True):     # the innermost folder that holds it
        if path == d or d in path.parents:
            rel = path.relative_to(d).as_posix()
            return rel if d == dirs[0] else f"{d.name}/{rel}"
    return path.name


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

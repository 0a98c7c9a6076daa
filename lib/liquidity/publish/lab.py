"""JupyterLab as the analyst's workbench: the open notebook published as the house-style note.

- `NoteExporter`, the nbconvert exporter `publish` (an entry point of the package): JupyterLab lists it under
  File > Save and Export Notebook As and in the command palette. Lab saves the notebook, then the exporter reads
  the parameters the saved notebook runs with (its parameters cell and any `params.use_set(...)` call), checks
  them, and runs `liquidity run NOTEBOOK` with them in English and Chinese, HTML and PDF: the command line's code
  path, into outputs/lab/ (its own `latest`, so the scheduled refresh's outputs/latest stays whole). Lab downloads
  the four files as one zip; they also stay in outputs/lab/, which the Lab file browser shows.

The Jupyter server settings that go with it (Lab's own exports offline, the exports that cannot work here out of the
menu, the Chinese-twins plugin in labextensions/) are in tools/jupyter_server_config.py, which `make install` copies
into the virtualenv.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbconvert.exporters import Exporter

from ..core import paths
from ..core.errors import InputError, LiquidityError
from ..core.secrets import redact
from . import params

LAB_OUTPUTS = "lab"                 # outputs/lab/<run-id>/..., outputs/lab/latest
LANGS = "en,zh"
FORMATS = "ipynb,html,pdf"
PUBLISH_TIMEOUT = 1800              # seconds: a stuck run must not hold a server thread forever


# -- the parameters a saved notebook runs with ------------------------------------------------------------------------
def _code_cells(nb) -> list[str]:
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append("".join(source) if isinstance(source, list) else source)
    return out


def _parameters_source(nb, notebook: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    raise InputError(f"notebook {notebook} has no cell tagged parameters: only the suite's notebooks publish as notes")


def use_set_call(nb, notebook: str) -> tuple[str | None, dict]:
    """The parameter set a notebook loads in its first cells: its last top-level `use_set("name", key=value)` call
    (a commented example loads nothing), with its changes."""
    found: tuple[str | None, dict] = (None, {})
    for source in _code_cells(nb):
        try:
            body = ast.parse(source).body
        except SyntaxError:         # a cell with IPython magics: it loads no set
            continue
        for node in body:
            call = getattr(node, "value", None)
            if not (isinstance(call, ast.Call)
                    and getattr(call.func, "attr", getattr(call.func, "id", "")) == "use_set"):
                continue
            try:
                name = ast.literal_eval(call.args[0]) if len(call.args) == 1 else None
                changes = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
            except (ValueError, TypeError, SyntaxError):
                name = None
            if not isinstance(name, str) or None in changes:
                raise InputError(f"notebook {notebook}: write use_set with the set's name and values as literals, "
                                 f"e.g. params.use_set(\"rebuild_2023\", tga_target_bn=900.0), not "
                                 f"{ast.get_source_segment(source, call)}")
            found = (name, changes)
    return found


def notebook_parameters(nb, notebook: str, sets: Path) -> tuple[str | None, dict]:
    """The parameter set and the values a saved notebook runs with, checked as the command line checks them (names
    with the closest valid one, types, ranges, dates): the parameters cell as saved, then `use_set` (the sets in
    the folder `sets`)."""
    declared = params.declaration(_parameters_source(nb, notebook), notebook)
    values = params.resolve(declared, {k: p.default for k, p in declared.items()}, notebook)
    paramset, changes = use_set_call(nb, notebook)
    if paramset is not None:
        values |= params.resolve(declared, params.read_set(notebook, paramset, sets) | changes, notebook)
    return paramset, values


def committed_parameters_cell(path: Path) -> str | None:
    """The parameters cell of the notebook as committed (git HEAD), or None outside git or for a new notebook."""
    try:
        shown = subprocess.run(["git", "show", f"HEAD:./{path.name}"], cwd=path.parent, capture_output=True,
                               timeout=20, check=True)
        return _parameters_source(json.loads(shown.stdout.decode("utf-8")), path.stem)
    except (OSError, subprocess.SubprocessError, ValueError, InputError):
        return None


def run_overrides(path: Path, paramset: str | None, values: dict) -> dict:
    """What `liquidity run` must be told besides --params-set so that the run has exactly `values`: the values that
    differ from the stored notebook's defaults and the set's file (the default set when none is named). The stored
    notebook is the committed one: a value edited in the parameters cell and saved counts as a change, so the note
    is not labelled with a set whose values it does not have."""
    stored = committed_parameters_cell(path) or params.stored_parameters_cell(path) or ""
    baseline = {k: p.default for k, p in params.parse_parameters_cell(stored).items() if p.annotated}
    name, sets = paramset or "default", path.parent / "params"
    if name in params.set_names(path.stem, sets):
        baseline |= params.read_set(path.stem, name, sets)
    return {k: v for k, v in values.items() if k != "lang" and (k not in baseline or baseline[k] != v)}


# -- publishing through the command line's code path ------------------------------------------------------------------
@dataclass
class Published:
    run_dir: Path
    label: str                      # the parameter set as the note names it: default, rebuild_2023, custom...
    files: dict[str, Path]          # "html", "pdf", "zh.html", "zh.pdf", "results.json" -> file


def suite_notebook(path: Path) -> Path:
    """The project root of a notebook the suite can publish (notebooks/<name>.ipynb of a project), else InputError."""
    path = Path(path).resolve()
    root = path.parent.parent
    if path.parent.name != "notebooks" or not (root / "data" / "series.yaml").is_file():
        raise InputError(f"{path.name} is not one of the suite's notebooks (notebooks/*.ipynb of the project): "
                         "only those publish as research notes")
    return root


def publish(path: Path, nb: dict | None = None, out: Path | None = None) -> Published:
    """Publish a saved notebook as the research note, with the parameters it runs with: `liquidity run` in a
    process of its own (kernels, the worker pool and Chromium stay out of the server or kernel that asks)."""
    path = Path(path).resolve()
    root = suite_notebook(path)
    if nb is None:
        nb = json.loads(path.read_text(encoding="utf-8"))
    paramset, values = notebook_parameters(nb, path.stem, path.parent / "params")
    overrides = run_overrides(path, paramset, values)
    env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"} | {"LIQUIDITY_ROOT": str(root)}
    out = Path(out) if out else paths.outputs_dir(root) / LAB_OUTPUTS
    with tempfile.TemporaryDirectory(prefix="liquidity-publish-") as tmp:
        command = [sys.executable, "-m", "liquidity", "run", path.stem, "--lang", LANGS, "--formats", FORMATS,
                   "--out", str(out), "--quiet"]
        if paramset:
            command += ["--params-set", paramset]
        if overrides:
            import yaml

            given = Path(tmp) / "parameters.yaml"
            given.write_text(yaml.safe_dump(overrides, allow_unicode=True, sort_keys=False), encoding="utf-8")
            command += ["-f", str(given)]
        try:
            done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                                  timeout=PUBLISH_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise LiquidityError(f"publishing {path.stem} took longer than {PUBLISH_TIMEOUT} s and was stopped; "
                                 f"see {out}/logs/kernels.log") from None
    errors = [line[len("error: "):] for line in done.stderr.splitlines() if line.startswith("error: ")]
    if done.returncode == 2:
        raise InputError(errors[-1] if errors else redact(done.stderr.strip()))
    if done.returncode != 0:
        failed = [line.strip() for line in done.stdout.splitlines() if " failed " in f" {line} "]
        why = "; ".join(failed[:3] + errors[-1:]) or redact(done.stderr.strip()[-500:])
        raise LiquidityError(f"publishing {path.stem} failed: {why}")
    run_dir = (out / "latest").resolve()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    tasks = [t for t in manifest["notebooks"] if t["notebook"] == path.stem and t["status"] in ("ok", "reused")]
    if not tasks:
        raise LiquidityError(f"publishing {path.stem} left no note in {run_dir}")
    label = tasks[0]["paramset"]
    files = {}
    for suffix in ("html", "pdf", "zh.html", "zh.pdf", "results.json"):
        f = run_dir / path.stem / f"{label}.{suffix}"
        if f.is_file():
            files[suffix] = f
    return Published(run_dir, label, files)


class NoteExporter(Exporter):
    """nbconvert exporter `publish`: the notebook as the research note, HTML and PDF, English and Chinese."""

    export_from_notebook = "Research note (HTML and PDF, English and Chinese)"
    output_mimetype = "text/html"

    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        meta = resources.get("metadata", {})
        if not meta.get("path"):
            raise InputError("publishing needs the notebook's file: save it in notebooks/ of the project first")
        note = publish(Path(meta["path"]) / f"{meta['name']}.ipynb", nb_copy)
        name = meta["name"]
        resources["output_extension"] = ".html"     # the English HTML; the rest go in the zip beside it
        resources["outputs"] = {f"{name}.{suffix}": f.read_bytes()
                                for suffix, f in note.files.items() if suffix != "html"}
        resources["liquidity_note"] = {"run_dir": str(note.run_dir), "label": note.label}
        return note.files["html"].read_text(encoding="utf-8"), resources

"""Parameter checks, one place for the notebooks (their first code cell calls `check_cell()`) and the runner (before
any kernel starts). Both read the same declaration: the `parameters` cell of the notebook file, parsed as papermill
parses it. A parameter is declared by an annotated line, `name: type = default  # help`; a plain assignment in the
cell (`name = value`, as typed in JupyterLab or injected by papermill) sets a value and declares nothing, so a typo
there is an error with the closest declared name, never a new parameter.

In JupyterLab `use_set("name")` loads a named parameter set (notebooks/params/<notebook>/<name>.yaml) into the
kernel, checked as `--params-set` is on the command line.

Each parameter's comment is its help (papermill --help-notebook and `liquidity list` show it). A number declares
its domain there: "Range [0, 1]" (closed), "Range (0, 100)" (open), "Range [1, inf)" ... A value outside it is an
input error naming the parameter, the value and the range.

Rules that follow names, the same in every notebook:
  as_of                       "latest" or an ISO date (YYYY-MM-DD), not after today
  lang                        en or zh
  start, end, *_start, *_end, *_date, date_*
                              ISO dates; each X_start not after its X_end; a *_date may also be "next_quarter_end"
                              (the first quarter end at least 4 weeks after the latest data); a projection's
                              *_end_date and *_target_date come after as_of
  *_bn                        amounts in billions of USD, not negative (*_change_bn may be)
  *_days, *_weeks, *_months   whole numbers
  *_measure, measure          a measure name of the library
  *_shape                     a path shape: linear, step or points
  names in CHOICES            one of the listed values (e.g. qt_scenario)
  *_points                    a list of {date: YYYY-MM-DD, level_bn: number}
  *_file                      a file inside the project or a folder of LIQUIDITY_ALLOW_DIR (core.paths.user_file);
                              a note shows it by its place in the project, never as a path of the machine
"""
from __future__ import annotations

import ast
import difflib
import json
import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..core import paths
from ..core.dates import (RELATIVE_DATES, is_relative_date, parse_as_of, parse_date,  # noqa: F401
                          resolve_date, today)
from ..core.errors import InputError, suggest  # noqa: F401
from ..data.measures import MEASURES
from ..models.scenarios import SHAPES, parse_points
from .i18n import LANGS

CHOICES = {
    "qt_scenario": ("as_announced", "no_end", "slower"),
    "spread_measure": ("effr_iorb", "sofr_iorb"),
    "lang": LANGS,
}

_RANGE = re.compile(r"\bRange\s*([\[(])\s*(-inf|-?\d+(?:\.\d+)?)\s*,\s*(-?inf|inf|-?\d+(?:\.\d+)?)\s*([\])])")


@dataclass(frozen=True)
class Domain:
    low: float
    high: float
    low_open: bool
    high_open: bool

    def __contains__(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    def __str__(self) -> str:
        def show(v):
            return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}"
        return f"{'(' if self.low_open else '['}{show(self.low)}, {show(self.high)}{')' if self.high_open else ']'}"


def domain_from_help(help_text: str | None) -> Domain | None:
    """The "Range [a, b]" of a parameter's comment, or None."""
    m = _RANGE.search(help_text or "")
    if not m:
        return None
    return Domain(float(m.group(2)), float(m.group(3)), m.group(1) == "(", m.group(4) == ")")


def _is_date_name(name: str) -> bool:
    return (name in ("start", "end") or name.endswith("_start") or name.endswith("_end")
            or name.endswith("_date") or name.startswith("date_"))


def _number(name: str, value) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and math.isnan(value))):
        raise InputError(f"parameter {name}={value!r} must be a number")
    return float(value)


def check_value(name: str, value, domain: Domain | None = None) -> None:
    """Raise InputError naming the parameter, the value and what is allowed. A declared range is checked first: its
    message says the most."""
    if domain is not None and isinstance(value, (list, tuple)):       # a range applies to every element
        for v in value:
            if _number(name, v) not in domain:
                raise InputError(f"parameter {name}={value!r} has {v!r} outside its range {domain}; give values "
                                 f"in {domain}")
    elif domain is not None and value is not None and not isinstance(value, (bool, str, dict)):
        if _number(name, value) not in domain:
            raise InputError(f"parameter {name}={value!r} is outside its range {domain}; give a value in {domain}")
    if name in CHOICES:
        if value not in CHOICES[name]:
            raise InputError(f"parameter {name}={value!r} is not allowed: choose one of {', '.join(CHOICES[name])}"
                             f"{suggest(str(value), CHOICES[name])}")
    elif name == "as_of":
        when = parse_as_of(value)
        if when is not None and when > today():
            raise InputError(f"parameter as_of={value!r} is after today ({today():%Y-%m-%d}): a note can only be as "
                             f"of a day that has passed; use latest or an earlier date")
    elif _is_date_name(name):
        if value is None or (isinstance(value, str) and value.strip().lower() in ("latest", "")):
            if name.endswith("end") or name == "end":
                return  # an open end means "up to the latest data"
        if name.endswith("_date") and (value is None or is_relative_date(value)):
            return  # an optional date (None) or one relative to the latest data
        parse_date(value, name)
    elif name.endswith(("_days", "_weeks", "_months", "_reps")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"parameter {name}={value!r} must be a whole number")
    elif name.endswith("_bn"):
        if value is not None:
            v = _number(name, value)
            if v < 0 and not name.endswith("_change_bn"):
                raise InputError(f"parameter {name}={value!r} is an amount in billions of USD and must not be "
                                 "negative")
    elif name.endswith(("_bp", "_pct", "_share")):
        if value is not None:
            _number(name, value)
    elif name.endswith("_file"):
        if value not in ("", None):                # an empty file parameter means "none"
            paths.user_file(value, name)
    elif name.endswith("_shape"):
        if value not in SHAPES:
            raise InputError(f"parameter {name}={value!r} is not allowed: choose one of {', '.join(SHAPES)}")
    elif name.endswith("_points"):
        if not isinstance(value, (list, tuple)):
            raise InputError(f"parameter {name}={value!r} must be a list of {{date, level_bn}} entries")
        parse_points(value)
    elif name == "measure" or name.endswith("_measure"):
        if value not in MEASURES:
            close = difflib.get_close_matches(str(value), MEASURES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"parameter {name}={value!r} is not a measure{hint}; choose one of {', '.join(MEASURES)}")
    if name == "horizons" or name.endswith("_horizons"):
        if not isinstance(value, (list, tuple)) or not value or any(
                isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise InputError(f"parameter {name}={value!r} must be a non-empty list of whole numbers of weeks, "
                             "e.g. [4, 8, 13]")



def check_order(params: dict) -> None:
    """X_start <= X_end, start <= end (open ends allowed); a projection's end and target after as_of."""
    for name, value in params.items():
        if name == "start" or name.endswith("_start"):
            end_name = "end" if name == "start" else name[: -len("_start")] + "_end"
            end = params.get(end_name)
            if end is None or value is None or (isinstance(end, str) and end.strip().lower() in ("latest", "")):
                continue
            if parse_date(value, name) > parse_date(end, end_name):
                raise InputError(f"parameter {name}={value!r} is after {end_name}={end!r}: "
                                 f"the window must start before it ends")
    as_of = parse_as_of(params.get("as_of")) if "as_of" in params else None
    if as_of is None:
        return
    for name, value in params.items():
        if name.endswith(("_end_date", "_target_date")) and isinstance(value, str) and not is_relative_date(value):
            if parse_date(value, name) <= as_of:
                raise InputError(f"parameter {name}={value!r} is not after as_of={params['as_of']!r}: a projection "
                                 "ends after the day it starts from; choose a later date")


def check(**params) -> dict:
    """Validate parameters by their names (no declared ranges); returns them unchanged."""
    for name, value in params.items():
        check_value(name, value)
    check_order(params)
    return params


# -- the parameters cell: one declaration for the runner and the kernel ---------------------------------------------
@dataclass(frozen=True)
class Param:
    name: str
    type_name: str
    default: object
    help: str
    annotated: bool = True      # `name: type = ...` declares; a plain `name = ...` only sets a value

    @property
    def domain(self) -> Domain | None:
        return domain_from_help(self.help)

    @property
    def label(self) -> str:
        """How the appendix names the parameter for a reader (an English message): its comment without the range."""
        return _RANGE.sub("", self.help).strip().rstrip(".;,").strip() or self.name


def _assignments(source: str) -> list[Param]:
    """Every assignment to a name in a cell's source, in order (a name may come twice)."""
    lines = source.splitlines()
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, node.annotation, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        if annotation is None:
            type_name = "None"
        elif isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            type_name = annotation.value          # a quoted annotation: "Optional[float]"
        else:
            type_name = ast.unparse(annotation)
        default = None
        if value is not None:
            try:
                default = ast.literal_eval(value)
            except ValueError:
                default = ast.get_source_segment(source, value)
        tail = lines[node.end_lineno - 1][node.end_col_offset:]
        help_text = tail.split("#", 1)[1].strip() if "#" in tail else ""
        out.append(Param(name, type_name, default, help_text, annotated=annotation is not None))
    return out


def parse_parameters_cell(source: str) -> dict[str, Param]:
    """The assignments of a `parameters` cell's source (name, type, default, help), read as papermill reads them:
    `name: type = default  # help`. Parsed with `ast` rather than papermill's translator, whose import (nbformat,
    jsonschema) costs a second and a half in every kernel and every planning step; a test checks both agree.
    Plain assignments are returned too, marked `annotated=False`: `declaration()` tells the two apart."""
    return {p.name: p for p in _assignments(source)}


def unknown_parameter(notebook: str, name: str, declared, fix: str) -> InputError:
    """The one error for a name a notebook does not declare: the closest declared name, else the list."""
    hint = suggest(name, declared)
    listing = "" if hint else f"; its parameters: {', '.join(declared)}"
    return InputError(f"notebook {notebook} has no parameter {name!r}{hint}{listing}: {fix}")


def declaration(source: str, notebook: str = "this notebook") -> dict[str, Param]:
    """What a parameters cell declares: its annotated lines, each with the value the cell leaves (a later plain
    assignment of a declared name, typed in JupyterLab, changes the value). A plain assignment of a name the cell
    does not declare is a typo: InputError with the closest declared name."""
    try:
        assignments = _assignments(source)
    except SyntaxError as exc:
        raise InputError(f"notebook {notebook}: its parameters cell is not valid Python (line {exc.lineno}: "
                         f"{exc.msg}); correct the cell") from None
    declared: dict[str, Param] = {}
    for p in assignments:
        if p.annotated:
            declared[p.name] = p
        elif p.name in declared:
            declared[p.name] = replace(declared[p.name], default=p.default)
        else:
            names = [q.name for q in assignments if q.annotated]
            raise unknown_parameter(notebook, p.name, names, "correct the name in the parameters cell")
    return declared


def _literal_assignments(source: str) -> list[str] | None:
    """The names a cell assigns when it holds nothing but assignments of literal values to names (a parameters cell,
    papermill's injected-parameters cell), else None."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    names = []
    for node in body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0], node.value
        else:
            return None
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        names.append(target.id)
    return names or None


def _calls(source: str, function: str) -> bool:
    """Whether a cell calls `function` (as `function(...)` or `module.function(...)`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and ((isinstance(n.func, ast.Name) and n.func.id == function) or
                                            (isinstance(n.func, ast.Attribute) and n.func.attr == function))
               for n in ast.walk(tree))


def stored_parameters_cell(notebook: Path) -> str | None:
    """The source of the cell tagged `parameters` in a notebook file (read as JSON: nbformat costs a second)."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return None


# -- the notebook a kernel runs ---------------------------------------------------------------------------------------
def _kernel_namespace(namespace: dict | None) -> dict:
    if namespace is not None:
        return namespace
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise InputError("this call works in a notebook's kernel (JupyterLab); from the command line use "
                         "`liquidity run NOTEBOOK --params-set NAME`")
    return shell.user_ns


def _history(namespace: dict) -> list[str]:
    """The cells this kernel executed, oldest first (IPython's `In`; empty when cells run without history)."""
    return [src for src in namespace.get("In", []) or [] if isinstance(src, str) and src.strip()]


def session_notebook(namespace: dict | None = None) -> Path | None:
    """The notebook file a Jupyter server started this kernel for (JupyterLab sets JPY_SESSION_NAME, ipykernel
    `__session__`): an absolute path, or one relative to the server's root."""
    raw = (namespace or {}).get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if not raw or not str(raw).endswith(".ipynb"):
        return None
    raw = str(raw)
    for candidate in (Path(raw), Path.cwd() / Path(raw).name, paths.project_root() / raw.lstrip("/")):
        if candidate.is_file():
            return candidate.resolve()
    return None


def notebook_in_kernel(namespace: dict) -> tuple[Path | None, str]:
    """The notebook whose parameters cell declares this kernel's parameters, and that cell's source. In order:
    1. the notebook JupyterLab opened this kernel for (its cell may have been edited there: the file declares);
    2. in a papermill run, the notebook whose stored parameters cell the kernel executed as it is (papermill runs
       the stored cell, then its injected-parameters cell);
    3. with history but no file, the first executed cell made only of annotated assignments (a console);
    4. without history (nbval runs cells with store_history=False), the notebook in the working folder or
       notebooks/ that declares exactly the kernel's annotated names."""
    history = _history(namespace)
    session = session_notebook(namespace)
    candidates = list(dict.fromkeys(
        [p for p in (session,) if p is not None]
        + sorted(p.resolve() for p in Path.cwd().glob("*.ipynb"))
        + sorted(p.resolve() for p in paths.notebooks_dir().glob("*.ipynb"))))
    if history:
        if session is not None and not any(_is_injected(src) for src in history):
            source = stored_parameters_cell(session)      # JupyterLab: the file it opened declares
            if source:
                return session, source
        executed = set(history)
        for nb in candidates:                             # papermill (a JPY_SESSION_NAME inherited is no guide)
            source = stored_parameters_cell(nb)
            if source and source in executed:
                return nb, source
        for src in history:
            try:
                body = ast.parse(src).body
            except SyntaxError:
                continue
            if body and all(isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) for n in body):
                return None, src
    names = set(namespace.get("__annotations__") or {})
    if names:
        for nb in candidates:
            source = stored_parameters_cell(nb)
            if source and {n for n, p in parse_parameters_cell(source).items() if p.annotated} == names:
                return nb, source
    raise InputError("no parameters cell found in this kernel's history: run the notebook from its first cell")


_kernel: dict = {}      # the declaration check_cell read in this kernel (the appendix names parameters by it)


def labels() -> dict[str, str]:
    """Parameter name -> label (an English message) of the notebook this kernel runs (after check_cell)."""
    return {name: p.label for name, p in (_kernel.get("declared") or {}).items()}


CHECKED_UPTO = "_liquidity_checked_upto"     # in the kernel's namespace: `In` position after the last good check


def _executed_parameter_names(namespace: dict, declared) -> list[str]:
    """The names the parameters cell assigned in this run, as last executed: of the cells run since the last
    successful `check_cell()`, the last one made only of literal assignments that sets a declared parameter (the
    parameters cell as typed in JupyterLab, or papermill's injected-parameters cell after the stored cell)."""
    executed = [src if isinstance(src, str) else "" for src in namespace.get("In", []) or []]
    end = len(executed) - 1 if executed and _calls(executed[-1], "check_cell") else len(executed)  # not this cell
    start = namespace.get(CHECKED_UPTO, 0)
    if not isinstance(start, int) or start > end:
        start = 0
    for src in reversed(executed[start:end]):
        assigned = _literal_assignments(src) if src.strip() else None
        if assigned and (set(assigned) & set(declared) or _is_injected(src)):
            return assigned
    return []


def _is_injected(source: str) -> bool:
    """Whether a cell is papermill's injected-parameters cell (literal assignments after the comment it writes)."""
    return source.startswith("# Parameters\n") and bool(_literal_assignments(source))


def _injected_by_papermill(namespace: dict) -> bool:
    """Whether papermill injected this run's parameters."""
    return any(_is_injected(src) for src in _history(namespace))


def check_cell(namespace: dict | None = None) -> dict:
    """Check the notebook's parameters against its parameters cell, by one call and without repeating a name: reads
    the declaration (types, ranges in the comments) and the current values, and stops with one clear message: a
    name the cell assigns but the notebook does not declare (a typo, with the closest name), a bad type, a value
    out of range, dates in the wrong order. Returns the parameters in the cell's order. Also sets the language of
    everything the note shows (`lang`)."""
    namespace = _kernel_namespace(namespace)
    notebook, source = notebook_in_kernel(namespace)
    label = notebook.stem if notebook is not None else "this notebook"
    declared = declaration(source, label)
    for name in _executed_parameter_names(namespace, declared):
        if name not in declared:
            raise unknown_parameter(label, name, declared, "correct the name in the parameters cell")
    _kernel["declared"] = declared
    values = {}
    for name, p in declared.items():
        values[name] = check_type(name, namespace.get(name, p.default), p.type_name)
        check_value(name, values[name], p.domain)
    check_order(values)
    for name in values:                          # shown in the note's appendix: never a path of this machine
        if name.endswith("_file") and values[name] not in ("", None):
            values[name] = paths.display_file(paths.user_file(values[name], name))
    if "lang" in values:
        import os

        from .i18n import LANGS_VARIABLE, set_language, set_languages

        if os.environ.get(LANGS_VARIABLE):    # the runner: one execution renders several languages
            set_languages(os.environ[LANGS_VARIABLE])
        else:
            set_language(values["lang"])
    if namespace.get("In"):
        namespace[CHECKED_UPTO] = len(namespace["In"])
    return values


def resolve(declared: dict[str, Param], given: dict, notebook: str,
            fix: str = "use a declared name (see `liquidity list`)") -> dict:
    """Check given parameters against a declaration (names with the closest valid one, types, ranges, then the
    order of dates with the declared values for the rest); returns them typed. Raises InputError."""
    typed = {}
    for key, value in given.items():
        if key not in declared:
            raise unknown_parameter(notebook, key, declared, fix)
        typed[key] = check_type(key, value, declared[key].type_name)
        check_value(key, typed[key], declared[key].domain)
    check_order({k: p.default for k, p in declared.items()} | typed)
    return typed


# -- named parameter sets: notebooks/params/<notebook>/<set>.yaml ------------------------------------------------------
def read_param_file(path: Path, what: str) -> dict:
    import yaml

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


def set_names(notebook: str, folder: Path | None = None) -> list[str]:
    """The named parameter sets of a notebook (by its file's stem), in `folder` (default notebooks/params)."""
    folder = (folder or paths.params_dir()) / notebook
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def read_set(notebook: str, paramset: str, folder: Path | None = None) -> dict:
    sets = set_names(notebook, folder)
    if paramset not in sets:
        raise InputError(f"notebook {notebook} has no parameter set {paramset!r}{suggest(str(paramset), sets)}; "
                         f"its sets: {', '.join(sets) or '(none)'} (files notebooks/params/{notebook}/<set>.yaml)")
    return read_param_file((folder or paths.params_dir()) / notebook / f"{paramset}.yaml",
                           f"parameter set {notebook}/{paramset}")


def use_set(name: str, namespace: dict | None = None, **changes) -> dict:
    """In JupyterLab: load the named parameter set of this notebook into the kernel, with `changes` on top (e.g.
    `use_set("rebuild_2023", tga_target_bn=900.0)`), checked as the command line checks `--params-set` and `-p`.
    Call it after the parameters cell and before `check_cell()`. Returns the values it set.

    In a papermill run (the runner injected the parameters) it changes nothing: there the parameters come from the
    run (`liquidity run NOTEBOOK --params-set NAME`), which publishing from JupyterLab fills in from this call."""
    namespace = _kernel_namespace(namespace)
    notebook, source = notebook_in_kernel(namespace)
    if notebook is None or not (notebook.parent / "params" / notebook.stem).is_dir():
        raise InputError("use_set loads the parameter sets of the suite's notebooks (notebooks/*.ipynb); open the "
                         "notebook from notebooks/ in JupyterLab")
    if _injected_by_papermill(namespace):
        return {}
    declared = declaration(source, notebook.stem)
    values = read_set(notebook.stem, name, notebook.parent / "params") | changes
    typed = resolve({k: replace(p, default=namespace.get(k, p.default)) for k, p in declared.items()}, values,
                    notebook.stem, fix="give use_set a declared name")
    namespace.update(typed)
    shown = ", ".join(f"{k}={v!r}" for k, v in typed.items())
    print(f"parameter set {name} of {notebook.stem}: {shown or '(the notebook defaults)'}")
    return typed


# -- types from the parameters cell (used by the runner before a kernel starts) ---------------------------------------
_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict}


def check_type(name: str, value, type_name: str | None) -> object:
    """Check (and gently coerce) a value against the parameters cell annotation."""
    if not type_name or type_name in ("None", "Any"):
        return value
    base = type_name.split("|")[0].strip().split("[")[0]
    allow_none = "None" in type_name or "Optional" in type_name
    if base == "Optional":
        base = type_name.split("[", 1)[1].rstrip("]").split(",")[0].strip()
    if value is None and allow_none:
        return value
    expected = _TYPES.get(base)
    if expected is None:
        return value
    if base == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if base in ("int", "float") and isinstance(value, bool):
        raise InputError(f"parameter {name}={value!r} must be of type {type_name}, not bool")
    if not isinstance(value, expected):
        raise InputError(f"parameter {name}={value!r} must be of type {type_name}, "
                         f"got {type(value).__name__}")
    return value

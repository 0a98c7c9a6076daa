"""Parameter checks, one place for the notebooks (their first code cell calls `check_cell()`) and the runner (before
any kernel starts). Both read the same declaration: the notebook's `parameters` cell, parsed by papermill.

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
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
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

    @property
    def domain(self) -> Domain | None:
        return domain_from_help(self.help)

    @property
    def label(self) -> str:
        """How the appendix names the parameter for a reader (an English message): its comment without the range."""
        return _RANGE.sub("", self.help).strip().rstrip(".;,").strip() or self.name


def parse_parameters_cell(source: str) -> dict[str, Param]:
    """The parameters of a `parameters` cell's source (name, type, default, help), read as papermill reads them:
    `name: type = default  # help`. Parsed with `ast` rather than papermill's translator, whose import (nbformat,
    jsonschema) costs a second and a half in every kernel and every planning step; a test checks both agree."""
    import ast

    lines = source.splitlines()
    out = {}
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
        out[name] = Param(name, type_name, default, help_text)
    return out


def _is_parameters_source(src: str) -> bool:
    import ast

    try:
        body = ast.parse(src).body
    except SyntaxError:
        return False
    return bool(body) and all(isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) for node in body)


def _parameters_source(namespace: dict) -> str:
    """The kernel's parameters cell: the first executed cell made only of annotated assignments. A kernel that keeps
    no history (nbval runs cells with store_history=False) has the names in `__annotations__`: then the cell is the
    `parameters` cell of the notebook (in the working folder or notebooks/) that declares exactly those names."""
    for src in namespace.get("In", []) or []:
        if _is_parameters_source(src):
            return src
    names = set(namespace.get("__annotations__") or {})
    if names:
        import json

        from ..core.paths import notebooks_dir

        for folder in dict.fromkeys([Path.cwd(), notebooks_dir()]):
            for nb in sorted(folder.glob("*.ipynb")):
                for cell in json.loads(nb.read_text(encoding="utf-8")).get("cells", []):
                    src = "".join(cell.get("source", ""))
                    if "parameters" in cell.get("metadata", {}).get("tags", []) and _is_parameters_source(src):
                        if set(parse_parameters_cell(src)) == names:
                            return src
    raise InputError("no parameters cell found in this kernel's history: run the notebook from its first cell")


_kernel: dict = {}      # the declaration check_cell read in this kernel (the appendix names parameters by it)


def labels() -> dict[str, str]:
    """Parameter name -> label (an English message) of the notebook this kernel runs (after check_cell)."""
    return {name: p.label for name, p in (_kernel.get("declared") or {}).items()}


def check_cell(namespace: dict | None = None) -> dict:
    """Check the notebook's parameters against its parameters cell, by one call and without repeating a name: reads
    the cell (types, ranges in the comments) and the current values, and stops with one clear message. Returns the
    parameters in the cell's order. Also sets the language of everything the note shows (`lang`)."""
    if namespace is None:
        from IPython import get_ipython

        namespace = get_ipython().user_ns
    declared = parse_parameters_cell(_parameters_source(namespace))
    _kernel["declared"] = declared
    values = {}
    for name, p in declared.items():
        values[name] = check_type(name, namespace.get(name, p.default), p.type_name)
        check_value(name, values[name], p.domain)
    check_order(values)
    if "lang" in values:
        import os

        from .i18n import LANGS_VARIABLE, set_language, set_languages

        if os.environ.get(LANGS_VARIABLE):    # the runner: one execution renders several languages
            set_languages(os.environ[LANGS_VARIABLE])
        else:
            set_language(values["lang"])
    return values


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

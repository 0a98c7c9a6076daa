"""Parameter checks, one place for the notebooks (first code cell) and the runner (before any kernel starts).

Rules follow parameter names, so every notebook gets the same checks:
  as_of                       "latest" or an ISO date (YYYY-MM-DD)
  start, end, *_start, *_end, *_date, date_*
                              ISO dates; each X_start must not be after its X_end; a *_date may also be
                              "next_quarter_end" (the first quarter end at least 4 weeks after the latest data)
  *_bn                        amounts in billions of USD: a number, not negative
  *_bp, *_pct                 numbers
  *_days, *_weeks, *_months   whole numbers above zero
  *_measure, measure          a measure name of the library
  *_path, *_file              a string (existence is checked by the notebook that reads it)
  *_shape                     a path shape: linear, step or points
  names in CHOICES            one of the listed values (e.g. qt_scenario)
  *_points                    a list of {date: YYYY-MM-DD, level_bn: number}
"""
from __future__ import annotations

import difflib
import math
import re

import pandas as pd

from ..core.dates import (RELATIVE_DATES, is_relative_date, parse_as_of, parse_date,  # noqa: F401
                          resolve_date)
from ..core.errors import InputError, suggest  # noqa: F401
from ..data.measures import MEASURES
from ..models.scenarios import SHAPES, parse_points

CHOICES = {
    "qt_scenario": ("as_announced", "no_end", "slower"),
    "spread_measure": ("effr_iorb", "sofr_iorb"),
}

def _is_date_name(name: str) -> bool:
    return (name in ("start", "end") or name.endswith("_start") or name.endswith("_end")
            or name.endswith("_date") or name.startswith("date_"))


def _number(name: str, value, allow_negative=True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        raise InputError(f"parameter {name}={value!r} must be a number")
    if not allow_negative and value < 0:
        raise InputError(f"parameter {name}={value!r} is an amount in billions of USD and must not be negative")
    return float(value)


def check_value(name: str, value) -> None:
    """Raise InputError naming the parameter, the value and what is allowed."""
    if name in CHOICES:
        if value not in CHOICES[name]:
            raise InputError(f"parameter {name}={value!r} is not allowed: choose one of {', '.join(CHOICES[name])}"
                             f"{suggest(str(value), CHOICES[name])}")
    elif name == "as_of":
        parse_as_of(value)
    elif _is_date_name(name):
        if value is None or (isinstance(value, str) and value.strip().lower() in ("latest", "")):
            if name.endswith("end") or name == "end":
                return  # an open end means "up to the latest data"
        if name.endswith("_date") and (value is None or is_relative_date(value)):
            return  # an optional date (None) or one relative to the latest data
        parse_date(value, name)
    elif name.endswith("_bn"):
        if value is not None:
            _number(name, value, allow_negative=name.endswith("_change_bn"))
    elif name.endswith("_bp") or name.endswith("_pct") or name.endswith("_share"):
        if value is not None:
            _number(name, value)
    elif name.endswith(("_days", "_weeks", "_months")):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(f"parameter {name}={value!r} must be a whole number above zero")
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


def check_order(params: dict) -> None:
    """X_start <= X_end, start <= end (open ends allowed)."""
    for name, value in params.items():
        if name == "start" or name.endswith("_start"):
            end_name = "end" if name == "start" else name[: -len("_start")] + "_end"
            end = params.get(end_name)
            if end is None or value is None or (isinstance(end, str) and end.strip().lower() in ("latest", "")):
                continue
            if parse_date(value, name) > parse_date(end, end_name):
                raise InputError(f"parameter {name}={value!r} is after {end_name}={end!r}: "
                                 f"the window must start before it ends")


def check(**params) -> dict:
    """Validate notebook parameters (call from the notebook's first code cell). Returns them unchanged."""
    for name, value in params.items():
        check_value(name, value)
    check_order(params)
    return params


# -- types from the parameters cell (used by the runner before a kernel starts) ---------------------
_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict}


def check_type(name: str, value, type_name: str | None) -> object:
    """Check (and gently coerce) a value against the parameters cell annotation."""
    if not type_name or type_name in ("None", "Any"):
        return value
    base = type_name.split("|")[0].strip().split("[")[0]
    allow_none = "None" in type_name or "Optional" in type_name
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



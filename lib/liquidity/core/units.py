"""Units: conversion of native units to display units, and the formatting of numbers in prose.

Inside the library every amount is billions of USD, every rate percent, every spread basis points.
"""
from __future__ import annotations

import math

import pandas as pd

# factor from native units to display units
TO_DISPLAY = {
    "millions_usd": 1e-3,   # -> billions
    "billions_usd": 1.0,
    "percent": 1.0,
    "index": 1.0,
    "usd": 1.0,
}

DISPLAY_UNITS = {
    "millions_usd": "billions_usd",
    "billions_usd": "billions_usd",
    "percent": "percent",
    "index": "index",
    "usd": "usd",
}


def to_display(values: pd.Series, native_units: str) -> pd.Series:
    try:
        factor = TO_DISPLAY[native_units]
    except KeyError:
        raise ValueError(f"unknown native units {native_units!r}; known: {sorted(TO_DISPLAY)}") from None
    # round away float noise of the scaling (6587034 millions -> 6587.034, not 6587.034000000001)
    return (values * factor).round(9) if factor != 1.0 else values


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_bn(x: float | None, digits: int | None = None, sign: bool = False) -> str:
    """Billions of USD as prose: 2850.3 -> '$2.85tn', 943.2 -> '$943bn', -51.8 -> '-$52bn'."""
    if _missing(x):
        return "n/a"
    neg = x < 0
    a = abs(float(x))
    if a >= 1000:
        d = 2 if digits is None else digits
        body = f"${a / 1000:.{d}f}tn"
    else:
        d = (0 if a >= 10 else 1) if digits is None else digits
        body = f"${a:.{d}f}bn"
    prefix = "-" if neg else ("+" if sign and a > 0 else "")
    return prefix + body


def fmt_pct(x: float | None, digits: int = 2) -> str:
    """A rate in percent: 4.22 -> '4.22%'."""
    return "n/a" if _missing(x) else f"{float(x):.{digits}f}%"


def fmt_bp(x: float | None, digits: int = 0, sign: bool = False) -> str:
    """A spread in basis points: 18.0 -> '18bp'."""
    if _missing(x):
        return "n/a"
    s = f"{float(x):+.{digits}f}" if sign else f"{float(x):.{digits}f}"
    if s in ("-0", "+0"):
        s = "0"
    return f"{s}bp"


def fmt_date(d) -> str:
    """A date in prose: 2025-10-31 -> '31 Oct 2025'."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "n/a"
    ts = pd.Timestamp(d)
    return f"{ts.day} {ts.strftime('%b %Y')}"


def pct_to_bp(x):
    """Percentage points to basis points."""
    return x * 100.0

"""Units: conversion of native units to display units (formatting for readers is publish.i18n.fmt).

Inside the library every amount is billions of USD, every rate percent, every spread basis points.
"""
from __future__ import annotations

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


def pct_to_bp(x):
    """Percentage points to basis points."""
    return x * 100.0

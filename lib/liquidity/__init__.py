"""liquidity: the helper library of the US dollar liquidity research notebooks.

Layers, imported in one direction only (tests/test_layers.py checks it):
  core     errors, paths, dates and the clock, units, atomic writes, secrets
  data     catalog, sources (FRED, Fiscal Data, NY Fed, mirror), cache, releases, the as-of Dataset, measures, events
  models   the analytics: balance-sheet identity, scenario engines, QT, demand curve, episodes, stress, claims
  publish  what readers see and how it is produced: formats and language, charts, notes, parameters, runner, CLI
"""
from __future__ import annotations

__version__ = "0.2.0"

from .core.errors import InputError, LiquidityError, MissingSeriesError, SourceError  # noqa: E402
from .data.dataset import Dataset  # noqa: E402
from .data.measures import MEASURES  # noqa: E402

__all__ = ["Dataset", "MEASURES", "InputError", "LiquidityError", "MissingSeriesError", "SourceError", "__version__"]

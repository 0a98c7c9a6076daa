"""liquidity: the helper library of the US dollar liquidity research notebooks."""
from __future__ import annotations

__version__ = "0.1.0"

from .dataset import Dataset  # noqa: E402
from .errors import InputError, LiquidityError, MissingSeriesError, SourceError  # noqa: E402
from .measures import MEASURES  # noqa: E402
from .units import fmt_bn, fmt_bp, fmt_date, fmt_pct  # noqa: E402

__all__ = ["Dataset", "MEASURES", "InputError", "LiquidityError", "MissingSeriesError", "SourceError",
           "fmt_bn", "fmt_bp", "fmt_date", "fmt_pct", "__version__"]

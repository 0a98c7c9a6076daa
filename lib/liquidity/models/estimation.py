"""Small estimation helpers shared by the analyses: OLS slopes with robust intervals, block bootstrap indices."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Slope:
    estimate: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n": self.n}


def ols_slope(x: pd.Series, y: pd.Series, level: float = 0.95) -> Slope:
    """Slope of y on x with an intercept; interval from heteroskedasticity-robust (HC1) standard errors."""
    frame = pd.concat([x, y], axis=1, sort=True).dropna()
    n = len(frame)
    if n < 4:
        return Slope(np.nan, np.nan, np.nan, n)
    xv, yv = frame.iloc[:, 0].to_numpy(float), frame.iloc[:, 1].to_numpy(float)
    xc = xv - xv.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        return Slope(np.nan, np.nan, np.nan, n)
    b = float(xc @ (yv - yv.mean())) / sxx
    a = yv.mean() - b * xv.mean()
    resid = yv - a - b * xv
    var = float((xc ** 2) @ (resid ** 2)) / sxx ** 2 * n / (n - 2)
    half = stats.t.ppf(0.5 + level / 2, n - 2) * np.sqrt(var)
    return Slope(b, b - half, b + half, n)


def block_bootstrap_indices(n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a moving-block bootstrap sample of length n (blocks keep the weekly autocorrelation)."""
    block = max(1, min(block, n))
    starts = rng.integers(0, n - block + 1, size=int(np.ceil(n / block)))
    return np.concatenate([np.arange(s, s + block) for s in starts])[:n]

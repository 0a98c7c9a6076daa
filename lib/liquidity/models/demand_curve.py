"""The reserve demand curve: a money-market spread over IORB as a function of reserves relative to GDP.

In the spirit of Lopez-Salido and Vissing-Jorgensen (2023) and Afonso et al. (NY Fed Staff Report 1019):
- `fit_curve`: spread = a_regime + b * exp(-c * x), x = reserves / GDP (percent). Flat when reserves are abundant,
  steep when they are scarce.
- `fit_kink`: spread = a_regime + s * min(x - k, 0): flat above the kink k, slope s (bp per pp) below it; k by
  profile least squares on a grid, with a moving-block bootstrap interval.
- `rolling_elasticity`: the local slope (bp per pp of the ratio) in rolling windows, with robust intervals.

Regime changes are handled explicitly. The spread is always taken over the administered rate in force (IOER until
28 Jul 2021, IORB from 29 Jul 2021), so IOER/IORB technical adjustments move the reference with it. What still
moves the flat part of the curve is where the ON RRP rate sits against IORB (the floor under market rates when
reserves are abundant: -25bp in 2015-18, -10bp 2021-24, -15bp from Dec 2024 ...). Each week carries a regime id,
the ON RRP - IORB gap rounded to 5bp, and every fit has one intercept per regime (a_regime) with a common shape.
Predictions use the intercept of the latest regime.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.errors import InputError
from .estimation import block_bootstrap_indices, ols_slope
from ..data.measures import asof_align


# -- data -------------------------------------------------------------------------------------------
def weekly_panel(ds, spread_measure: str = "effr_iorb", start=None, end=None) -> pd.DataFrame:
    """Weekly frame (Wednesdays): spread (bp, average of the daily spread over the seven days to Wednesday),
    reserves (bn, WRESBAL week average), ratio (reserves / GDP, percent), regime (ON RRP - IORB gap, bp, rounded
    to 5) and, where the source has it, ratio_bank_assets (reserves / commercial-bank assets, percent)."""
    spread = ds.measure(spread_measure)
    reserves = ds.measure("reserves")
    ratio = ds.measure("reserves_gdp")
    weeks = ratio.index
    daily = spread.sort_index()
    calendar = pd.date_range(daily.index.min(), max(daily.index.max(), weeks.max()), freq="D")
    weekly_spread = daily.reindex(calendar).rolling(7, min_periods=1).mean().reindex(weeks)
    gap = (ds.measure("rrp_rate") - asof_align(ds.measure("iorb"), ds.measure("rrp_rate").index)) * 100
    regime = (asof_align(gap.dropna(), weeks) / 5).round() * 5
    frame = pd.DataFrame({"spread": weekly_spread, "reserves": reserves.reindex(weeks), "ratio": ratio,
                          "regime": regime})
    frame = frame[frame.index >= daily.index.min()]
    try:
        bank_assets = ds.series("TLAACBW027SBOG")
        frame["ratio_bank_assets"] = frame["reserves"] / asof_align(bank_assets, weeks) * 100
        frame.loc[frame.index > bank_assets.index.max() + pd.Timedelta(days=7), "ratio_bank_assets"] = np.nan
    except Exception:  # MissingSeriesError: the notebook says it is missing
        frame["ratio_bank_assets"] = np.nan
    frame = frame.dropna(subset=["spread", "ratio", "regime"])
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame.index <= pd.Timestamp(end)]
    return frame


def _dummies(regime: np.ndarray, levels: np.ndarray) -> np.ndarray:
    return (regime[:, None] == levels[None, :]).astype(float)


# -- the exponential curve ----------------------------------------------------------------------------
@dataclass
class Curve:
    b: float                          # bp: height of the steep part above the flat level at x = 0
    c: float                          # per pp: decay rate
    intercepts: dict                  # regime -> a_regime (bp)
    sse: float
    n: int
    latest_regime: float = 0.0        # the regime of the last observation: predictions use its intercept

    def predict(self, x, regime=None) -> np.ndarray:
        """Spread at x; `regime` a value or an array per point (a regime not in the fit uses the latest one)."""
        x = np.asarray(x, float)
        if regime is None or np.ndim(regime) == 0:
            key = self.latest_regime if regime is None or float(regime) not in self.intercepts else float(regime)
            a = self.intercepts[key]
        else:
            a = np.array([self.intercepts.get(float(r), self.intercepts[self.latest_regime]) for r in regime])
        return a + self.b * np.exp(-self.c * x)

    def slope(self, x) -> np.ndarray:
        """d spread / d ratio (bp per pp) at x."""
        return -self.c * self.b * np.exp(-self.c * np.asarray(x, float))


def _profile_exp(c: float, x, y, D):
    X = np.column_stack([D, np.exp(-c * x)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return float(resid @ resid), coef


def fit_curve(x, y, regime=None, c_bounds=(0.05, 5.0)) -> Curve:
    """Least squares of y = a_regime + b exp(-c x): for each c the rest is linear, so c is found by a bounded
    one-dimensional search on the profile sum of squares."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    regime = np.zeros(len(x)) if regime is None else np.asarray(regime, float)
    if len(x) < 8:
        raise InputError(f"the demand curve needs at least 8 weeks of data; the sample has {len(x)}")
    levels = np.unique(regime)
    D = _dummies(regime, levels)
    grid = np.geomspace(*c_bounds, 40)
    sses = [_profile_exp(c, x, y, D)[0] for c in grid]
    i = int(np.argmin(sses))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(lambda c: _profile_exp(c, x, y, D)[0], bounds=(lo, hi), method="bounded")
    c = float(res.x)
    sse, coef = _profile_exp(c, x, y, D)
    return Curve(b=float(coef[-1]), c=c, intercepts={float(l): float(a) for l, a in zip(levels, coef[:-1])},
                 sse=sse, n=len(x), latest_regime=float(regime[-1]))


# -- the kink ---------------------------------------------------------------------------------------------
@dataclass
class Kink:
    kink: float                       # pp of the ratio
    slope: float                      # bp per pp below the kink
    intercepts: dict
    sse: float
    n: int
    ci_low: float = np.nan
    ci_high: float = np.nan
    slope_ci_low: float = np.nan
    slope_ci_high: float = np.nan


def _profile_kink(k, x, y, D):
    X = np.column_stack([D, np.minimum(x - k, 0.0)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return float(resid @ resid), coef


def fit_kink(x, y, regime=None, grid=None, min_below: int = 8) -> Kink:
    """Profile least squares over a grid of kinks; at least `min_below` observations must lie below the kink."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    regime = np.zeros(len(x)) if regime is None else np.asarray(regime, float)
    levels = np.unique(regime)
    D = _dummies(regime, levels)
    if grid is None:
        xs = np.sort(x)
        lo = xs[min(min_below, len(xs) - 1)]
        grid = np.linspace(lo, np.quantile(x, 0.95), 120)
    best = None
    for k in grid:
        if (x < k).sum() < min_below:
            continue
        sse, coef = _profile_kink(k, x, y, D)
        if best is None or sse < best[0]:
            best = (sse, k, coef)
    if best is None:
        raise InputError("too few weeks below any candidate kink; widen the fit window")
    sse, k, coef = best
    return Kink(kink=float(k), slope=float(coef[-1]),
                intercepts={float(l): float(a) for l, a in zip(levels, coef[:-1])}, sse=sse, n=len(x))


def bootstrap_kink(x, y, regime=None, reps: int = 200, block: int = 13, level: float = 0.90, seed: int = 0) -> Kink:
    """The kink fit with moving-block bootstrap percentile intervals for the kink and the slope."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    regime = np.zeros(len(x)) if regime is None else np.asarray(regime, float)
    point = fit_kink(x, y, regime)
    grid = np.linspace(np.sort(x)[min(8, len(x) - 1)], np.quantile(x, 0.95), 80)
    rng = np.random.default_rng(seed)
    ks, ss = [], []
    for _ in range(reps):
        idx = block_bootstrap_indices(len(x), block, rng)
        try:
            fit = fit_kink(x[idx], y[idx], regime[idx], grid=grid)
        except InputError:
            continue
        ks.append(fit.kink)
        ss.append(fit.slope)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    point.ci_low, point.ci_high = (float(v) for v in np.percentile(ks, q))
    point.slope_ci_low, point.slope_ci_high = (float(v) for v in np.percentile(ss, q))
    return point


def bootstrap_curve_prediction(x, y, regime, x_new, reps: int = 200, block: int = 13, level: float = 0.90,
                               seed: int = 0) -> pd.DataFrame:
    """Predicted spread at each x_new (latest regime) with a moving-block bootstrap interval of the curve."""
    x, y, regime = np.asarray(x, float), np.asarray(y, float), np.asarray(regime, float)
    x_new = np.atleast_1d(np.asarray(x_new, float))
    point = fit_curve(x, y, regime)
    latest = float(regime[-1])
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(reps):
        idx = block_bootstrap_indices(len(x), block, rng)
        if latest not in set(regime[idx]):
            continue  # the latest regime's intercept is not identified in this draw
        fit = fit_curve(x[idx], y[idx], regime[idx])
        draws.append(fit.intercepts[latest] + fit.b * np.exp(-fit.c * x_new))
    draws = np.array(draws)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    low, high = np.percentile(draws, q, axis=0) if len(draws) else (np.full_like(x_new, np.nan),) * 2
    return pd.DataFrame({"x": x_new, "spread": point.predict(x_new, latest), "low": low, "high": high})


# -- local slope ---------------------------------------------------------------------------------------
def rolling_elasticity(panel: pd.DataFrame, weeks: int, level: float = 0.95) -> pd.DataFrame:
    """Slope of the spread on the ratio (bp per pp) in rolling windows of `weeks` weeks, with robust intervals;
    `negative` flags windows whose whole interval is below zero. Windows that straddle a regime change are
    skipped (a level shift of the floor is not a slope)."""
    rows = []
    for i in range(weeks, len(panel) + 1):
        part = panel.iloc[i - weeks:i]
        if part["regime"].nunique() > 1:
            continue
        s = ols_slope(part["ratio"], part["spread"], level=level)
        rows.append({"date": part.index[-1], "elasticity": s.estimate, "low": s.low, "high": s.high,
                     "negative": bool(s.high < 0) if not np.isnan(s.high) else False})
    return pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame(
        columns=["elasticity", "low", "high", "negative"])

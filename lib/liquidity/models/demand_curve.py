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
reserves are abundant: -25bp in 2015-18, -10bp 2019-24, -15bp from Dec 2024 ...). Each week carries the ON RRP -
IORB gap rounded to 5bp (`regime_gap`) and a fit regime (`regime`): a gap gets its own intercept only when the
sample holds at least `min_regime_weeks` weeks of it; a thinner one is pooled with the regime before it. Otherwise
a short configuration inside a squeeze (May-Sep 2019) would get an intercept that absorbs the scarcity signal.
Every fit has one intercept per fit regime (a_regime) with a common shape; predictions use the latest one.

GDP is the quarter published by each week (Dataset.known_at), so no week uses a GDP figure that came out later.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.errors import InputError, MissingSeriesError
from .estimation import block_bootstrap_indices, ols_slope
from ..data.measures import asof_align


# -- data -------------------------------------------------------------------------------------------
MIN_REGIME_WEEKS = 52


def pool_regimes(gap: pd.Series, min_weeks: int = MIN_REGIME_WEEKS) -> pd.Series:
    """Fit regimes from the weekly ON RRP - IORB gap: a gap value with fewer than `min_weeks` weeks in the sample
    takes the fit regime of the weeks just before its first spell (the first one in time, of the weeks after)."""
    gap = gap.dropna()
    counts = gap.value_counts()
    fit = gap.copy()
    order = list(dict.fromkeys(gap.tolist()))             # gap values in order of first appearance
    mapping: dict[float, float] = {}
    for value in order:
        if counts[value] >= min_weeks:
            mapping[value] = value
            continue
        first = gap.index[gap == value][0]
        before = fit[fit.index < first]
        mapping[value] = mapping.get(before.iloc[-1], before.iloc[-1]) if len(before) else value
        fit[gap == value] = mapping[value]
    if len(order) and counts[order[0]] < min_weeks:       # a thin first regime joins the one after it
        later = [mapping[v] for v in order[1:] if mapping[v] != order[0]]
        if later:
            fit[fit == order[0]] = later[0]
    return fit


def weekly_panel(ds, spread_measure: str = "effr_iorb", start=None, end=None,
                 min_regime_weeks: int = MIN_REGIME_WEEKS) -> pd.DataFrame:
    """Weekly frame (Wednesdays): spread (bp, average of the daily spread over the seven days to Wednesday),
    reserves (bn, WRESBAL week average), ratio (reserves / GDP published by the week, percent), regime_gap (ON RRP
    - IORB, bp, rounded to 5), regime (the fit regime, `pool_regimes` over the sample) and, where the source has
    it, ratio_bank_assets (reserves / commercial-bank assets published by the week, percent)."""
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
                          "regime_gap": regime})
    frame = frame[frame.index >= daily.index.min()]
    try:
        bank_assets = ds.series("TLAACBW027SBOG")
        frame["ratio_bank_assets"] = frame["reserves"] / ds.known_at("TLAACBW027SBOG", frame.index) * 100
        frame.loc[frame.index > bank_assets.index.max() + pd.Timedelta(days=14), "ratio_bank_assets"] = np.nan
    except MissingSeriesError:  # the notebook says it is missing
        frame["ratio_bank_assets"] = np.nan
    frame = frame.dropna(subset=["spread", "ratio", "regime_gap"])
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame.index <= pd.Timestamp(end)]
    frame["regime"] = pool_regimes(frame["regime_gap"], min_regime_weeks)
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
    b_low: float = np.nan             # bootstrap intervals (bootstrap_curve)
    b_high: float = np.nan
    c_low: float = np.nan
    c_high: float = np.nan

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
    grid_low: float = np.nan          # the range searched for the kink
    grid_high: float = np.nan
    edge_share: float = 0.0           # share of bootstrap kinks on the first or last grid point

    @property
    def at_edge(self) -> bool:
        """The estimate sits on the edge of the searched range, or its interval is cut by the edge, or a fifth of
        the bootstrap kinks fall on an edge: the data do not locate a kink inside the range."""
        margin = (self.grid_high - self.grid_low) / 50           # 2% of the range searched
        lo, hi = self.grid_low + margin, self.grid_high - margin
        cut = (not np.isnan(self.ci_low) and self.ci_low <= lo) or (not np.isnan(self.ci_high) and self.ci_high >= hi)
        return bool(self.kink <= lo or self.kink >= hi or cut or self.edge_share >= 0.2)


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
        grid = kink_grid(x, min_below)
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
                intercepts={float(l): float(a) for l, a in zip(levels, coef[:-1])}, sse=sse, n=len(x),
                grid_low=float(np.min(grid)), grid_high=float(np.max(grid)))


def kink_grid(x, min_below: int = 8, points: int = 120) -> np.ndarray:
    """Candidate kinks: from the `min_below`-th smallest ratio to the 95th percentile of the sample."""
    xs = np.sort(np.asarray(x, float))
    return np.linspace(xs[min(min_below, len(xs) - 1)], np.quantile(xs, 0.95), points)


def bootstrap_kink(x, y, regime=None, reps: int = 200, block: int = 13, level: float = 0.90, seed: int = 0) -> Kink:
    """The kink fit with moving-block bootstrap percentile intervals for the kink and the slope."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    regime = np.zeros(len(x)) if regime is None else np.asarray(regime, float)
    grid = kink_grid(x, points=80)
    point = fit_kink(x, y, regime, grid=kink_grid(x))
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
    ks = np.asarray(ks)
    point.edge_share = float(np.mean((ks <= grid[0]) | (ks >= grid[-1]))) if len(ks) else 0.0
    return point


def bootstrap_curve(x, y, regime, x_new=(), reps: int = 200, block: int = 13, level: float = 0.90,
                    seed: int = 0) -> tuple[Curve, pd.DataFrame]:
    """The exponential fit with moving-block bootstrap percentile intervals for b and c, and the predicted spread
    at each x_new (latest regime) with its interval. Draws that miss the latest regime are skipped (its intercept
    is not identified there)."""
    x, y, regime = np.asarray(x, float), np.asarray(y, float), np.asarray(regime, float)
    x_new = np.atleast_1d(np.asarray(x_new, float))
    point = fit_curve(x, y, regime)
    latest = float(regime[-1])
    rng = np.random.default_rng(seed)
    draws, bs, cs = [], [], []
    for _ in range(reps):
        idx = block_bootstrap_indices(len(x), block, rng)
        if latest not in set(regime[idx]):
            continue
        fit = fit_curve(x[idx], y[idx], regime[idx])
        bs.append(fit.b)
        cs.append(fit.c)
        draws.append(fit.intercepts[latest] + fit.b * np.exp(-fit.c * x_new))
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    if draws:
        point.b_low, point.b_high = (float(v) for v in np.percentile(bs, q))
        point.c_low, point.c_high = (float(v) for v in np.percentile(cs, q))
        low, high = np.percentile(np.array(draws), q, axis=0)
    else:
        low = high = np.full_like(x_new, np.nan)
    return point, pd.DataFrame({"x": x_new, "spread": point.predict(x_new, latest), "low": low, "high": high})


def bootstrap_curve_prediction(x, y, regime, x_new, reps: int = 200, block: int = 13, level: float = 0.90,
                               seed: int = 0) -> pd.DataFrame:
    """Predicted spread at each x_new (latest regime) with a moving-block bootstrap interval of the curve."""
    return bootstrap_curve(x, y, regime, x_new, reps=reps, block=block, level=level, seed=seed)[1]


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

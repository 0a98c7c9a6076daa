"""The stealth-QE note (notebook stealth_qe; its path comes from the balance-sheet engine, models.engine): what
drives that path (the decisions, and the pace this note assumes once a programme's stated elevated phase is over);
and how weekly net-liquidity changes move with risk-asset returns (rolling and lead-lag correlations, with intervals
at the house significance level).
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..core.rules import SIGNIFICANCE
from ..data.events import decisions
from ..data.measures import asof_align
from .qt import qt_end_month

# the one z of every interval here: the intervals carry a verdict ("no evidence of a link" when they hold zero)
Z = NormalDist().inv_cdf(1 - SIGNIFICANCE / 2)


@dataclass(frozen=True)
class Drivers:
    """What moves the Fed's securities in a projection window, by the decisions known on a date: the purchase
    programmes buying in the window, the decision that ended runoff (MBS principal then goes into bills), and the
    first month bought at the pace the note assumes after a programme's stated elevated phase."""
    purchases: tuple[str, ...]          # decision ids
    qt_end: str | None                  # decision id
    assumed_from: pd.Period | None      # first month of the assumed pace, when that pace buys inside the window

    def ids(self) -> list[str]:
        return list(self.purchases) + ([self.qt_end] if self.qt_end else [])


def drivers(known_by, first: pd.Period, last: pd.Period, after_bn: float = 0.0) -> Drivers:
    """The decisions (known by `known_by`) that buy securities or reinvest MBS principal in bills in the months
    `first`..`last`, following the QT engine's rules (qt.purchase_schedules, qt.qt_end_month)."""
    def overlaps(a, b) -> bool:             # months a..b (b None: open-ended) meet first..last
        return a <= last and (b is None or b >= first)

    ev = decisions(known_by=known_by)
    buys = ev[ev["purchases_bn_month"].notna()].sort_values("date")
    takeovers = ev[(ev["kind"] == "qt") | ev["purchases_bn_month"].notna()].sort_values("date")
    active, assumed = [], None
    newest = buys["id"].iloc[-1] if len(buys) else None
    for row in buys.itertuples(index=False):
        start = row.date.to_period("M")
        later = takeovers[takeovers["date"] > row.date]
        stop = later["date"].min().to_period("M") - 1 if len(later) else None
        until = row.purchases_until.to_period("M") if pd.notna(row.purchases_until) else None
        first_end = min(p for p in (until, stop) if p is not None) if (until or stop) else None
        if overlaps(start, first_end):
            active.append(row.id)
        if after_bn and row.id == newest and until is not None and (stop is None or until < stop) and \
                overlaps(until + 1, stop):
            assumed = until + 1
            if row.id not in active:
                active.append(row.id)        # the assumed pace continues this programme
    end_month = qt_end_month(known_by)
    ended = None
    if end_month is not None and end_month <= last:
        rows = ev[ev["qt_end"] & (ev["date"].dt.to_period("M") == end_month)]
        ended = rows["id"].iloc[-1] if len(rows) else None
    return Drivers(tuple(active), ended, assumed)


# -- risk assets and net liquidity -------------------------------------------------------------------------------------
def weekly_log_returns(price: pd.Series | None, on: pd.DatetimeIndex) -> pd.Series | None:
    """Weekly log returns from the last close on or before each date of `on` (None when the price is missing)."""
    if price is None:
        return None
    return np.log(asof_align(price, on)).diff()


def _interval(corr, n):
    """Fisher interval of a correlation from n observations at the house level."""
    z, se = np.arctanh(np.clip(corr, -0.999, 0.999)), 1 / np.sqrt(np.maximum(n - 3, 1))
    return np.tanh(z - Z * se), np.tanh(z + Z * se)


def rolling_correlation(changes: pd.Series, returns: pd.Series, weeks: int) -> pd.DataFrame:
    """Rolling correlation of weekly changes with returns over `weeks` weeks, with its Fisher interval:
    columns date, corr, low, high."""
    pair = pd.concat([changes, returns], axis=1, keys=["x", "y"], sort=True).dropna()
    corr = pair["x"].rolling(weeks).corr(pair["y"]).dropna()
    low, high = _interval(corr.to_numpy(), weeks)
    return pd.DataFrame({"date": corr.index, "corr": corr.to_numpy(), "low": low, "high": high})


def lead_lag(changes: pd.Series, returns: pd.Series, max_lag: int) -> pd.DataFrame:
    """Correlation of returns with the changes `lag` weeks earlier (lag > 0: the changes lead), for every lag in
    -max_lag..max_lag, with Fisher intervals: columns lag, corr, low, high, n."""
    pair = pd.concat([changes, returns], axis=1, keys=["x", "y"], sort=True).dropna()
    rows = []
    for lag in range(-max_lag, max_lag + 1):
        p = pd.concat([pair["x"].shift(lag), pair["y"]], axis=1, sort=True).dropna()
        c = float(p.iloc[:, 0].corr(p.iloc[:, 1])) if len(p) > 3 else np.nan
        low, high = _interval(np.array([c]), len(p))
        rows.append({"lag": lag, "corr": c, "low": float(low[0]), "high": float(high[0]), "n": len(p)})
    return pd.DataFrame(rows)


def strongest(lags: pd.DataFrame) -> pd.Series:
    """The row of the largest absolute correlation."""
    return lags.loc[lags["corr"].abs().idxmax()]

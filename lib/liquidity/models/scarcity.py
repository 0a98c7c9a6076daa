"""How close reserves are to scarce, in a reader's units.

- `gdp_known_on`: the GDP figure published by a date (the quarter and its value), the scale of the ratio.
- `kink_in_dollars`: the kink of the demand curve (a share of GDP) in billions of reserves at that GDP, with its
  interval, and today's distance from it (reserves minus kink: positive while reserves are above it).
- `crossing`: when a projected weekly path of reserves first falls below the kink: the central path against the
  kink, the earliest date (the path's low band against the kink interval's top) and the latest (the path's high
  band against the interval's bottom). The path comes from the balance-sheet engine; any frame with a `reserves`
  column (and optionally `low`, `high`) on dates will do.
- `reserve_demand_elasticity`: the NY Fed's Reserve Demand Elasticity (Afonso, Giannone, La Spada and Williams, SR
  1019): the slope of the fed funds - IORB spread on reserves, time-varying and with reserves instrumented, since
  the Fed adds reserves when rates press up. The NY Fed estimates it on confidential daily data with time-varying
  coefficients; here, on public weekly data: rolling windows of weekly changes, the change in reserves instrumented
  by the change in the Treasury's cash (TGA, week average), which drains or adds reserves for reasons of its own
  (tax dates, issuance) rather than because of the spread. Intervals are HAR (EWC) and the first-stage F says when
  the instrument is weak (ON RRP absorbed most TGA moves in 2021-24).
- `per_percent_of_reserves`: a slope in bp per pp of reserves/GDP as bp per 1% rise in reserves (the slope times
  the ratio / 100), a unit that does not depend on the scale variable. The NY Fed states its figure for a rise in
  reserves equal to 1% of banks' total assets: that is the per-1% figure times 100 / (reserves as % of bank assets).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.dates import today
from ..core.rules import VERDICT_LEVEL
from .demand_curve import Kink
from .estimation import iv_slope

RDE_WEEKS = 52                      # window of the time-varying elasticity (weeks)
WEAK_FIRST_STAGE_F = 10.0           # below this first-stage F the instrument is weak (Staiger and Stock)


@dataclass(frozen=True)
class KnownGdp:
    value_bn: float                 # annual rate, billions
    quarter: pd.Timestamp           # the first day of the quarter it measures
    on: pd.Timestamp                # the date it was known on


def gdp_known_on(ds, on=None) -> KnownGdp:
    """The newest GDP quarter published by `on` (default: the data set's as_of, else today), as it stood then."""
    day = pd.Timestamp(on) if on is not None else (ds.as_of if ds.as_of is not None else today())
    series = ds.series("GDP")
    published = ds.publication_dates("GDP", series.index)
    known = series[(published <= day).to_numpy()]
    if known.empty:
        return KnownGdp(np.nan, pd.NaT, day)
    return KnownGdp(float(ds.known_at("GDP", [day]).iloc[0]), known.index.max(), day)


@dataclass(frozen=True)
class KinkInDollars:
    kink_pct: float
    low_pct: float
    high_pct: float
    gdp_bn: float
    reserves_bn: float
    located: bool

    @property
    def kink_bn(self) -> float:
        return self.kink_pct / 100 * self.gdp_bn

    @property
    def low_bn(self) -> float:
        return self.low_pct / 100 * self.gdp_bn

    @property
    def high_bn(self) -> float:
        return self.high_pct / 100 * self.gdp_bn

    @property
    def distance_bn(self) -> float:
        """Reserves minus the kink: positive while reserves are above it."""
        return self.reserves_bn - self.kink_bn

    @property
    def position(self) -> str:
        """Where reserves sit against the kink's interval: "above", "inside" or "below"."""
        if self.reserves_bn > self.high_bn:
            return "above"
        return "below" if self.reserves_bn < self.low_bn else "inside"


def kink_in_dollars(kink: Kink, gdp_bn: float, reserves_bn: float) -> KinkInDollars:
    """The kink (a share of GDP) and its interval in billions of reserves at `gdp_bn`, against `reserves_bn`."""
    return KinkInDollars(kink.kink, kink.ci_low, kink.ci_high, float(gdp_bn), float(reserves_bn), kink.located)


@dataclass(frozen=True)
class Crossing:
    status: str                     # "crosses", "already_below" or "not_within" (the path stays above the kink)
    date: pd.Timestamp | None       # the central path's first date below the kink
    earliest: pd.Timestamp | None   # the path's low band below the kink interval's top
    latest: pd.Timestamp | None     # the path's high band below the interval's bottom (None: not within the path)
    path_start: pd.Timestamp
    path_end: pd.Timestamp


def _first_below(values: pd.Series, level: float) -> pd.Timestamp | None:
    below = values[values < level]
    return below.index[0] if len(below) else None


def crossing(path: pd.DataFrame, kink_bn: float, kink_low_bn: float | None = None,
             kink_high_bn: float | None = None) -> Crossing:
    """When the path's reserves first fall below the kink. `path`: rows on dates, a `reserves` column (billions)
    and optionally its band, `low`/`high` or `reserves_low`/`reserves_high` (the balance-sheet engine's names);
    without a band (or interval) the central path (or kink) stands in."""
    if "reserves" not in path.columns or path["reserves"].dropna().empty:
        raise ValueError("crossing() needs a path frame with a non-empty 'reserves' column")
    path = path.sort_index()
    central = path["reserves"].dropna()
    band = {side: next((path[c].dropna() for c in (side, f"reserves_{side}") if c in path.columns), central)
            for side in ("low", "high")}
    low, high = band["low"], band["high"]
    top = kink_bn if kink_high_bn is None or np.isnan(kink_high_bn) else kink_high_bn
    bottom = kink_bn if kink_low_bn is None or np.isnan(kink_low_bn) else kink_low_bn
    start, end = central.index[0], central.index[-1]
    if central.iloc[0] < kink_bn:
        return Crossing("already_below", None, None, None, start, end)
    date = _first_below(central, kink_bn)
    return Crossing("crosses" if date is not None else "not_within", date, _first_below(low, top),
                    _first_below(high, bottom), start, end)


def per_percent_of_reserves(slope_bp_per_pp, ratio_pct):
    """bp per pp of reserves/GDP -> bp per 1% rise in reserves: a 1% rise moves the ratio by ratio/100 pp. A Series
    stays a Series (aligned on its index)."""
    if isinstance(slope_bp_per_pp, pd.Series):
        return slope_bp_per_pp * ratio_pct / 100.0
    return np.asarray(slope_bp_per_pp, float) * np.asarray(ratio_pct, float) / 100.0


def reserve_demand_elasticity(panel: pd.DataFrame, tga: pd.Series, weeks: int = RDE_WEEKS,
                              level: float = VERDICT_LEVEL) -> pd.DataFrame:
    """The time-varying instrumented slope of the spread on reserves (see the module): for each window of `weeks`
    weekly changes (the weeks in which the fit regime changes left out), the IV slope of the change in the spread on
    the change in reserves (pp of GDP), instrumented by minus the change in the TGA week average (pp of GDP).
    Columns: slope (bp per pp of GDP), low, high, first_stage_f, weak, ratio (reserves/GDP at the window's end) and
    rde, rde_low, rde_high (bp per 1% rise in reserves)."""
    gdp = panel["reserves"] / panel["ratio"] * 100
    frame = pd.DataFrame({"d_spread": panel["spread"].diff(), "d_reserves": panel["reserves"].diff() / gdp * 100,
                          "z": -tga.reindex(panel.index).diff() / gdp * 100, "regime": panel["regime"],
                          "same": panel["regime"].eq(panel["regime"].shift()), "ratio": panel["ratio"]})
    frame = frame[frame["same"]].dropna()        # a change of regime shifts the level once: that week is dropped
    rows = []
    for i in range(weeks, len(frame) + 1):
        part = frame.iloc[i - weeks:i]
        s = iv_slope(part["d_spread"], part["d_reserves"], part["z"], level=level)
        rows.append({"date": part.index[-1], "slope": s.estimate, "low": s.low, "high": s.high,
                     "first_stage_f": s.first_stage_f, "weak": bool(not s.first_stage_f >= WEAK_FIRST_STAGE_F),
                     "ratio": float(part["ratio"].iloc[-1])})
    out = pd.DataFrame(rows, columns=["date", "slope", "low", "high", "first_stage_f", "weak", "ratio"])
    out = out.set_index("date")
    for col, src in (("rde", "slope"), ("rde_low", "low"), ("rde_high", "high")):
        out[col] = per_percent_of_reserves(out[src], out["ratio"])
    return out

"""The Fed balance-sheet identity on a weekly grid, its decomposition, and the ON RRP offset of TGA moves.

Identity (H.4.1, factors affecting reserve balances): reserves = Fed assets - TGA - ON RRP - currency - other
liabilities and capital. Weekly basis, one convention throughout:
- reserves (WRESBAL), TGA (WTREGEN) and currency (WCURCIR) are H.4.1 week averages ending Wednesday;
- ON RRP is the week average of the daily RRPONTSYD over the seven days ending Wednesday (weekends and holidays
  carry the last operation, as the H.4.1 averages do);
- Fed assets are the Wednesday level WALCL (the source has no week-average total), so the gap between the
  Wednesday level and the week average of assets lands in "other", which is the residual that closes the identity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import InputError, MissingSeriesError
from ..data.measures import week_average
from .estimation import ols_slope

COMPONENTS = ["fed_assets", "tga", "rrp", "currency", "other"]
LABELS = {"fed_assets": "Fed assets", "tga": "TGA", "rrp": "ON RRP", "currency": "Currency",
          "other": "Other (residual)"}


def weekly_levels(ds) -> pd.DataFrame:
    """Weekly frame (Wednesdays) of reserves, fed_assets, tga, rrp, currency in billions on the basis above.
    Currency is NaN where WCURCIR is missing; weeks without reserves, assets or TGA are dropped."""
    reserves = ds.series("WRESBAL")
    frame = pd.DataFrame({"reserves": reserves, "fed_assets": ds.series("WALCL"), "tga": ds.series("WTREGEN")})
    frame = frame.dropna()
    rrp = ds.series("RRPONTSYD")
    frame["rrp"] = week_average(rrp, frame.index)      # the measure rrp_week_avg on these weeks
    frame.loc[frame.index < rrp.index.min(), "rrp"] = 0.0  # no operations before the series starts
    frame = frame.dropna(subset=["rrp"])
    try:
        frame["currency"] = ds.series("WCURCIR").reindex(frame.index)
    except MissingSeriesError:
        frame["currency"] = np.nan
    return frame


def net_liquidity(levels: pd.DataFrame) -> pd.Series:
    """Net liquidity on the identity's weekly basis: Fed assets (Wednesday level) - TGA (week average) - ON RRP (week
    average). The scenario engines project this; it differs from the measure net_liquidity (Wednesday levels of all
    three), so the two are never drawn as one line."""
    return (levels["fed_assets"] - levels["tga"] - levels["rrp"]).rename("net_liquidity")


def decompose(levels: pd.DataFrame, start, end) -> pd.DataFrame:
    """Weekly changes over (start, end]: the change in reserves and each contribution to it.

    The base is the last week at or before `start`, so the first change covers the window's first week.
    Contributions: +d fed_assets, -d tga, -d rrp, -d currency (0 where currency is unknown, which then sits in
    other), and other = the residual, so the contributions add up to the change in reserves exactly.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    base = levels.index[levels.index <= start]
    if base.empty:
        raise InputError(f"window_start {start:%Y-%m-%d} is before the weekly data start "
                         f"({levels.index.min():%Y-%m-%d}); choose a later window_start")
    sel = levels[(levels.index >= base.max()) & (levels.index <= end)]
    if len(sel) < 2:
        raise InputError(f"the window {start:%Y-%m-%d} to {end:%Y-%m-%d} holds no complete week of data; "
                         "widen it or move it before the latest data")
    d = sel.diff().iloc[1:]
    out = pd.DataFrame(index=d.index)
    out["reserves"] = d["reserves"]
    out["fed_assets"] = d["fed_assets"]
    out["tga"] = -d["tga"]
    out["rrp"] = -d["rrp"]
    out["currency"] = -d["currency"]
    known = out["currency"].notna()
    out["currency_known"] = known
    out["currency"] = out["currency"].fillna(0.0)
    out["other"] = out["reserves"] - out[["fed_assets", "tga", "rrp", "currency"]].sum(axis=1)
    return out


@dataclass(frozen=True)
class Changes:
    start: pd.Timestamp      # base week
    end: pd.Timestamp        # last week
    reserves: float
    fed_assets: float
    tga: float
    rrp: float
    currency: float | None   # None when WCURCIR does not cover the window (then inside `other`)
    other: float             # change in other liabilities and capital, the residual

    def check(self) -> float:
        """Identity gap: reserves - (assets - tga - rrp - currency - other); zero up to float rounding."""
        return self.reserves - (self.fed_assets - self.tga - self.rrp - (self.currency or 0.0) - self.other)

    def claims(self, prefix: str = "") -> list:
        """The window's changes of the TGA, reserves, ON RRP and Fed assets as claims the claims engine re-checks
        (models.findings), each on the identity's weekly basis: WTREGEN, WRESBAL, the ON RRP week average, WALCL."""
        from . import findings as F

        return [F.change(f"{prefix}tga", "tga_week_avg", self.start, self.end, self.tga),
                F.change(f"{prefix}reserves", "reserves", self.start, self.end, self.reserves),
                F.change(f"{prefix}rrp", "rrp_week_avg", self.start, self.end, self.rrp),
                F.change(f"{prefix}assets", "fed_assets", self.start, self.end, self.fed_assets)]

    def contributions(self) -> list[float | None]:
        """The change in reserves and each item's contribution to it, in the order of CONTRIBUTION_ROWS (a rise in
        the TGA, ON RRP, currency or other liabilities is a negative contribution; None where currency is unknown)."""
        return [self.reserves, self.fed_assets, -self.tga, -self.rrp,
                None if self.currency is None else -self.currency, -self.other]


CONTRIBUTION_ROWS = ("Change in reserves", "Fed assets", "TGA", "ON RRP", "Currency", "Other (residual)")


def window_changes(levels: pd.DataFrame, start, end) -> Changes:
    """Changes in levels from the base week to the last week of the window (signs as levels, not contributions)."""
    contrib = decompose(levels, start, end)
    base = levels.index[levels.index <= pd.Timestamp(start)].max()
    last = contrib.index.max()
    cur_known = bool(contrib["currency_known"].all())
    # currency unknown in any week of the window: its known weeks go into other too, so the totals still close
    other_contrib = contrib["other"].sum() + (0.0 if cur_known else contrib["currency"].sum())
    return Changes(
        start=base, end=last,
        reserves=float(contrib["reserves"].sum()),
        fed_assets=float(contrib["fed_assets"].sum()),
        tga=float(-contrib["tga"].sum()),
        rrp=float(-contrib["rrp"].sum()),
        currency=float(-contrib["currency"].sum()) if cur_known else None,
        other=float(-other_contrib),
    )


# -- the ON RRP offset -------------------------------------------------------------------------------
REGIMES = ("ON RRP near zero", "ON RRP low", "ON RRP ample")
MIN_WEEKS = 13        # fewer comparable weeks than this: no estimate (the notes say so and use 0)


def rrp_regime(rrp_bn: float, low_bn: float, ample_bn: float) -> str:
    """The band of the ON RRP balance: at or under `low_bn` near zero, above `ample_bn` ample, low in between."""
    return REGIMES[0] if rrp_bn <= low_bn else REGIMES[2] if rrp_bn > ample_bn else REGIMES[1]


def offset_by_regime(levels: pd.DataFrame, low_bn: float, ample_bn: float, start=None, end=None) -> pd.DataFrame:
    """Share of weekly TGA changes absorbed by ON RRP (-dRRP on dTGA) and by reserves (-dReserves on dTGA), by the
    band of the previous week's ON RRP (`rrp_regime`), with HC1 95% intervals and the number of weeks."""
    d = levels.diff()
    prev_rrp = levels["rrp"].shift(1)
    frame = pd.DataFrame({"dtga": d["tga"], "rrp_share": -d["rrp"], "reserves_share": -d["reserves"],
                          "regime": [rrp_regime(v, low_bn, ample_bn) if pd.notna(v) else None for v in prev_rrp]},
                         index=levels.index).iloc[1:]
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame.index <= pd.Timestamp(end)]
    rows = []
    for regime in REGIMES:
        part = frame[frame["regime"] == regime]
        for absorber in ("rrp_share", "reserves_share"):
            s = ols_slope(part["dtga"], part[absorber])
            rows.append({"regime": regime, "absorbed by": "ON RRP" if absorber == "rrp_share" else "reserves",
                         "share": s.estimate, "ci_low": s.low, "ci_high": s.high, "weeks": s.n,
                         "from": part.index.min() if len(part) else pd.NaT,
                         "to": part.index.max() if len(part) else pd.NaT})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Offset:
    """The ON RRP offset a projection uses: estimated on the weeks whose ON RRP was in today's band."""
    regime: str
    estimate: float | None     # None: fewer than MIN_WEEKS comparable weeks
    low: float | None
    high: float | None
    weeks: int
    used: float                # the share the engine applies: the estimate clipped to [0, 1], or 0 without one


def offset_for_current(levels: pd.DataFrame, low_bn: float, ample_bn: float, start=None) -> Offset:
    """The one rule of the suite (tga_drain and stealth_qe): the ON RRP share of TGA changes estimated on weeks
    whose previous-week ON RRP sat in the same band as the latest week's."""
    regime = rrp_regime(float(levels["rrp"].iloc[-1]), low_bn, ample_bn)
    table = offset_by_regime(levels, low_bn, ample_bn, start=start)
    row = table[(table["regime"] == regime) & (table["absorbed by"] == "ON RRP")].iloc[0]
    if row["weeks"] < MIN_WEEKS or pd.isna(row["share"]):
        return Offset(regime, None, None, None, int(row["weeks"]), 0.0)
    est = float(row["share"])
    return Offset(regime, est, float(row["ci_low"]), float(row["ci_high"]), int(row["weeks"]), min(max(est, 0.0), 1.0))


def rolling_offset(levels: pd.DataFrame, weeks: int = 26) -> pd.DataFrame:
    """Rolling share of TGA changes absorbed by ON RRP over `weeks` weeks, with a 95% interval."""
    d = levels.diff().dropna(subset=["tga", "rrp"])
    rows = []
    for i in range(weeks, len(d) + 1):
        part = d.iloc[i - weeks:i]
        s = ols_slope(part["tga"], -part["rrp"])
        rows.append({"date": part.index.max(), "share": s.estimate, "ci_low": s.low, "ci_high": s.high})
    return pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame(columns=["share", "ci_low", "ci_high"])

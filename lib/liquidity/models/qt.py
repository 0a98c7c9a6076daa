"""Quantitative tightening: realized monthly runoff against the caps, and the inputs of the projection engine.

Month-end convention: H.4.1 holdings are Wednesday levels, so the level "at the end of month M" is the first
Wednesday of month M+1. That Wednesday comes after every maturity of M (mid-month and end-of-month coupons, MBS
principal paid around the 25th), so each month's change holds exactly one month of redemptions. Runoff is the
fall in holdings (positive = holdings shrank). Treasury holdings also move with TIPS inflation compensation, so a
month can show runoff a little above the cap.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.events import load_events
from .scenarios import CapRegime, Schedule


def month_end_levels(weekly: pd.Series) -> pd.Series:
    """Level at the end of each month (PeriodIndex M): the first Wednesday observation of the next month.
    The newest month is dropped when its next month has no observation yet."""
    weekly = weekly.dropna().sort_index()
    first = weekly.groupby(weekly.index.to_period("M")).first()
    first.index = first.index - 1
    return first


def month_end_dates(weekly: pd.Series) -> pd.Series:
    """The date of the observation `month_end_levels` uses for each month."""
    weekly = weekly.dropna().sort_index()
    dates = pd.Series(weekly.index, index=weekly.index)
    first = dates.groupby(weekly.index.to_period("M")).first()
    first.index = first.index - 1
    return first


@dataclass(frozen=True)
class Anchor:
    """Month-end levels a projection starts from: the newest month with Treasuries, MBS and total assets."""
    month: pd.Period
    date: pd.Timestamp          # the Wednesday observed (first of the next month)
    treasuries: float
    mbs: float
    fed_assets: float

    @property
    def other_assets(self) -> float:
        return self.fed_assets - self.treasuries - self.mbs


def anchor(treasuries: pd.Series, mbs: pd.Series, fed_assets: pd.Series) -> Anchor:
    levels = pd.DataFrame({"ust": month_end_levels(treasuries), "mbs": month_end_levels(mbs),
                           "assets": month_end_levels(fed_assets)}).dropna()
    month = levels.index.max()
    row = levels.loc[month]
    return Anchor(month, month_end_dates(fed_assets)[month], float(row["ust"]), float(row["mbs"]),
                  float(row["assets"]))


def cap_regimes() -> list[CapRegime]:
    """The caps of data/events.yaml (kind qt with both caps given), by month."""
    ev = load_events(kinds={"qt"})
    out = []
    for _, row in ev.iterrows():
        if row["ust_cap_bn"] is None or row["mbs_cap_bn"] is None or pd.isna(row["ust_cap_bn"]):
            continue
        out.append(CapRegime(start=row["date"].to_period("M"),
                             end=row["end"].to_period("M") if pd.notna(row["end"]) else None,
                             ust_cap=float(row["ust_cap_bn"]), mbs_cap=float(row["mbs_cap_bn"]),
                             label=row["label"]))
    return out


def realized_runoff(treasuries: pd.Series, mbs: pd.Series, regimes: list[CapRegime] | None = None) -> pd.DataFrame:
    """Monthly runoff by asset with the caps in force: ust, mbs, ust_cap, mbs_cap, regime, and flags:
    ust_at_cap (within 10% of the cap), mbs_short (MBS paydowns below the MBS cap)."""
    regimes = cap_regimes() if regimes is None else regimes
    t, m = month_end_levels(treasuries), month_end_levels(mbs)
    frame = pd.DataFrame({"ust": -t.diff(), "mbs": -m.diff(), "ust_level": t, "mbs_level": m}).dropna(
        subset=["ust", "mbs"])
    caps = [next((r for r in regimes if r.start <= p and (r.end is None or p <= r.end)), None) for p in frame.index]
    frame["regime"] = [c.label if c else "" for c in caps]
    frame["ust_cap"] = [c.ust_cap if c else float("nan") for c in caps]
    frame["mbs_cap"] = [c.mbs_cap if c else float("nan") for c in caps]
    frame["ust_at_cap"] = (frame["ust"] >= 0.9 * frame["ust_cap"]) & frame["ust_cap"].notna()
    frame["mbs_short"] = (frame["mbs"] < frame["mbs_cap"]) & frame["mbs_cap"].notna()
    return frame


def by_regime(runoff: pd.DataFrame) -> pd.DataFrame:
    """One row per cap regime: months, caps, average and largest monthly runoff, months at the Treasury cap,
    months with MBS paydowns short of the MBS cap."""
    part = runoff[runoff["regime"] != ""]
    rows = []
    for regime, g in part.groupby("regime", sort=False):
        rows.append({"regime": regime, "from": g.index.min(), "to": g.index.max(), "months": len(g),
                     "UST cap": g["ust_cap"].iloc[0], "UST avg": g["ust"].mean(), "UST max": g["ust"].max(),
                     "months at UST cap": int(g["ust_at_cap"].sum()),
                     "MBS cap": g["mbs_cap"].iloc[0], "MBS avg": g["mbs"].mean(), "MBS max": g["mbs"].max(),
                     "months MBS short of cap": int(g["mbs_short"].sum())})
    return pd.DataFrame(rows).set_index("regime")


def paydown_rate(runoff: pd.DataFrame, months: int = 6) -> float:
    """MBS principal paid down a month as a share of the MBS stock, averaged over the last `months` months.
    While the Fed buys MBS (QE) holdings grow and paydowns are not observable: the estimate is then 0, which only
    matters if runoff resumes within the projection (set mbs_paydown_pct instead)."""
    recent = runoff.dropna(subset=["mbs"]).iloc[-months:]
    stock_before = recent["mbs_level"] + recent["mbs"]
    return max(0.0, float((recent["mbs"] / stock_before).mean()))


def rmp_schedule(first_bn: float, first_start, first_end, after_bn: float, after_end=None) -> list[Schedule]:
    """Reserve management purchases: `first_bn` a month from first_start to first_end, then `after_bn` a month."""
    s, e = pd.Timestamp(first_start).to_period("M"), pd.Timestamp(first_end).to_period("M")
    out = [Schedule(s, e, float(first_bn))]
    if after_bn:
        out.append(Schedule(e + 1, pd.Timestamp(after_end).to_period("M") if after_end else None, float(after_bn)))
    return out

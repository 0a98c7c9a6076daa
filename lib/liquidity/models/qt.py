"""Quantitative tightening: realized monthly runoff against the caps, and the inputs of the projection engine.

Month-end convention: H.4.1 holdings are Wednesday levels, so the level "at the end of month M" is the first
Wednesday of month M+1. That Wednesday comes after every maturity of M (mid-month and end-of-month coupons, MBS
principal paid around the 25th), so each month's change holds exactly one month of redemptions. Runoff is the
fall in holdings (positive = holdings shrank). TREAST includes the inflation compensation accrued on TIPS, which
grows with CPI: measured Treasury runoff is redemptions minus that accrual, so a month can show less than the
cap although maturities exceeded it (and, from the timing of maturities around month ends, a little more).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.events import decisions
from . import findings as F
from .scenarios import CapRegime, QtSpec, Schedule


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


def cap_regimes(known_by=None) -> list[CapRegime]:
    """The runoff caps of data/events.yaml known by `known_by` (all when None), by month: each regime runs from its
    effective month until the next known cap decision or end of runoff takes over (open-ended otherwise)."""
    ev = decisions(known_by=known_by)
    steps = ev[(ev["kind"] == "qt") | ev["qt_end"]].sort_values("date")
    out = []
    rows = list(steps.itertuples(index=False))
    for i, row in enumerate(rows):
        if row.kind != "qt":
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        out.append(CapRegime(start=row.date.to_period("M"),
                             end=(nxt.date.to_period("M") - 1) if nxt is not None else None,
                             ust_cap=float(row.ust_cap_bn), mbs_cap=float(row.mbs_cap_bn), label=row.label))
    return out


def qt_end_month(known_by=None) -> pd.Period | None:
    """The month runoff ends by the decisions known at `known_by`: a decided end after the last cap regime's start."""
    regimes = cap_regimes(known_by)
    ends = decisions(known_by=known_by)
    ends = ends[ends["qt_end"]]
    if not regimes:
        return None
    later = ends[ends["date"].dt.to_period("M") > regimes[-1].start]
    return later["date"].min().to_period("M") if len(later) else None


def purchase_schedules(known_by=None, after_bn: float = 0.0) -> list[Schedule]:
    """Purchases decided by `known_by`: each programme's monthly pace from its effective month to `purchases_until`,
    then, for the newest programme only, `after_bn` a month (the notebook's stated assumption for a pace the
    decision left open) until a later programme or runoff takes over."""
    ev = decisions(known_by=known_by)
    buys = ev[ev["purchases_bn_month"].notna()].sort_values("date")
    takeovers = ev[(ev["kind"] == "qt") | ev["purchases_bn_month"].notna()].sort_values("date")
    out = []
    last = buys["id"].iloc[-1] if len(buys) else None
    for row in buys.itertuples(index=False):
        start = row.date.to_period("M")
        later = takeovers[takeovers["date"] > row.date]
        stop = later["date"].min().to_period("M") - 1 if len(later) else None
        until = row.purchases_until.to_period("M") if pd.notna(row.purchases_until) else None
        first_end = min(p for p in (until, stop) if p is not None) if (until or stop) else None
        out.append(Schedule(start, first_end, float(row.purchases_bn_month)))
        if after_bn and row.id == last and until is not None and (stop is None or until < stop):
            out.append(Schedule(until + 1, stop, float(after_bn), assumed=True))
    return out


def spec_as_known(known_by, paydown_rate: float, purchases_after_bn: float = 0.0) -> QtSpec:
    """The QT engine's spec from the decisions known at `known_by`: caps, the end of runoff, purchases."""
    known = decisions(known_by=known_by)
    key = (tuple(map(tuple, known.astype(str).to_numpy())), float(purchases_after_bn))
    if key not in _SPECS:       # the spec depends only on the decisions known (a walk-forward asks at each origin)
        _SPECS[key] = (cap_regimes(known_by), qt_end_month(known_by), purchase_schedules(known_by, purchases_after_bn))
    caps, end, purchases = _SPECS[key]
    return QtSpec(caps=list(caps), mbs_paydown_rate=paydown_rate, qt_end=end, purchases=list(purchases))


_SPECS: dict = {}     # (decisions known, purchases after) -> (caps, end of runoff, purchases)


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


def runoff_periods(known_by=None) -> list[tuple[pd.Period, pd.Period | None]]:
    """Runoff programmes (QT1, QT2) as (first month, last month, or None while it runs): cap regimes that follow one
    another form one programme; a month without a cap ends it."""
    out: list[list] = []
    for r in cap_regimes(known_by):
        if out and out[-1][1] is not None and r.start == out[-1][1] + 1:
            out[-1][1] = r.end
        else:
            out.append([r.start, r.end])
    return [(a, b) for a, b in out]


# -- what a path stands on, as claims (models.findings): decisions with who and when, assumptions as assumptions -----
def programme_start(known_by=None) -> pd.Series | None:
    """The cap decision that began the runoff programme in progress at `known_by`, or the last one before it (QT1
    from October 2017, QT2 from June 2022): the event row of data/events.yaml, or None before any runoff."""
    periods = runoff_periods(known_by)
    if not periods:
        return None
    first = periods[-1][0]
    ev = decisions(known_by=known_by)
    caps = ev[(ev["kind"] == "qt") & (ev["date"].dt.to_period("M") == first)]
    return caps.sort_values("announced").iloc[0] if len(caps) else None


def premises(spec: QtSpec, known_by, after: pd.Period) -> tuple[list[pd.Series], list[Schedule]]:
    """What a path built from the decisions known at `known_by` (spec_as_known) stands on after the month `after`:
    the decisions (the end of runoff, purchase programmes still running or continued by an assumed pace) as event
    rows, and the schedules the note assumes (Schedule.assumed)."""
    ev = decisions(known_by=known_by)
    rows = []
    if spec.qt_end is not None:
        ends = ev[ev["qt_end"] & (ev["date"].dt.to_period("M") == spec.qt_end)]
        rows += [r for _, r in ends.iterrows()]
    assumed = [s for s in spec.purchases if s.assumed and (s.end is None or s.end > after)]
    buys = ev[ev["purchases_bn_month"].notna()].sort_values("date")
    for _, row in buys.iterrows():
        start = row["date"].to_period("M")
        mine = [s for s in spec.purchases if not s.assumed and s.start == start]
        running = any(s.end is None or s.end > after for s in mine)
        continued = any(s.start > start for s in assumed) and row["id"] == buys["id"].iloc[-1]
        if mine and (running or continued):
            rows.append(row)
    return rows, assumed


def premise_claims(spec: QtSpec, known_by, after: pd.Period) -> list[F.Claim]:
    """The premises of a path as claims: each decision with who decided it and when, each assumed pace as an
    assumption ("we assume purchases ... of $20bn a month from 1 May 2026")."""
    rows, assumed = premises(spec, known_by, after)
    out = [F.decision(f"decision_{row['id']}", row) for row in rows]
    for i, s in enumerate(assumed):
        end = s.end.to_timestamp(how="end").normalize() if s.end is not None else None
        out.append(F.assumption("assumed_pace" + (f"_{i}" if i else ""),
                                "purchases after the programme's stated elevated phase", s.amount, "bn_month",
                                start=s.start.to_timestamp(), end=end))
    return out


def cap_claims(regime: CapRegime) -> list[F.Claim]:
    """The caps of a hypothetical path (runoff continued, or slowed) as assumptions from the month they start."""
    start = regime.start.to_timestamp()
    out = [F.assumption("assumed_ust_cap", "a Treasury runoff cap", regime.ust_cap, "bn_month", start=start),
           F.assumption("assumed_mbs_cap", "an MBS runoff cap", regime.mbs_cap, "bn_month", start=start)]
    if regime.total_cap is not None:
        out.append(F.assumption("assumed_total_cap", "a cap on total runoff (MBS paydowns count first)",
                                regime.total_cap, "bn_month", start=start))
    return out

"""Scenario engines: TGA paths, Fed balance-sheet (QT) paths, and the weekly reserves path they imply.

Everything is in billions of USD on a weekly grid of Wednesdays (the H.4.1 week), except the QT engine, which
works by calendar month (caps are monthly) and is put on the weekly grid by `monthly_to_weekly`.

Reserves follow the balance-sheet identity week by week:
    reserves_t = reserves_{t-1} + d fed_assets_t - d tga_t - d rrp_t - d currency_t
with ON RRP absorbing a share (`rrp_offset`) of each TGA change until it reaches its floor. Bands come from the
historical variability of the identity's residual ("other"), accumulated like a random walk: +-z * sd * sqrt(h).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import InputError

SHAPES = ("linear", "step", "points")


def _days(dates) -> np.ndarray:
    """Dates as float day numbers (independent of the datetime unit pandas picked)."""
    return (pd.DatetimeIndex(dates).as_unit("s").asi8 / 86400.0).astype(float)


def wednesdays(after, through) -> pd.DatetimeIndex:
    """Wednesdays strictly after `after` up to and including `through`."""
    after, through = pd.Timestamp(after), pd.Timestamp(through)
    return pd.date_range(after + pd.Timedelta(days=1), through, freq="W-WED")


@dataclass(frozen=True)
class TgaSpec:
    """A TGA path: reach `target_bn` by `target_date` (linear), or jump to it on `step_date` (step), or follow
    dated levels (points, linear between them). The level stays flat after the last date."""
    target_bn: float
    target_date: pd.Timestamp
    shape: str = "linear"
    step_date: pd.Timestamp | None = None
    points: tuple[tuple[pd.Timestamp, float], ...] = ()

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise InputError(f"parameter tga_shape={self.shape!r} is not allowed: choose one of {', '.join(SHAPES)}")
        if self.target_bn < 0:
            raise InputError(f"parameter tga_target_bn={self.target_bn!r} must not be negative")
        if self.shape == "points" and not self.points:
            raise InputError("parameter tga_points is empty: with tga_shape='points' give a list of "
                             "{date: YYYY-MM-DD, level_bn: number} entries")


def parse_points(points) -> tuple[tuple[pd.Timestamp, float], ...]:
    """[{date, level_bn}, ...] (as in a parameter file) -> sorted ((date, level), ...); clear errors otherwise."""
    from ..core.dates import parse_date

    out = []
    for i, p in enumerate(points or []):
        if not isinstance(p, dict) or set(p) != {"date", "level_bn"}:
            raise InputError(f"parameter tga_points[{i}]={p!r}: each entry needs exactly date and level_bn, "
                             "e.g. {date: 2025-12-15, level_bn: 1000}")
        level = p["level_bn"]
        if isinstance(level, bool) or not isinstance(level, (int, float)) or level < 0:
            raise InputError(f"parameter tga_points[{i}].level_bn={level!r} must be a number of billions >= 0")
        out.append((parse_date(p["date"], f"tga_points[{i}].date"), float(level)))
    out.sort()
    dates = [d for d, _ in out]
    if len(set(dates)) != len(dates):
        raise InputError("parameter tga_points has the same date twice; give one level per date")
    return tuple(out)


def tga_path(spec: TgaSpec, start_date, start_level: float, weeks: pd.DatetimeIndex) -> pd.Series:
    """TGA level on each week of `weeks`, starting from `start_level` at `start_date`."""
    start_date = pd.Timestamp(start_date)
    if spec.shape == "linear":
        if spec.target_date <= start_date:
            raise InputError(f"parameter tga_target_date={spec.target_date:%Y-%m-%d} is not after the start of the "
                             f"projection ({start_date:%Y-%m-%d}, the latest data); choose a later date")
        knots = [(start_date, start_level), (spec.target_date, spec.target_bn)]
    elif spec.shape == "step":
        step = spec.step_date or spec.target_date
        if step <= start_date:
            raise InputError(f"parameter tga_step_date={step:%Y-%m-%d} is not after the start of the projection "
                             f"({start_date:%Y-%m-%d}); choose a later date")
        return pd.Series(np.where(weeks >= step, spec.target_bn, start_level), index=weeks, dtype=float)
    else:
        later = [(d, v) for d, v in spec.points if d > start_date]
        if not later:
            raise InputError(f"parameter tga_points has no date after the start of the projection "
                             f"({start_date:%Y-%m-%d}); give at least one later date")
        knots = [(start_date, start_level), *later]
    x = _days([d for d, _ in knots])
    y = np.array([v for _, v in knots], dtype=float)
    return pd.Series(np.interp(_days(weeks), x, y), index=weeks, dtype=float)


def constant_change(start_level: float, weeks: pd.DatetimeIndex, change_per_week: float) -> pd.Series:
    return pd.Series(start_level + change_per_week * np.arange(1, len(weeks) + 1), index=weeks, dtype=float)


@dataclass(frozen=True)
class Start:
    """The last observed week: levels the projection starts from."""
    date: pd.Timestamp
    reserves: float
    fed_assets: float
    tga: float
    rrp: float

    @classmethod
    def from_levels(cls, levels: pd.DataFrame) -> "Start":
        """The last week of `balance_sheet.weekly_levels`."""
        row = levels.iloc[-1]
        return cls(levels.index[-1], float(row["reserves"]), float(row["fed_assets"]), float(row["tga"]),
                   float(row["rrp"]))


def project_reserves(start: Start, tga: pd.Series, fed_assets: pd.Series, rrp_offset: float = 0.0,
                     rrp_floor: float = 0.0, currency_per_week: float = 0.0, residual_sd: float = 0.0,
                     level: float = 0.90, rrp: pd.Series | None = None) -> pd.DataFrame:
    """Weekly reserves path from the identity. `tga` and `fed_assets` are levels on the projection weeks.

    ON RRP moves by -rrp_offset x d tga each week but not below `rrp_floor` (when it starts below the floor it
    cannot drain further); or, when an `rrp` path is given, follows it. Returns tga, fed_assets, rrp,
    currency_change, reserves, net_liquidity, low, high.
    """
    if not 0.0 <= rrp_offset <= 1.5:
        raise InputError(f"parameter rrp_offset_share={rrp_offset!r} must be between 0 and 1.5")
    if rrp_floor < 0:
        raise InputError(f"parameter rrp_floor_bn={rrp_floor!r} must not be negative")
    weeks = tga.index
    if not fed_assets.index.equals(weeks):
        raise ValueError("tga and fed_assets paths must share the same weeks")
    if rrp is not None and not rrp.index.equals(weeks):
        raise ValueError("the rrp path must share the weeks of the tga path")
    rrp_path = rrp
    rows = []
    res, assets_prev, tga_prev, rrp = start.reserves, start.fed_assets, start.tga, start.rrp
    floor = min(rrp_floor, start.rrp)
    for week in weeks:
        d_tga = tga[week] - tga_prev
        new_rrp = float(rrp_path[week]) if rrp_path is not None else max(floor, rrp - rrp_offset * d_tga)
        d_rrp = new_rrp - rrp
        d_assets = fed_assets[week] - assets_prev
        res = res + d_assets - d_tga - d_rrp - currency_per_week
        rows.append({"date": week, "tga": tga[week], "fed_assets": fed_assets[week], "rrp": new_rrp,
                     "currency_change": currency_per_week, "reserves": res})
        rrp, tga_prev, assets_prev = new_rrp, tga[week], fed_assets[week]
    out = pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame(
        columns=["tga", "fed_assets", "rrp", "currency_change", "reserves"])
    out["net_liquidity"] = out["fed_assets"] - out["tga"] - out["rrp"]
    from scipy import stats   # here: importing scipy.stats costs a second to every command that plans a run

    z = stats.norm.ppf(0.5 + level / 2)
    half = z * residual_sd * np.sqrt(np.arange(1, len(out) + 1))
    out["low"] = out["reserves"] - half
    out["high"] = out["reserves"] + half
    return out


@dataclass(frozen=True)
class Crossing:
    """Where a projected path stands against a level, given what was observed before it starts:
    kind "already" (observed below it at the start: `date` the first observation below after the last one at or
    above it, `since_above` that last one, `back` the first projected week above it again, if any), "first" (first
    projected week below it: `date`), or "never"."""
    kind: str
    date: pd.Timestamp | None = None
    since_above: pd.Timestamp | None = None
    back: pd.Timestamp | None = None


def threshold_crossing(observed: pd.Series, path: pd.Series, level: float) -> Crossing:
    """How a projected `path` stands against `level` after the `observed` history it continues (see Crossing)."""
    observed = observed.dropna()
    if len(observed) and observed.iloc[-1] < level:
        above = observed[observed >= level]
        since_above = above.index.max() if len(above) else None
        since = observed.index[observed.index > since_above][0] if since_above is not None else observed.index[0]
        back = path[path >= level]
        return Crossing("already", since, since_above, back.index[0] if len(back) else None)
    below = path[path < level]
    return Crossing("first", below.index[0]) if len(below) else Crossing("never")


def residual_sd(contributions: pd.DataFrame, weeks: int = 104) -> float:
    """Standard deviation of the weekly residual ('other') over the last `weeks` weeks."""
    other = contributions["other"].dropna().iloc[-weeks:]
    return float(other.std(ddof=1)) if len(other) > 2 else 0.0


# -- QT: monthly runoff under caps -------------------------------------------------------------------
@dataclass(frozen=True)
class CapRegime:
    """Monthly redemption caps (billions) in force from `start` (first month) to `end` (last month, inclusive)."""
    start: pd.Period
    end: pd.Period | None
    ust_cap: float
    mbs_cap: float
    label: str = ""
    total_cap: float | None = None   # a cap on total runoff: MBS paydowns count first, Treasuries fill the rest


@dataclass(frozen=True)
class Schedule:
    """Monthly purchases: `amount` per month from `start` to `end` (inclusive months). `assumed`: a pace the note
    assumes (after a programme's stated phase), not one a decision set."""
    start: pd.Period
    end: pd.Period | None
    amount: float
    assumed: bool = False


@dataclass
class QtSpec:
    """A projection of the Fed's securities and total assets by month.

    - caps: Treasury redemptions up to the Treasury cap; MBS run off by paydowns (`mbs_paydown_rate` a month of
      the MBS stock) up to the MBS cap; paydowns above the MBS cap are reinvested in Treasuries (2024-25 rule).
    - qt_end: from this month on, Treasuries mature and are rolled over (no runoff) and all MBS principal is
      reinvested in bills: total securities are flat.
    - purchases (RMPs): bills bought each month, added to Treasuries (and to total assets).
    - other assets are held at their last level.
    """
    caps: list[CapRegime]
    mbs_paydown_rate: float
    qt_end: pd.Period | None = None
    purchases: list[Schedule] = field(default_factory=list)


def cap_in_force(caps: list[CapRegime], month: pd.Period) -> CapRegime | None:
    found = None
    for c in caps:
        if c.start <= month and (c.end is None or month <= c.end):
            found = c
    return found


def purchases_in(schedules: list[Schedule], month: pd.Period) -> float:
    return float(sum(s.amount for s in schedules if s.start <= month and (s.end is None or month <= s.end)))


def project_holdings(spec: QtSpec, start_month: pd.Period, treasuries: float, mbs: float, other_assets: float,
                     months: int) -> pd.DataFrame:
    """Month-end holdings for `months` months after `start_month` (whose end levels are given).

    Columns: treasuries, mbs, bills_bought (RMPs), mbs_reinvested, ust_runoff, mbs_runoff, fed_assets.
    """
    if not 0.0 <= spec.mbs_paydown_rate <= 0.1:
        raise InputError(f"parameter mbs_paydown_pct={spec.mbs_paydown_rate * 100:.3g} must be between 0 and 10 "
                         "(percent of the MBS stock a month)")
    rows = []
    ust, mbs_stock = treasuries, mbs
    for k in range(1, months + 1):
        month = start_month + k
        paydown = mbs_stock * spec.mbs_paydown_rate
        ended = spec.qt_end is not None and month >= spec.qt_end
        cap = cap_in_force(spec.caps, month)
        if ended or cap is None:
            ust_runoff = 0.0
            mbs_runoff = paydown
            reinvest = paydown if ended or cap is None else 0.0   # MBS principal into bills
        elif cap.total_cap is not None:
            mbs_counted = min(paydown, cap.mbs_cap, cap.total_cap)
            ust_runoff = min(cap.ust_cap, max(0.0, cap.total_cap - mbs_counted), ust)
            mbs_runoff = paydown
            reinvest = paydown - mbs_counted                      # above the cap: into Treasuries
        else:
            ust_runoff = min(cap.ust_cap, ust)
            mbs_runoff = paydown
            reinvest = max(0.0, paydown - cap.mbs_cap)            # above the cap: into Treasuries
        buys = purchases_in(spec.purchases, month)
        mbs_stock = mbs_stock - mbs_runoff
        ust = ust - ust_runoff + reinvest + buys
        rows.append({"month": month, "treasuries": ust, "mbs": mbs_stock, "bills_bought": buys,
                     "mbs_reinvested": reinvest, "ust_runoff": ust_runoff, "mbs_runoff": mbs_runoff,
                     "fed_assets": ust + mbs_stock + other_assets})
    return pd.DataFrame(rows).set_index("month")


def weekly_changes(monthly: pd.Series, anchor_date, anchor_level: float, last, weeks: pd.DatetimeIndex) -> pd.Series:
    """Changes since the week `last` on each projection week, of a monthly path anchored at (anchor_date,
    anchor_level): what a weekly engine adds to its own starting level."""
    path = monthly_to_weekly(monthly, anchor_date, anchor_level, weeks.insert(0, pd.Timestamp(last)))
    return path.iloc[1:] - path.iloc[0]


def month_end_date(month: pd.Period) -> pd.Timestamp:
    """The day a month-end level is observed in H.4.1 data: the first Wednesday of the next month (qt.py)."""
    first = (month + 1).to_timestamp(how="start")
    return first + pd.Timedelta(days=(2 - first.day_of_week) % 7)


def monthly_to_weekly(monthly: pd.Series, start_date, start_level: float, weeks: pd.DatetimeIndex) -> pd.Series:
    """Month-end levels (PeriodIndex) to the weekly grid: each month's level sits on the first Wednesday of the next
    month (the convention of the realized data), linear in time between them from the start level."""
    x = _days([pd.Timestamp(start_date)] + [month_end_date(p) for p in monthly.index])
    y = [start_level] + list(monthly.to_numpy(float))
    return pd.Series(np.interp(_days(weeks), x, np.array(y, float)), index=weeks)

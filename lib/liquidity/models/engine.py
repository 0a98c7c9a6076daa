"""The balance-sheet projection engine: one weekly path of the Fed's balance sheet for every note and the scorecard.

Given the data as of a date (a `Dataset`, cut at an origin) and a `Scenario`, `project` returns the weekly path of
reserves with its band, the TGA, ON RRP, Fed assets, currency and the rest of the balance sheet. The identity closes
exactly on every week:

    reserves = assets - tga - rrp - currency - other

on the basis of `balance_sheet.weekly_levels`: reserves (WRESBAL), the TGA (WTREGEN) and currency (WCURCIR) are H.4.1
week averages ending Wednesday, ON RRP is the week average of the daily operation (RRPONTSYD), assets the Wednesday
level (WALCL). A Wednesday level, a week average and a daily close are different measures: where the engine turns
one into another it says how (the Treasury states a daily close; see the TGA leg).

Stable API (tga_drain, stealth_qe, qt_path, repo_stress, the scorecard and the demand curve call these):

    projection = engine.baseline(ds)                  # BASELINE scenario, BASELINE_WEEKS weeks after the base week
    projection = engine.project(ds, Scenario(...), end="2026-03-31")
    projection.frame     weekly DataFrame indexed by Wednesday (the weeks after projection.start): reserves,
                         reserves_low, reserves_high, tga, rrp, assets, currency, other, treasuries, mbs,
                         net_liquidity (billions of USD)
    projection.start     the base week t0: the newest week with every input of the identity published
    projection.known     the weekly levels observed up to t0 (the same columns where observed)
    projection.legs      what each leg used (the statements and knots, the ON RRP fit, the QT spec, the band)
    projection.notes     what was missing or assumed, as {kind: fields} for the notes to say in their language
    projection.records() the sidecar list [{date, reserves_bn, reserves_low_bn, reserves_high_bn, tga_bn, rrp_bn,
                         assets_bn}] ("baseline_path" in every note that projects reserves)
    engine.crossing(projection, level) the first week the path (or an edge of its band) falls below a level

The legs, each estimated with only what was known at the origin:
- TGA: the latest end-of-quarter cash balance the Treasury stated by the origin (`TREASURY_CASH_ASSUMED`, refunding
  statements: current and next quarter; interim targets from `TREASURY_CASH_INTERIM`) is a daily close on the quarter
  end. On the week-average basis it becomes the week average of the week holding the quarter end ("anchor week") plus
  the median gap between that week's average and the quarter-end close over past quarters (closes from the DTS and
  the Treasury's own "ended the quarter with" statements). Between the base week and the anchors the path is linear,
  and on top of it sits the intra-quarter shape: the median deviation of WTREGEN from the straight line between
  anchor weeks, by quarter of the year and week of the quarter (tax dates mid-April, mid-June, mid-September,
  mid-December; month ends), over the last `shape_years` years, leaving out quarters touched by a binding debt limit
  and the quarter after it. While a debt limit binds at the origin the stated targets assume its resolution, which
  nobody knew the date of: the path is then flat plus the shape. After the last stated target the line is flat.
- Assets: the QT engine (`scenarios.project_holdings`) with the decisions announced by the origin
  (`qt.spec_as_known`): caps, the end of runoff, purchases; MBS paydowns at the last six months' rate.
- ON RRP: dRRP_t = -phi x dTGA_t x [RRP_{t-1} > rrp_low_bn] - kappa_repo x max(repo - RRP rate, 0) x RRP_{t-1}
  - kappa_bill x max(bill - RRP rate, 0) x RRP_{t-1}, floor 0: the facility absorbs a share of the TGA's moves while
  it holds cash, and drains toward zero at a speed that rises with what money funds earn elsewhere (tri-party repo,
  TGCR or SOFR; the 3-month bill, DTB3 on a bond-equivalent basis). Non-negative least squares weighted by
  1/sqrt(RRP + 10) over the `rrp_window_weeks` weeks before the origin; a spread whose series is missing drops out.
- Currency and other: currency on its trend of `drift_weeks` weeks; "other" (other liabilities and capital plus the
  gap between the Wednesday level and the week average of assets) on its drift over the same weeks. Where WCURCIR
  ends before the base week (the mirror lacks it after June 2025) currency is carried on its last trend from its last
  observation and the drift of currency and other is taken together (the notes say so).
- Band: empirical quantiles of the engine's own past errors at each horizon (split conformal), out of sample: the
  band of a path starting at t0 uses only errors of earlier origins whose outcome week is at or before t0 (so it was
  published by then), from origins within `band_window_weeks` of t0. The errors come from the baseline run at every
  `history_step_weeks`-th Wednesday since `history_first` (`error_history`), cached per data fingerprint, library
  source and settings, so one computation serves every note of a data snapshot.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import atomic, paths
from ..core.errors import InputError, MissingSeriesError
from ..data.events import load_events
from ..data.measures import week_average
from . import balance_sheet as bsh
from . import qt
from .scenarios import QtSpec, TgaSpec, project_holdings, tga_path, wednesdays, weekly_changes

BASELINE_WEEKS = 52          # the baseline path every note records: the same length whatever the note projects
LEGS = ("reserves", "tga", "rrp", "assets", "currency", "treasuries", "mbs")
COLUMNS = ["reserves", "reserves_low", "reserves_high", "tga", "rrp", "assets", "currency", "other", "treasuries",
           "mbs", "net_liquidity"]
ASSUMED, ACTUAL, INTERIM = "TREASURY_CASH_ASSUMED", "TREASURY_CASH_ACTUAL", "TREASURY_CASH_INTERIM"


@dataclass(frozen=True)
class Settings:
    """How the legs and the band are estimated (every window ends at the origin)."""
    band_level: float = 0.90
    band_window_weeks: int = 130       # errors of origins at most this far before t0 (2.5 years)
    band_min_errors: int = 12          # fewer errors at a horizon: the band is widened from a shorter horizon
    history_first: str = "2016-01-06"  # first origin of the error history
    history_anchor: str = "2022-06-01"  # the history grid passes through this Wednesday (the scorecard's first origin)
    history_step_weeks: int = 4
    history_weeks: int = 65            # horizons recorded for every origin of the history
    shape_years: int = 8               # the TGA's intra-quarter shape: quarters of the last 8 years
    debt_limit_after_weeks: int = 13   # quarters this long after a binding debt limit stay out of the shape
    rrp_window_weeks: int = 260
    rrp_low_bn: float = 50.0           # ON RRP at or under this absorbs no TGA move (the notes' "near zero")
    rrp_trend_weeks: int = 13          # the recent pace of ON RRP's own moves (not explained by the TGA)
    rrp_trend_damping: float = 0.9     # ... carried forward, shrinking by this factor a week
    rrp_trend_rule: str = "drain"      # "drain": only a fall toward the floor is carried forward; "both"; "none"
    rrp_spreads: tuple = ("repo", "bill")
    drift_weeks: int = 52              # currency trend and the drift of other
    rmp_after_bn: float = 20.0         # purchases a month after a programme's stated elevated phase (our assumption)
    paydown_months: int = 6

    def __post_init__(self):
        if not 0 < self.band_level < 1:
            raise InputError(f"parameter band_level_pct={self.band_level * 100:g} must be in (0, 100)")


SETTINGS = Settings()


@dataclass(frozen=True)
class Scenario:
    """Which path each leg takes. The default is the baseline: the Treasury's stated targets, the decisions known at
    the origin, the estimated ON RRP leg, the currency trend."""
    tga: TgaSpec | None = None             # None: the Treasury's stated targets with the intra-quarter shape
    assets: str | QtSpec = "as_known"      # "as_known", "hindsight" (decisions to the end of the data) or a QtSpec
    rrp_offset: float | None = None        # None: the estimated leg; a share: ON RRP moves by -share x dTGA
    rrp_floor_bn: float = 0.0              # with rrp_offset: ON RRP cannot drain below this
    rrp_end_bn: float | None = None        # ON RRP linear from its last level to this at the end of the path
    currency_per_week_bn: float | None = None   # None: the trend
    rmp_after_bn: float | None = None      # None: Settings.rmp_after_bn
    mbs_paydown: float | None = None       # a month, share of the MBS stock; None: the last six months' average

    def __post_init__(self):
        if self.rrp_offset is not None and not 0.0 <= self.rrp_offset <= 1.5:
            raise InputError(f"parameter rrp_offset_share={self.rrp_offset!r} must be between 0 and 1.5")
        if self.rrp_floor_bn < 0:
            raise InputError(f"parameter rrp_floor_bn={self.rrp_floor_bn!r} must not be negative")
        if isinstance(self.assets, str) and self.assets not in ("as_known", "hindsight"):
            raise InputError(f"assets={self.assets!r}: choose 'as_known', 'hindsight' or a QtSpec")

    @property
    def is_baseline(self) -> bool:
        return self == BASELINE

    def changed(self, **changes) -> "Scenario":
        """The same scenario with some legs changed (e.g. assets="hindsight")."""
        return replace(self, **changes)


BASELINE = Scenario()


# -- the TGA leg ---------------------------------------------------------------------------------------------------
def anchor_week(day) -> pd.Timestamp:
    """The Wednesday ending the H.4.1 week that holds `day` (Thursday to Wednesday): where a daily close on that day
    enters the week averages."""
    day = pd.Timestamp(day)
    return day + pd.Timedelta(days=(2 - day.day_of_week) % 7)


def shape_key(week: pd.Timestamp) -> tuple[int, int]:
    """(quarter, week of the quarter) of a Wednesday, counted from the anchor week of the last quarter end on or
    before it: the anchor week itself is week 0 of the quarter that follows, so every anchor week has the same key
    whichever weekday the quarter ends on."""
    week = pd.Timestamp(week)
    q = week if week.is_quarter_end else week - pd.offsets.QuarterEnd(1)
    return q.quarter % 4 + 1, (week - anchor_week(q)).days // 7


def _segments(weeks: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """For many Wednesdays at once: the anchor weeks before (or on) and after each, its quarter and week of the
    quarter (as `shape_key`)."""
    weeks = pd.DatetimeIndex(weeks)
    q = weeks.where(weeks.is_quarter_end, weeks - pd.offsets.QuarterEnd(1))
    q_next = q + pd.offsets.QuarterEnd(1)
    a1 = q + pd.to_timedelta((2 - q.day_of_week) % 7, unit="D")
    a2 = q_next + pd.to_timedelta((2 - q_next.day_of_week) % 7, unit="D")
    return a1, a2, np.asarray(q_next.quarter), np.asarray((weeks - a1).days // 7)


@dataclass(frozen=True)
class DebtLimit:
    """The binding debt-limit periods known at an origin (the end only once it had happened) and whether one binds
    on the origin itself."""
    windows: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
    binding_since: pd.Timestamp | None

    @classmethod
    def at(cls, origin) -> "DebtLimit":
        origin = pd.Timestamp(origin)
        events = load_events(kinds={"debt_limit"})
        windows, since = [], None
        for row in events.itertuples(index=False):
            if row.date > origin:
                continue
            ended = pd.notna(row.end) and row.end <= origin
            windows.append((row.date, row.end if ended else origin))
            if not ended:
                since = row.date
        return cls(tuple(windows), since)

    def touches(self, first, last, after_weeks: int) -> bool:
        pad = pd.Timedelta(weeks=after_weeks)
        return any(start <= last and end + pad >= first for start, end in self.windows)


@dataclass(frozen=True)
class TgaShape:
    """The intra-quarter shape: the median deviation (billions) of the week-average TGA from the straight line
    between anchor weeks, by (quarter, week of the quarter); and the gap between an anchor week's average and the
    quarter-end close."""
    deviations: dict
    quarters: int
    gap_bn: float
    gap_quarters: int

    def at(self, week) -> float:
        return float(self.deviations.get(shape_key(pd.Timestamp(week)), 0.0))


def quarter_end_closes(closes_daily: pd.Series | None, stated: pd.DataFrame | None, first, last) -> pd.Series:
    """The TGA's closing balance on each quarter end in [first, last]: the DTS close of the quarter's last business
    day where the DTS covers it, else the Treasury's "ended the quarter with" statement."""
    out = pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    if stated is not None and len(stated):
        out = stated.groupby("quarter_end")["actual_cash_bn"].last().astype(float)
        out.index = pd.DatetimeIndex(out.index)
    if closes_daily is not None and len(closes_daily):
        qs = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="QE")
        pos = closes_daily.index.searchsorted(qs, side="right") - 1
        ok = pos >= 0
        days = closes_daily.index[pos[ok]]
        near = (qs[ok] - days).days <= 4
        dts = pd.Series(closes_daily.to_numpy(float)[pos[ok]][near], index=qs[ok][near])
        out = dts.combine_first(out)
    out = out.sort_index()
    return out[(out.index >= pd.Timestamp(first)) & (out.index <= pd.Timestamp(last))]


def estimate_shape(tga: pd.Series, t0, debt: DebtLimit, closes: pd.Series, years: int = 8,
                   after_weeks: int = 13) -> TgaShape:
    """The intra-quarter shape and the close-to-week-average gap from the week-average TGA up to t0."""
    t0 = pd.Timestamp(t0)
    tga = tga.dropna()
    start = t0 - pd.DateOffset(years=years)
    tga = tga[tga.index <= t0]
    sample = tga[tga.index >= start]
    a1, a2, quarter, week = _segments(sample.index)
    v1, v2 = tga.reindex(a1).to_numpy(float), tga.reindex(a2).to_numpy(float)
    ok = (a2 <= t0) & (a1 >= start) & (sample.index != a1) & ~np.isnan(v1) & ~np.isnan(v2)
    pad = pd.Timedelta(weeks=after_weeks)
    for first, last in debt.windows:          # quarters touched by a binding debt limit (and the one after) stay out
        ok &= ~((a1 <= last + pad) & (a2 >= first))
    x = (sample.index - a1).days.to_numpy() / np.maximum((a2 - a1).days.to_numpy(), 1)
    dev = sample.to_numpy(float) - (v1 + x * (v2 - v1))
    deviations, used = {}, 0
    if ok.any():
        frame = pd.DataFrame({"q": quarter[ok], "w": week[ok], "dev": dev[ok], "seg": a1[ok]})
        used = int(frame["seg"].nunique())
        grouped = frame.groupby(["q", "w"])["dev"]
        med, count = grouped.median(), grouped.count()
        deviations = {(int(k[0]), int(k[1])): float(v) for k, v in med[count >= 3].items()}
    gaps = []
    for q, close in closes.items():
        a = anchor_week(q)
        if start <= q and a <= t0 and a in tga.index and not debt.touches(q, q, after_weeks):
            gaps.append(float(tga[a]) - close)
    gap = float(np.median(gaps)) if len(gaps) >= 3 else 0.0
    return TgaShape(deviations, used, gap, len(gaps) if len(gaps) >= 3 else 0)


@dataclass(frozen=True)
class Knot:
    date: pd.Timestamp           # the anchor week of the stated date
    level: float                 # on the week-average basis
    stated_bn: float             # as the Treasury stated it (a daily close)
    stated_for: pd.Timestamp     # the date it is about
    announced: pd.Timestamp


def stated_knots(assumed: pd.DataFrame | None, interim: pd.DataFrame | None, t0, gap_bn: float) -> list[Knot]:
    """The Treasury's targets for dates whose anchor week comes after t0: for each date the latest statement (the
    tables hold only what was announced by the origin)."""
    knots = {}
    t0 = pd.Timestamp(t0)
    for frame, col in ((assumed, "quarter_end"), (interim, "target_date")):
        if frame is None or not len(frame):
            continue
        latest = frame.sort_values(["announced"], kind="stable").drop_duplicates(col, keep="last")
        for day, value, announced in zip(latest[col], latest["assumed_cash_bn"], latest["announced"]):
            week = anchor_week(day)
            if week <= t0:
                continue
            level = float(value) + (gap_bn if col == "quarter_end" else 0.0)
            knot = Knot(week, level, float(value), pd.Timestamp(day), pd.Timestamp(announced))
            if week not in knots or knots[week].announced <= knot.announced:
                knots[week] = knot
    return [knots[k] for k in sorted(knots)]


def _days(dates) -> np.ndarray:
    """Dates as float day numbers, whatever datetime unit pandas picked."""
    return (pd.DatetimeIndex(dates).as_unit("s").asi8 / 86400.0).astype(float)


def _line(points: list[tuple[pd.Timestamp, float]], weeks: pd.DatetimeIndex) -> np.ndarray:
    x = _days([p[0] for p in points])
    y = np.array([p[1] for p in points], dtype=float)
    return np.interp(_days(weeks), x, y)


def stated_tga_path(tga0: float, t0, weeks: pd.DatetimeIndex, knots: list[Knot], shape: TgaShape,
                    binding: bool) -> pd.Series:
    """The TGA on the projection weeks: linear from the base week (less its shape) through the stated knots, flat
    after the last, plus the intra-quarter shape; flat plus the shape while a debt limit binds. (Carrying the
    spend-down pace of a binding limit forward was tried: it did worse, 0.92 against 0.80 at 13 weeks, 2022-26.)"""
    t0 = pd.Timestamp(t0)
    points = [(t0, tga0 - shape.at(t0))] + ([] if binding else [(k.date, k.level) for k in knots])
    return pd.Series(_line(points, weeks) + np.array([shape.at(w) for w in weeks]), index=weeks, dtype=float)


def target_tga_path(tga0: float, t0, weeks: pd.DatetimeIndex, knots: list[Knot]) -> pd.Series:
    """The Treasury's stated targets taken literally: straight lines from the base week's level to each stated close
    on its own date, flat after the last (the scorecard scores this as a TGA forecast)."""
    points = [(pd.Timestamp(t0), tga0)] + [(k.stated_for, k.stated_bn) for k in knots]
    return pd.Series(_line(points, weeks), index=weeks, dtype=float)


def tga_rule_at(view, origin) -> str:
    """Which TGA rule the baseline follows at an origin: "debt_limit" (a limit binds: flat plus the shape), "stated"
    (a Treasury target after the base week), or "flat" (none known)."""
    if DebtLimit.at(origin).binding_since is not None:
        return "debt_limit"
    t0 = view.series("WTREGEN").index.max()
    tables = []
    for tid in (ASSUMED, INTERIM):
        try:
            tables.append(view.statements(tid))
        except MissingSeriesError:
            tables.append(None)
    return "stated" if stated_knots(tables[0], tables[1], t0, 0.0) else "flat"


# -- the ON RRP leg ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RrpFit:
    phi: float                  # share of a TGA move ON RRP absorbs while it holds more than rrp_low_bn
    kappa_repo: float           # weekly drain per bp of (repo - RRP rate) above zero, share of the balance
    kappa_bill: float           # the same for (bill - RRP rate)
    weeks: int
    spreads: tuple[str, ...]    # the spreads the fit could use
    low_bn: float
    trend_bn: float = 0.0       # the recent weekly pace of ON RRP's own moves carried forward (damped)
    damping: float = 1.0


def bill_bey(discount_pct: pd.Series) -> pd.Series:
    """A 3-month bill's discount rate (DTB3) as a bond-equivalent yield, percent: 365 d / (360 - 91 d)."""
    d = discount_pct / 100.0
    return 100.0 * 365.0 * d / (360.0 - 91.0 * d)


def rrp_spreads(view, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Week averages (bp) of tri-party repo (TGCR, else SOFR) and the 3-month bill (DTB3, bond-equivalent) over the ON
    RRP rate; NaN where a series is missing."""
    out = pd.DataFrame(index=weeks)
    rate = view.try_measure("rrp_rate")
    repo = view.try_measure("tgcr")
    sofr = view.try_measure("sofr")
    if repo is None or (sofr is not None and repo.index.min() > sofr.index.min()):
        repo = sofr if repo is None else repo.combine_first(sofr)
    try:
        bill = bill_bey(view.series("DTB3"))
    except MissingSeriesError:
        bill = None
    for name, s in (("repo", repo), ("bill", bill)):
        if rate is None or s is None:
            out[name] = np.nan
            continue
        spread = (s - rate.reindex(s.index.union(rate.index)).ffill().reindex(s.index)) * 100.0
        out[name] = week_average(spread.dropna(), weeks)
    return out


def fit_rrp(levels: pd.DataFrame, spreads: pd.DataFrame, window: int, low_bn: float, trend_weeks: int = 13,
            damping: float = 0.9, trend_rule: str = "drain", use=("repo", "bill")) -> RrpFit:
    """The ON RRP leg's coefficients on the last `window` weeks of `levels` (non-negative least squares, weights
    1/sqrt(RRP + 10): the large balances of 2021-23 do not drown the rest)."""
    from scipy.optimize import nnls

    part = levels.iloc[-(window + 1):]
    rrp, tga = part["rrp"], part["tga"]
    prev = rrp.shift(1)
    d = rrp.diff()
    cols = {"phi": -tga.diff() * (prev > low_bn)}
    usable = []
    for name in use:
        s = spreads[name].reindex(part.index).shift(1)
        if s.notna().sum() >= 52:
            cols[name] = -(prev * s.clip(lower=0)).fillna(0.0)
            usable.append(name)
    X = pd.DataFrame(cols)
    ok = X.notna().all(axis=1) & d.notna() & prev.notna()
    if ok.sum() < 26:
        return RrpFit(0.0, 0.0, 0.0, int(ok.sum()), tuple(usable), low_bn)
    w = 1.0 / np.sqrt(prev[ok].clip(lower=0) + 10.0)
    coef, _ = nnls(X[ok].to_numpy() * w.to_numpy()[:, None], d[ok].to_numpy() * w.to_numpy())
    got = dict(zip(X.columns, coef))
    phi = min(float(got["phi"]), 1.0)
    fitted = X[ok].to_numpy() @ coef
    own = (d[ok] - fitted).iloc[-trend_weeks:]         # the recent moves the TGA and the spreads leave unexplained
    trend = float(own.mean()) if len(own) and trend_rule != "none" else 0.0
    if trend_rule == "drain":
        trend = min(trend, 0.0)
    return RrpFit(phi, float(got.get("repo", 0.0)), float(got.get("bill", 0.0)), int(ok.sum()), tuple(usable),
                  low_bn, trend, damping)


def rrp_path(fit: RrpFit, rrp0: float, spreads0: dict, d_tga: pd.Series) -> pd.Series:
    """ON RRP week by week from `rrp0` with the TGA's weekly changes `d_tga` and the spreads held at their base-week
    values; never below zero."""
    drain = fit.kappa_repo * max(spreads0.get("repo") or 0.0, 0.0) + fit.kappa_bill * max(spreads0.get("bill") or 0.0,
                                                                                         0.0)
    drain = min(drain, 1.0)
    out, r, pace = [], rrp0, fit.trend_bn
    for dt in d_tga.to_numpy(float):
        r = max(0.0, r - (fit.phi * dt if r > fit.low_bn else 0.0) - drain * r + pace)
        pace *= fit.damping
        out.append(r)
    return pd.Series(out, index=d_tga.index, dtype=float)


def offset_rrp_path(share: float, floor: float, rrp0: float, d_tga: pd.Series) -> pd.Series:
    """A note's own rule: ON RRP moves by -share x dTGA each week, not below `floor` (nor below its start when it
    starts under the floor)."""
    floor = min(floor, rrp0)
    out, r = [], rrp0
    for dt in d_tga.to_numpy(float):
        r = max(floor, r - share * dt)
        out.append(r)
    return pd.Series(out, index=d_tga.index, dtype=float)


# -- the projection ------------------------------------------------------------------------------------------------
@dataclass
class Projection:
    start: pd.Timestamp
    frame: pd.DataFrame
    known: pd.DataFrame
    scenario: Scenario
    legs: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    def records(self) -> list[dict]:
        """The path in the sidecar's form (the baseline_path contract)."""
        f = self.frame
        return [{"date": f"{d:%Y-%m-%d}", "reserves_bn": _num(r.reserves), "reserves_low_bn": _num(r.reserves_low),
                 "reserves_high_bn": _num(r.reserves_high), "tga_bn": _num(r.tga), "rrp_bn": _num(r.rrp),
                 "assets_bn": _num(r.assets)} for d, r in zip(f.index, f.itertuples(index=False))]

    @property
    def end(self) -> pd.Series:
        return self.frame.iloc[-1]


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _weeks(t0: pd.Timestamp, weeks: int | None, end) -> pd.DatetimeIndex:
    if end is not None:
        end = pd.Timestamp(end)
        if end <= t0:
            raise InputError(f"the projection must end after its base week {t0:%Y-%m-%d} (asked to end "
                             f"{end:%Y-%m-%d}); choose a later end date")
        return wednesdays(t0, end)
    if weeks is None or int(weeks) < 1:
        raise InputError(f"a projection needs a number of weeks above zero (got {weeks!r})")
    return wednesdays(t0, t0 + pd.Timedelta(weeks=int(weeks)))


def _assets_leg(view, origin, scenario: Scenario, settings: Settings, t0, weeks, hindsight_at=None) -> tuple:
    """Weekly Fed assets, Treasuries and MBS on the projection weeks (changes from the QT engine added to each
    series' level at t0) and the spec and monthly holdings used."""
    ust, mbs, assets = view.series("TREAST"), view.series("WSHOMCB"), view.series("WALCL")
    runoff = qt.realized_runoff(ust, mbs, regimes=[])
    paydown = scenario.mbs_paydown if scenario.mbs_paydown is not None else qt.paydown_rate(runoff,
                                                                                              settings.paydown_months)
    rmp = settings.rmp_after_bn if scenario.rmp_after_bn is None else scenario.rmp_after_bn
    if isinstance(scenario.assets, QtSpec):
        spec = scenario.assets
    else:
        known_by = hindsight_at if scenario.assets == "hindsight" else origin
        spec = qt.spec_as_known(known_by, paydown, rmp)
    anc = qt.anchor(ust, mbs, assets)
    months = max(1, (weeks[-1].to_period("M") - anc.month).n + 2)
    holdings = project_holdings(spec, anc.month, anc.treasuries, anc.mbs, anc.other_assets, months)
    out = {}
    for col, series, level in (("assets", assets, anc.fed_assets), ("treasuries", ust, anc.treasuries),
                               ("mbs", mbs, anc.mbs)):
        monthly = holdings["fed_assets" if col == "assets" else col]
        out[col] = float(series[t0]) + weekly_changes(monthly, anc.date, level, t0, weeks)
    return out, spec, holdings, anc, paydown


def _trend(series: pd.Series, weeks: int) -> float | None:
    s = series.dropna()
    if len(s) <= weeks:
        return None
    return float(s.iloc[-1] - s.iloc[-1 - weeks]) / weeks


def project(ds, scenario: Scenario = BASELINE, end=None, weeks: int | None = None, settings: Settings = SETTINGS,
            band: bool = True, origin=None, history: pd.DataFrame | None = None) -> Projection:
    """The engine's path from the data of `ds` (its as_of is the origin; `origin` overrides it for a walk-forward
    view). `end` (a date) or `weeks` sets the length. band=False skips the band (the error history itself)."""
    origin = pd.Timestamp(origin if origin is not None else (ds.as_of if ds.as_of is not None else ds.data_end()))
    levels = bsh.weekly_levels(ds)
    levels = levels[levels.index <= origin]
    if levels.empty:
        raise InputError(f"no week with every input of the identity was published by {origin:%Y-%m-%d}")
    t0 = levels.index.max()
    grid = _weeks(t0, weeks, end)
    notes: dict = {}
    legs: dict = {}
    start = levels.iloc[-1]

    # TGA
    d_limit = DebtLimit.at(origin)
    tables = {}
    for tid in (ASSUMED, ACTUAL, INTERIM):
        try:
            tables[tid] = ds.statements(tid)
        except MissingSeriesError as exc:
            tables[tid] = None
            if tid != INTERIM:
                notes.setdefault("missing_statements", []).append(exc.series_id)
    closes_daily = ds.try_measure("tga_daily")
    closes = quarter_end_closes(closes_daily, tables[ACTUAL], t0 - pd.DateOffset(years=settings.shape_years), t0)
    shape = estimate_shape(levels["tga"], t0, d_limit, closes, settings.shape_years, settings.debt_limit_after_weeks)
    knots = stated_knots(tables[ASSUMED], tables[INTERIM], t0, shape.gap_bn)
    binding = d_limit.binding_since is not None
    if scenario.tga is not None:
        tga = tga_path(scenario.tga, t0, float(start["tga"]), grid)
        legs["tga"] = {"rule": "scenario", "spec": scenario.tga}
    else:
        tga = stated_tga_path(float(start["tga"]), t0, grid, knots, shape, binding)
        rule = "debt_limit" if binding else ("stated" if knots else "flat")
        legs["tga"] = {"rule": rule, "knots": knots, "shape_quarters": shape.quarters, "gap_bn": shape.gap_bn,
                       "gap_quarters": shape.gap_quarters, "binding_since": d_limit.binding_since}
        if rule == "flat" and tables[ASSUMED] is not None:
            notes["no_stated_target"] = {"after": t0}
        if binding:
            notes["debt_limit_binding"] = {"since": d_limit.binding_since}
    legs["tga"]["target_path"] = target_tga_path(float(start["tga"]), t0, grid, knots)
    legs["tga"]["knots_all"] = knots

    # assets
    hindsight_at = ds.data_end() if scenario.assets == "hindsight" else None
    assets, spec, holdings, anc, paydown = _assets_leg(ds, origin, scenario, settings, t0, grid, hindsight_at)
    legs["assets"] = {"spec": spec, "holdings": holdings, "anchor": anc, "paydown": paydown}

    # ON RRP
    d_tga = tga.diff()
    d_tga.iloc[0] = tga.iloc[0] - float(start["tga"])
    if scenario.rrp_end_bn is not None:
        rrp = pd.Series(_line([(t0, float(start["rrp"])), (grid[-1], float(scenario.rrp_end_bn))], grid), index=grid)
        legs["rrp"] = {"rule": "scenario_end", "end_bn": scenario.rrp_end_bn}
    elif scenario.rrp_offset is not None:
        rrp = offset_rrp_path(scenario.rrp_offset, scenario.rrp_floor_bn, float(start["rrp"]), d_tga)
        legs["rrp"] = {"rule": "offset", "share": scenario.rrp_offset, "floor_bn": scenario.rrp_floor_bn}
    else:
        spreads = rrp_spreads(ds, levels.index)
        fit = fit_rrp(levels, spreads, settings.rrp_window_weeks, settings.rrp_low_bn, settings.rrp_trend_weeks,
                      settings.rrp_trend_damping, settings.rrp_trend_rule, settings.rrp_spreads)
        at0 = {k: (None if pd.isna(v) else float(v)) for k, v in spreads.loc[t0].items()}
        rrp = rrp_path(fit, float(start["rrp"]), at0, d_tga)
        legs["rrp"] = {"rule": "estimated", "fit": fit, "spreads_bp": at0}
        for name in ("repo", "bill"):
            if at0.get(name) is None:
                notes.setdefault("rrp_spread_missing", []).append(name)

    # currency and other: the identity's rest (currency + other) drifts on its trend; currency on its own trend
    currency_obs = levels["currency"].dropna()
    combined = levels["fed_assets"] - levels["tga"] - levels["rrp"] - levels["reserves"]    # currency + other
    cur_est = _trend(currency_obs, settings.drift_weeks) or 0.0
    cur_trend = cur_est if scenario.currency_per_week_bn is None else float(scenario.currency_per_week_bn)
    drift_all = (_trend(combined, settings.drift_weeks) or 0.0) - cur_est + cur_trend
    steps = np.arange(1, len(grid) + 1, dtype=float)
    total = float(combined.iloc[-1]) + drift_all * steps
    last = currency_obs.index.max() if len(currency_obs) else None
    if last is None:
        currency = np.full(len(grid), np.nan)
        legs["currency"] = {"rule": "missing", "per_week": None, "last_observed": None}
        notes["currency_not_observed"] = {"last": None}
    else:
        # unknown at t0 (WCURCIR ends earlier): carried on its last trend from its last observation
        currency0 = float(currency_obs.iloc[-1]) + cur_trend * ((t0 - last).days / 7.0)
        currency = currency0 + cur_trend * steps
        legs["currency"] = {"rule": "trend" if last == t0 else "carried", "per_week": cur_trend,
                            "last_observed": last}
        if last != t0:
            notes["currency_not_observed"] = {"last": last}
    legs["other"] = {"drift_per_week": drift_all - cur_trend, "combined_drift_per_week": drift_all}

    frame = pd.DataFrame(index=grid)
    frame["tga"] = tga.to_numpy(float)
    frame["rrp"] = rrp.to_numpy(float)
    frame["assets"] = assets["assets"].to_numpy(float)
    frame["treasuries"] = assets["treasuries"].to_numpy(float)
    frame["mbs"] = assets["mbs"].to_numpy(float)
    frame["currency"] = np.asarray(currency, dtype=float)
    # other closes the identity; without any currency data it holds currency too (the notes say so)
    frame["other"] = total - np.nan_to_num(frame["currency"].to_numpy(), nan=0.0)
    frame["reserves"] = frame["assets"] - frame["tga"] - frame["rrp"] - total
    frame["net_liquidity"] = frame["assets"] - frame["tga"] - frame["rrp"]
    frame["reserves_low"] = np.nan
    frame["reserves_high"] = np.nan
    known = levels.copy()
    known["other"] = known["fed_assets"] - known["tga"] - known["rrp"] - known["currency"] - known["reserves"]
    known = known.rename(columns={"fed_assets": "assets"})
    proj = Projection(t0, frame[COLUMNS], known, scenario, legs, notes)
    if band:
        hist = history if history is not None else error_history(ds, settings)
        apply_band(proj, hist, actuals(ds), settings)
    return proj


def note_path(projection: "Projection", since) -> tuple[pd.DataFrame, dict]:
    """A projection under the names the scenario notes draw and tabulate (low, high, fed_assets), and what the Fed
    bought over its weeks, counted from the week `since`: bills (purchases) and MBS principal reinvested in bills."""
    path = projection.frame.rename(columns={"reserves_low": "low", "reserves_high": "high", "assets": "fed_assets"})
    holdings, anchor = projection.legs["assets"]["holdings"], projection.legs["assets"]["anchor"]
    bought = {c: float(weekly_changes(holdings[c].cumsum(), anchor.date, 0.0, since, path.index).iloc[-1])
              for c in ("bills_bought", "mbs_reinvested")}
    return path, bought

def baseline(ds, weeks: int = BASELINE_WEEKS, settings: Settings = SETTINGS) -> Projection:
    """The baseline path: the Treasury's stated targets, the decisions known at the as-of date, the ON RRP and
    currency legs as estimated; BASELINE_WEEKS weeks, so that every note of an as-of date records the same path."""
    return project(ds, BASELINE, weeks=weeks, settings=settings)


def crossing(projection: Projection, level: float, column: str = "reserves") -> pd.Timestamp | None:
    """The first projected week on which `column` (reserves, reserves_low or reserves_high) is below `level`."""
    below = projection.frame[projection.frame[column] < level]
    return below.index[0] if len(below) else None


# -- outcomes, the error history and the band ----------------------------------------------------------------------
def actuals(ds) -> pd.DataFrame:
    """What happened on the engine's basis, as published by the as-of date of `ds`: reserves, tga, rrp, assets,
    currency by week (Wednesdays)."""
    levels = bsh.weekly_levels(ds)
    return pd.DataFrame({"reserves": levels["reserves"], "tga": levels["tga"], "rrp": levels["rrp"],
                         "assets": levels["fed_assets"], "currency": levels["currency"]})


def history_origins(end, settings: Settings = SETTINGS) -> pd.DatetimeIndex:
    """The error history's origins: every `history_step_weeks`-th Wednesday through the anchor Wednesday, from
    `history_first` to `end`."""
    step = pd.Timedelta(weeks=settings.history_step_weeks)
    anchor = pd.Timestamp(settings.history_anchor)
    first = pd.Timestamp(settings.history_first)
    k = int(np.ceil((anchor - first) / step))
    start = anchor - k * step
    return pd.date_range(start, pd.Timestamp(end), freq=f"{7 * settings.history_step_weeks}D")


def run_origin(ds, origin, weeks: int, settings: Settings = SETTINGS, scenario: Scenario = BASELINE
               ) -> Projection | None:
    """The engine as it stood at `origin` (a walk-forward view of `ds`), without a band; None when the data do not
    reach back that far."""
    view = ds.at(origin)
    try:
        return project(view, scenario, weeks=weeks, settings=settings, band=False, origin=origin)
    except (InputError, MissingSeriesError):
        return None


def forecasts_of(proj: Projection, origin) -> pd.DataFrame:
    """One row per week and leg of a projection (origin, base, horizon, target_date, leg, forecast), with the
    Treasury's targets taken literally as the leg tga_target."""
    f = proj.frame
    parts = [pd.DataFrame({"target_date": f.index, "leg": leg, "forecast": f[leg].to_numpy(float)}) for leg in LEGS]
    parts.append(pd.DataFrame({"target_date": f.index, "leg": "tga_target",
                               "forecast": proj.legs["tga"]["target_path"].reindex(f.index).to_numpy(float)}))
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "horizon", np.tile(np.arange(1, len(f) + 1), len(parts)))
    out.insert(0, "base", proj.start)
    out.insert(0, "origin", pd.Timestamp(origin))
    return out


HISTORY_COLUMNS = ["origin", "base", "horizon", "target_date", "leg", "forecast"]


def _source_digest() -> str:
    """The library code and policy timeline the history depends on: any change recomputes it."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for f in sorted(here.glob("*.py")) + [paths.events_file()]:
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    from .. import __version__
    h.update(__version__.encode())
    return h.hexdigest()[:16]


def data_digest() -> str:
    """The checksums of every cache entry (series and statement tables): the data snapshot."""
    from ..data import cache

    metas = cache.all_meta() if cache.db_path().exists() else {}
    h = hashlib.sha256()
    for sid in sorted(metas):
        h.update(f"{sid}:{metas[sid].get('checksum', '')}\n".encode())
    return h.hexdigest()[:16]


def history_key(settings: Settings = SETTINGS) -> str:
    """What the history depends on: the data snapshot, the library source and the settings of the legs (the band's
    settings only read it)."""
    legs = {k: v for k, v in vars(settings).items() if not k.startswith("band_")}
    text = json.dumps({"data": data_digest(), "code": _source_digest(), "settings": repr(sorted(legs.items()))},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def compute_history(ds, settings: Settings = SETTINGS, origins=None, progress=None) -> pd.DataFrame:
    """The baseline run at every origin of the history grid (or `origins`) to the end of the data, forecasts only:
    each origin sees only what was published and announced by then, so the rows do not depend on the as-of date
    of `ds` (the outcomes are joined later from the data as of the note's date)."""
    if origins is None:
        origins = history_origins(ds.data_end(), settings)
    parts = []
    for i, origin in enumerate(origins):
        proj = run_origin(ds, origin, settings.history_weeks, settings)
        if proj is not None:
            parts.append(forecasts_of(proj, origin))
        if progress:
            progress(i + 1, len(origins))
    return pd.concat(parts, ignore_index=True)[HISTORY_COLUMNS] if parts else pd.DataFrame(columns=HISTORY_COLUMNS)


def history_folder() -> Path:
    """Where the error history is cached: beside the data it was computed from."""
    return paths.cache_dir() / "engine"


def error_history(ds, settings: Settings = SETTINGS) -> pd.DataFrame:
    """The baseline's walk-forward forecasts on the history grid, from the cache folder when this data snapshot,
    library source and settings were computed before (one computation serves every note and the scorecard; a lock
    keeps parallel kernels from computing it twice)."""
    folder = history_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = history_key(settings)
    path = folder / f"history-{key}.csv.gz"
    with open(folder / ".history.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if path.is_file():
            return _read_history(path)
        frame = compute_history(ds, settings)
        buf = io.BytesIO()
        frame.to_csv(buf, index=False, compression={"method": "gzip", "mtime": 0}, float_format="%.10g",
                     date_format="%Y-%m-%d")
        atomic.write_bytes(path, buf.getvalue())
        for old in folder.glob("history-*.csv.gz"):       # older snapshots are of no further use
            if old != path:
                old.unlink(missing_ok=True)
        return frame


def _read_history(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, compression="gzip")
    for c in ("origin", "base", "target_date"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def with_errors(history: pd.DataFrame, truth: pd.DataFrame, leg: str = "reserves") -> pd.DataFrame:
    """The history's rows of one leg with their outcome (as published in `truth`) and error (forecast - outcome);
    rows whose outcome is not published are dropped."""
    h = history[history["leg"] == leg]
    actual = truth[leg].reindex(h["target_date"]).to_numpy(float)
    out = h.assign(actual=actual, error=h["forecast"].to_numpy(float) - actual)
    return out.dropna(subset=["error"])


def errors_known_at(history: pd.DataFrame, truth: pd.DataFrame | None, t0, leg: str = "reserves",
                    window_weeks: int | None = None) -> pd.DataFrame:
    """The history's errors (forecast - outcome) whose outcome week is at or before t0 (published by an origin
    whose base week is t0), from origins within `window_weeks` before t0. With truth None, `history` already
    carries its errors (`with_errors`)."""
    t0 = pd.Timestamp(t0)
    h = history if truth is None else with_errors(history, truth, leg)
    keep = h["target_date"] <= t0
    if window_weeks is not None:
        keep &= h["origin"] > t0 - pd.Timedelta(weeks=window_weeks)
    return h[keep]


def band_quantiles(errors: pd.DataFrame, horizons, level: float, min_errors: int) -> pd.DataFrame:
    """For each horizon: the lower and upper quantiles of the errors at that horizon and its neighbours (+-1 week,
    wider far out), n, and whether it was widened from a shorter horizon (too few errors: sqrt(h) scaling)."""
    tail = (1 - level) / 2
    by_h = {int(k): v.to_numpy(float) for k, v in errors.groupby("horizon")["error"]}
    rows = []
    last_ok = None
    for h in horizons:
        k = max(1, h // 8)
        parts = [by_h[j] for j in range(h - k, h + k + 1) if j in by_h]
        e = np.concatenate(parts) if parts else np.empty(0)
        if len(e) >= min_errors:
            lo, hi = np.quantile(e, [tail, 1 - tail])
            rows.append((h, lo, hi, len(e), np.nan))
            last_ok = rows[-1]
        elif last_ok is not None:
            f = np.sqrt(h / last_ok[0])
            rows.append((h, last_ok[1] * f, last_ok[2] * f, last_ok[3], last_ok[0]))
        else:
            rows.append((h, np.nan, np.nan, len(e), np.nan))
    out = pd.DataFrame(rows, columns=["horizon", "err_low", "err_high", "n", "scaled_from"]).set_index("horizon")
    # a band never narrows further out: the reader sees uncertainty grow with the horizon
    out["err_low"] = out["err_low"].cummin()
    out["err_high"] = out["err_high"].cummax()
    return out


def apply_band(proj: Projection, history: pd.DataFrame, truth: pd.DataFrame, settings: Settings = SETTINGS) -> None:
    """Set reserves_low / reserves_high from the history's errors known at the projection's base week: the outcome
    lies in [forecast - upper error quantile, forecast - lower error quantile] as often as `band_level` did."""
    errors = errors_known_at(history, truth, proj.start, "reserves", settings.band_window_weeks)
    horizons = list(range(1, len(proj.frame) + 1))
    q = band_quantiles(errors, horizons, settings.band_level, settings.band_min_errors)
    f = proj.frame
    f["reserves_low"] = f["reserves"].to_numpy() - q["err_high"].to_numpy()
    f["reserves_high"] = f["reserves"].to_numpy() - q["err_low"].to_numpy()
    origins = errors["origin"]
    proj.legs["band"] = {"level": settings.band_level, "errors": int(len(errors)),
                         "origins": int(origins.nunique()) if len(errors) else 0,
                         "first_origin": origins.min() if len(errors) else None,
                         "last_origin": origins.max() if len(errors) else None,
                         "scaled_from": q["scaled_from"].dropna().astype(int).tolist(),
                         "no_band_weeks": int(q["err_low"].isna().sum())}
    if q["err_low"].isna().any():
        proj.notes["band_missing"] = {"weeks": int(q["err_low"].isna().sum())}
    elif q["scaled_from"].notna().any():
        proj.notes["band_widened"] = {"from_weeks": int(q["scaled_from"].dropna().min())}

"""Walk-forward forecast scorecard: every engine run from many past dates with only what was known on each date,
scored against what happened and against the forecasts anyone could make for free.

Origins are Wednesdays, every `step_weeks` weeks from `first_origin`. On an origin an engine sees the data published
by the end of that day (`Dataset.at`, the as-of machinery of the notes) and the decisions announced by then. Its base
week t0 is the newest week whose H.4.1 inputs are all published: the Wednesday before the origin, since H.4.1 comes
out on Thursdays. A horizon of h weeks targets the week t0 + h. Outcomes come from the note's own data (cut at the
note's as_of), so a scorecard as of a date scores only outcomes published by then.

Engines (name: targets)
- balance_sheet: the balance-sheet engine (`engine.project`, baseline scenario) for every leg: reserves, the TGA, ON
  RRP, Fed assets, Treasury and MBS holdings, currency. Its reserve band is the engine's own: empirical quantiles of
  its past errors at each horizon, from earlier origins whose outcomes were published by then (`engine.apply_band`).
  Its forecasts at the origins of the engine's error history come from that history (cached per data snapshot).
- treasury_target: the TGA along straight lines from the base week to the Treasury's stated end-of-quarter cash
  balances (and interim targets) announced by the origin, flat after the last: the statements taken literally.
- previous_identity_a: the reserves engine before issue 27, kept as a comparison line as it was: the TGA flat at its
  last level, or linear to the first stated target after the base week from the November 2025 refunding on (the
  only statements its policy timeline held), Fed assets from the QT engine as known, ON RRP absorbing the offset
  estimated on comparable weeks (`balance_sheet.offset_for_current`), currency on its trend of `drift_weeks` weeks,
  the band from the identity residual (+-z sd sqrt(h)).
- previous_identity_b: the same given the realized TGA and Fed assets (perfect foresight of the two legs).
- curve_realized / curve_engine: the weekly EFFR - IORB spread moved from its last week by the reserve demand curve
  fitted on the weeks before the origin: the curve at the target's reserves minus the curve at the last week's
  (reserves over the GDP published by the origin), with the realized reserves or the balance-sheet engine's. The band
  is the quantiles of the curve residual's h-week moves over the last `residual_weeks` weeks.
Benchmarks for every target: rw (no change from t0), drift (t0 plus h times the average weekly change of the last
`drift_weeks` weeks); for reserves and the TGA also seasonal (t0 plus the change over the same weeks a year earlier).

Scores per engine, target and horizon: MAE, RMSE, bias (forecast - outcome), the MAE ratio to the random walk, a
Diebold-Mariano test of equal absolute error against the random walk (a HAC variance over the overlap of consecutive
origins' horizons, the Harvey-Leybourne-Newbold small-sample correction, t with n-1 degrees of freedom) and the
coverage of the stated band.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import InputError, MissingSeriesError
from ..core.rules import SIGNIFICANCE
from ..data.measures import week_average
from . import balance_sheet as bsh
from . import demand_curve as dc
from . import engine as bse
from .scenarios import Start, project_reserves, residual_sd, wednesdays

ENGINE_TARGETS = ("reserves", "tga", "rrp", "fed_assets", "treasuries", "mbs", "currency")
ENGINES = {"balance_sheet": ENGINE_TARGETS, "treasury_target": ("tga",),
           "previous_identity_a": ("reserves",), "previous_identity_b": ("reserves",),
           "curve_realized": ("spread",), "curve_engine": ("spread",)}
BENCHMARKS = ("rw", "drift", "seasonal")
SEASONAL_TARGETS = ("reserves", "tga")
TARGETS = ("reserves", "tga", "rrp", "fed_assets", "treasuries", "mbs", "currency", "spread")
METRICS = ("mae", "rmse", "bias", "mae_ratio_rw", "dm_p", "coverage")
# how a scenario note names the engine whose track record it quotes (report.scorecard_line)
QUOTED = {"balance_sheet": "the balance-sheet engine", "treasury_target": "the Treasury's stated cash targets",
          "previous_identity_a": "the previous reserves engine", "previous_identity_b": "the previous reserves engine "
          "given the realized TGA and Fed assets", "curve_engine": "the demand curve (at the balance-sheet engine's "
          "reserves)", "curve_realized": "the demand curve (at the realized reserves)"}
TARGET_TITLES = {"reserves": "reserves", "tga": "the TGA", "rrp": "ON RRP", "treasuries": "Treasury holdings",
                 "mbs": "MBS holdings", "fed_assets": "Fed assets", "currency": "currency", "spread": "EFFR - IORB"}
UNITS = {t: "bn" for t in TARGETS} | {"spread": "bp"}
PREVIOUS_TARGETS_FROM = pd.Timestamp("2025-11-03")   # the previous engine knew the Treasury's targets from here on
ENGINE_LEG = {"reserves": "reserves", "tga": "tga", "rrp": "rrp", "fed_assets": "assets", "treasuries": "treasuries",
              "mbs": "mbs", "currency": "currency"}


@dataclass(frozen=True)
class Settings:
    horizons: tuple[int, ...] = (4, 8, 13)
    step_weeks: int = 4
    band_level: float = 0.90
    rrp_low_bn: float = 50.0
    rrp_ample_bn: float = 200.0
    offset_start: str = "2021-06-02"
    rmp_after_bn: float = 20.0
    drift_weeks: int = 13
    residual_weeks: int = 104
    curve_start: str = "2013-10-01"
    min_regime_weeks: int = dc.MIN_REGIME_WEEKS

    def __post_init__(self):
        if not self.horizons or any(int(h) != h or h < 1 for h in self.horizons):
            raise InputError(f"parameter horizons={list(self.horizons)!r} must be whole numbers of weeks above zero")
        if not 0 < self.band_level < 1:
            raise InputError(f"parameter band_level_pct={self.band_level * 100:g} must be in (0, 100)")


# -- outcomes and origins ----------------------------------------------------------------------------------------------
def outcomes(ds) -> pd.DataFrame:
    """What happened, week by week (Wednesdays), from the note's data: reserves (WRESBAL week average), the TGA
    (WTREGEN week average, the identity's basis), ON RRP (week average of the daily operation), Treasuries, MBS and
    Fed assets (Wednesday levels), currency (WCURCIR week average, NaN where missing) and the spread (EFFR - IORB,
    bp, the mean of the seven days to Wednesday, as in the demand curve's panel)."""
    frame = pd.DataFrame({"reserves": ds.series("WRESBAL"), "tga": ds.series("WTREGEN"),
                          "treasuries": ds.series("TREAST"), "mbs": ds.series("WSHOMCB"),
                          "fed_assets": ds.series("WALCL")})
    frame = frame[frame.index.day_of_week == 2]
    rrp = ds.series("RRPONTSYD")
    frame["rrp"] = week_average(rrp, frame.index)
    frame.loc[frame.index < rrp.index.min(), "rrp"] = 0.0
    try:
        frame["currency"] = ds.series("WCURCIR").reindex(frame.index)
    except MissingSeriesError:
        frame["currency"] = np.nan
    try:
        frame["spread"] = weekly_spread(ds.measure("effr_iorb"), frame.index)
    except MissingSeriesError:
        frame["spread"] = np.nan
    return frame


def weekly_spread(daily: pd.Series, weeks: pd.DatetimeIndex) -> pd.Series:
    """Mean of the daily spread over the seven calendar days to each Wednesday (the days it has)."""
    daily = daily.dropna().sort_index()
    days = pd.date_range(daily.index.min(), max(daily.index.max(), weeks.max()), freq="D")
    out = daily.reindex(days).rolling(7, min_periods=1).mean().reindex(weeks)
    out[weeks > daily.index.max()] = np.nan
    return out


def origin_grid(first, last, step_weeks: int) -> pd.DatetimeIndex:
    """Every `step_weeks`-th Wednesday from the first Wednesday on or after `first` to `last`."""
    if step_weeks < 1:
        raise InputError(f"parameter origin_step_weeks={step_weeks!r} must be a whole number above zero")
    first = pd.Timestamp(first)
    first = first + pd.Timedelta(days=(2 - first.day_of_week) % 7)
    return pd.date_range(first, pd.Timestamp(last), freq=f"{7 * step_weeks}D")


def last_full_origin(truth: pd.DataFrame, max_horizon: int) -> pd.Timestamp:
    """The last origin whose longest horizon has an outcome: t0 = origin - 7 days, t0 + max_horizon weeks <= the
    newest reserves week."""
    end = truth["reserves"].dropna().index.max()
    return end - pd.Timedelta(weeks=max_horizon) + pd.Timedelta(days=7)


# -- the engines at one origin -----------------------------------------------------------------------------------------
def _row(origin, base, h, target, engine, forecast, low=np.nan, high=np.nan) -> dict:
    return {"origin": origin, "base": base, "horizon": h, "target_date": base + pd.Timedelta(weeks=h),
            "target": target, "engine": engine, "forecast": float(forecast), "low": float(low), "high": float(high)}


def benchmarks(y: pd.Series, origin, target: str, horizons, drift_weeks: int) -> list[dict]:
    """rw, drift and (reserves) seasonal forecasts from the weekly series `y` as known at the origin."""
    y = y.dropna()
    base, last = y.index.max(), float(y.iloc[-1])
    rows = []
    drift = (last - float(y.iloc[-1 - drift_weeks])) / drift_weeks if len(y) > drift_weeks else np.nan
    for h in horizons:
        rows.append(_row(origin, base, h, target, "rw", last))
        if not np.isnan(drift):
            rows.append(_row(origin, base, h, target, "drift", last + h * drift))
        if target in SEASONAL_TARGETS:
            a, b = base - pd.Timedelta(weeks=52), base - pd.Timedelta(weeks=52 - h)
            if a in y.index and b in y.index:
                rows.append(_row(origin, base, h, target, "seasonal", last + float(y[b] - y[a])))
    return rows


@dataclass
class Origin:
    """One origin's forecasts and the intermediate results a note may show (the offset used, the TGA rule)."""
    origin: pd.Timestamp
    rows: list
    offset: float | None = None
    tga_rule: str = "flat"


def identity_paths(levels: pd.DataFrame, tga_a: pd.Series, assets_change: pd.Series, truth: pd.DataFrame,
                   settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    """The identity engine from the weekly levels known at an origin (`balance_sheet.weekly_levels`): variant A with
    the TGA path `tga_a` and Fed assets moving by `assets_change` (both on the projection weeks), variant B with the
    realized TGA and Fed assets of `truth` (up to its first gap). Returns (path A, path B or None, offset used)."""
    start = Start.from_levels(levels)
    t0 = start.date
    offset = bsh.offset_for_current(levels, settings.rrp_low_bn, settings.rrp_ample_bn, start=settings.offset_start)
    first = levels.index[max(0, len(levels) - 1 - settings.residual_weeks)]
    sd = residual_sd(bsh.decompose(levels, first, t0), settings.residual_weeks)
    currency = levels["currency"].dropna()
    trend = float((currency.iloc[-1] - currency.iloc[-1 - settings.drift_weeks]) / settings.drift_weeks) \
        if len(currency) > settings.drift_weeks and currency.index.max() == t0 else 0.0
    kw = dict(rrp_offset=offset.used, currency_per_week=trend, residual_sd=sd, level=settings.band_level)
    weeks = tga_a.index
    path_a = project_reserves(start, tga_a, start.fed_assets + assets_change, **kw)
    realized = truth.reindex(weeks)[["tga", "fed_assets"]]
    known = weeks[: int(realized.notna().all(axis=1).cumprod().sum())]     # the weeks up to the first gap
    path_b = project_reserves(start, realized["tga"].reindex(known), realized["fed_assets"].reindex(known), **kw) \
        if len(known) else None
    return path_a, path_b, offset.used


def _engine_rows(origin, fc: pd.DataFrame, horizons, band: pd.DataFrame | None) -> list[dict]:
    """The balance-sheet engine's and the literal Treasury targets' rows at one origin from its forecasts
    (`engine.forecasts_of` rows), with the reserve band."""
    rows = []
    fc = fc[fc["horizon"].isin(list(horizons))]
    base = pd.Timestamp(fc["base"].iloc[0]) if len(fc) else None
    for r in fc.itertuples(index=False):
        h = int(r.horizon)
        if r.leg == "tga_target":
            rows.append(_row(origin, base, h, "tga", "treasury_target", r.forecast))
            continue
        target = {"assets": "fed_assets"}.get(r.leg, r.leg)
        low = high = np.nan
        if target == "reserves" and band is not None and h in band.index:
            low, high = r.forecast - band.loc[h, "err_high"], r.forecast - band.loc[h, "err_low"]
        if pd.notna(r.forecast):
            rows.append(_row(origin, base, h, target, "balance_sheet", r.forecast, low, high))
    return rows


def run_origin(view, origin, truth: pd.DataFrame, settings: Settings, engine_fc: pd.DataFrame,
               band: pd.DataFrame | None = None, curve_panel: pd.DataFrame | None = None,
               gdp: float | None = None) -> Origin:
    """Every engine and benchmark at one origin, from `view` (the data as of the origin) and the balance-sheet
    engine's forecasts there (`engine_fc`, its reserve band `band`). `curve_panel` is the demand-curve panel as
    known at the origin (None: no spread forecasts)."""
    hmax = max(settings.horizons)
    rows: list[dict] = _engine_rows(origin, engine_fc, settings.horizons, band)
    out = Origin(pd.Timestamp(origin), rows)
    levels = bsh.weekly_levels(view)
    t0 = levels.index.max()
    for target in ("tga", "rrp", "fed_assets", "treasuries", "mbs", "currency"):
        known = {"tga": levels["tga"], "rrp": levels["rrp"], "currency": levels["currency"],
                 "fed_assets": view.series("WALCL"), "treasuries": view.series("TREAST"),
                 "mbs": view.series("WSHOMCB")}[target]
        known = known[known.index.day_of_week == 2].dropna()
        if len(known) and known.index.max() == t0:
            rows += benchmarks(known, origin, target, settings.horizons, settings.drift_weeks)

    # the previous reserves engine: the TGA linear to the first stated target after t0, QT assets, the offset rule
    weeks = wednesdays(t0, t0 + pd.Timedelta(weeks=hmax))
    assumed = _statements(view, bse.ASSUMED)
    if assumed is not None:
        assumed = assumed[assumed["announced"] >= PREVIOUS_TARGETS_FROM]
    knots = bse.stated_knots(assumed, None, t0, 0.0)
    tga0 = float(levels["tga"].iloc[-1])
    if knots:
        first = knots[0]
        tga_a = pd.Series(np.interp(_days(weeks), _days([t0, first.stated_for]), [tga0, first.stated_bn]),
                          index=weeks)
        out.tga_rule = f"Treasury target {first.stated_bn:.0f} on {first.stated_for:%Y-%m-%d}"
    else:
        tga_a = pd.Series(tga0, index=weeks, dtype=float)
    assets_fc = engine_fc[engine_fc["leg"] == "assets"].set_index("target_date")["forecast"]
    assets_change = (assets_fc.reindex(weeks) - float(levels["fed_assets"].iloc[-1])).ffill().fillna(0.0)
    path_a, path_b, out.offset = identity_paths(levels, tga_a, assets_change, truth, settings)
    for h in settings.horizons:
        day = t0 + pd.Timedelta(weeks=h)
        r = path_a.loc[day]
        rows.append(_row(origin, t0, h, "reserves", "previous_identity_a", r["reserves"], r["low"], r["high"]))
        if path_b is not None and day in path_b.index:
            r = path_b.loc[day]
            rows.append(_row(origin, t0, h, "reserves", "previous_identity_b", r["reserves"], r["low"], r["high"]))
    rows += benchmarks(view.series("WRESBAL"), origin, "reserves", settings.horizons, settings.drift_weeks)
    engine_reserves = engine_fc[engine_fc["leg"] == "reserves"].set_index("target_date")["forecast"]

    # demand curve: the spread, anchored at the last week (the curve moves it as reserves move)
    if curve_panel is not None and len(curve_panel) >= 8 and gdp:
        curve = dc.fit_curve(curve_panel["ratio"], curve_panel["spread"], curve_panel["regime"])
        resid = curve_panel["spread"] - curve.predict(curve_panel["ratio"], curve_panel["regime"].to_numpy())
        base, y0 = curve_panel.index.max(), float(curve_panel["spread"].iloc[-1])
        at_base = float(curve.predict(float(curve_panel["reserves"].iloc[-1]) / gdp * 100.0))
        tail = (1 - settings.band_level) / 2
        for h in settings.horizons:
            day = base + pd.Timedelta(weeks=h)
            moves = (resid.shift(-h) - resid).dropna().iloc[-settings.residual_weeks:]
            q_lo, q_hi = np.quantile(moves, [tail, 1 - tail]) if len(moves) >= 8 else (np.nan, np.nan)
            for engine, reserves in (("curve_realized", truth["reserves"].get(day, np.nan)),
                                     ("curve_engine", engine_reserves.get(day, np.nan))):
                if pd.notna(reserves):
                    f = y0 + float(curve.predict(reserves / gdp * 100.0)) - at_base
                    rows.append(_row(origin, base, h, "spread", engine, f, f + q_lo, f + q_hi))
        rows += benchmarks(curve_panel["spread"], origin, "spread", settings.horizons, settings.drift_weeks)
    return out


def _days(dates) -> np.ndarray:
    return (pd.DatetimeIndex(dates).as_unit("s").asi8 / 86400.0).astype(float)


def _statements(view, table_id: str) -> pd.DataFrame | None:
    try:
        return view.statements(table_id)
    except MissingSeriesError:
        return None


def engine_settings(settings: Settings) -> bse.Settings:
    """The balance-sheet engine's settings with the scorecard's band level (the legs keep the engine's own)."""
    return bse.Settings(band_level=settings.band_level)


def walk_forward(ds, origins, settings: Settings, progress=None) -> tuple[pd.DataFrame, dict]:
    """Every origin's forecasts with their outcomes (columns origin, base, horizon, target_date, target, engine,
    forecast, low, high, actual, error) and per origin what the engines used (offset, TGA rule, the engine's)."""
    truth = outcomes(ds)
    eng = engine_settings(settings)
    history = bse.error_history(ds, eng)
    on_grid = set(history["origin"].unique())
    reserves_errors = bse.with_errors(history, bse.actuals(ds), "reserves")    # outcomes as published by as_of
    full_panel = None
    try:
        full_panel = dc.weekly_panel(ds, "effr_iorb", start=settings.curve_start,
                                     min_regime_weeks=settings.min_regime_weeks)
    except MissingSeriesError:
        pass
    rows, used = [], {}
    hmax = max(settings.horizons)
    for i, origin in enumerate(origins):
        view = ds.at(origin)
        if origin in on_grid:
            fc = history[history["origin"] == origin]
        else:
            proj = bse.run_origin(ds, origin, max(hmax, 1), eng)
            fc = bse.forecasts_of(proj, origin) if proj is not None else history.iloc[:0]
        fc = fc[fc["horizon"] <= hmax]
        band = None
        if len(fc):
            known = bse.errors_known_at(reserves_errors, None, fc["base"].iloc[0], "reserves", eng.band_window_weeks)
            band = bse.band_quantiles(known, list(range(1, hmax + 1)), eng.band_level, eng.band_min_errors)
        panel = gdp = None
        if full_panel is not None:
            try:
                panel = dc.weekly_panel(view, "effr_iorb", start=settings.curve_start,
                                        min_regime_weeks=settings.min_regime_weeks)
                gdp = float(view.known_at("GDP", [origin]).iloc[0])
            except MissingSeriesError:
                panel = None
        result = run_origin(view, origin, truth, settings, fc, band, panel, gdp)
        rows += result.rows
        used[origin] = {"rrp_offset": result.offset, "tga_rule": result.tga_rule,
                        "engine_tga_rule": bse.tga_rule_at(view, origin)}
        if progress:
            progress(i + 1, len(origins))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, used
    actual = truth.stack().rename("actual")
    frame = frame.join(actual, on=["target_date", "target"])
    frame["error"] = frame["forecast"] - frame["actual"]
    return frame, used


# -- scores ------------------------------------------------------------------------------------------------------------
def overlap_lags(horizon_weeks: int, step_weeks: int) -> int:
    """Consecutive origins' forecast windows overlap for this many origins: the lags of the HAC variance."""
    return max(0, math.ceil(horizon_weeks / step_weeks) - 1)


def dm_test(loss_a, loss_b, lags: int) -> tuple[float, float] | tuple[None, None]:
    """Diebold-Mariano test of equal expected loss (two-sided): d = loss_a - loss_b, the long-run variance from
    `lags` autocovariances (DM's truncated window; Bartlett weights if that is not positive), the
    Harvey-Leybourne-Newbold correction for h = lags + 1 steps, t(n-1).
    Returns (statistic, p), or (None, None) with fewer than 3 pairs or no variation."""
    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    d = d[~np.isnan(d)]
    n = len(d)
    if n < 3:
        return None, None
    dc_ = d - d.mean()
    gammas = [float(dc_[k:] @ dc_[: n - k]) / n for k in range(0, min(lags, n - 1) + 1)]
    var = gammas[0] + 2 * sum(gammas[1:])                       # DM's truncated (rectangular) window
    if not var > 1e-12:                                          # not positive: Bartlett weights, which always are
        var = gammas[0] + 2 * sum((1 - k / (lags + 1)) * g for k, g in enumerate(gammas) if k)
    if not var > 1e-12:
        return None, None
    stat = d.mean() / math.sqrt(var / n)
    h = lags + 1
    stat *= math.sqrt(max((n + 1 - 2 * h + h * (h - 1) / n) / n, 1e-12))
    return float(stat), float(2 * stats.t.sf(abs(stat), n - 1))


def score(forecasts: pd.DataFrame, step_weeks: int) -> pd.DataFrame:
    """One row per engine (and benchmark), target and horizon: n, mae, rmse, bias, mae_ratio_rw, dm_p (against the
    random walk on the same origins), coverage (None where the engine states no band)."""
    f = forecasts.dropna(subset=["actual", "forecast"])
    rows = []
    for (target, h), part in f.groupby(["target", "horizon"], sort=False):
        rw = part[part["engine"] == "rw"].set_index("origin")["error"]
        for engine, g in part.groupby("engine", sort=False):
            e = g.set_index("origin")["error"]
            common = e.index.intersection(rw.index)
            mae = float(e.abs().mean())
            rw_mae = float(rw.reindex(common).abs().mean()) if len(common) else np.nan
            band = g.dropna(subset=["low", "high"])
            stat, p = (None, None) if engine == "rw" else dm_test(e.reindex(common).abs(), rw.reindex(common).abs(),
                                                                  overlap_lags(int(h), step_weeks))
            rows.append({"engine": engine, "target": target, "horizon": int(h), "n": int(len(e)), "mae": mae,
                         "rmse": float(np.sqrt((e ** 2).mean())), "bias": float(e.mean()),
                         "mae_ratio_rw": float(e.reindex(common).abs().mean() / rw_mae) if rw_mae else np.nan,
                         "dm_stat": stat, "dm_p": p,
                         "coverage": float(((band["actual"] >= band["low"]) & (band["actual"] <= band["high"])).mean())
                         if len(band) else None})
    return pd.DataFrame(rows)


LEG_PARTS = ("fed_assets", "tga", "rrp", "rest")      # reserves = Fed assets - TGA - ON RRP - (currency and other)


def leg_contributions(forecasts: pd.DataFrame) -> pd.DataFrame:
    """The balance-sheet engine's reserves error split by leg, per origin and horizon: by the identity a Fed assets
    error moves reserves one for one, a TGA or ON RRP error the other way, and the rest (currency and other) is
    what is left. Columns origin, horizon, target_date, reserves (the error) and one per LEG_PARTS, adding up to it."""
    f = forecasts[(forecasts["engine"] == "balance_sheet") & forecasts["target"].isin(["reserves", "fed_assets", "tga",
                                                                                       "rrp"])]
    wide = f.pivot_table(index=["origin", "horizon", "target_date"], columns="target", values="error").dropna()
    if wide.empty:
        return pd.DataFrame(columns=["origin", "horizon", "target_date", "reserves", *LEG_PARTS])
    out = pd.DataFrame({"reserves": wide["reserves"], "fed_assets": wide["fed_assets"], "tga": -wide["tga"],
                        "rrp": -wide["rrp"]})
    out["rest"] = out["reserves"] - out["fed_assets"] - out["tga"] - out["rrp"]
    return out.reset_index()


def limiting_legs(contrib: pd.DataFrame) -> pd.DataFrame:
    """Per horizon, the mean absolute contribution of each leg to the reserves error, largest first in `order`."""
    rows = []
    for h, g in contrib.groupby("horizon"):
        sizes = {leg: float(g[leg].abs().mean()) for leg in LEG_PARTS}
        rows.append({"horizon": int(h), "reserves": float(g["reserves"].abs().mean()), **sizes,
                     "order": sorted(sizes, key=sizes.get, reverse=True)})
    return pd.DataFrame(rows)


def sidecar(scores: pd.DataFrame) -> dict:
    """`<engine>_<target>_h<weeks>_<metric>` for every row of `score`."""
    out = {}
    for r in scores.itertuples(index=False):
        for m in METRICS:
            v = getattr(r, m)
            out[f"{r.engine}_{r.target}_h{r.horizon}_{m}"] = None if v is None or (isinstance(v, float) and
                                                                                    np.isnan(v)) else v
    return out


def verdict(ratio: float | None, p: float | None, alpha: float = SIGNIFICANCE) -> str:
    """'better', 'worse' or 'no different' from the random walk: a ratio away from 1 with p below the house
    significance level (core.rules)."""
    if ratio is None or p is None or np.isnan(ratio) or p >= alpha:
        return "no different"
    return "better" if ratio < 1 else "worse"

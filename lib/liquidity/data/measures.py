"""Measures: each defined once, in display units, with its source series and rule.

Amounts are billions of USD, rates percent, spreads basis points, ratios percent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..core.errors import InputError, MissingSeriesError
from ..core.errors import suggest
from ..core.rules import IORB_FROM

IOER_TO_IORB = IORB_FROM                         # IORB replaced IOER (FOMC, 28 Jul 2021; core.rules)
RRP_PLUS_5BP = (pd.Timestamp("2021-06-17"), pd.Timestamp("2024-12-18"))  # ON RRP rate = bottom + 5bp
SRF_ESTABLISHED = pd.Timestamp("2021-07-29")   # first SRF operations (FOMC decision of 28 Jul 2021)


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    units: str            # bn | pct | bp | index | usd
    series: tuple[str, ...]
    rule: str
    compute: Callable
    concept: str = ""     # what one observation is: a Wednesday level, a week average, a daily close ...


def asof_align(values: pd.Series, on: pd.DatetimeIndex) -> pd.Series:
    """The last observation of `values` at or before each date of `on` (no look-ahead)."""
    values = values.dropna().sort_index()
    out = values.reindex(values.index.union(on)).ffill().reindex(on)
    return out


def _optional(ds, sid: str) -> pd.Series | None:
    try:
        return ds.series(sid)
    except MissingSeriesError:
        return None


# -- rules ------------------------------------------------------------------------------------------
def _tga(ds) -> pd.Series:
    """The Wednesday level: WDTGAL, and where the H.4.1 series has no value, the DTS closing balance of that
    Wednesday (the two are equal on every common Wednesday). It ends where both end."""
    wdtgal = _optional(ds, "WDTGAL")
    daily = _optional(ds, "TGA_DAILY")
    if wdtgal is None and daily is None:
        ds.series("WDTGAL")  # raises MissingSeriesError with the reason
    parts = [p for p in (wdtgal, daily[daily.index.day_of_week == 2] if daily is not None else None) if p is not None]
    values = parts[0]
    for more in parts[1:]:
        values = values.combine_first(more)
    return values.sort_index()


def on_wednesdays(daily: pd.Series, wednesdays: pd.DatetimeIndex) -> pd.Series:
    """A daily series on Wednesdays: that day's value; on a Wednesday holiday, the last business day's operation of
    the same week (outstanding over the holiday), never an older one."""
    daily = daily.dropna().sort_index()
    same = daily.reindex(wednesdays)
    carried = asof_align(daily, wednesdays)
    last_date = asof_align(pd.Series(daily.index, index=daily.index), wednesdays)
    within_week = (wednesdays - pd.DatetimeIndex(last_date)).days <= 2
    return same.fillna(carried.where(within_week))


def week_average(daily: pd.Series, wednesdays: pd.DatetimeIndex) -> pd.Series:
    """Mean over the seven calendar days ending each Wednesday, days without an observation carrying the last one
    (as the H.4.1 week averages do). Weeks not fully covered by the daily series are NaN."""
    daily = daily.dropna().sort_index()
    if daily.empty:
        return pd.Series(np.nan, index=wednesdays)
    days = pd.date_range(daily.index.min(), max(daily.index.max(), wednesdays.max()), freq="D")
    filled = daily.reindex(days).ffill()
    filled[filled.index > daily.index.max()] = np.nan  # no carrying past the last observation
    means = filled.rolling(7, min_periods=7).mean()
    return means.reindex(wednesdays)


def _rrp_week_avg(ds) -> pd.Series:
    """ON RRP on the H.4.1 week basis: the mean of the seven days ending each Wednesday (the identity's basis)."""
    daily = ds.measure("rrp").dropna()
    first = daily.index.min() + pd.Timedelta(days=6)
    weeks = pd.date_range(first + pd.Timedelta(days=(2 - first.day_of_week) % 7), daily.index.max(), freq="W-WED")
    return week_average(daily, weeks).dropna()


def _iorb(ds) -> pd.Series:
    ioer = _optional(ds, "IOER")
    iorb = _optional(ds, "IORB")
    if iorb is None and ds.as_of is not None and ds.as_of < IOER_TO_IORB:
        return ds.series("IOER")  # IORB did not exist yet
    if ioer is None and iorb is None:
        ds.series("IORB")  # raises MissingSeriesError with the reason
    parts = [p for p in (ioer[ioer.index < IOER_TO_IORB] if ioer is not None else None,
                         iorb[iorb.index >= IOER_TO_IORB] if iorb is not None else None) if p is not None]
    return pd.concat(parts)


def _rrp_rate(ds) -> pd.Series:
    low = ds.series("DFEDTARL")
    rule = low.copy()
    in_plus5 = (rule.index >= RRP_PLUS_5BP[0]) & (rule.index <= RRP_PLUS_5BP[1])
    rule[in_plus5] = rule[in_plus5] + 0.05
    award = _optional(ds, "RRPONTSYAWARD")
    if award is None or award.empty:
        return rule
    rule_part = rule[rule.index > award.index.max()]
    rule_part = rule_part[rule_part.index.day_of_week < 5]  # business days like the award series
    return pd.concat([award, rule_part])


def _net_liquidity(ds) -> pd.Series:
    """Fed assets - TGA - ON RRP on the same Wednesday (Wednesday levels all three); ends where an input ends."""
    assets = ds.measure("fed_assets")
    tga = ds.measure("tga")
    weeks = assets.index.intersection(tga.index)
    rrp = on_wednesdays(ds.measure("rrp"), weeks)
    return (assets.reindex(weeks) - tga.reindex(weeks) - rrp).dropna()


def _spread(a: str, b: str):
    def compute(ds) -> pd.Series:
        left = ds.measure(a)
        right = asof_align(ds.measure(b), left.index)
        return ((left - right) * 100.0).round(6).dropna()
    return compute


def _reserves_gdp(ds) -> pd.Series:
    """Reserves over the nominal GDP (SAAR) of the latest quarter published by each week's Wednesday: no week uses
    a GDP figure that came out after it."""
    reserves = ds.measure("reserves")
    gdp = ds.known_at("GDP", reserves.index)
    return (reserves / gdp * 100.0).dropna()


def _series(sid: str):
    return lambda ds: ds.series(sid)


SRF_TOTAL_ONLY = ("SRF use needs the total over all collateral; RPONTSYD covers Treasury collateral only and is not "
                  "used in its place")


def _first_of(name: str, ids: tuple[str, ...], since=None, why: str = ""):
    """The first of `ids` the source has (the same published figure from two publishers, e.g. FRED RPONTTLD and
    the NY Fed's daily total); the Dataset records which one a note used (`ds.measure_sources`)."""
    def compute(ds) -> pd.Series:
        reasons = []
        for sid in ids:
            try:
                values = ds.series(sid)
            except MissingSeriesError as exc:
                reasons.append(f"{sid}: {exc.reason}")
                continue
            ds.measure_sources[name] = sid
            for tried in ids[: ids.index(sid)]:
                ds.forget_missing(tried)
            return values[values.index >= since] if since is not None else values
        raise MissingSeriesError(name, "; ".join(reasons) + (f". {why}" if why else ""), "none_of", ids=ids, why=why)
    return compute


WED, WEEK_AVG, DAILY, RATE = "Wednesday level", "week average ending Wednesday", "daily", "business-daily rate"

MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("fed_assets", "Fed total assets", "bn", ("WALCL",), "WALCL", _series("WALCL"), WED),
    Measure("treasuries_held", "Fed Treasury holdings", "bn", ("TREAST",), "TREAST", _series("TREAST"), WED),
    Measure("mbs_held", "Fed MBS holdings", "bn", ("WSHOMCB",), "WSHOMCB", _series("WSHOMCB"), WED),
    Measure("reserves", "Bank reserves", "bn", ("WRESBAL",), "WRESBAL", _series("WRESBAL"), WEEK_AVG),
    Measure("tga", "Treasury General Account", "bn", ("WDTGAL", "TGA_DAILY"),
            "WDTGAL; where it has no value, the DTS closing balance of that Wednesday (equal on every common "
            "Wednesday); ends where both end", _tga, WED),
    Measure("tga_week_avg", "Treasury General Account, week average", "bn", ("WTREGEN",),
            "WTREGEN (the basis of the weekly identity with WRESBAL)", _series("WTREGEN"), WEEK_AVG),
    Measure("tga_daily", "Treasury General Account, daily close", "bn", ("TGA_DAILY",),
            "Daily Treasury Statement, Table I closing balance", _series("TGA_DAILY"), "daily close (DTS)"),
    Measure("rrp", "ON RRP take-up", "bn", ("RRPONTSYD",), "RRPONTSYD", _series("RRPONTSYD"), DAILY),
    Measure("rrp_week_avg", "ON RRP take-up, week average", "bn", ("RRPONTSYD",),
            "mean of the daily RRPONTSYD over the seven days ending Wednesday, weekends and holidays carrying the "
            "last operation (the basis of the weekly identity)", _rrp_week_avg, WEEK_AVG),
    Measure("srf_usage", "Standing Repo Facility use, all collateral", "bn", ("RPONTTLD", "NYFED_RP_TOTAL"),
            "RPONTTLD, else the NY Fed's daily total (the same published figure), from 2021-07-29; never a "
            "partial series in its place",
            _first_of("srf_usage", ("RPONTTLD", "NYFED_RP_TOTAL"), SRF_ESTABLISHED, SRF_TOTAL_ONLY), DAILY),
    Measure("repo_treasury", "Fed repo operations, Treasury collateral only", "bn", ("RPONTSYD", "NYFED_RP_TSY"),
            "RPONTSYD (else the NY Fed's Treasury part): Treasury collateral only, a part of SRF use",
            _first_of("repo_treasury", ("RPONTSYD", "NYFED_RP_TSY")), DAILY),
    Measure("srf_agency", "SRF use, agency collateral", "bn", ("RPONAGYD", "NYFED_RP_AGY"),
            "RPONAGYD, else the NY Fed's agency part", _first_of("srf_agency", ("RPONAGYD", "NYFED_RP_AGY"),
                                                                 SRF_ESTABLISHED), DAILY),
    Measure("srf_mbs", "SRF use, mortgage-backed collateral", "bn", ("RPONMBSD", "NYFED_RP_MBS"),
            "RPONMBSD, else the NY Fed's mortgage-backed part",
            _first_of("srf_mbs", ("RPONMBSD", "NYFED_RP_MBS"), SRF_ESTABLISHED), DAILY),
    Measure("currency", "Currency in circulation", "bn", ("WCURCIR",), "WCURCIR", _series("WCURCIR"), WEEK_AVG),
    Measure("net_liquidity", "Net liquidity (Fed assets - TGA - ON RRP)", "bn", ("WALCL", "WDTGAL", "TGA_DAILY",
            "RRPONTSYD"), "fed_assets - tga - rrp on the same Wednesday (ON RRP on a Wednesday holiday: the "
            "operation outstanding over it); ends where an input ends", _net_liquidity, WED),
    Measure("sofr", "SOFR", "pct", ("SOFR",), "SOFR", _series("SOFR"), RATE),
    Measure("effr", "EFFR", "pct", ("EFFR",), "EFFR", _series("EFFR"), RATE),
    Measure("iorb", "Interest on reserves", "pct", ("IOER", "IORB"), "IOER before 2021-07-29, IORB from then",
            _iorb, "administered rate, every day"),
    Measure("rrp_rate", "ON RRP rate", "pct", ("RRPONTSYAWARD", "DFEDTARL"),
            "ON RRP award rate where published, else the policy rule: bottom of the target range "
            "(+5bp from 2021-06-17 to 2024-12-18)", _rrp_rate, "administered rate"),
    Measure("srf_rate", "SRF minimum bid rate", "pct", ("DFEDTARU",),
            "top of the target range (the SRF exists from 2021-07-28; before, the top of the range)",
            _series("DFEDTARU"), "administered rate, every day"),
    Measure("range_low", "Target range, bottom", "pct", ("DFEDTARL",), "DFEDTARL", _series("DFEDTARL"),
            "administered rate, every day"),
    Measure("range_high", "Target range, top", "pct", ("DFEDTARU",), "DFEDTARU", _series("DFEDTARU"),
            "administered rate, every day"),
    Measure("sofr99", "SOFR, 99th percentile", "pct", ("SOFR99", "NYFED_SOFR99"), "SOFR99, else the NY Fed's",
            _first_of("sofr99", ("SOFR99", "NYFED_SOFR99")), RATE),
    Measure("sofr1", "SOFR, 1st percentile", "pct", ("SOFR1", "NYFED_SOFR1"), "SOFR1, else the NY Fed's",
            _first_of("sofr1", ("SOFR1", "NYFED_SOFR1")), RATE),
    Measure("tgcr", "Tri-party general collateral rate (TGCR)", "pct", ("TGCRRATE", "NYFED_TGCR"),
            "TGCRRATE, else the NY Fed's", _first_of("tgcr", ("TGCRRATE", "NYFED_TGCR")), RATE),
    Measure("bgcr", "Broad general collateral rate (BGCR)", "pct", ("NYFED_BGCR",),
            "the NY Fed's (BGCR is not on FRED)", _first_of("bgcr", ("NYFED_BGCR",)), RATE),
    Measure("dgs10", "10-year Treasury yield", "pct", ("DGS10",), "DGS10", _series("DGS10"), RATE),
    Measure("sofr_iorb", "SOFR - IORB", "bp", ("SOFR", "IOER", "IORB"), "(sofr - iorb) x 100 on SOFR dates",
            _spread("sofr", "iorb"), RATE),
    Measure("effr_iorb", "EFFR - IORB", "bp", ("EFFR", "IOER", "IORB"), "(effr - iorb) x 100 on EFFR dates",
            _spread("effr", "iorb"), RATE),
    Measure("sofr_srf", "SOFR - SRF rate", "bp", ("SOFR", "DFEDTARU"),
            "(sofr - srf_rate) x 100 on SOFR dates: above zero, SOFR printed above the SRF's minimum bid rate, the "
            "top of the target range (before the SRF existed, from 2021-07-28, just the top of the range)",
            _spread("sofr", "srf_rate"), RATE),
    Measure("sofr_rrp", "SOFR - ON RRP rate", "bp", ("SOFR", "RRPONTSYAWARD", "DFEDTARL"),
            "(sofr - rrp_rate) x 100 on SOFR dates", _spread("sofr", "rrp_rate"), RATE),
    Measure("sofr99_iorb", "SOFR 99th percentile - IORB", "bp", ("SOFR99", "NYFED_SOFR99", "IOER", "IORB"),
            "(sofr99 - iorb) x 100: the upper tail of secured funding", _spread("sofr99", "iorb"), RATE),
    Measure("tgcr_iorb", "TGCR - IORB", "bp", ("TGCRRATE", "NYFED_TGCR", "IOER", "IORB"),
            "(tgcr - iorb) x 100 on TGCR dates", _spread("tgcr", "iorb"), RATE),
    Measure("reserves_gdp", "Reserves / GDP", "pct", ("WRESBAL", "GDP"),
            "reserves / nominal GDP (SAAR) of the latest quarter published by the week's Wednesday x 100",
            _reserves_gdp, WEEK_AVG),
    Measure("sp500", "S&P 500", "index", ("SP500",), "SP500", _series("SP500"), "daily close"),
    Measure("btc", "Bitcoin (USD)", "usd", ("CBBTCUSD",), "CBBTCUSD", _series("CBBTCUSD"), "daily close"),
]}


def get_measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise InputError(f"unknown measure {name!r}{suggest(str(name), MEASURES)}; "
                         f"known measures: {', '.join(MEASURES)}") from None


def measure_table() -> pd.DataFrame:
    return pd.DataFrame([{"measure": m.name, "title": m.title, "units": m.units, "concept": m.concept,
                          "rule": m.rule} for m in MEASURES.values()])

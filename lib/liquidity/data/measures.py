"""Measures: each defined once, in display units, with its source series and rule.

Amounts are billions of USD, rates percent, spreads basis points, ratios percent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ..core.errors import InputError, MissingSeriesError
from ..core.errors import suggest

IOER_TO_IORB = pd.Timestamp("2021-07-29")        # IORB replaced IOER (FOMC, 28 Jul 2021)
RRP_PLUS_5BP = (pd.Timestamp("2021-06-17"), pd.Timestamp("2024-12-18"))  # ON RRP rate = bottom + 5bp
SRF_ESTABLISHED = pd.Timestamp("2021-07-28")


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    units: str            # bn | pct | bp | index | usd
    series: tuple[str, ...]
    rule: str
    compute: Callable


def asof_align(values: pd.Series, on: pd.DatetimeIndex) -> pd.Series:
    """The last observation of `values` at or before each date of `on` (no look-ahead)."""
    values = values.dropna().sort_index()
    out = values.reindex(values.index.union(on)).ffill().reindex(on)
    return out


def splice(parts: list[pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Join series by priority: each later part fills only dates outside the span already covered.

    Returns the spliced values and, per date, the id of the series each value came from.
    """
    values = pd.Series(dtype=float)
    origin = pd.Series(dtype=object)
    lo = hi = None
    for part in parts:
        part = part.dropna()
        if part.empty:
            continue
        if lo is None:
            take = part
        else:
            take = part[(part.index < lo) | (part.index > hi)]
        values = pd.concat([values, take])
        origin = pd.concat([origin, pd.Series(part.name, index=take.index, dtype=object)])
        lo = part.index.min() if lo is None else min(lo, part.index.min())
        hi = part.index.max() if hi is None else max(hi, part.index.max())
    order = values.index.argsort()
    return values.iloc[order], origin.iloc[order]


def _optional(ds, sid: str) -> pd.Series | None:
    try:
        return ds.series(sid)
    except MissingSeriesError:
        return None


# -- rules ------------------------------------------------------------------------------------------
def _tga(ds) -> pd.Series:
    parts = [p for p in (_optional(ds, "TGA_DAILY"), _optional(ds, "WDTGAL")) if p is not None]
    parts.append(ds.series("WTREGEN"))
    values, origin = splice(parts)
    values.attrs["origin"] = origin
    return values


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
    assets = ds.measure("fed_assets")
    tga = asof_align(ds.measure("tga"), assets.index)
    rrp = asof_align(ds.measure("rrp"), assets.index)
    return (assets - tga - rrp).dropna()


def _spread(a: str, b: str):
    def compute(ds) -> pd.Series:
        left = ds.measure(a)
        right = asof_align(ds.measure(b), left.index)
        return ((left - right) * 100.0).round(6).dropna()
    return compute


def _reserves_gdp(ds) -> pd.Series:
    reserves = ds.measure("reserves")
    gdp = ds.series("GDP")
    # GDP of the quarter a week falls in (latest quarter published as of the cut), annual rate
    return (reserves / asof_align(gdp, reserves.index) * 100.0).dropna()


def _series(sid: str):
    return lambda ds: ds.series(sid)


def _srf_usage(ds) -> pd.Series:
    try:
        return ds.series("RPONTTLD")
    except MissingSeriesError as exc:
        raise MissingSeriesError("RPONTTLD", f"{exc.reason}. Total repo operations (SRF use) need RPONTTLD; "
                                 "RPONTSYD covers Treasury collateral only and is not used in its place") from None


MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("fed_assets", "Fed total assets", "bn", ("WALCL",), "WALCL, Wednesday level", _series("WALCL")),
    Measure("treasuries_held", "Fed Treasury holdings", "bn", ("TREAST",), "TREAST, Wednesday level",
            _series("TREAST")),
    Measure("mbs_held", "Fed MBS holdings", "bn", ("WSHOMCB",), "WSHOMCB, Wednesday level", _series("WSHOMCB")),
    Measure("reserves", "Bank reserves", "bn", ("WRESBAL",), "WRESBAL, week average ending Wednesday",
            _series("WRESBAL")),
    Measure("tga", "Treasury General Account", "bn", ("TGA_DAILY", "WDTGAL", "WTREGEN"),
            "DTS closing balance where available, else H.4.1 Wednesday level WDTGAL, else week average WTREGEN",
            _tga),
    Measure("rrp", "ON RRP take-up", "bn", ("RRPONTSYD",), "RRPONTSYD, daily", _series("RRPONTSYD")),
    Measure("srf_usage", "Fed repo operations, total (SRF use)", "bn", ("RPONTTLD",),
            "RPONTTLD, all collateral; never a partial series in its place", _srf_usage),
    Measure("repo_treasury", "Fed repo operations, Treasury collateral only", "bn", ("RPONTSYD",),
            "RPONTSYD, Treasury collateral only (a part of SRF use)", _series("RPONTSYD")),
    Measure("currency", "Currency in circulation", "bn", ("WCURCIR",), "WCURCIR, week average", _series("WCURCIR")),
    Measure("net_liquidity", "Net liquidity (Fed assets - TGA - ON RRP)", "bn", ("WALCL", "TGA_DAILY", "WTREGEN",
            "RRPONTSYD"), "fed_assets - tga - rrp on Wednesdays (TGA and ON RRP: latest value on or before)",
            _net_liquidity),
    Measure("sofr", "SOFR", "pct", ("SOFR",), "SOFR", _series("SOFR")),
    Measure("effr", "EFFR", "pct", ("EFFR",), "EFFR", _series("EFFR")),
    Measure("iorb", "Interest on reserves", "pct", ("IOER", "IORB"), "IOER before 2021-07-29, IORB from then",
            _iorb),
    Measure("rrp_rate", "ON RRP rate", "pct", ("RRPONTSYAWARD", "DFEDTARL"),
            "ON RRP award rate where published, else the policy rule: bottom of the target range "
            "(+5bp from 2021-06-17 to 2024-12-18)", _rrp_rate),
    Measure("srf_rate", "SRF minimum bid rate", "pct", ("DFEDTARU",),
            "top of the target range (the SRF exists from 2021-07-28; before, the top of the range)",
            _series("DFEDTARU")),
    Measure("range_low", "Target range, bottom", "pct", ("DFEDTARL",), "DFEDTARL", _series("DFEDTARL")),
    Measure("range_high", "Target range, top", "pct", ("DFEDTARU",), "DFEDTARU", _series("DFEDTARU")),
    Measure("dgs10", "10-year Treasury yield", "pct", ("DGS10",), "DGS10", _series("DGS10")),
    Measure("sofr_iorb", "SOFR - IORB", "bp", ("SOFR", "IOER", "IORB"), "(sofr - iorb) x 100 on SOFR dates",
            _spread("sofr", "iorb")),
    Measure("effr_iorb", "EFFR - IORB", "bp", ("EFFR", "IOER", "IORB"), "(effr - iorb) x 100 on EFFR dates",
            _spread("effr", "iorb")),
    Measure("sofr_rrp", "SOFR - ON RRP rate", "bp", ("SOFR", "RRPONTSYAWARD", "DFEDTARL"),
            "(sofr - rrp_rate) x 100 on SOFR dates", _spread("sofr", "rrp_rate")),
    Measure("reserves_gdp", "Reserves / GDP", "pct", ("WRESBAL", "GDP"),
            "reserves / nominal GDP (SAAR) of the latest quarter on or before the week x 100", _reserves_gdp),
    Measure("sp500", "S&P 500", "index", ("SP500",), "SP500 daily close", _series("SP500")),
    Measure("btc", "Bitcoin (USD)", "usd", ("CBBTCUSD",), "CBBTCUSD", _series("CBBTCUSD")),
]}


def get_measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise InputError(f"unknown measure {name!r}{suggest(str(name), MEASURES)}; "
                         f"known measures: {', '.join(MEASURES)}") from None


def measure_table() -> pd.DataFrame:
    return pd.DataFrame([{"measure": m.name, "title": m.title, "units": m.units, "rule": m.rule}
                         for m in MEASURES.values()])

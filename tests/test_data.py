"""Data tests against the mirror: units, identities, the daily TGA, the as-of cut, every measure."""
import pandas as pd
import pytest

from liquidity import Dataset
from liquidity.data.catalog import load_catalog
from liquidity.data.dts import tga_closing_balance
from liquidity.core.errors import InputError, MissingSeriesError
from liquidity.data.measures import MEASURES


def test_units_are_billions(ds):
    assert ds.measure("fed_assets")["2025-10-29"] == pytest.approx(6587.034, abs=1e-9)
    assert ds.measure("rrp")["2025-10-31"] == pytest.approx(51.802, abs=1e-9)
    assert ds.measure("reserves")["2025-10-29"] == pytest.approx(2848.021, abs=1e-9)
    assert ds.measure("tga_daily")["2025-10-30"] == pytest.approx(1000.632, abs=1e-9)
    assert ds.measure("tga")["2025-10-29"] == pytest.approx(983.859, abs=1e-9)


def test_spreads_in_basis_points(ds):
    assert ds.measure("sofr_iorb")["2025-10-31"] == pytest.approx(32.0)
    assert ds.measure("sofr_iorb")["2019-09-17"] == pytest.approx(315.0)  # IOER 2.10% then
    assert ds.measure("iorb")["2019-09-17"] == 2.10 and ds.measure("iorb")["2025-11-03"] == 3.90


def test_daily_tga_equals_wdtgal_on_every_common_wednesday(ds):
    daily = ds.series("TGA_DAILY")
    weekly = ds.series("WDTGAL")
    common = daily.index.intersection(weekly.index)
    # the two sources overlap for years (2021-06-30 is the first DTS Wednesday); equal on every common Wednesday
    assert pd.Timestamp("2021-06-30") in common and pd.Timestamp("2025-10-29") in common
    assert (daily[common] - weekly[common]).abs().max() == 0
    assert weekly["2025-10-29"] == pytest.approx(983.859)


def test_dts_old_and_new_formats_on_small_frames():
    rows = pd.DataFrame([
        # old format: close of a date = the next date's opening
        {"record_date": "2022-04-14", "account_type": "Treasury General Account (TGA)", "open_today_bal": "100"},
        {"record_date": "2022-04-15", "account_type": "Treasury General Account (TGA)", "open_today_bal": "110"},
        {"record_date": "2022-04-18", "account_type": "Treasury General Account (TGA) Opening Balance",
         "open_today_bal": "120"},
        {"record_date": "2022-04-18", "account_type": "Treasury General Account (TGA) Closing Balance",
         "open_today_bal": "130"},
        {"record_date": "2022-04-19", "account_type": "Treasury General Account (TGA) Closing Balance",
         "open_today_bal": "125"},
    ])
    close = tga_closing_balance(rows)
    assert close.to_dict() == {pd.Timestamp("2022-04-14"): 110.0, pd.Timestamp("2022-04-15"): 120.0,
                               pd.Timestamp("2022-04-18"): 130.0, pd.Timestamp("2022-04-19"): 125.0}


def test_tga_measures_are_one_concept_each(ds):
    tga, week_avg, daily = ds.measure("tga"), ds.measure("tga_week_avg"), ds.measure("tga_daily")
    assert (tga.index.day_of_week == 2).all()                       # Wednesday levels only
    wdtgal = ds.series("WDTGAL")
    assert (tga.reindex(wdtgal.index) == wdtgal).all()              # WDTGAL wherever it has a value
    dts_wednesdays = daily[daily.index.day_of_week == 2]
    assert tga.index.max() == max(wdtgal.index.max(), dts_wednesdays.index.max())   # ends where both end
    assert week_avg.equals(ds.series("WTREGEN").rename("tga_week_avg"))
    assert daily.equals(ds.series("TGA_DAILY").rename("tga_daily"))
    assert week_avg.index.max() > tga.index.max()                   # the week average is not spliced onto it


def test_net_liquidity_uses_one_wednesday_for_every_input(ds):
    nl = ds.measure("net_liquidity")
    walcl, wdtgal, rrp = ds.series("WALCL"), ds.series("WDTGAL"), ds.series("RRPONTSYD")
    day = pd.Timestamp("2026-07-01")
    assert nl[day] == pytest.approx(walcl[day] - wdtgal[day] - rrp[day], abs=1e-9)
    assert nl.index.max() == ds.measure("tga").index.max()          # ends with its shortest input
    ends = ds.input_ends("net_liquidity")
    assert ends["WALCL"] > ends["WDTGAL"]                            # inputs end on different dates: reported
    # Christmas 2024 was a Wednesday without an ON RRP operation: the 24 Dec operation was outstanding over it
    xmas = pd.Timestamp("2024-12-25")
    assert nl[xmas] == pytest.approx(walcl[xmas] - wdtgal[xmas] - rrp[pd.Timestamp("2024-12-24")], abs=1e-9)


def test_reserves_over_gdp_uses_the_gdp_published_by_each_week(ds):
    ratio = ds.measure("reserves_gdp")
    week = pd.Timestamp("2019-09-18")   # 2019Q3 GDP came out in October: the week saw 2019Q2 (advance, July)
    assert ratio[week] == pytest.approx(1394.122 / 21397.938 * 100, rel=1e-9)
    gdp = ds.known_at("GDP", pd.DatetimeIndex(["2019-09-18", "2019-11-06", "2025-11-12", "2025-12-31"]))
    assert gdp.tolist() == pytest.approx([21397.938, 21717.171, 30485.729, 31098.027])


def test_as_of_uses_the_real_release_calendar_for_gdp(mirrored):
    d = Dataset(as_of="2025-11-17")      # 2025Q3's advance estimate was cancelled: it came out on 23 Dec 2025
    assert d.series("GDP").index.max() == pd.Timestamp("2025-04-01")
    assert d.measure("reserves_gdp").iloc[-1] == pytest.approx(2855.03 / 30485.729 * 100, rel=1e-9)
    assert round(d.measure("reserves_gdp").iloc[-1], 1) == 9.4
    assert Dataset(as_of="2025-12-23").series("GDP").index.max() == pd.Timestamp("2025-07-01")


def test_as_of_cut_respects_publication_lags(mirrored):
    d = Dataset(as_of="2025-11-17")  # a Monday
    assert d.measure("reserves").index.max() == pd.Timestamp("2025-11-12")  # H.4.1 of Wed 12 Nov out Thu 13 Nov
    assert d.measure("sofr").index.max() == pd.Timestamp("2025-11-14")      # Friday's SOFR published Monday
    assert d.measure("rrp").index.max() == pd.Timestamp("2025-11-17")       # ON RRP: same day
    assert d.series("TGA_DAILY").index.max() == pd.Timestamp("2025-11-14")
    d2 = Dataset(as_of="2025-11-12")  # the Wednesday itself: that week's H.4.1 is not out yet
    assert d2.measure("reserves").index.max() == pd.Timestamp("2025-11-05")


def test_publication_date_rolls_over_holidays():
    info = load_catalog().get("SOFR")
    # 2025-11-26 (Wed) -> published Fri 2025-11-28 because Thanksgiving (27 Nov) is a holiday
    assert info.publication_dates(pd.DatetimeIndex(["2025-11-26"]))[0] == pd.Timestamp("2025-11-28")


def test_as_of_before_the_data_starts_is_an_input_error(mirrored):
    with pytest.raises(InputError, match="as_of 1990-01-01 is before the data starts"):
        Dataset(as_of="1990-01-01")


def test_every_measure_returns_data_or_the_documented_missing_answer(ds):
    absent_from_mirror = {"sofr99", "sofr1", "bgcr", "sofr99_iorb", "srf_agency", "srf_mbs"}   # not in the mirror
    for name in MEASURES:
        if name in absent_from_mirror:
            with pytest.raises(MissingSeriesError) as err:
                ds.measure(name)
            assert "NYFED_" in str(err.value) and name in ds.missing
        else:
            values = ds.measure(name)
            assert len(values) > 100 and values.index.is_monotonic_increasing, name


def test_every_measure_names_its_concept():
    assert all(m.concept for m in MEASURES.values())
    assert {MEASURES[n].concept for n in ("tga", "tga_week_avg", "tga_daily")} == {
        "Wednesday level", "week average ending Wednesday", "daily close (DTS)"}


def test_unknown_measure_suggests_the_name(ds):
    with pytest.raises(InputError, match="unknown measure 'reserve'.*did you mean 'reserves'"):
        ds.measure("reserve")


def test_rrp_rate_follows_the_award_then_the_policy_rule(ds):
    rate = ds.measure("rrp_rate")
    assert rate["2025-04-08"] == 4.25                       # last published award rate
    assert rate["2025-10-31"] == 3.75                       # rule: bottom of 3.75-4.00 after 18 Dec 2024
    assert rate["2026-01-05"] == 3.50


def test_catalog_covers_the_mirror_and_the_series_it_lacks(mirror):
    catalog = load_catalog()
    files = {p.stem for p in (mirror / "fred").glob("*.csv")}
    assert files <= set(catalog.ids())
    for sid in ("RPONTTLD", "RPONMBSD", "SOFR99", "TGCRRATE", "NYFED_BGCR", "TLAACBW027SBOG", "TGA_DAILY",
                "NYFED_RP_TOTAL"):
        assert sid in catalog
    assert not catalog.get("SOFR99").required and catalog.get("WALCL").required
    assert catalog.get("WALCL").units == "millions_usd" and catalog.get("RRPONTSYD").units == "billions_usd"


def test_every_fred_id_of_the_catalog_is_a_confirmed_fred_series():
    import yaml
    from pathlib import Path

    confirmed = yaml.safe_load((Path(__file__).parent / "fred_ids.yaml").read_text())
    fred = {info.id for info in load_catalog() if info.source == "fred"}
    assert fred == set(confirmed), (sorted(fred - set(confirmed)), sorted(set(confirmed) - fred))
    assert all(str(where).strip() for where in confirmed.values())
    assert not {"TGCR", "BGCR"} & fred                   # TGCR is TGCRRATE on FRED; BGCR is not on FRED


def test_net_liquidity_is_assets_minus_tga_minus_rrp(ds):
    nl = ds.measure("net_liquidity")["2025-10-29"]
    assert nl == pytest.approx(6587.034 - 983.859 - ds.measure("rrp")["2025-10-29"])


@pytest.mark.parametrize("n", [1, 2, 5])
def test_business_day_lag_for_many_dates_equals_the_pandas_offset(n):
    """Publication dates of daily series use numpy's business-day calendar at once; it must equal pandas'
    CustomBusinessDay date by date (weekends and federal holidays: Saturday + 1 = Monday; July 4th skipped)."""
    from liquidity.core.dates import US_BUSINESS_DAY, add_business_days

    dates = pd.date_range("2018-12-20", "2026-01-10", freq="D")
    expected = pd.DatetimeIndex([d + n * US_BUSINESS_DAY for d in dates])
    assert add_business_days(dates, n).equals(expected)
    assert add_business_days([pd.Timestamp("2025-07-03")], 1)[0] == pd.Timestamp("2025-07-07")

"""TGA drain: the balance-sheet identity, the offset estimate, the TGA scenario engine, and the notebook."""
import numpy as np
import pandas as pd
import pytest
from notes import mirror_last

from liquidity.data.measures import week_average
from liquidity.models import balance_sheet as bsh
from liquidity.models import scenarios
from liquidity.core.errors import InputError

WEDS = pd.date_range("2025-01-01", periods=4, freq="W-WED")


def _levels():
    return pd.DataFrame({"reserves": [3000.0, 2950.0, 2940.0, 2990.0],
                         "fed_assets": [6700.0, 6690.0, 6680.0, 6675.0],
                         "tga": [700.0, 760.0, 770.0, 720.0],
                         "rrp": [200.0, 180.0, 170.0, 160.0],
                         "currency": [2300.0, 2301.0, 2302.0, np.nan]}, index=WEDS)


def test_week_average_carries_weekends_and_covers_seven_days():
    days = pd.bdate_range("2025-01-02", "2025-01-15")       # Thu 2 Jan .. Wed 15 Jan, business days
    daily = pd.Series(np.arange(len(days), dtype=float), index=days)
    out = week_average(daily, pd.DatetimeIndex(["2025-01-08", "2025-01-15"]))
    # week to Wed 8 Jan: Thu 0, Fri 1, Sat 1, Sun 1, Mon 2, Tue 3, Wed 4
    assert out.iloc[0] == pytest.approx((0 + 1 + 1 + 1 + 2 + 3 + 4) / 7)
    assert out.iloc[1] == pytest.approx((5 + 6 + 6 + 6 + 7 + 8 + 9) / 7)


def test_decomposition_adds_up_and_currency_gap_goes_to_other():
    contrib = bsh.decompose(_levels(), "2025-01-01", "2025-01-22")
    parts = contrib[["fed_assets", "tga", "rrp", "currency", "other"]].sum(axis=1)
    assert (parts - contrib["reserves"]).abs().max() == 0
    first = contrib.iloc[0]                                # week to 8 Jan
    assert first["fed_assets"] == -10 and first["tga"] == -60 and first["rrp"] == 20 and first["currency"] == -1
    assert first["other"] == pytest.approx(-50 - (-10 - 60 + 20 - 1))
    assert not contrib["currency_known"].iloc[-1]          # currency missing in the last week: inside other
    ch = bsh.window_changes(_levels(), "2025-01-01", "2025-01-22")
    assert ch.tga == 20 and ch.reserves == -10 and ch.rrp == -40 and ch.currency is None
    assert ch.check() == pytest.approx(0, abs=1e-9)


def test_window_before_the_data_is_an_input_error():
    with pytest.raises(InputError, match="window_start 2024-01-01 is before the weekly data start"):
        bsh.decompose(_levels(), "2024-01-01", "2025-01-22")


def test_ols_slope_recovers_a_known_share_with_an_interval():
    rng = np.random.default_rng(7)
    x = pd.Series(rng.normal(0, 50, 400))
    y = 0.4 * x + pd.Series(rng.normal(0, 10, 400))
    s = bsh.ols_slope(x, y)
    assert s.low < 0.4 < s.high and abs(s.estimate - 0.4) < 0.03 and s.n == 400


def test_offset_by_regime_splits_on_previous_week_rrp():
    idx = pd.date_range("2024-01-03", periods=9, freq="W-WED")
    d_tga = np.array([0, 10, -20, 30, 1700, 10, -20, 30, 5], float)
    tga = 500 + d_tga.cumsum()
    rrp = np.array([900, 895, 905, 890, 40, 40, 40, 40, 40], float)  # ample (half of each TGA move), then flat
    levels = pd.DataFrame({"reserves": 3000 - d_tga.cumsum(), "fed_assets": 7000.0, "tga": tga, "rrp": rrp,
                           "currency": 2300.0}, index=idx)
    table = bsh.offset_by_regime(levels, 50, 200).set_index(["regime", "absorbed by"])
    assert table.loc[("ON RRP ample", "ON RRP"), "share"] == pytest.approx(0.5)   # -dRRP = 0.5 x dTGA, ample
    assert table.loc[("ON RRP near zero", "ON RRP"), "share"] == pytest.approx(0.0)
    assert table.loc[("ON RRP near zero", "ON RRP"), "weeks"] == 4                # weeks after a $40bn week
    assert table.loc[("ON RRP low", "ON RRP"), "weeks"] == 0


def test_offset_for_the_current_level_uses_comparable_weeks_only():
    rng = np.random.default_rng(3)
    idx = pd.date_range("2023-01-04", periods=80, freq="W-WED")
    d_tga = rng.normal(0, 30, 80)
    ample = np.arange(80) < 50                              # 50 weeks with ON RRP ample, then 30 near zero
    d_rrp = np.where(ample, -0.6 * d_tga, -0.05 * d_tga)
    rrp = np.concatenate([1500.0 + d_rrp[:50].cumsum(), 10.0 + d_rrp[50:].cumsum()])   # each phase in its band
    assert rrp[:50].min() > 200 and rrp[50:].max() <= 50
    levels = pd.DataFrame({"reserves": 3000.0, "fed_assets": 7000.0, "tga": 700 + d_tga.cumsum(),
                           "rrp": rrp, "currency": 2300.0}, index=idx)
    off = bsh.offset_for_current(levels, 50, 200)
    assert off.regime == "ON RRP near zero" and off.weeks == 29      # the 29 weeks after a near-zero week
    assert off.estimate == pytest.approx(0.05, abs=0.01) and off.used == pytest.approx(off.estimate)
    few = bsh.offset_for_current(levels.iloc[:58], 50, 200)           # 7 comparable weeks: no estimate
    assert few.estimate is None and few.used == 0.0 and few.weeks == 7


# -- the scenario engine, against paths computed by hand ---------------------------------------------
def test_linear_step_and_points_tga_paths():
    weeks = scenarios.wednesdays("2025-11-12", "2025-12-10")
    assert list(weeks.strftime("%m-%d")) == ["11-19", "11-26", "12-03", "12-10"]
    lin = scenarios.tga_path(scenarios.TgaSpec(800.0, pd.Timestamp("2025-12-10")), "2025-11-12", 1000.0, weeks)
    assert lin.tolist() == pytest.approx([950.0, 900.0, 850.0, 800.0])
    step = scenarios.tga_path(scenarios.TgaSpec(800.0, pd.Timestamp("2025-12-31"), "step",
                                                step_date=pd.Timestamp("2025-12-01")), "2025-11-12", 1000.0, weeks)
    assert step.tolist() == [1000.0, 1000.0, 800.0, 800.0]
    pts = scenarios.parse_points([{"date": "2025-11-26", "level_bn": 1100}, {"date": "2025-12-03", "level_bn": 900}])
    spec = scenarios.TgaSpec(0.0, pd.Timestamp("2025-12-31"), "points", points=pts)
    assert scenarios.tga_path(spec, "2025-11-12", 1000.0, weeks).tolist() == pytest.approx([1050, 1100, 900, 900])


def test_reserves_path_with_offset_floor_and_band():
    weeks = scenarios.wednesdays("2025-11-12", "2025-12-03")
    start = scenarios.Start(pd.Timestamp("2025-11-12"), reserves=2850.0, fed_assets=6580.0, tga=950.0, rrp=30.0)
    tga = pd.Series([1000.0, 1050.0, 900.0], index=weeks)
    assets = scenarios.constant_change(6580.0, weeks, -5.0)
    out = scenarios.project_reserves(start, tga, assets, rrp_offset=0.5, rrp_floor=10.0, currency_per_week=1.0,
                                     residual_sd=10.0, level=0.90)
    # week 1: dTGA +50, ON RRP 30 -> 10 (floor; -20), reserves 2850 - 5 - 50 + 20 - 1 = 2814
    # week 2: dTGA +50, ON RRP stays at the floor, reserves 2814 - 5 - 50 - 1 = 2758
    # week 3: dTGA -150, ON RRP 10 + 75 = 85, reserves 2758 - 5 + 150 - 75 - 1 = 2827
    assert out["rrp"].tolist() == [10.0, 10.0, 85.0]
    assert out["reserves"].tolist() == [2814.0, 2758.0, 2827.0]
    assert out["net_liquidity"].iloc[0] == 6575.0 - 1000.0 - 10.0
    half = 1.6448536 * 10.0 * np.sqrt([1, 2, 3])
    assert (out["high"] - out["reserves"]).to_numpy() == pytest.approx(half, rel=1e-6)


def test_bad_scenario_inputs_are_named():
    weeks = scenarios.wednesdays("2025-11-12", "2025-12-03")
    with pytest.raises(InputError, match="tga_target_date=2025-11-01 is not after the start"):
        scenarios.tga_path(scenarios.TgaSpec(800.0, pd.Timestamp("2025-11-01")), "2025-11-12", 1000.0, weeks)
    with pytest.raises(InputError, match="tga_shape='wave'"):
        scenarios.TgaSpec(800.0, pd.Timestamp("2025-12-31"), "wave")
    with pytest.raises(InputError, match=r"tga_points\[0\]"):
        scenarios.parse_points([{"date": "2025-12-01"}])
    with pytest.raises(InputError, match="rrp_offset_share=2"):
        start = scenarios.Start(pd.Timestamp("2025-11-12"), 2850.0, 6580.0, 950.0, 30.0)
        scenarios.project_reserves(start, pd.Series([1.0], index=weeks[:1]), pd.Series([1.0], index=weeks[:1]), 2)


# -- the mirror ------------------------------------------------------------------------------------
def test_2025_rebuild_decomposition_closes_with_a_small_residual(ds):
    levels = bsh.weekly_levels(ds)
    ch = bsh.window_changes(levels, "2025-07-01", "2025-11-12")
    assert ch.start == pd.Timestamp("2025-06-25") and ch.end == pd.Timestamp("2025-11-12")
    assert ch.check() == pytest.approx(0.0, abs=1e-9)
    assert ch.tga == pytest.approx(953.816 - 364.375)           # WTREGEN week averages
    assert ch.reserves == pytest.approx(2855.030 - 3369.328)    # WRESBAL
    assert ch.currency is None                                   # WCURCIR ends 2025-06-04 in the mirror
    assert abs(ch.other) < 0.05 * ch.tga                         # residual small against the TGA change
    contrib = bsh.decompose(levels, "2025-07-01", "2025-11-12")
    total = contrib[["fed_assets", "tga", "rrp", "currency", "other"]].sum(axis=1)
    assert (total - contrib["reserves"]).abs().max() < 1e-9


@pytest.mark.notebook
def test_tga_drain_parameter_sets_record_values_from_the_mirror(published):
    d = published.results("tga_drain", "default")
    assert (d["window_start"], d["window_end"]) == ("2025-06-25", "2025-11-12")
    assert d["tga_change_bn"] == pytest.approx(953.816 - 364.375) and d["reserves_change_bn"] == pytest.approx(-514.298)
    assert d["fed_assets_change_bn"] == pytest.approx(-81.738) and d["currency_change_bn"] is None
    assert d["reserves_change_bn"] == pytest.approx(d["fed_assets_change_bn"] - d["tga_change_bn"]
                                                    - d["rrp_change_bn"] - d["other_change_bn"], abs=1e-5)
    assert d["other_contribution_bn"] == pytest.approx(-d["other_change_bn"])
    assert d["rrp_offset_share"] == pytest.approx(-d["rrp_change_bn"] / d["tga_change_bn"], abs=1e-5)
    assert d["tga_peak_bn"] == pytest.approx(1000.632) and d["tga_peak_date"] == "2025-10-30"
    # the projection starts on the last week of the identity (the earliest of its inputs' ends); later WRESBAL
    # weeks are compared with it, not ignored; it ends at the first quarter end at least 4 weeks later
    start = min(mirror_last(s)[0] for s in ("WRESBAL", "WTREGEN", "WALCL"))
    assert d["projection_start_date"] == start
    assert d["replay_weeks"] == (pd.Timestamp(mirror_last("WRESBAL")[0]) - pd.Timestamp(start)).days // 7
    quarter_end = (pd.Timestamp(start) + pd.Timedelta(weeks=4) + pd.offsets.QuarterEnd(0)).strftime("%Y-%m-%d")
    assert d["projection_end_date"] == quarter_end and d["projected_tga_end_bn"] == pytest.approx(850.0)
    # the offset comes from weeks with ON RRP at or under $50bn, like today's, and says how many
    assert d["rrp_offset_regime"] == "near_zero" and d["rrp_offset_weeks"] >= 13

    r23 = published.results("tga_drain", "rebuild_2023")
    assert r23["window_start"] == "2023-05-31" and r23["rrp_change_bn"] < -700   # ON RRP paid for the rebuild
    assert r23["rrp_offset_share"] > 1.0 and r23["currency_change_bn"] == pytest.approx(-18.483)

    nov = published.results("tga_drain", "as_of_2025_11_17")
    assert nov["as_of"] == "2025-11-17" and nov["projection_start_date"] == "2025-11-12"
    assert nov["projection_end_date"] == "2025-12-31" and nov["projected_tga_end_bn"] == pytest.approx(850.0)
    assert nov["realized_reserves_end_bn"] == pytest.approx(2957.41)
    assert nov["projection_error_bn"] == pytest.approx(nov["projected_reserves_end_bn"] - 2957.41, abs=1e-5)
    assert nov["projected_reserves_end_low_bn"] < 2957.41 < nov["projected_reserves_end_high_bn"]
    # reserves were already under $3tn when the projection starts: the note says since when, not a future date
    assert nov["reserves_alert_crossing"] == "already" and nov["reserves_alert_crossing_date"] <= "2025-11-12"
    assert nov["decisions_after_as_of"] == ["cut_2025_12", "rmp_2025_12"]
    # SRF days on the reserves chart: as of 17 Nov the record 31 Oct take-up is known and marked; the latest
    # note's year behind it holds the 2025 year-end
    assert nov["srf_marked_peak_bn"] == pytest.approx(50.35) and nov["srf_days_marked"] >= 1
    assert d["srf_marked_peak_bn"] == pytest.approx(74.6)

    tax = published.results("tga_drain", "tax_spike_2026")
    assert tax["projection_start_date"] == "2026-03-25" and tax["projected_tga_end_bn"] == pytest.approx(900.0)
    assert tax["realized_reserves_end_bn"] is not None and tax["projection_error_bn"] is not None


@pytest.mark.notebook
def test_tga_drain_findings_are_claims_that_say_what_the_series_say(published, mirrored):
    """Each finding is a structured claim in the sidecar whose value a reviewer recomputes from the raw series;
    the sentences a reader sees are rendered from them (and re-checked at publish: test_findings)."""
    import liquidity as lq
    from notes import plain, sentence

    ds = lq.Dataset(as_of="2025-11-17")
    tga, res, walcl = ds.series("WTREGEN"), ds.series("WRESBAL"), ds.series("WALCL")
    d_tga = tga["2025-11-12"] - tga["2025-06-25"]
    d_res = res["2025-11-12"] - res["2025-06-25"]
    d_assets = walcl["2025-11-12"] - walcl["2025-06-25"]
    rrp_week = ds.measure("rrp_week_avg")
    d_rrp = rrp_week["2025-11-12"] - rrp_week["2025-06-25"]
    nov = published.results("tga_drain", "as_of_2025_11_17")
    c = published.claims("tga_drain", "as_of_2025_11_17")
    window = ["2025-06-25", "2025-11-12"]
    for cid, measure, value in (("tga", "tga_week_avg", d_tga), ("reserves", "reserves", d_res),
                                ("rrp", "rrp_week_avg", d_rrp), ("assets", "fed_assets", d_assets)):
        assert (c[cid]["kind"], c[cid]["measure"], c[cid]["window"], c[cid]["stat"]) == ("change", measure, window,
                                                                                          "change")
        assert c[cid]["expect"] == pytest.approx(value, abs=1e-5) and c[cid]["provenance"] == "data"
    # shares of the TGA's rise: signed, of one change in another (not levels presented as parts of a change)
    assert c["rrp_share"]["expect"] == pytest.approx(d_rrp / d_tga, abs=1e-6) and c["rrp_share"]["of"] == "tga_week_avg"
    assert c["reserves_share"]["expect"] == pytest.approx(d_res / d_tga, abs=1e-6)
    other = d_res - (d_assets - d_tga - d_rrp)
    assert c["other"]["provenance"] == "model" and c["other"]["value"] == pytest.approx(other, abs=1e-5) and other < 0
    assert c["tga_peak"]["kind"] == "extreme" and c["tga_peak"]["at"] == "2025-10-30"
    assert c["tga_peak"]["expect"] == pytest.approx(1000.632)
    # the scenario: the TGA path is an assumption, the projection a model's, and what came later is hindsight
    assert c["tga_path"]["provenance"] == "assumption" and c["tga_path"]["value"] == pytest.approx(850.0)
    assert c["reserves_end"]["provenance"] == "model" and c["reserves_end"]["date"] == "2025-12-31"
    assert c["reserves_end"]["value"] == pytest.approx(nov["projected_reserves_end_bn"])
    weekly = res[res.index <= "2025-11-12"]
    last_above = weekly[weekly >= 3000].index.max()
    since = weekly.index[weekly.index > last_above][0]
    assert (c["alert"]["kind"], c["alert"]["stat"], c["alert"]["expect"]) == ("crossing", "first_below",
                                                                               f"{since:%Y-%m-%d}")
    assert c["alert"]["window"][0] == f"{last_above:%Y-%m-%d}" and c["alert"]["note"] == "already"
    assert c["realized_end"]["provenance"] == "hindsight" and c["realized_end"]["expect"] == pytest.approx(2957.41)
    assert c["error"]["value"] == pytest.approx(nov["projected_reserves_end_bn"] - 2957.41, abs=1e-5)
    # what a reader reads
    f = [plain(x) for x in published.findings("tga_drain", "as_of_2025_11_17")]
    s = sentence(f, "From 25 Jun 2025 to 12 Nov 2025, the TGA (week average) rose")
    assert "reserves fell $514bn" in s and "Fed assets fell $82bn" in s
    assert "the fall in reserves ($514bn) offset 87% of the rise in the TGA (week average) ($589bn)" in \
        sentence(f, "offset 87%")
    assert sentence(f, "Reserves stood below $3.00tn on every observation since 22 Oct 2025").count(
        "with hindsight (published after 17 Nov 2025), reserves stood at $2.96tn on 31 Dec 2025") == 1
    zh = published.findings("tga_drain", "as_of_2025_11_17", "zh")
    assert any("事后看（据2025年11月17日之后公布的信息）" in x for x in zh)
    tax = published.claims("tga_drain", "tax_spike_2026")
    assert tax["tga_path"]["value"] == pytest.approx(900.0) and tax["tga_path"]["date"] == "2026-05-27"

"""Stealth QE: drawdown detection on small series and on the mirror (the 2021 fall), scenario arithmetic, and
the notebook through the runner."""
import numpy as np
import pandas as pd
import pytest
from notebook_runs import run_param_sets
from notes import mirror_last

from liquidity.models import episodes as epi
from liquidity.models import scenarios
from liquidity.core.errors import InputError


def test_detects_peak_to_trough_falls_above_the_size_and_ignores_small_rebounds():
    idx = pd.date_range("2021-01-06", periods=12, freq="W-WED")
    tga = pd.Series([1000, 1100, 900, 950, 700, 500, 560, 400, 600, 800, 790, 300], index=idx, dtype=float)
    found = epi.detect_drawdowns(tga, min_size=300, min_recovery=150)
    # 1100 -> 400 (the +60 rebound does not end it; +200 to 600 does), then 800 -> 300 at the end of the data
    assert [(d.start, d.end, d.size) for d in found] == [(idx[1], idx[7], 700.0), (idx[9], idx[11], 500.0)]
    assert epi.detect_drawdowns(tga, min_size=600, min_recovery=150)[0].tga_start == 1100
    with pytest.raises(InputError, match="drawdown_min_bn"):
        epi.detect_drawdowns(tga, 0)


def test_rebounds_inside_a_debt_limit_period_do_not_split_a_drawdown():
    idx = pd.date_range("2023-01-04", periods=10, freq="W-WED")
    tga = pd.Series([600, 500, 350, 150, 400, 300, 100, 60, 400, 700], index=idx, dtype=float)
    plain = epi.detect_drawdowns(tga, 300, 150)
    assert [(d.start, d.end) for d in plain] == [(idx[0], idx[3]), (idx[4], idx[7])]   # split by the rebound
    merged = epi.detect_drawdowns(tga, 300, 150, merge_within=[("2023-01-19", "2023-06-03")])
    assert [(d.start, d.end, d.size) for d in merged] == [(idx[0], idx[7], 540.0)]


def test_change_between_uses_values_on_or_before_each_date():
    s = pd.Series([100.0, 110.0, 121.0], index=pd.to_datetime(["2021-01-04", "2021-01-08", "2021-01-15"]))
    assert epi.change_between(s, "2021-01-06", "2021-01-16") == pytest.approx(21.0)
    assert epi.change_between(s, "2021-01-06", "2021-01-16", pct=True) == pytest.approx(21.0)
    assert epi.change_between(None, "2021-01-06", "2021-01-16") is None
    assert epi.change_between(s, "2020-01-01", "2021-01-16") is None   # nothing on or before the start


def test_the_2021_drawdown_on_the_mirror(ds):
    from liquidity.data.events import load_events

    limits = load_events(kinds={"debt_limit"})
    found = epi.detect_drawdowns(ds.series("WTREGEN"), 300, 150, merge_within=list(zip(limits["date"], limits["end"])))
    d21 = [d for d in found if d.end.year == 2021]
    assert len(d21) == 1
    d = d21[0]
    assert d.start == pd.Timestamp("2021-01-06") and d.end == pd.Timestamp("2021-10-13")
    assert d.tga_start == pytest.approx(1669.327) and d.tga_end == pytest.approx(77.858)
    assert 1500 < d.size < 1700                                    # "the 2021 fall from about $1.6tn"
    d23 = [d for d in found if d.end.year == 2023 and d.end.month == 6]    # the 2023 debt-limit drawdown, whole
    assert len(d23) == 1 and d23[0].start == pd.Timestamp("2023-02-01") and d23[0].tga_end == pytest.approx(45, abs=1)
    d25 = [d for d in found if d.end.year == 2025]
    assert len(d25) == 1 and d25[0].end == pd.Timestamp("2025-07-16")     # not split by the April 2025 tax date


def test_scenario_tga_release_and_rmps_add_up_to_reserves():
    # TGA release of 100 and 40 of bills bought; ON RRP takes half of each TGA change back (a TGA fall of 25 a
    # week sends 12.5 a week into ON RRP): reserves rise by 100 + 40 - 50 - 4 of currency
    weeks = scenarios.wednesdays("2025-11-12", "2025-12-10")
    start = scenarios.Start(pd.Timestamp("2025-11-12"), 2850.0, 6580.0, 950.0, 0.0)
    tga = scenarios.tga_path(scenarios.TgaSpec(850.0, pd.Timestamp("2025-12-10")), "2025-11-12", 950.0, weeks)
    assets = pd.Series(6580.0 + np.array([10.0, 20.0, 30.0, 40.0]), index=weeks)
    out = scenarios.project_reserves(start, tga, assets, rrp_offset=0.5, currency_per_week=1.0)
    assert out["rrp"].tolist() == pytest.approx([12.5, 25.0, 37.5, 50.0])
    assert out["reserves"].iloc[-1] == pytest.approx(2850 + 100 + 40 - 50 - 4)
    assert out["net_liquidity"].iloc[-1] == pytest.approx(6620 - 850 - 50)


@pytest.mark.notebook
def test_stealth_qe_parameter_sets_record_values_from_the_mirror(published):
    d = published.results("stealth_qe", "default")
    e21 = [e for e in d["episodes"] if e["start"] == "2021-01-06"]
    assert len(e21) == 1 and e21[0]["end"] == "2021-10-13" and e21[0]["tga_start_bn"] == pytest.approx(1669.327)
    assert e21[0]["reserves_change_bn"] > 1000 and e21[0]["sp500_change_pct"] is not None
    assert set(d["episodes"][0]) == {"start", "end", "tga_start_bn", "tga_end_bn", "reserves_change_bn",
                                     "net_liquidity_change_bn", "sp500_change_pct", "btc_change_pct"}
    day, value = mirror_last("WTREGEN")                     # the scenario starts on the identity's last week
    assert (d["tga_now_date"], d["tga_now_bn"]) == (day, pytest.approx(value / 1000))
    assert d["tga_release_bn"] == pytest.approx(value / 1000 - 850)
    assert d["realized_reserves_end_bn"] is None and d["srf_days_marked"] > 0

    nov, dec = published.results("stealth_qe", "as_of_2025_11_17"), published.results("stealth_qe", "as_of_2025_12_12")
    assert nov["tga_now_bn"] == pytest.approx(953.816) and nov["tga_release_bn"] == pytest.approx(103.816)
    # as announced on 17 Nov 2025 there are no RMPs; they appear with hindsight, and as announced from 10 Dec
    assert nov["rmp_total_bn"] == 0.0 and nov["hindsight_rmp_total_bn"] > 100
    assert dec["rmp_total_bn"] > 100 and dec["decisions_after_as_of"] == []
    assert nov["projection_end_date"] == "2026-03-25"
    assert nov["realized_reserves_end_bn"] == pytest.approx(2993.955)
    assert nov["projection_error_bn"] == pytest.approx(nov["projected_reserves_end_bn"] - 2993.955, abs=1e-5)
    # purchases are the whole difference between the two paths (same TGA path, same offset)
    assert nov["hindsight_projected_reserves_end_bn"] - nov["projected_reserves_end_bn"] == pytest.approx(
        nov["hindsight_rmp_total_bn"], abs=1e-4)
    assert nov["projection_error_bn"] < 0 < nov["hindsight_projection_error_bn"]   # what happened lies between

    e = published.results("stealth_qe", "episode_2021")
    assert e["tga_now_bn"] == pytest.approx(1625.325)
    assert e["rmp_total_bn"] == pytest.approx(120 * 4 + 120 * 28 / 35)   # QE's $120bn a month, decided 16 Dec 2020
    assert e["realized_reserves_end_bn"] is not None and e["hindsight_projected_reserves_end_bn"] is None


@pytest.mark.notebook
def test_stealth_qe_findings_say_what_the_numbers_say(published):
    from liquidity.publish.i18n import fmt
    from notes import plain, sentence

    nov = published.results("stealth_qe", "as_of_2025_11_17")
    f = [plain(x) for x in published.findings("stealth_qe", "as_of_2025_11_17")]
    s = sentence(f, "The TGA stood at")
    assert f"{fmt.bn(953.816)} (week average to 12 Nov 2025)" in s and f"releases {fmt.bn(103.816)}" in s
    assert "add no purchases" in s and f"{fmt.bn(nov['mbs_to_bills_bn'])} of MBS principal" in s
    s = sentence(f, "With hindsight")
    assert f"purchases would be {fmt.bn(nov['hindsight_rmp_total_bn'])}" in s
    s = sentence(f, "What happened")
    assert fmt.bn(nov["projection_error_bn"], sign=True) in s and fmt.bn(nov["hindsight_projection_error_bn"], sign=True) in s
    drawdowns = [x for x in f if x.startswith("Drawdown")]
    assert any("to 16 Jul 2025" in x for x in drawdowns)            # the 2025 drawdown (it starts in Nov 2024)
    e = [plain(x) for x in published.findings("stealth_qe", "episode_2021")]
    assert not any(x.startswith("With hindsight") for x in e)       # later decisions change nothing before July 2021

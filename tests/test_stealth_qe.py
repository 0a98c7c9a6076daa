"""Stealth QE: drawdown detection on small series and on the mirror (the 2021 fall), scenario arithmetic, and
the notebook through the runner."""
import numpy as np
import pandas as pd
import pytest
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


def test_the_drivers_are_the_decisions_that_buy_or_reinvest_inside_the_window():
    from liquidity.models import stealth

    nov = stealth.drivers("2025-11-17", pd.Period("2025-11"), pd.Period("2026-03"), after_bn=20.0)
    assert nov == stealth.Drivers((), "qt2_end", None)                     # runoff ended; no RMPs known yet
    dec = stealth.drivers("2025-12-12", pd.Period("2025-12"), pd.Period("2026-03"), after_bn=20.0)
    assert dec.purchases == ("rmp_2025_12",) and dec.assumed_from is None   # the elevated phase runs to April
    late = stealth.drivers("2026-08-19", pd.Period("2026-08"), pd.Period("2026-09"), after_bn=20.0)
    assert late.purchases == ("rmp_2025_12",) and late.assumed_from == pd.Period("2026-05")   # our assumed pace
    assert stealth.drivers("2026-08-19", pd.Period("2026-08"), pd.Period("2026-09")).purchases == ()
    qe = stealth.drivers("2021-02-05", pd.Period("2021-02"), pd.Period("2021-06"))
    assert qe.purchases == ("qe_pace_2020_12",) and qe.ids() == ["qe_pace_2020_12", "qt1_end"]


def test_correlations_carry_intervals_at_the_house_level_and_leads_are_found():
    from statistics import NormalDist

    from liquidity.core.rules import SIGNIFICANCE
    from liquidity.models import stealth

    rng = np.random.default_rng(11)
    idx = pd.date_range("2020-01-01", periods=300, freq="W-WED")
    x = pd.Series(rng.normal(0, 1, 300), index=idx)
    y = x.shift(2) + pd.Series(rng.normal(0, 0.3, 300), index=idx)     # returns follow the changes two weeks later
    lags = stealth.lead_lag(x, y, 4)
    assert lags["lag"].tolist() == list(range(-4, 5)) and stealth.strongest(lags)["lag"] == 2
    best = stealth.strongest(lags)
    z = NormalDist().inv_cdf(1 - SIGNIFICANCE / 2)
    se = 1 / np.sqrt(best["n"] - 3)
    assert best["high"] == pytest.approx(np.tanh(np.arctanh(best["corr"]) + z * se))
    assert lags.set_index("lag").loc[0, "low"] < 0 < lags.set_index("lag").loc[0, "high"]   # no link at lag 0
    roll = stealth.rolling_correlation(x, 2 * x + 1, 26)
    assert (roll["corr"] > 0.99).all() and (roll["low"] <= roll["corr"]).all()


def test_weekly_log_returns_use_the_last_close_on_or_before_each_wednesday():
    from liquidity.models import stealth

    prices = pd.Series([100.0, 110.0, 121.0], index=pd.to_datetime(["2025-01-07", "2025-01-14", "2025-01-21"]))
    wednesdays = pd.DatetimeIndex(["2025-01-08", "2025-01-15", "2025-01-22"])
    out = stealth.weekly_log_returns(prices, wednesdays)
    assert out.iloc[1:].tolist() == pytest.approx([np.log(1.1), np.log(1.1)]) and np.isnan(out.iloc[0])
    assert stealth.weekly_log_returns(None, wednesdays) is None


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
def test_stealth_qe_findings_are_claims_that_say_what_the_series_say(published, mirrored):
    """The TGA's level is data, its path an assumption, the purchases and paths a model's, each decision says who
    decided it and when, what came after the as-of date is hindsight, the pace after the RMPs' elevated phase reads as
    this note's assumption, and the drawdowns shown are the latest and the largest of the table, as the note says."""
    import liquidity as lq
    from notes import plain, sentence

    tga = lq.Dataset(as_of="2025-11-17").series("WTREGEN")
    nov = published.results("stealth_qe", "as_of_2025_11_17")
    c = published.claims("stealth_qe", "as_of_2025_11_17")
    assert (c["tga_now"]["measure"], c["tga_now"]["date"], c["tga_now"]["expect"]) == (
        "tga_week_avg", "2025-11-12", pytest.approx(tga["2025-11-12"]))
    assert (c["tga_path"]["provenance"], c["tga_path"]["value"], c["tga_path"]["date"]) == ("assumption", 850.0,
                                                                                            "2025-12-31")
    # as announced on 17 Nov 2025: the end of runoff (29 Oct) and no purchases; the RMPs (10 Dec) are hindsight
    assert (c["known_qt_end"]["kind"], c["known_qt_end"]["announced"], c["known_qt_end"]["who"]) == (
        "decision", "2025-10-29", "the FOMC")
    assert c["rmp_total"]["value"] == nov["rmp_total_bn"] == 0.0 and "purchases_after" not in c
    rmp = c["later_rmp_2025_12"]
    assert (rmp["provenance"], rmp["announced"], rmp["as_of"]) == ("hindsight", "2025-12-10", "2025-11-17")
    assert c["hindsight_rmp_total"]["value"] == pytest.approx(nov["hindsight_rmp_total_bn"])
    assert c["realized_end"]["provenance"] == "hindsight" and c["realized_end"]["expect"] == pytest.approx(2993.955)
    assert c["error"]["value"] == pytest.approx(nov["projection_error_bn"])
    # the drawdowns: every row is in the table; the findings show the latest and the largest and say so
    d21 = [e for e in nov["episodes"] if e["start"] == "2021-01-06"][0]
    assert c["largest_tga"]["window"] == ["2021-01-06", "2021-10-13"]
    assert c["largest_tga"]["expect"] == pytest.approx(tga["2021-10-13"] - tga["2021-01-06"])
    assert c["largest_reserves"]["expect"] == pytest.approx(d21["reserves_change_bn"])
    assert c["latest_tga"]["window"] == [nov["episodes"][-1]["start"], nov["episodes"][-1]["end"]]
    f = [plain(x) for x in published.findings("stealth_qe", "as_of_2025_11_17")]
    assert "we assume a straight-line TGA path to a level of $850bn by 31 Dec 2025" in sentence(f, "we assume")
    s = sentence(f, "from 6 Jan 2021 to 13 Oct 2021, the TGA (week average) fell $1.59tn")
    assert s.endswith("(the latest and the largest of the drawdowns in the table).")
    hindsight = sentence(f, "With hindsight")
    assert "With hindsight (published after 17 Nov 2025), the FOMC decided on 10 Dec 2025" in hindsight

    # on the newest data: the pace after the elevated phase is the note's assumption, not a decision
    d = published.claims("stealth_qe", "default")
    assert (d["purchases_after"]["provenance"], d["purchases_after"]["value"], d["purchases_after"]["unit"],
            d["purchases_after"]["start"]) == ("assumption", 20.0, "bn_month", "2026-05-01")
    assert d["known_rmp_2025_12"]["kind"] == "decision"
    assert "we assume purchases after the stated elevated phase of the programme of $20bn a month from 1 May 2026" in \
        sentence([plain(x) for x in published.findings("stealth_qe", "default")], "we assume purchases")
    e = published.claims("stealth_qe", "episode_2021")
    assert not any(v["provenance"] == "hindsight" and v["kind"] == "decision" for v in e.values())
    assert e["known_qe_pace_2020_12"]["announced"] == "2020-12-16"

"""2019 replay: event-time helpers on small frames, the September 2019 figures on the mirror, the notebook."""
import numpy as np
import pandas as pd
import pytest
from notebook_runs import run_param_sets
from notes import mirror_last

from liquidity.models import episodes as epi


def test_business_offsets_and_event_window():
    days = pd.bdate_range("2019-09-10", "2019-09-24")
    values = pd.Series(np.arange(len(days), dtype=float), index=days)
    win = epi.event_window(values, "2019-09-17", before=2, after=3)
    assert win["offset"].tolist() == [-2, -1, 0, 1, 2, 3]
    assert win["date"].iloc[0] == pd.Timestamp("2019-09-13")      # two business days before a Tuesday
    assert epi.peak(values, "2019-09-17", 2, 3) == (8.0, pd.Timestamp("2019-09-20"))
    assert epi.peak(values, "2019-09-17", 2, 3, low=True) == (3.0, pd.Timestamp("2019-09-13"))


def test_week_of_weekly_jump_and_change_over():
    assert epi.week_of("2019-09-17") == pd.Timestamp("2019-09-18")
    assert epi.week_of("2019-09-18") == pd.Timestamp("2019-09-18")
    wed = pd.Series([183.6, 303.1], index=pd.to_datetime(["2019-09-11", "2019-09-18"]))
    jump, frm, to = epi.weekly_jump(wed, "2019-09-16")
    assert jump == pytest.approx(119.5) and frm == pd.Timestamp("2019-09-11") and to == pd.Timestamp("2019-09-18")
    s = pd.Series([100.0, 130.0], index=pd.to_datetime(["2019-06-14", "2019-09-16"]))
    assert epi.change_over(s, "2019-09-17", 3) == pytest.approx(30.0)


def test_september_2019_on_the_mirror(ds):
    sofr_iorb = ds.measure("sofr_iorb")
    spread, day = epi.peak(sofr_iorb, "2019-09-17", 20, 20)
    assert spread == pytest.approx(315.0) and day == pd.Timestamp("2019-09-17")
    assert epi.value_at(ds.measure("sofr"), day)[0] == 5.25
    low, week = epi.peak(ds.measure("reserves"), "2019-09-17", 20, 20, low=True)
    assert week == pd.Timestamp("2019-09-18") and low == pytest.approx(1394.122)
    jump, _, _ = epi.weekly_jump(ds.series("WDTGAL"), "2019-09-17")
    assert jump == pytest.approx(119.476)                       # the ~$120bn two-day drain, in the weekly data


@pytest.mark.notebook
def test_replay_parameter_sets_record_values_from_the_mirror(published):
    res = {s: published.results("replay_2019", s) for s in ("default", "quarter_end_2025_09_30", "as_of_2025_11_17")}
    for r in res.values():
        assert r["sofr_peak_2019_pct"] == 5.25 and r["sofr_peak_2019_date"] == "2019-09-17"
        assert r["effr_peak_2019_pct"] == 2.30 and r["sofr_iorb_peak_2019_bp"] == pytest.approx(315.0)
        assert r["reserves_low_2019_bn"] == pytest.approx(1394.122) and r["reserves_low_2019_date"] == "2019-09-18"
        # the week of 18 Sep 2019 over the GDP published by then (2019Q2), not the quarter it falls in
        assert r["reserves_gdp_2019_pct"] == pytest.approx(1394.122 / 21397.938 * 100, rel=1e-6)
        assert r["counterfactual_shock_bn"] == pytest.approx(119.476)
        assert not r["counterfactual_fit_degenerate"]                       # the EFFR curve is one: it may predict
        assert r["counterfactual_ci_low"] <= r["counterfactual_spread_bp"] <= r["counterfactual_ci_high"]
        assert r["first_decisions_2019"] == ["repo_ops_2019"]             # announced on day 0, in response
    d = res["default"]
    assert d["sofr_peak_2025_pct"] == 4.22 and d["sofr_peak_2025_date"] == "2025-10-31"
    assert d["sofr_iorb_peak_2025_bp"] == pytest.approx(32.0) and d["srf_peak_2025_bn"] == pytest.approx(50.35)
    assert d["counterfactual_reserves_bn"] == pytest.approx(mirror_last("WRESBAL")[1] / 1000)   # today's reserves
    assert d["tga_change_3m_2025_bn"] > 400                      # the rebuild: TGA up several hundred billion
    # the 29 Oct decision came before day 0 (31 Oct) and is not a response; the next decisions were on 10 Dec
    assert d["first_decisions_2025"] == ["cut_2025_12", "rmp_2025_12"] and not d["first_decisions_2025_after_as_of"]
    nov = res["as_of_2025_11_17"]
    assert nov["counterfactual_reserves_bn"] == pytest.approx(2855.03)
    assert nov["first_decisions_2025_after_as_of"]               # as of 17 Nov that is hindsight
    q = res["quarter_end_2025_09_30"]
    assert q["episode_b_date"] == "2025-09-30" and q["sofr_iorb_peak_2025_bp"] < 32.0
    assert q["first_decisions_2025"] == ["cut_2025_10", "qt2_end"]


@pytest.mark.notebook
def test_replay_shows_levels_without_signs_and_marks_hindsight(published):
    html = published.path("replay_2019", "as_of_2025_11_17", ext="html").read_text()
    assert ">$1.39tn<" in html and ">+$1.39tn<" not in html           # a level is not a change
    assert "Cut to 3.50-3.75%; Reserve management purchases begin (~$40bn/month) (announced 10 Dec 2025) — after as_of" in html

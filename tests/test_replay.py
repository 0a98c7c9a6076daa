"""2019 replay: event-time helpers on small frames, the September 2019 figures on the mirror, the notebook."""
import numpy as np
import pandas as pd
import pytest
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


def test_window_bounds_hold_exactly_the_event_window():
    start, end = epi.window_bounds("2019-09-17", 20, 20)
    assert (start, end) == (pd.Timestamp("2019-08-20"), pd.Timestamp("2019-10-15"))
    days = pd.bdate_range("2019-08-01", "2019-10-31")
    win = epi.event_window(pd.Series(1.0, index=days), "2019-09-17", 20, 20)
    assert win["date"].min() == start and win["date"].max() == end
    assert ((days >= start) & (days <= end)).sum() == len(win)


def test_the_first_response_is_the_first_decision_announced_on_or_after_day_0():
    ev = pd.DataFrame({"id": ["before", "a", "b", "later"],
                       "announced": pd.to_datetime(["2025-10-29", "2025-12-10", "2025-12-10", "2026-01-28"])})
    assert epi.first_response(ev, "2025-10-31")["id"].tolist() == ["a", "b"]
    assert epi.first_response(ev, "2025-10-29")["id"].tolist() == ["before"]      # announced on day 0 counts
    assert epi.first_response(ev, "2026-02-01") is None


def test_episode_summary_dates_every_figure(ds):
    from liquidity.data.events import load_events

    s = epi.episode_summary(ds, "2019-09-17", 20, 20, ds.measure("repo_treasury"), load_events(kinds={"fed"}))
    assert s["window"] == (pd.Timestamp("2019-08-20"), pd.Timestamp("2019-10-15"))
    assert s["sofr_iorb_peak"] == (pytest.approx(315.0), pd.Timestamp("2019-09-17"))
    assert s["sofr_peak"] == (5.25, pd.Timestamp("2019-09-17")) and s["effr_peak"][0] == 2.30
    assert s["reserves_low"] == (pytest.approx(1394.122), pd.Timestamp("2019-09-18"))
    tga = ds.measure("tga")
    change, frm, to = s["tga_change_3m"]
    assert (frm, to) == (pd.Timestamp("2019-06-12"), pd.Timestamp("2019-09-11"))
    assert change == pytest.approx(tga[to] - tga[frm])
    assert s["response"]["id"].tolist() == ["repo_ops_2019"] and not s["response_after_as_of"]


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
def test_replay_findings_are_claims_that_say_what_the_series_say(published, mirrored):
    """Each episode's figures are claims recomputed from the raw series over the event window (cut at the end of the
    data), named as they were named then (IOER in 2019); the responses are decisions with who and when, learned with
    hindsight when announced after the as-of date; the shock is the 2019 TGA jump, taken as an assumption."""
    import liquidity as lq
    from notes import plain, sentence

    ds = lq.Dataset()
    sofr, ioer, wdtgal = ds.series("SOFR"), ds.series("IOER"), ds.series("WDTGAL")
    c = published.claims("replay_2019", "as_of_2025_11_17")
    spread = ((sofr - ioer.reindex(sofr.index)) * 100)["2019-08-20":"2019-10-15"]
    assert (c["a_spread_peak"]["measure"], c["a_spread_peak"]["window"]) == ("sofr_iorb", ["2019-08-20", "2019-10-15"])
    assert (c["a_spread_peak"]["at"], c["a_spread_peak"]["expect"]) == ("2019-09-17", pytest.approx(spread.max()))
    assert c["a_sofr"]["expect"] == sofr["2019-09-17"] == 5.25
    assert (c["a_reserves_low"]["at"], c["a_reserves_low"]["expect"]) == ("2019-09-18", pytest.approx(1394.122))
    # the 2025 window ends where the data of 17 Nov 2025 end, not 20 business days after day 0
    assert c["b_spread_peak"]["window"] == ["2025-10-03", "2025-11-14"]
    assert (c["b_lending"]["measure"], c["b_lending"]["at"]) == ("srf_usage", "2025-10-31")
    assert c["a_lending"]["measure"] == "repo_treasury"                  # no SRF in 2019: the ad hoc operations
    tga3 = c["b_tga_3m"]
    assert tga3["kind"] == "change" and tga3["window"] == ["2025-07-30", "2025-10-29"]
    assert tga3["expect"] == pytest.approx(wdtgal["2025-10-29"] - wdtgal["2025-07-30"])
    assert (c["a_response_1"]["provenance"], c["a_response_1"]["who"]) == ("decision", "the New York Fed")
    later = [c[k] for k in ("b_response_1", "b_response_2")]
    assert all(x["provenance"] == "hindsight" and x["announced"] == "2025-12-10" for x in later)
    assert c["shock_source"]["expect"] == pytest.approx(119.476) and c["shock"]["provenance"] == "assumption"
    nov = published.results("replay_2019", "as_of_2025_11_17")
    assert c["counterfactual"]["value"] == pytest.approx(nov["counterfactual_spread_bp"])
    f = [plain(x) for x in published.findings("replay_2019", "as_of_2025_11_17")]
    assert sentence(f, "SOFR - IOER peaked at 315bp on 17 Sep 2019").startswith("SOFR - IOER peaked")
    s = sentence(f, "Fed repo operations (Treasury collateral) peaked")
    assert "with hindsight (published after 17 Nov 2025), the FOMC decided on 10 Dec 2025" in s
    assert s.endswith("(the decisions shown are the first Fed decisions announced on or after each day 0).")
    zh = published.findings("replay_2019", "as_of_2025_11_17", "zh")
    assert any("SOFR-IOER利差" in x for x in zh)
    # the caveat on reserves over GDP carries the two ratios as claims, each with its own week
    import json

    from liquidity.publish.report import CAVEATS_MIME

    nb = json.loads(published.path("replay_2019", "as_of_2025_11_17", ext="ipynb").read_text())
    caveats = [b for cell in nb["cells"] for out in cell.get("outputs", [])
               for b in (out.get("data") or {}).get(CAVEATS_MIME, [])]
    assert [x["claims"] for b in caveats for x in b["clauses"]] == [["a_reserves_gdp"], ["b_reserves_gdp"]]
    assert plain(caveats[0]["text"]).startswith("Reserves/GDP stood at 6.52% on 18 Sep 2019; reserves/GDP stood at")


@pytest.mark.notebook
def test_replay_shows_levels_without_signs_and_marks_hindsight(published):
    html = published.path("replay_2019", "as_of_2025_11_17", ext="html").read_text()
    assert ">$1.39tn<" in html and ">+$1.39tn<" not in html           # a level is not a change
    assert ("Cut to 3.50-3.75%; Reserve management purchases begin (~$40bn/month) (announced 10 Dec 2025): announced "
            "after the as-of date, with hindsight") in html

"""QT path: month-end convention, realized runoff against the caps (mirror), the projection engine, the notebook."""
import pandas as pd
import pytest
from notes import mirror_last

from liquidity.models import qt, scenarios
from liquidity.core.errors import InputError

P = pd.Period


def test_month_end_level_is_the_first_wednesday_of_the_next_month():
    weekly = pd.Series([100.0, 90.0, 80.0, 70.0, 60.0],
                       index=pd.to_datetime(["2023-01-25", "2023-02-01", "2023-02-22", "2023-03-01", "2023-03-08"]))
    levels = qt.month_end_levels(weekly)
    assert levels[P("2023-01", "M")] == 90.0 and levels[P("2023-02", "M")] == 70.0
    assert qt.month_end_dates(weekly)[P("2023-02", "M")] == pd.Timestamp("2023-03-01")


def test_realized_runoff_flags_cap_and_short_mbs():
    idx = pd.to_datetime(["2023-01-04", "2023-02-01", "2023-03-01", "2023-04-05"])
    ust = pd.Series([1000.0, 940.0, 885.0, 825.0], index=idx)
    mbs = pd.Series([500.0, 480.0, 462.0, 440.0], index=idx)
    regimes = [scenarios.CapRegime(P("2023-01", "M"), None, 60.0, 35.0, "caps 60/35")]
    out = qt.realized_runoff(ust, mbs, regimes)
    assert out["ust"].tolist() == [60.0, 55.0, 60.0] and out["mbs"].tolist() == [20.0, 18.0, 22.0]
    assert out["ust_at_cap"].tolist() == [True, True, True] and out["mbs_short"].all()
    table = qt.by_regime(out)
    assert table.loc["caps 60/35", "months"] == 3 and table.loc["caps 60/35", "UST max"] == 60.0
    assert qt.paydown_rate(out, months=2) == pytest.approx((18 / 480 + 22 / 462) / 2)


def test_projection_matches_hand_computed_schedule_with_caps_and_end():
    spec = scenarios.QtSpec(caps=[scenarios.CapRegime(P("2025-01", "M"), None, 5.0, 35.0)], mbs_paydown_rate=0.01,
                            qt_end=P("2025-03", "M"),
                            purchases=[scenarios.Schedule(P("2025-03", "M"), P("2025-03", "M"), 40.0)])
    out = scenarios.project_holdings(spec, P("2024-12", "M"), treasuries=1000.0, mbs=1000.0, other_assets=100.0,
                                     months=3)
    # Jan: UST 1000-5 = 995; MBS pays 10 (< cap 35) -> 990; assets 995+990+100 = 2085
    # Feb: UST 990; MBS pays 9.9 -> 980.1; assets 2070.1
    # Mar (QT over): MBS pays 9.801, reinvested in bills; RMP 40 -> UST 990+9.801+40 = 1039.801; MBS 970.299
    assert out["treasuries"].tolist() == pytest.approx([995.0, 990.0, 1039.801])
    assert out["mbs"].tolist() == pytest.approx([990.0, 980.1, 970.299])
    assert out["fed_assets"].tolist() == pytest.approx([2085.0, 2070.1, 2110.1])
    assert out["bills_bought"].tolist() == [0.0, 0.0, 40.0]


def test_projection_reinvests_mbs_above_the_cap_and_applies_a_total_cap():
    caps = [scenarios.CapRegime(P("2025-01", "M"), P("2025-01", "M"), 60.0, 35.0),
            scenarios.CapRegime(P("2025-02", "M"), None, 60.0, 35.0, total_cap=15.0)]
    out = scenarios.project_holdings(scenarios.QtSpec(caps=caps, mbs_paydown_rate=0.05), P("2024-12", "M"),
                                     treasuries=500.0, mbs=1000.0, other_assets=0.0, months=2)
    # Jan: MBS pays 50 > cap 35: 15 into Treasuries; UST 500-60+15 = 455; MBS 950; assets 1405 (runoff 95)
    # Feb: total cap 15; MBS pays 47.5, counts 15, 32.5 into Treasuries, no Treasury runoff: UST 487.5, MBS 902.5
    assert out["treasuries"].tolist() == pytest.approx([455.0, 487.5])
    assert out["mbs"].tolist() == pytest.approx([950.0, 902.5])
    assert out["fed_assets"].diff().iloc[-1] == pytest.approx(-15.0)


def test_paydown_rate_out_of_range_is_an_input_error():
    with pytest.raises(InputError, match="mbs_paydown_pct=20"):
        scenarios.project_holdings(scenarios.QtSpec(caps=[], mbs_paydown_rate=0.2), P("2024-12", "M"), 1, 1, 0, 1)


def test_decisions_known_at_a_date_set_caps_end_and_purchases():
    # as of 17 Nov 2025: the end of runoff (decided 29 Oct) is known, the RMPs (decided 10 Dec) are not
    nov = qt.spec_as_known("2025-11-17", 0.01, purchases_after_bn=20)
    assert nov.qt_end == P("2025-12", "M")
    assert nov.caps[-1].start == P("2025-04", "M") and nov.caps[-1].end == P("2025-11", "M")
    assert nov.caps[-1].ust_cap == 5 and nov.caps[-1].mbs_cap == 35
    assert all(scenarios.purchases_in(nov.purchases, P(m, "M")) == 0 for m in ("2025-12", "2026-03", "2026-09"))
    dec = qt.spec_as_known("2025-12-10", 0.01, purchases_after_bn=20)       # announced that day: known
    assert [scenarios.purchases_in(dec.purchases, P(m, "M")) for m in ("2025-11", "2025-12", "2026-04", "2026-05")] \
        == [0.0, 40.0, 40.0, 20.0]
    # as of 31 Jul 2019 the end of QT1 (decided that day) is known; the bill purchases of 11 Oct are not
    jul19 = qt.spec_as_known("2019-07-31", 0.01)
    assert jul19.qt_end == P("2019-08", "M") and jul19.caps[-1].ust_cap == 15
    assert scenarios.purchases_in(jul19.purchases, P("2019-11", "M")) == 0
    assert scenarios.purchases_in(qt.spec_as_known("2019-10-11", 0.01).purchases, P("2019-11", "M")) == 60


def test_2023_runoff_stayed_within_the_caps_in_force(ds):
    runoff = qt.realized_runoff(ds.measure("treasuries_held"), ds.measure("mbs_held"))
    y2023 = runoff[(runoff.index >= P("2023-01", "M")) & (runoff.index <= P("2023-12", "M"))]
    assert len(y2023) == 12 and (y2023["ust_cap"] == 60).all() and (y2023["mbs_cap"] == 35).all()
    # Treasury runoff at the cap, never more than the cap plus $2bn (TIPS inflation compensation, timing)
    assert (y2023["ust"] <= y2023["ust_cap"] + 2.0).all() and y2023["ust"].mean() <= 60.0
    assert y2023["ust_at_cap"].all()
    # MBS paydowns fell short of the $35bn cap every month
    assert (y2023["mbs"] < 35).all() and y2023["mbs_short"].all()
    # the $5bn regime from April 2025
    assert runoff.loc[P("2025-06", "M"), "ust"] == pytest.approx(3.8, abs=0.1)


@pytest.mark.notebook
def test_qt_path_parameter_sets_record_values_from_the_mirror(published):
    d = published.results("qt_path", "default")
    day, value = mirror_last("WALCL")                       # the newest week of the mirror, whatever it is now
    assert d["fed_assets_bn"] == pytest.approx(value / 1000) and d["holdings_date"] == day
    assert d["treasuries_bn"] + d["mbs_bn"] < d["fed_assets_bn"]
    assert d["ust_runoff_avg_6m_bn"] < 0          # after QT: purchases and reinvestment grow Treasury holdings
    assert d["realized_fed_assets_end_bn"] is None and d["projection_error_bn"] is None

    nov = published.results("qt_path", "as_of_2025_11_17")
    assert nov["fed_assets_bn"] == pytest.approx(6580.462) and nov["projection_start_month"] == "2025-10"
    assert nov["ust_runoff_avg_6m_bn"] == pytest.approx(3.89, abs=0.05)
    assert 14 < nov["mbs_runoff_avg_6m_bn"] < 20
    # the net fall in holdings since QT2 began (runoff less reinvestment and purchases), named as what it is
    assert nov["runoff_programme_start"] == "qt2_caps_2022_06" and nov["holdings_base_date"] == "2022-05-25"
    assert nov["securities_net_change_bn"] == pytest.approx(-2213.907)
    assert nov["securities_net_change_bn"] == pytest.approx(nov["treasuries_change_bn"] + nov["mbs_change_bn"])
    # as announced on 17 Nov 2025: QT ends in December, no purchases (the RMPs were decided on 10 Dec)
    assert nov["qt_end_month_as_announced"] == "2025-12" and nov["bills_bought_as_announced_bn"] == 0.0
    assert nov["bills_bought_with_hindsight_bn"] > 0
    assert nov["projection_end_date"] == "2026-08-05"                     # the first Wednesday after July 2026
    assert nov["realized_fed_assets_end_bn"] == pytest.approx(6748.567)
    assert nov["projection_error_bn"] == pytest.approx(nov["projected_fed_assets_end_bn"] - 6748.567, abs=1e-5)
    ends = nov["scenario_fed_assets_end_bn"]
    assert ends["with_hindsight"] > ends["as_announced"] > ends["slower"] > ends["no_end"]
    assert published.results("qt_path", "no_end")["projected_fed_assets_end_bn"] == pytest.approx(ends["no_end"])
    assert published.results("qt_path", "slower_qt")["projected_fed_assets_end_bn"] == pytest.approx(ends["slower"])
    # with no end, 9 months of roughly $5bn + MBS paydowns come off the October level
    assert 6587.0 - 9 * 25 < ends["no_end"] < 6587.0 - 9 * 15

    q1 = published.results("qt_path", "end_of_qt1_2019")
    assert q1["runoff_programme_start"] == "qt1_caps_2017q4" and q1["holdings_base_date"] == "2017-09-27"
    assert q1["securities_net_change_bn"] < 0 and q1["qt_end_month_as_announced"] == "2019-08"
    assert q1["bills_bought_as_announced_bn"] == 0.0 and "bill_purchases_2019" in q1["decisions_after_as_of"]


@pytest.mark.notebook
def test_qt_path_findings_are_claims_that_say_what_the_series_say(published, mirrored):
    """Holdings fell X is a change of each holding over its own window (never today's levels presented as the parts of
    a change); a decision says who decided it and when; an assumed pace reads as an assumption; projections name
    their model and the sidecar key holding them; what came later is hindsight."""
    import liquidity as lq
    from liquidity.publish.i18n import fmt
    from notes import plain, sentence

    ds = lq.Dataset(as_of="2025-11-17")
    nov = published.results("qt_path", "as_of_2025_11_17")
    c = published.claims("qt_path", "as_of_2025_11_17")
    window = ["2022-05-25", "2025-11-12"]
    for cid, sid in (("treasuries_held_since", "TREAST"), ("mbs_held_since", "WSHOMCB"), ("fed_assets_since", "WALCL")):
        raw = ds.series(sid)
        assert (c[cid]["kind"], c[cid]["window"], c[cid]["stat"]) == ("change", window, "change")
        assert c[cid]["expect"] == pytest.approx(raw["2025-11-12"] - raw["2022-05-25"], abs=1e-5)
    start = c["programme_start"]
    assert (start["provenance"], start["who"], start["announced"], start["date"]) == ("decision", "the FOMC",
                                                                                     "2022-05-04", "2022-06-01")
    # six months of runoff: the change of each holding between the month-end levels around them
    six = ["2025-05-07", "2025-11-05"]
    for cid, sid in (("treasuries_6m", "TREAST"), ("mbs_6m", "WSHOMCB")):
        raw = ds.series(sid)
        assert c[cid]["window"] == six and c[cid]["expect"] == pytest.approx(raw[six[1]] - raw[six[0]], abs=1e-5)
    assert -c["treasuries_6m"]["expect"] / 6 == pytest.approx(nov["ust_runoff_avg_6m_bn"], abs=1e-5)
    # as announced on 17 Nov 2025: the end of QT is a decision; no purchases were known, so nothing is assumed
    assert (c["decision_qt2_end"]["provenance"], c["decision_qt2_end"]["announced"]) == ("decision", "2025-10-29")
    assert not [k for k in c if k.startswith("assumed_")]
    assert (c["assets_end"]["provenance"], c["assets_end"]["output"]) == ("model", "projected_fed_assets_end_bn")
    assert c["assets_end"]["value"] == pytest.approx(nov["projected_fed_assets_end_bn"])
    assert c["reserves_end_no_end"]["value"] == pytest.approx(nov["scenario_reserves_end_bn"]["no_end"])
    assert (c["realized_assets"]["provenance"], c["realized_assets"]["expect"]) == ("hindsight",
                                                                                    pytest.approx(6748.567))
    f = [plain(x) for x in published.findings("qt_path", "as_of_2025_11_17")]
    s = sentence(f, "from 25 May 2022 to 12 Nov 2025")
    assert s.startswith("The FOMC decided on 4 May 2022: QT2 caps $30bn UST / $17.5bn MBS, effective 1 Jun 2022")
    assert f"Treasury holdings fell {fmt.bn(-c['treasuries_held_since']['expect'])}, MBS holdings fell" in s
    assert fmt.bn(nov["treasuries_bn"]) not in s and fmt.bn(nov["mbs_bn"]) not in s     # no levels as its parts
    s = sentence(f, "QT ends")
    assert s.startswith("The FOMC decided on 29 Oct 2025: QT ends; MBS principal into bills, effective 1 Dec 2025")
    assert f"puts Fed assets as announced at {fmt.bn(nov['projected_fed_assets_end_bn'])} on 5 Aug 2026" in s
    # the end figure of the findings is the one the side-by-side table prints (one number, one place)
    html = published.path("qt_path", "as_of_2025_11_17", ext="html").read_text()
    assert f">{fmt.bn(nov['scenario_fed_assets_end_bn']['as_announced'])}<" in html
    assert "With hindsight (published after 17 Nov 2025), Fed assets stood at $6.75tn on 5 Aug 2026" in \
        sentence(f, "With hindsight")

    # the latest note: the reserve management purchases are a decision, the pace after their elevated phase ours
    d = published.claims("qt_path", "default")
    assert d["decision_rmp_2025_12"]["announced"] == "2025-12-10" and d["decision_rmp_2025_12"]["who"] == "the FOMC"
    assert (d["assumed_pace"]["provenance"], d["assumed_pace"]["value"], d["assumed_pace"]["start"]) == (
        "assumption", 20.0, "2026-05-01")
    s = sentence([plain(x) for x in published.findings("qt_path", "default")], "we assume")
    assert "we assume purchases after the programme's stated elevated phase of $20bn a month from 1 May 2026" in s
    assert "the FOMC decided on 10 Dec 2025: Reserve management purchases begin (~$40bn/month), effective " \
           "12 Dec 2025" in s
    assert any("本报告假设" in x and "每月200亿美元" in x for x in published.findings("qt_path", "default", "zh"))
    # a path that did not happen: its caps are assumptions, never decisions
    n = published.claims("qt_path", "no_end")
    assert (n["assumed_ust_cap"]["provenance"], n["assumed_ust_cap"]["value"]) == ("assumption", 5.0)
    assert not [k for k in n if k.startswith("decision_")]
    q1 = published.claims("qt_path", "end_of_qt1_2019")
    assert q1["treasuries_held_since"]["window"][0] == "2017-09-27" and "decision_qt1_end" in q1


def test_a_path_s_premises_are_decisions_with_who_and_when_and_assumptions_as_such():
    from liquidity.publish import qt_report
    from liquidity.publish.i18n import set_language

    assert qt.programme_start("2019-07-31")["id"] == "qt1_caps_2017q4"
    assert qt.programme_start("2025-11-17")["id"] == "qt2_caps_2022_06" and qt.programme_start("2017-01-01") is None
    latest = qt.spec_as_known(None, 0.005, 20.0)
    assumed = [s for s in latest.purchases if s.assumed]
    assert assumed == [scenarios.Schedule(P("2026-05", "M"), None, 20.0, assumed=True)]
    claims = qt.premise_claims(latest, None, P("2026-07", "M"))
    assert [(c.kind, c.provenance) for c in claims] == [("decision", "decision"), ("decision", "decision"),
                                                        ("assumption", "assumption")]
    assert [c.id for c in claims] == ["decision_qt2_end", "decision_rmp_2025_12", "assumed_pace"]
    assert claims[2].value == 20.0 and claims[2].start == pd.Timestamp("2026-05-01")
    nov = qt.spec_as_known("2025-11-17", 0.005, 20.0)
    assert [c.id for c in qt.premise_claims(nov, "2025-11-17", P("2025-10", "M"))] == ["decision_qt2_end"]
    caps = qt.cap_claims(scenarios.CapRegime(P("2025-11", "M"), None, 5.0, 35.0, total_cap=15.0))
    assert [(c.id, c.value, c.unit, c.start) for c in caps] == [
        ("assumed_ust_cap", 5.0, "bn_month", pd.Timestamp("2025-11-01")),
        ("assumed_mbs_cap", 35.0, "bn_month", pd.Timestamp("2025-11-01")),
        ("assumed_total_cap", 15.0, "bn_month", pd.Timestamp("2025-11-01"))]
    set_language("en")
    assert qt_report.purchases_text(latest, P("2026-07", "M")) == "$20bn a month from May 2026 (our assumption)"
    assert qt_report.purchases_text(nov, P("2025-10", "M")) == "no purchase programme"
    assert qt_report.end_text(nov) == "runoff ends in Dec 2025"


def test_anchor_and_weekly_changes_put_a_monthly_path_on_the_weekly_grid():
    idx = pd.to_datetime(["2025-10-29", "2025-11-05", "2025-11-12"])
    a = qt.anchor(pd.Series([4200.0, 4195.0, 4194.0], index=idx), pd.Series([2090.0, 2075.0, 2074.0], index=idx),
                  pd.Series([6590.0, 6570.0, 6568.0], index=idx))
    assert (a.month, a.date, a.fed_assets) == (P("2025-10", "M"), pd.Timestamp("2025-11-05"), 6570.0)
    assert a.other_assets == pytest.approx(6570.0 - 4195.0 - 2075.0)
    # the path rises 30 from the anchor (5 Nov) to November's month-end level, observed on the first Wednesday of
    # December (3 Dec, 28 days later), as the realized month-end levels are
    monthly = pd.Series([6600.0], index=pd.PeriodIndex(["2025-11"], freq="M"))
    assert scenarios.month_end_date(P("2025-11", "M")) == pd.Timestamp("2025-12-03")
    weeks = scenarios.wednesdays("2025-11-12", "2025-12-03")
    ch = scenarios.weekly_changes(monthly, a.date, a.fed_assets, "2025-11-12", weeks)
    assert ch.tolist() == pytest.approx([30 * 7 / 28, 30 * 14 / 28, 30 * 21 / 28])   # since 12 Nov, linear in time
    assert a.fed_assets + 30 == pytest.approx(6600.0)                                 # lands on the month-end level

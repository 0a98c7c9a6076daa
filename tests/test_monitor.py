"""Monitor analytics on small frames, and the monitor notebook through the runner (papermill)."""

import pandas as pd
import pytest
from notes import mirror_last

from liquidity.models import monitor
from liquidity.models.monitor import AlertRule, alert_claim, change_over, evaluate_alerts, used_in_window


def test_change_over_uses_the_last_observation_at_or_before_the_horizon():
    s = pd.Series([100.0, 110.0, 130.0], index=pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15"]))
    change, base = change_over(s, pd.DateOffset(weeks=1))
    assert change == 20.0 and base == pd.Timestamp("2025-01-08")
    change, base = change_over(s, pd.DateOffset(days=10))
    assert change == 30.0 and base == pd.Timestamp("2025-01-01")
    assert pd.isna(change_over(s, pd.DateOffset(months=3))[0])


def test_alerts_fire_clear_or_unknown():
    snap = {"reserves": 2900.0, "sofr_iorb": 32.0, "srf_usage": None}
    rules = [AlertRule("low", "reserves", "<", 3000, ""), AlertRule("spread", "sofr_iorb", ">=", 32, ""),
             AlertRule("srf", "srf_usage", ">", 50, ""), AlertRule("floor", "reserves", "<", 2500, "")]
    out = evaluate_alerts(snap, rules).set_index("alert")["fired"].to_dict()
    assert out == {"low": True, "spread": True, "srf": None, "floor": False}


WEDS = pd.date_range("2025-09-03", periods=6, freq="W-WED")
RESERVES = pd.Series([3100.0, 3050.0, 2990.0, 3010.0, 2960.0, 2940.0], index=WEDS)


def test_an_alert_on_the_latest_reading_is_the_run_of_observations_past_its_threshold():
    c = alert_claim(AlertRule("low", "reserves", "<", 3000.0, ""), RESERVES)
    # below since 8 Oct (the last week at or above $3tn is 1 Oct): the claims engine finds 8 Oct as the first day
    # below $3tn counting from 1 Oct
    assert (c.kind, c.direction, c.level, c.note) == ("crossing", "below", 3000.0, "already")
    assert (c.at, c.start, c.end) == (WEDS[4], WEDS[3], WEDS[5])
    clear = alert_claim(AlertRule("floor", "reserves", "<", 2500.0, ""), RESERVES)
    assert (clear.direction, clear.at, clear.start) == ("above", WEDS[0], WEDS[0])     # above on every week
    assert alert_claim(AlertRule("eq", "reserves", "<", 2940.0, ""), RESERVES) is None  # at the threshold: neither
    with pytest.raises(ValueError, match="strict"):
        alert_claim(AlertRule("ge", "sofr_iorb", ">=", 10.0, ""), RESERVES)


def test_the_srf_window_alert_is_the_count_of_days_above_its_level_in_the_window():
    days = pd.bdate_range("2025-10-27", periods=6)
    window = used_in_window(pd.Series([7.8, 10.3, 6.2, 50.35, 22.0, 0.0], index=days), 5)
    assert (window.start, window.end, window.days, window.days_used) == (days[1], days[5], 5, 4)
    c = alert_claim(AlertRule("srf", "srf_window_max", ">", 50.0, ""), window.values, "srf_usage", window=True)
    assert (c.kind, c.measure, c.value, c.total, c.level, c.start, c.end) == ("count", "srf_usage", 1.0, 5, 50.0,
                                                                               days[1], days[5])
    quiet = alert_claim(AlertRule("srf", "srf_window_max", ">", 60.0, ""), window.values, "srf_usage", window=True)
    assert quiet.value == 0.0


def test_thresholds_of_today_apply_to_notes_of_today_s_era_only():
    assert monitor.thresholds_apply(None) and monitor.thresholds_apply("2025-11-17")
    assert not monitor.thresholds_apply("2019-09-30")                       # IOER, no SRF: for comparison only
    assert monitor.thresholds_apply("2019-09-30", "2019-09-30")              # thresholds declared for 2019
    assert not monitor.thresholds_apply("2025-11-17", "2019-09-30")
    assert not monitor.srf_existed("2019-09-30") and monitor.srf_existed("2021-07-28") and monitor.srf_existed(None)


def test_window_names_follow_the_era():
    from liquidity.publish import eras

    assert eras.window_name("iorb", "2019-01-01", "2019-09-30") == "IOER"
    assert eras.window_name("iorb", "2024-01-01", "2026-08-20") == "IORB"
    assert eras.window_name("iorb", "2019-01-01", "2026-08-20") == "IOER/IORB"
    assert eras.window_name("sofr_iorb", "2019-01-01", "2019-09-30", name=False) == "SOFR - IOER"
    assert eras.top_of_range_name("2019-01-01", "2019-09-30") == "Top of range"
    assert eras.top_of_range_name("2024-01-01", None) == "Top of range (SRF rate)"
    assert eras.rate_series("2019-01-01", "2019-09-30") == ["IOER"] and eras.rate_series("2019-01-01", None) == \
        ["IOER", "IORB"]
    assert eras.thresholds_caption(None, None, True) is None
    assert eras.thresholds_caption(pd.Timestamp("2019-09-30"), None, False).startswith(
        "Today's thresholds, shown for comparison only")


@pytest.mark.notebook
def test_monitor_parameter_sets_record_values_from_the_mirror(published):
    nov = published.results("monitor", "as_of_2025_11_17")
    assert nov["as_of"] == "2025-11-17"
    assert nov["reserves_bn"] == pytest.approx(2855.03) and nov["reserves_date"] == "2025-11-12"
    # the freshest TGA reading is the DTS close of Friday 14 Nov; the Wednesday level is a measure of its own
    assert nov["tga_measure"] == "tga_daily" and nov["tga_bn"] == pytest.approx(959.113)
    assert nov["tga_date"] == "2025-11-14"
    assert nov["tga_wednesday_date"] == "2025-11-12"
    assert nov["sofr_pct"] == 3.95 and nov["iorb_pct"] == 3.90 and nov["sofr_iorb_bp"] == pytest.approx(5.0)
    assert nov["sofr_iorb_peak_bp"] == pytest.approx(32.0) and nov["sofr_iorb_peak_date"] == "2025-10-31"
    # SRF use from the NY Fed's daily total: the latest day by 17 Nov, and the 31 Oct record inside the 20-day window
    assert nov["srf_source"] == "NYFED_RP_TOTAL" and nov["srf_usage_date"] == "2025-11-17"
    assert nov["srf_window_peak_bn"] == pytest.approx(50.35) and nov["srf_window_peak_date"] == "2025-10-31"
    assert 1 <= nov["srf_days_used_20d"] <= 20
    assert set(nov["alerts"]) == {"reserves_below_alert", "srf_usage_high", "rrp_buffer_low"}
    assert nov["alerts_unknown"] == [] and nov["missing"] == []
    # decisions: the end of QT (29 Oct) was known; the December cut and the RMPs (10 Dec) were not
    assert "qt2_end" in nov["decisions_known"] and "rmp_2025_12" not in nov["decisions_known"]
    assert nov["decisions_after_as_of"] == ["cut_2025_12", "rmp_2025_12"]

    latest = published.results("monitor", "default")
    day, value = mirror_last("WRESBAL")                     # the mirror grows: compare with its newest week
    assert latest["as_of"] == "latest" and latest["reserves_date"] == day
    assert latest["reserves_bn"] == pytest.approx(value / 1000) and latest["decisions_after_as_of"] == []
    # the freshest TGA reading: the Wednesday level (WDTGAL) or the DTS close, whichever ends later
    series = published.manifest["series"]
    wednesday, daily = series["WDTGAL"]["last_observation"], series["TGA_DAILY"]["last_observation"]
    assert (latest["tga_measure"], latest["tga_date"]) == (("tga", wednesday) if wednesday >= daily else
                                                           ("tga_daily", daily))
    # net liquidity is WALCL - TGA - ON RRP on one Wednesday: it ends with the earlier of WALCL and the TGA level
    assert latest["net_liquidity_date"] == min(series["WALCL"]["last_observation"], latest["tga_wednesday_date"])
    assert "net_liquidity" in latest["behind_schedule"] and "reserves" in latest["behind_schedule"]

    sep = published.results("monitor", "sept_2019")
    assert sep["sofr_iorb_peak_bp"] == pytest.approx(315.0) and sep["sofr_iorb_peak_date"] == "2019-09-17"
    assert sep["iorb_pct"] == 1.80  # IOER after the 19 Sep 2019 technical cut
    # 2019: today's thresholds shown for comparison only; no SRF then, so its alert is not one that could fire
    assert sep["thresholds_apply"] is False and nov["thresholds_apply"] is True
    assert set(sep["alerts"]) == {"reserves_below_alert", "reserves_below_floor", "rrp_buffer_low"}
    assert sep["alerts_unknown"] == [] and sep["alerts_not_applicable"] == ["srf_usage_high"]
    assert sep["srf_usage_bn"] is None and sep["srf_window_peak_bn"] is None and "srf_usage" not in sep["missing"]


@pytest.mark.notebook
def test_monitor_findings_are_claims_that_say_what_the_series_say(published, mirrored):
    """Each finding is a structured claim in the sidecar, recomputed here from the raw series; the sentences a reader
    sees are rendered from them (and re-checked at publish)."""
    import liquidity as lq
    from notes import plain, sentence

    ds = lq.Dataset(as_of="2025-11-17")
    c = published.claims("monitor", "as_of_2025_11_17")
    res = ds.series("WRESBAL")
    res = res[res.index <= "2025-11-17"]
    base = res[res.index <= res.index[-1] - pd.DateOffset(months=3)].index[-1]
    assert (c["reserves"]["kind"], c["reserves"]["date"], c["reserves"]["stat"]) == ("level", "2025-11-12", "value")
    assert c["reserves"]["expect"] == pytest.approx(res.iloc[-1])
    assert (c["reserves_3m"]["kind"], c["reserves_3m"]["window"]) == ("change", [f"{base:%Y-%m-%d}", "2025-11-12"])
    assert c["reserves_3m"]["expect"] == pytest.approx(res.iloc[-1] - res[base])
    # each reading with its own date: the TGA's daily close of Friday 14 Nov, ON RRP on Monday 17 Nov
    tga = ds.series("TGA_DAILY")
    assert (c["tga"]["measure"], c["tga"]["date"]) == ("tga_daily", f"{tga.index[-1]:%Y-%m-%d}") == \
        ("tga_daily", "2025-11-14")
    assert c["tga"]["expect"] == pytest.approx(tga.iloc[-1])
    assert (c["rrp"]["date"], c["rrp"]["expect"]) == ("2025-11-17", pytest.approx(ds.series("RRPONTSYD").iloc[-1]))
    # SOFR, the rate on reserves and the spread on the same day
    assert [(c[k]["date"], c[k]["expect"]) for k in ("sofr", "iorb", "sofr_iorb")] == [
        ("2025-11-14", 3.95), ("2025-11-14", 3.90), ("2025-11-14", pytest.approx(5.0))]
    peak = c["sofr_iorb_peak"]
    assert (peak["kind"], peak["stat"], peak["at"], peak["window"]) == ("extreme", "max", "2025-10-31",
                                                                        ["2025-06-01", "2025-11-14"])
    assert peak["expect"] == pytest.approx(32.0)
    srf = ds.measure("srf_usage").iloc[-20:]
    days = [f"{srf.index[0]:%Y-%m-%d}", f"{srf.index[-1]:%Y-%m-%d}"]
    assert (c["srf_days"]["stat"], c["srf_days"]["window"], c["srf_days"]["expect"]) == ("count_above", days,
                                                                                         float((srf > 0).sum()))
    assert (c["srf_peak"]["at"], c["srf_peak"]["expect"]) == ("2025-10-31", pytest.approx(srf.max()))
    # the alerts that fired, each as what the data say: reserves below $3tn since the week after the last week at or
    # above it, SRF use above $50bn on one day of the window, ON RRP below $100bn since its last day above
    last_above = res[res >= 3000].index[-1]
    since = res.index[res.index > last_above][0]
    alert = c["alert_reserves_below_alert"]
    assert (alert["stat"], alert["level"], alert["window"][0], alert["expect"]) == (
        "first_below", 3000.0, f"{last_above:%Y-%m-%d}", f"{since:%Y-%m-%d}")
    assert (c["alert_srf_usage_high"]["stat"], c["alert_srf_usage_high"]["expect"]) == ("count_above",
                                                                                        float((srf > 50).sum()))
    assert "alert_reserves_below_floor" not in c and "alert_sofr_iorb_alert" not in c       # not fired: not listed
    f = [plain(x) for x in published.findings("monitor", "as_of_2025_11_17")]
    assert f"Reserves stood below $3.00tn on every observation since {since.day} Oct 2025" in sentence(
        f, "(the alerts that fired; every alert is in the table of section 2)")
    assert "On 14 Nov 2025, SOFR stood at 3.95%, IORB stood at 3.90%" in sentence(f, "SOFR stood")
    assert "SOFR - IORB peaked at 32bp on 31 Oct 2025, the highest between 1 Jun 2025 and 14 Nov 2025" in \
        sentence(f, "peaked at 32bp")
    zh = published.findings("monitor", "as_of_2025_11_17", "zh")
    assert any("已触发的预警" in x and "准备金自" in x for x in zh)


@pytest.mark.notebook
def test_a_2019_monitor_names_its_era_and_shows_today_s_thresholds_for_comparison(published):
    """IOER, never IORB, in a note about 2019 (up to its policy timeline, which lists later decisions as hindsight);
    no SRF; today's thresholds said to be for comparison only. The latest note says IORB."""
    import re

    from bs4 import BeautifulSoup
    from notes import sentence

    def before_decisions(lang):
        html = published.path("monitor", "sept_2019", lang, "html").read_text(encoding="utf-8")
        text = re.sub(r"\s+", " ", BeautifulSoup(html, "html.parser").get_text(" "))
        return text[:text.index("5. What was known" if lang == "en" else "5. 观察日已知的政策决定")]

    en, zh = before_decisions("en"), before_decisions("zh")
    assert "IOER" in en and "IORB" not in en
    assert "超额准备金利率" in zh and "IORB" not in zh and "准备金余额利率" not in zh
    assert "Today's thresholds, shown for comparison only" in en and "There was no Standing Repo Facility" in en
    f = published.findings("monitor", "sept_2019")
    assert "SOFR - IOER peaked at 315bp on 17 Sep 2019" in sentence(f, "315bp")
    assert "at today's thresholds, shown for comparison only" in sentence(f, "stood below $3.00tn")
    assert not any("SRF" in x or "IORB" in x for x in f)
    assert not any("IORB" in x or "SRF" in x for x in published.findings("monitor", "sept_2019", "zh"))
    assert any("IORB" in x for x in published.findings("monitor", "default"))
    c = published.claims("monitor", "sept_2019")
    assert "srf_days" not in c and c["iorb"]["expect"] == 1.80 and c["iorb"]["date"] == "2019-09-27"

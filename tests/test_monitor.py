"""Monitor analytics on small frames, and the monitor notebook through the runner (papermill)."""
import json

import pandas as pd
import pytest
from notes import mirror_last

from liquidity.models.monitor import AlertRule, change_over, evaluate_alerts


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


@pytest.mark.notebook
def test_monitor_parameter_sets_record_values_from_the_mirror(published):
    nov = published.results("monitor", "as_of_2025_11_17")
    assert nov["as_of"] == "2025-11-17"
    assert nov["reserves_bn"] == pytest.approx(2855.03) and nov["reserves_date"] == "2025-11-12"
    # the freshest TGA reading is the DTS close of Friday 14 Nov; the Wednesday level is a measure of its own
    assert nov["tga_measure"] == "tga_daily" and nov["tga_bn"] == pytest.approx(959.113) and nov["tga_date"] == "2025-11-14"
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
    assert "reserves_below_alert" in sep["alerts"] and sep["alerts_unknown"] == ["srf_usage_high"]


@pytest.mark.notebook
def test_monitor_findings_say_what_the_series_say(published, mirrored):
    import liquidity as lq
    from liquidity.publish.i18n import fmt
    from notes import plain, sentence, value_on_or_before

    ds = lq.Dataset(as_of="2025-11-17")
    f = [plain(x) for x in published.findings("monitor", "as_of_2025_11_17")]
    res = ds.series("WRESBAL")
    now, day = value_on_or_before(res, "2025-11-17")
    before, _ = value_on_or_before(res, day - pd.DateOffset(months=3))
    s = sentence(f, "Reserves were")
    assert f"{fmt.bn(now)} in the week to {fmt.date(day)}" in s and fmt.bn(now - before, sign=True) in s
    s = sentence(f, "The TGA was")
    assert f"{fmt.bn(ds.series('TGA_DAILY').iloc[-1])} on 14 Nov 2025 (daily close (DTS))" in s
    assert f"{fmt.bn(ds.series('RRPONTSYD').iloc[-1])} on 17 Nov 2025" in s
    spread = ds.measure("sofr_iorb")
    s = sentence(f, "SOFR was")
    assert "3.95% on 14 Nov 2025" in s and fmt.bp(spread.iloc[-1], sign=True) in s
    s = sentence(f, "peaked at")
    shown = spread[spread.index >= "2025-06-01"]
    assert f"{fmt.bp(shown.max())} on {fmt.date(shown.idxmax())}" in s
    srf = ds.measure("srf_usage").iloc[-20:]
    s = sentence(f, "The SRF was used")
    assert f"used on {int((srf > 0).sum())} of the last 20" in s and f"{fmt.bn(srf.max(), digits=2)} on 31 Oct 2025" in s
    s = sentence(f, "Alerts:")
    assert "reserves below $3.00tn" in s and "ON RRP below $100bn" in s and "reserves below $2.50tn" not in s

"""Monitor analytics on small frames, and the monitor notebook through the runner (papermill)."""
import json

import pandas as pd
import pytest

from liquidity.models.monitor import AlertRule, change_over, evaluate_alerts


def test_change_over_uses_the_last_observation_at_or_before_the_horizon():
    s = pd.Series([100.0, 110.0, 130.0], index=pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15"]))
    change, base = change_over(s, pd.DateOffset(weeks=1))
    assert change == 20.0 and base == pd.Timestamp("2025-01-08")
    change, base = change_over(s, pd.DateOffset(days=10))
    assert change == 30.0 and base == pd.Timestamp("2025-01-01")
    assert pd.isna(change_over(s, pd.DateOffset(months=3))[0])


def test_alerts_fire_clear_or_unknown():
    snap = pd.DataFrame({"value": [2900.0, 32.0, None]}, index=["reserves", "sofr_iorb", "srf_usage"])
    rules = [AlertRule("low", "reserves", "<", 3000, ""), AlertRule("spread", "sofr_iorb", ">=", 32, ""),
             AlertRule("srf", "srf_usage", ">", 50, ""), AlertRule("floor", "reserves", "<", 2500, "")]
    out = evaluate_alerts(snap, rules).set_index("alert")["fired"].to_dict()
    assert out == {"low": True, "spread": True, "srf": None, "floor": False}


@pytest.mark.notebook
def test_monitor_parameter_sets_record_values_from_the_mirror(mirrored, tmp_path):
    from liquidity.publish import runner

    tasks = runner.plan(["monitor"], params_set="all")
    report = runner.run(tasks, formats=["ipynb", "html"], jobs=2, out=tmp_path / "out")
    by_set = {t["paramset"]: t for t in report.tasks}
    assert all(t["status"] == "ok" for t in report.tasks), [t["error"] for t in report.tasks]
    res = {s: json.loads((report.run_dir / "monitor" / f"{s}.results.json").read_text()) for s in by_set}

    nov = res["as_of_2025_11_17"]
    assert nov["as_of"] == "2025-11-17"
    assert nov["reserves_bn"] == pytest.approx(2855.03) and nov["reserves_date"] == "2025-11-12"
    assert nov["tga_bn"] == pytest.approx(959.113) and nov["tga_date"] == "2025-11-14"
    assert nov["sofr_pct"] == 3.95 and nov["iorb_pct"] == 3.90 and nov["sofr_iorb_bp"] == pytest.approx(5.0)
    assert nov["sofr_iorb_peak_bp"] == pytest.approx(32.0) and nov["sofr_iorb_peak_date"] == "2025-10-31"
    assert set(nov["alerts"]) == {"reserves_below_alert", "rrp_buffer_low"}
    assert nov["alerts_unknown"] == ["srf_usage_high"] and nov["srf_usage_bn"] is None
    assert nov["net_liquidity_bn"] == pytest.approx(5631.431, abs=0.01)

    latest = res["default"]
    assert latest["as_of"] == "latest" and latest["reserves_date"] == "2026-08-19"
    assert latest["reserves_bn"] == pytest.approx(2935.287)

    sep = res["sept_2019"]
    assert sep["sofr_iorb_peak_bp"] == pytest.approx(315.0) and sep["sofr_iorb_peak_date"] == "2019-09-17"
    assert sep["iorb_pct"] == 1.80  # IOER after the 19 Sep 2019 technical cut
    assert "reserves_below_alert" in sep["alerts"]

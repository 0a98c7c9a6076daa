"""Units, prose formatting and parameter checks on small inputs with known answers."""
import pandas as pd
import pytest

from liquidity.publish import params
from liquidity.core.errors import InputError
from liquidity.core.units import fmt_bn, fmt_bp, fmt_date, fmt_pct, to_display


@pytest.mark.parametrize("value,text", [(2850.3, "$2.85tn"), (943.2, "$943bn"), (-51.8, "-$52bn"), (3.172, "$3.2bn"),
                                        (1000.0, "$1.00tn"), (None, "n/a"), (float("nan"), "n/a")])
def test_fmt_bn(value, text):
    assert fmt_bn(value) == text


def test_fmt_rates_spreads_dates():
    assert fmt_pct(4.22) == "4.22%"
    assert fmt_bp(18.0) == "18bp"
    assert fmt_bp(5.0, sign=True) == "+5bp"
    assert fmt_bp(-0.2, sign=True) == "0bp"
    assert fmt_bn(12.5, sign=True) == "+$12bn" or fmt_bn(12.5, sign=True) == "+$13bn"
    assert fmt_date("2025-10-31") == "31 Oct 2025"


def test_to_display_converts_millions_to_billions_exactly():
    s = pd.Series([6587034.0, 719542.0])
    assert to_display(s, "millions_usd").tolist() == [6587.034, 719.542]
    assert to_display(s, "billions_usd").tolist() == [6587034.0, 719542.0]
    with pytest.raises(ValueError):
        to_display(s, "furlongs")


@pytest.mark.parametrize("kwargs,message", [
    ({"as_of": "2025/10/31"}, "as_of='2025/10/31' is not allowed"),
    ({"as_of": "yesterday"}, "as_of='yesterday'"),
    ({"start": "2025-02-30"}, "not a real calendar date"),
    ({"start": "31-10-2025"}, "start='31-10-2025' is not a date"),
    ({"reserves_alert_bn": -5.0}, "must not be negative"),
    ({"reserves_alert_bn": "big"}, "must be a number"),
    ({"window_days": 0}, "whole number above zero"),
    ({"window_start": "2025-11-12", "window_end": "2025-07-01"}, "window_start='2025-11-12' is after window_end"),
    ({"spread_measure": "sofr_iorbb"}, "did you mean 'sofr_iorb'"),
])
def test_parameter_checks_name_the_parameter_and_the_rule(kwargs, message):
    with pytest.raises(InputError) as err:
        params.check(**kwargs)
    assert message in str(err.value)


def test_good_parameters_pass_unchanged():
    given = {"as_of": "latest", "start": "2024-01-01", "end": "latest", "shock_bn": 120.0, "tga_change_bn": -50.0}
    assert params.check(**given) == given
    assert params.parse_as_of("latest") is None
    assert params.parse_as_of("2025-11-17") == pd.Timestamp("2025-11-17")


def test_type_checks_from_annotations():
    assert params.check_type("x", 3, "float") == 3.0
    with pytest.raises(InputError, match="must be of type float"):
        params.check_type("x", "3", "float")
    with pytest.raises(InputError, match="not bool"):
        params.check_type("x", True, "int")
    assert params.check_type("x", None, "str | None") is None


def test_relative_path_settings_are_taken_from_the_project_root(monkeypatch, tmp_path):
    from liquidity.core import paths

    monkeypatch.chdir(tmp_path)                            # e.g. a kernel started in another folder
    monkeypatch.setenv("LIQUIDITY_ROOT", str(paths._PKG_ROOT))
    monkeypatch.setenv("LIQUIDITY_MIRROR", "../shared/data")
    assert paths.mirror_dir() == (paths._PKG_ROOT / ".." / "shared" / "data").resolve()
    paths.absolutize_env()
    import os
    assert os.environ["LIQUIDITY_MIRROR"] == str((paths._PKG_ROOT / ".." / "shared" / "data").resolve())


def test_choice_shape_points_and_relative_date_rules():
    import pandas as pd

    from liquidity.publish import params
    from liquidity.core.errors import InputError

    with pytest.raises(InputError, match=r"qt_scenario='no-end' is not allowed: choose one of as_announced, no_end, "
                                         r"slower \(did you mean 'no_end'\?\)"):
        params.check(qt_scenario="no-end")
    with pytest.raises(InputError, match="tga_shape='curvy' is not allowed"):
        params.check(tga_shape="curvy")
    with pytest.raises(InputError, match=r"tga_points\[0\].date='2025-13-01' is not a real calendar date"):
        params.check(tga_points=[{"date": "2025-13-01", "level_bn": 900}])
    params.check(tga_target_date="next_quarter_end", tga_step_date=None, tga_points=[])
    assert params.resolve_date("next_quarter_end", "d", "2026-08-12") == pd.Timestamp("2026-09-30")
    assert params.resolve_date("next_quarter_end", "d", "2026-09-10") == pd.Timestamp("2026-12-31")
    assert params.resolve_date("2025-12-31", "d", "2026-09-10") == pd.Timestamp("2025-12-31")

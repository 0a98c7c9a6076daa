"""Units, prose formatting and parameter checks on small inputs with known answers."""
import pandas as pd
import pytest

from liquidity import params
from liquidity.errors import InputError
from liquidity.units import fmt_bn, fmt_bp, fmt_date, fmt_pct, to_display


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

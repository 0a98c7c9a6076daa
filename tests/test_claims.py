"""Claims check: statistics with known answers, tolerances, dates, malformed files, the example file's verdicts."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from liquidity.models.claims import Claim, compute_stat, evaluate, load_claims, run_claims
from liquidity.core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
WEEK = pd.Series([100.0, 110.0, 90.0, 120.0], index=pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15",
                                                                      "2025-01-22"]))


@pytest.mark.parametrize("stat,answer", [("value", 120.0), ("mean", 105.0), ("min", 90.0), ("max", 120.0),
                                         ("change", 20.0), ("pct_change", 20.0)])
def test_each_stat_on_a_small_series(stat, answer):
    assert compute_stat(WEEK, stat) == pytest.approx(answer)


class FakeDs:
    """A Dataset stand-in with one weekly measure ('reserves') and one daily series (SOFR)."""

    def __init__(self):
        from liquidity.data.catalog import load_catalog

        self.catalog = load_catalog()
        self.daily = pd.Series([4.0, 4.1, 4.2], index=pd.to_datetime(["2025-11-25", "2025-11-26", "2025-11-28"]))

    def measure(self, name):
        from liquidity.core.errors import MissingSeriesError

        if name == "reserves":
            return WEEK
        if name == "tga_week_avg":
            return pd.Series([500.0, 540.0, 560.0, 600.0], index=WEEK.index)
        raise MissingSeriesError("RPONTTLD", "the mirror has no fred/RPONTTLD.csv")

    def series(self, sid, native=False):
        return self.daily

    def info(self, sid):
        return self.catalog.get(sid)


def _claim(**kw):
    base = dict(id="c", text="t", measure="reserves", series=None, date=None, window=None, stat="value",
                expect=0.0, tolerance=0.0, tolerance_text="0", line=1)
    return Claim(**{**base, **kw})


def test_weekly_series_with_a_mid_week_date_uses_the_previous_wednesday():
    v = evaluate(_claim(date=pd.Timestamp("2025-01-17"), expect=90.0, tolerance=0.5), FakeDs())
    assert v.verdict == "supported" and v.actual == 90.0 and v.dates == ["2025-01-15"]
    assert "used the previous one, 2025-01-15" in v.reason


def test_holiday_date_uses_the_previous_observation_and_says_so():
    v = evaluate(_claim(measure=None, series="SOFR", date=pd.Timestamp("2025-11-27"), expect=4.1, tolerance=0.001),
                 FakeDs())
    assert v.verdict == "supported" and v.dates == ["2025-11-26"] and "no observation on 2025-11-27" in v.reason


def test_absolute_and_percent_tolerance(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("title: t\nsource: s\nclaims:\n"
                 "  - {id: a, text: x, measure: reserves, window: [2025-01-01, 2025-01-22], stat: max, expect: 125, tolerance: 4%}\n"
                 "  - {id: b, text: x, measure: reserves, window: [2025-01-01, 2025-01-22], stat: max, expect: 125, tolerance: 4.9}\n")
    _, claims = load_claims(f)
    assert claims[0].tolerance == pytest.approx(5.0) and claims[1].tolerance == 4.9
    verdicts = [evaluate(c, FakeDs()) for c in claims]
    assert [v.verdict for v in verdicts] == ["supported", "contradicted"]


def test_missing_series_is_unverifiable_with_the_reason():
    v = evaluate(_claim(measure="srf_usage", date=pd.Timestamp("2025-10-31"), expect=50.35, tolerance=0.5), FakeDs())
    assert v.verdict == "unverifiable" and "RPONTTLD" in v.reason and v.actual is None


@pytest.mark.parametrize("body,message", [
    ("  - {id: a, text: x, measure: sofr, date: 2025-10-31, stat: value, expect: 4.22}\n", "line 4: claim 'a': missing key 'tolerance'"),
    ("  - id: a\n    text: x\n    measure: sofr\n    date: 2025-10-31\n    stat: value\n    expect: 4.22\n"
     "    tolerance: 0.1\n    colour: red\n", "line 11: claim 'a': unknown key 'colour'"),
    ("  - {id: a, text: x, measure: sofr, date: 2025-13-31, stat: value, expect: 4.22, tolerance: 0.1}\n", "line 4: claim 'a': date="),
    ("  - {id: a, text: x, measure: sofr, window: [2025-11-30, 2025-10-01], stat: max, expect: 4, tolerance: 1}\n", "window 2025-11-30..2025-10-01 is reversed"),
    ("  - {id: a, text: x, measure: sofr, date: 2025-10-31, stat: value, expect: 4.22, tolerance: abc}\n", "tolerance 'abc' must be a number"),
    ("  - {id: a, text: x, measure: soft, date: 2025-10-31, stat: value, expect: 4.22, tolerance: 0.1}\n", "unknown measure 'soft'"),
])
def test_malformed_files_exit_2_with_line_and_key(tmp_path, body, message):
    f = tmp_path / "bad.yaml"
    f.write_text("title: t\nsource: s\nclaims:\n" + body)
    with pytest.raises(InputError) as err:
        load_claims(f)
    assert message in str(err.value)
    proc = subprocess.run([sys.executable, "-m", "liquidity", "claims", str(f)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2 and message in proc.stderr


def test_unknown_top_level_key(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("title: t\nsource: s\nauthor: me\nclaims: []\n")
    with pytest.raises(InputError, match="line 3: unknown key 'author'"):
        load_claims(f)


def test_example_file_verdicts_with_the_mirror(mirrored):
    example = ROOT.parent / "shared" / "examples" / "claims_example.yaml"
    verdicts = run_claims(example)
    assert [v.verdict for v in verdicts] == ["supported", "supported", "supported", "contradicted", "unverifiable"]
    assert verdicts[3].actual == pytest.approx(2553.716) and "max on 2022-12-30" in verdicts[3].reason
    assert "SOFR99" in verdicts[4].reason and verdicts[4].notes == [("no_data", {"series": "SOFR99"})]


def test_cli_json_output(mirrored):
    import os

    example = ROOT.parent / "shared" / "examples" / "claims_example.yaml"
    proc = subprocess.run([sys.executable, "-m", "liquidity", "claims", str(example), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=os.environ.copy())
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    assert set(rows[0]) == {"id", "verdict", "actual", "expect", "tolerance", "low", "high", "measure", "series",
                            "dates", "reason"}
    assert rows[0]["dates"] == ["2019-09-17"] and rows[0]["actual"] == 5.25


@pytest.mark.notebook
def test_claims_notebook_parameter_sets(published):
    own = published.results("claims_check", "default")
    assert (own["total"], own["supported"], own["contradicted"], own["unverifiable"]) == (10, 9, 1, 0)
    verdicts = {v["id"]: v for v in own["verdicts"]}
    assert verdicts["srf-treasury-collateral-50bn"]["verdict"] == "contradicted"
    assert verdicts["srf-treasury-collateral-50bn"]["actual"] == pytest.approx(29.4)
    # the record SRF take-up is supported from the NY Fed's daily total, and so is its peak in Oct-Nov 2025
    assert verdicts["srf-record-50bn"]["verdict"] == "supported"
    assert verdicts["srf-peak-50-35bn"]["verdict"] == "supported" and verdicts["srf-peak-50-35bn"]["actual"] == 50.35
    shared = published.results("claims_check", "shared_example")
    assert shared["as_of"] == "2025-11-17"
    assert [v["verdict"] for v in shared["verdicts"]] == ["supported", "supported", "supported", "contradicted",
                                                         "unverifiable"]
    html = published.path("claims_check", "default", ext="html").read_text()
    assert "9 of 10 claims supported, 1 contradicted, 0 unverifiable" in html


W = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-22"))


@pytest.mark.parametrize("kw,verdict,actual", [
    (dict(stat="count_above", level=95.0, expect=3.0, tolerance=0.0), "supported", 3.0),    # 100, 110, 120
    (dict(stat="count_below", level=100.0, expect=1.0, tolerance=0.0), "supported", 1.0),   # 90; 100 is not below
    (dict(stat="first_below", level=95.0, expect="2025-01-15"), "supported", "2025-01-15"),
    (dict(stat="first_below", level=95.0, expect="2025-01-08"), "contradicted", "2025-01-15"),
    (dict(stat="first_above", level=130.0, expect=None), "supported", None),                # never above 130
    (dict(stat="share", of="tga_week_avg", expect=0.2, tolerance=1e-9), "supported", 0.2),  # +20 of +100
    (dict(stat="max", expect=120.0, tolerance=0.0, at=pd.Timestamp("2025-01-22")), "supported", 120.0),
    (dict(stat="max", expect=120.0, tolerance=0.0, at=pd.Timestamp("2025-01-08")), "contradicted", 120.0),
    (dict(stat="value", expect=None, low=None, high=130.0), "supported", 120.0),              # "under 130"
    (dict(stat="value", expect=None, low=125.0, high=None), "contradicted", 120.0),
])
def test_new_statistics_and_bounds_have_known_answers(kw, verdict, actual):
    v = evaluate(_claim(window=W, **kw), FakeDs())
    assert (v.verdict, v.actual) == (verdict, actual), v.reason


def test_a_claim_with_bounds_or_a_level_is_read_from_yaml_and_bad_combinations_name_the_line(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("title: t\nsource: s\nclaims:\n  - id: a\n    text: under 10bn\n    measure: srf_usage\n"
                 "    date: 2025-11-17\n    stat: value\n    max: 10\n  - id: b\n    text: first below 3tn\n"
                 "    measure: reserves\n    window: [2025-01-01, 2025-12-31]\n    stat: first_below\n    level: 3000\n"
                 "    expect: 2025-10-01\n    tolerance: 0\n")
    _, claims = load_claims(f)
    assert (claims[0].low, claims[0].high, claims[0].expect) == (None, 10, None)
    assert claims[1].expect == "2025-10-01" and claims[1].level == 3000.0
    f.write_text("title: t\nsource: s\nclaims:\n  - id: a\n    text: x\n    measure: reserves\n"
                 "    date: 2025-11-17\n    stat: value\n    max: 10\n    expect: 3\n    tolerance: 1\n")
    with pytest.raises(InputError, match="line 4: claim 'a': give either expect and tolerance, or the bounds"):
        load_claims(f)
    f.write_text("title: t\nsource: s\nclaims:\n  - id: a\n    text: x\n    measure: reserves\n"
                 "    date: 2025-11-17\n    stat: count_above\n    expect: 3\n    tolerance: 0\n")
    with pytest.raises(InputError, match="needs the number 'level'"):
        load_claims(f)


def test_a_results_sidecar_is_a_claims_file_of_its_data_findings(tmp_path, mirrored):
    """`liquidity claims <set>.results.json` re-checks the note's data findings at the note's as-of date; model,
    assumption and decision claims are left to the publish check."""
    sidecar = {"as_of": "2025-11-17", "findings": [
        {"id": "sofr", "kind": "level", "provenance": "data", "measure": "sofr", "date": "2025-10-31",
         "stat": "value", "expect": 4.22, "tolerance": 1e-5, "text": "SOFR stood at 4.22% on 31 Oct 2025"},
        {"id": "gdp", "kind": "level", "provenance": "data", "measure": "reserves_gdp", "date": "2025-11-12",
         "stat": "value", "expect": 9.37, "tolerance": 0.01, "text": "reserves/GDP"},
        {"id": "proj", "kind": "projection", "provenance": "model", "output": "x", "value": 1.0}]}
    f = tmp_path / "default.results.json"
    f.write_text(json.dumps(sidecar))
    verdicts = run_claims(f)
    assert [(v.id, v.verdict) for v in verdicts] == [("sofr", "supported"), ("gdp", "supported")]

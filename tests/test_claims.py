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
    assert set(rows[0]) == {"id", "verdict", "actual", "expect", "tolerance", "measure", "series", "dates", "reason"}
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

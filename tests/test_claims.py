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
                 "  - {id: a, text: x, measure: reserves, window: [2025-01-01, 2025-01-22], stat: max, expect: 125,"
                 " tolerance: 4%}\n"
                 "  - {id: b, text: x, measure: reserves, window: [2025-01-01, 2025-01-22], stat: max, expect: 125,"
                 " tolerance: 4.9}\n")
    _, claims = load_claims(f)
    assert claims[0].tolerance == pytest.approx(5.0) and claims[1].tolerance == 4.9
    verdicts = [evaluate(c, FakeDs()) for c in claims]
    assert [v.verdict for v in verdicts] == ["supported", "contradicted"]


def test_missing_series_is_unverifiable_with_the_reason():
    v = evaluate(_claim(measure="srf_usage", date=pd.Timestamp("2025-10-31"), expect=50.35, tolerance=0.5), FakeDs())
    assert v.verdict == "unverifiable" and "RPONTTLD" in v.reason and v.actual is None


@pytest.mark.parametrize("body,message", [
    ("  - {id: a, text: x, measure: sofr, date: 2025-10-31, stat: value, expect: 4.22}\n",
     "line 4: claim 'a': missing key 'tolerance'"),
    ("  - id: a\n    text: x\n    measure: sofr\n    date: 2025-10-31\n    stat: value\n    expect: 4.22\n"
     "    tolerance: 0.1\n    colour: red\n", "line 11: claim 'a': unknown key 'colour'"),
    ("  - {id: a, text: x, measure: sofr, date: 2025-13-31, stat: value, expect: 4.22, tolerance: 0.1}\n",
     "line 4: claim 'a': date="),
    ("  - {id: a, text: x, measure: sofr, window: [2025-11-30, 2025-10-01], stat: max, expect: 4, tolerance: 1}\n",
     "window 2025-11-30..2025-10-01 is reversed"),
    ("  - {id: a, text: x, measure: sofr, date: 2025-10-31, stat: value, expect: 4.22, tolerance: abc}\n",
     "tolerance 'abc' must be a number"),
    ("  - {id: a, text: x, measure: soft, date: 2025-10-31, stat: value, expect: 4.22, tolerance: 0.1}\n",
     "unknown measure 'soft'"),
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
    assert (own["total"], own["supported"], own["contradicted"], own["unverifiable"]) == (12, 11, 1, 0)
    verdicts = {v["id"]: v for v in own["verdicts"]}
    assert verdicts["srf-treasury-collateral-50bn"]["verdict"] == "contradicted"
    assert verdicts["srf-treasury-collateral-50bn"]["actual"] == pytest.approx(29.4)
    # the record SRF take-up is supported from the NY Fed's daily total, and so is its peak in Oct-Nov 2025
    assert verdicts["srf-record-50bn"]["verdict"] == "supported"
    assert verdicts["srf-peak-50-35bn"]["verdict"] == "supported" and verdicts["srf-peak-50-35bn"]["actual"] == 50.35
    # a bound ("under $10bn") and a first crossing are claims the engine checks too
    bound = verdicts["rrp-under-10bn-17-nov"]
    assert (bound["high"], bound["verdict"]) == (10, "supported")
    assert verdicts["reserves-below-3tn-first-in-2025"]["actual"] == "2025-10-01"
    shared = published.results("claims_check", "shared_example")
    assert shared["as_of"] == "2025-11-17"
    assert [v["verdict"] for v in shared["verdicts"]] == ["supported", "supported", "supported", "contradicted",
                                                         "unverifiable"]
    html = published.path("claims_check", "default", ext="html").read_text()
    assert "11 of 12 claims supported, 1 contradicted, 0 unverifiable" in html


@pytest.mark.notebook
def test_claims_check_findings_quote_each_claim_in_the_reader_s_language_with_units(published, mirrored):
    """What the data give is a claim of the note, recomputed here from the raw series; the claim it answers is quoted
    in the reader's language with its claimed value, tolerance and units; statistics read in words."""
    import re

    import liquidity as lq
    from bs4 import BeautifulSoup

    c = published.claims("claims_check", "default")
    assert list(c) == ["srf-treasury-collateral-50bn"]            # the one claim the data do not support
    said = c["srf-treasury-collateral-50bn"]
    raw = lq.Dataset().series("RPONTSYD", native=True)
    assert (said["kind"], said["series"], said["date"], said["stat"]) == ("level", "RPONTSYD", "2025-10-31", "value")
    assert said["expect"] == pytest.approx(raw["2025-10-31"])
    en = published.findings("claims_check", "default")
    zh = published.findings("claims_check", "default", "zh")
    assert en[1] == ("“Banks borrowed $50bn against Treasuries at the SRF on 31 October” is contradicted (claimed: "
                     "$50.35bn, tolerance $0.5bn): RPONTSYD stood at $29.4bn on 31 Oct 2025.")
    assert zh[1] == ("“10月31日银行以国债为抵押从SRF借入500亿美元”与数据不符（论断：503.5亿美元，容差5亿美元）："
                     "2025年10月31日RPONTSYD为294亿美元。")
    html = published.path("claims_check", "default", "zh", "html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    text = text[:text.index("附录")]
    assert "“2025年10月31日有担保隔夜融资利率（SOFR）报4.22%”" in text and "至多100亿美元" in text
    assert not re.search(r"\b(?:min|max|value|change|first_below)\b", text), "a raw statistic in the Chinese note"
    shared = published.claims("claims_check", "shared_example")
    peak = shared["rrp-peak-3tn"]
    assert (peak["kind"], peak["at"], peak["window"]) == ("extreme", "2022-12-30", ["2021-01-01", "2023-12-31"])
    shared_zh = published.findings("claims_check", "shared_example", "zh")
    assert any(x.startswith("“2019年9月17日SOFR成交利率的第99百分位为9%”无法核实") for x in shared_zh)


def test_the_chinese_texts_come_from_the_file_or_a_committed_translation_and_fail_loudly(tmp_path, monkeypatch):
    from liquidity.models.claims import chinese_texts, translations_file

    monkeypatch.setenv("LIQUIDITY_ROOT", str(tmp_path))
    f = tmp_path / "notes.yaml"
    f.write_text("title: T\ntitle_zh: 标题\nsource: S\nsource_zh: 来源\nclaims:\n  - id: a\n    text: SOFR was 4.22%\n"
                 "    text_zh: 有担保隔夜融资利率为4.22%\n    measure: sofr\n    date: 2025-10-31\n    stat: value\n"
                 "    expect: 4.22\n    tolerance: 0.005\n  - id: b\n    text: SOFR was 4.22% again\n"
                 "    measure: sofr\n    date: 2025-10-31\n    stat: value\n    expect: 4.22\n    tolerance: 0.005\n")
    header, claims = load_claims(f)
    with pytest.raises(InputError) as err:
        chinese_texts(f, header, claims)
    message = str(err.value)
    assert "no Chinese text for claim b" in message and "claim a" not in message
    assert "add `title_zh`, `source_zh` or a claim's `text_zh`" in message and str(translations_file(f)) in message
    where = translations_file(f)
    where.parent.mkdir(parents=True)
    where.write_text("claims:\n  b: {text: SOFR was 4.22% again, text_zh: 有担保隔夜融资利率再次为4.22%}\n")
    assert chinese_texts(f, header, claims) == {"title": "标题", "source": "来源", "claims": {
        "a": "有担保隔夜融资利率为4.22%", "b": "有担保隔夜融资利率再次为4.22%"}}
    where.write_text("claims:\n  b: {text: SOFR was 4.20%, text_zh: 有担保隔夜融资利率为4.20%}\n")
    with pytest.raises(InputError, match="translation in .* of claim b was made for another English text"):
        chinese_texts(f, header, claims)


def test_the_shared_example_is_quoted_in_chinese_from_its_committed_translation():
    from liquidity.models.claims import chinese_texts

    example = ROOT.parent / "shared" / "examples" / "claims_example.yaml"
    header, claims = load_claims(example)
    texts = chinese_texts(example, header, claims)
    assert set(texts["claims"]) == {c.id for c in claims} and texts["title"].startswith("示例论断文件")


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
        {"id": "proj", "kind": "projection", "provenance": "model", "output": "x", "value": 1.0},
        {"id": "below", "kind": "crossing", "provenance": "data", "measure": "reserves", "level": 3000.0,
         "direction": "below", "at": "2025-10-22", "note": "already", "stat": "first_below",
         "window": ["2025-10-15", "2025-11-12"], "expect": "2025-10-22", "tolerance": 1e-5, "text": "..."}]}
    f = tmp_path / "default.results.json"
    f.write_text(json.dumps(sidecar))
    verdicts = run_claims(f)
    assert [(v.id, v.verdict) for v in verdicts] == [("sofr", "supported"), ("gdp", "supported"),
                                                     ("below", "supported")]


def _recheck(d: dict, ds) -> str:
    """A note's data claim (sidecar form) re-checked by the claims engine, as the publish check does."""
    window = (pd.Timestamp(d["window"][0]), pd.Timestamp(d["window"][1])) if "window" in d else None
    claim = Claim(d["id"], d.get("text", ""), d.get("measure"), d.get("series"),
                  pd.Timestamp(d["date"]) if "date" in d else None, window, d["stat"], d.get("expect"),
                  float(d["tolerance"]), str(d["tolerance"]), 0, level=d.get("level"), of=d.get("of"),
                  at=pd.Timestamp(d["at"]) if d.get("at") else None)
    return evaluate(claim, ds).verdict


@pytest.mark.parametrize("kw,kind", [
    (dict(date=pd.Timestamp("2025-01-17"), expect=95.0, tolerance=0.5), "level"),        # the 15 Jan week: 90
    (dict(window=W, stat="change", expect=10.0, tolerance=1.0), "change"),               # +20
    (dict(window=W, stat="max", expect=100.0, tolerance=1.0), "extreme"),                # 120 on 22 Jan
    (dict(window=W, stat="min", expect=100.0, tolerance=1.0), "extreme"),                # 90 on 15 Jan
    (dict(window=W, stat="share", of="tga_week_avg", expect=0.5, tolerance=0.01), "share"),
    (dict(window=W, stat="count_above", level=95.0, expect=2.0, tolerance=0.0), "count"),
    (dict(window=W, stat="first_below", level=95.0, expect="2025-01-08"), "crossing"),
    (dict(window=W, stat="mean", expect=100.0, tolerance=1.0), "level"),                  # the claims check's output
])
def test_what_the_data_give_is_a_claim_of_its_kind_that_the_engine_supports(kw, kind):
    """For a contradicted claim the note states what the data give as a claim of the kind that says what it is; the
    claims engine, re-checking it as the publish check does, supports it."""
    from liquidity.models.claims_findings import actual_key, data_claim

    claim = _claim(**{"tolerance_text": "", **kw})
    verdict = evaluate(claim, FakeDs())
    assert verdict.verdict == "contradicted", verdict
    said = data_claim(claim, verdict, FakeDs())
    assert said.kind == kind and said.id == claim.id
    if said.provenance == "model":                     # a mean: named by the sidecar key holding it
        assert (said.output, said.value, said.model) == (actual_key("c"), 105.0, "the claims check")
    else:
        assert _recheck(said.as_dict(), FakeDs()) == "supported"


def test_claimed_values_and_what_the_data_give_carry_their_units_in_both_languages():
    from liquidity.models.claims_findings import actual_digits
    from liquidity.publish import claims_report
    from liquidity.publish.i18n import realize, set_language, set_languages

    class Ds(FakeDs):
        def info(self, sid):
            from types import SimpleNamespace

            return SimpleNamespace(units="billions_usd",
                                   title="Fed overnight repo operations, Treasury collateral only")

    set_languages("en,zh")
    try:
        repo = _claim(measure=None, series="RPONTSYD", date=pd.Timestamp("2025-10-31"), expect=50.35, tolerance=0.5)
        both = lambda t: (realize(t, "en"), realize(t, "zh"))                                     # noqa: E731
        assert both(claims_report.claimed(repo, Ds())) == ("$50.35bn, tolerance $0.5bn", "503.5亿美元，容差5亿美元")
        assert actual_digits(repo, 29.4, "bn") == 1
        assert both(claims_report.number(29.4, repo, Ds(), given=True)) == ("$29.4bn", "294亿美元")
        bound = _claim(measure=None, series="RPONTSYD", date=pd.Timestamp("2025-10-31"), expect=None, high=10.0)
        assert both(claims_report.claimed(bound, Ds())) == ("at most $10bn", "至多100亿美元")
        rate = _claim(measure="sofr", window=W, stat="change", expect=0.18, tolerance=0.005)
        assert both(claims_report.claimed(rate, Ds()))[0] == "18bp, tolerance 0.5bp"
        assert both(claims_report.stat_name("min")) == ("lowest in the window", "区间内的最低值")
    finally:
        set_language("en")


@pytest.mark.notebook
def test_a_chinese_claims_note_without_chinese_texts_fails_loudly_naming_the_claim_and_the_fix(tmp_path, mirrored,
                                                                                              monkeypatch):
    """The Chinese note quotes every claim in Chinese: a claims file with a claim lacking its Chinese text fails the
    Chinese run before any data is read, with a message that names the claim and both fixes."""
    from liquidity.publish import runner

    monkeypatch.setenv("LIQUIDITY_ALLOW_DIR", str(tmp_path))     # a file outside the project, allowed
    f = tmp_path / "no_zh.yaml"
    f.write_text("title: T\ntitle_zh: 标题\nsource: S\nsource_zh: 来源\nclaims:\n  - id: sofr-4-22\n"
                 "    text: SOFR printed 4.22% on 31 October 2025\n    measure: sofr\n    date: 2025-10-31\n"
                 "    stat: value\n    expect: 4.22\n    tolerance: 0.005\n")
    tasks = runner.plan(["claims_check"], overrides={"claims_file": str(f), "as_of": "2025-11-17"}, langs=["zh"])
    report = runner.run(tasks, formats=["ipynb"], jobs=1, out=tmp_path / "out")
    status = {t["lang"]: t for t in report.tasks}
    assert status["zh"]["status"] == "failed"
    assert "no Chinese text for claim sofr-4-22" in status["zh"]["error"]
    assert "add `title_zh`, `source_zh` or a claim's `text_zh` to the file" in status["zh"]["error"]

"""The findings layer: structured claims (models.findings), one template per kind in both languages
(publish.findings), and the publish check that re-reads every rendered clause against its claims, re-computes every
data claim with the claims engine and compares every model claim with the sidecar."""
import pandas as pd
import pytest

from liquidity.models import findings as F
from liquidity.publish import findings as R
from liquidity.publish import i18n
from liquidity.publish.i18n import realize


@pytest.fixture(autouse=True)
def both_languages():
    i18n.set_languages("en,zh")
    yield
    i18n.set_language("en")


def _both(claim):
    text = R.clause(claim)
    return realize(text, "en"), realize(text, "zh")


CLAIMS = [
    F.level("lvl", "reserves", 2848.021, "2025-10-29"),
    F.change("chg", "reserves", "2025-10-22", "2025-10-29", -85.016),
    F.share("shr", "rrp_week_avg", "tga_week_avg", "2025-06-25", "2025-11-12", -162.5, 589.4),
    F.extreme("ext", "srf_usage", "max", 50.35, "2025-10-31", "2025-10-01", "2025-11-17", digits=2),
    F.count("cnt", "srf_usage", "above", 10.0, 4, 20, "2025-10-20", "2025-11-17"),
    F.crossing("crs", "reserves", "below", 3000, "2025-10-01", "2025-01-01", "2025-11-12"),
    F.test("tst", "the ratio of the two", 0.82, 0.03, better_below=1.0),
    F.projection("prj", "reserves", 2950.0, "2025-12-31", 2850.0, 3050.0, 0.9, model="the balance-sheet engine"),
    F.assumption("asm", "the share of each TGA move taken from ON RRP", 0.25, "ratio", start="2026-05-01"),
]


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.kind for c in CLAIMS])
def test_every_kind_renders_its_numbers_and_dates_in_both_languages(claim):
    en, zh = _both(claim)
    assert R.verify([claim], en, "en") == [] and R.verify([claim], zh, "zh") == [], (en, zh)
    assert R.expected(claim, "en") and all(t in en for t in R.expected(claim, "en"))
    assert all(t in zh for t in R.expected(claim, "zh")) and "$" not in zh


def test_provenance_reads_in_words():
    en = _both(F.assumption("a", "the share of each TGA move taken from ON RRP", 0.25, "ratio", start="2026-05-01"))[0]
    assert en == "we assume the share of each TGA move taken from ON RRP of 0.25 from 1 May 2026"
    en = _both(F.projection("p", "reserves", 2950.0, "2025-12-31", model="the balance-sheet engine"))[0]
    assert en.startswith("the balance-sheet engine puts reserves at $2.95tn on 31 Dec 2025")
    event = {"label": "QT2 UST cap $5bn", "source": "FOMC, 19 Mar 2025", "kind": "qt",
             "announced": pd.Timestamp("2025-03-19"), "date": pd.Timestamp("2025-04-01")}
    en, zh = _both(F.decision("d", event))
    assert en == "the FOMC decided on 19 Mar 2025: QT2 UST cap $5bn, effective 1 Apr 2025"
    assert "2025年3月19日" in zh and "2025年4月1日" in zh
    hind = F.hindsight(F.level("h", "reserves", 2960.0, "2025-12-31"), "2025-11-17")
    en, zh = _both(hind)
    assert en.startswith("with hindsight (published after 17 Nov 2025), reserves stood at $2.96tn on 31 Dec 2025")
    assert zh.startswith("事后看")


def test_one_significance_level_decides_every_verdict_and_is_stated():
    close = F.test("t", "the ratio of the two", 1.08, 0.06, better_below=1.0)
    clear = F.test("u", "the ratio of the two", 1.36, 0.01, better_below=1.0)
    assert (close.verdict, clear.verdict) == ("no different", "worse")
    en = _both(close)[0]
    assert "not distinguishable from the random walk at the 5% significance level" in en and "p = 0.06" in en
    assert F.test("v", "the ratio of the two", 0.4, 0.049).verdict == "significant"


def test_a_record_names_its_window_and_never_starts_before_the_facility_or_the_series():
    srf = F.extreme("srf", "srf_usage", "max", 74.6, "2025-12-31", "2018-04-01", "2026-07-22", digits=1)
    assert srf.start == pd.Timestamp("2021-07-28") and srf.window_from == "facility"
    assert "the highest since the facility opened (28 Jul 2021; data to 22 Jul 2026)" in _both(srf)[0]
    tga = F.extreme("tga", "tga_daily", "max", 1000.6, "2025-10-30", "2019-01-01", "2025-11-12",
                    first_observation="2021-06-24")
    assert tga.start == pd.Timestamp("2021-06-24") and "since the series began (24 Jun 2021" in _both(tga)[0]
    inside = F.extreme("w", "tga_daily", "max", 1000.6, "2025-10-30", "2025-06-26", "2025-11-12",
                       first_observation="2021-06-24")
    assert inside.window_from is None and "the highest between 26 Jun 2025 and 12 Nov 2025" in _both(inside)[0]


def test_names_fit_their_era():
    old = F.level("o", "sofr_iorb", 315.0, "2019-09-17", unit="bp")
    new = F.level("n", "sofr_iorb", 32.0, "2025-10-31", unit="bp")
    assert "SOFR - IOER" in _both(old)[0] and "IORB" not in _both(old)[0]
    assert "SOFR - IORB" in _both(new)[0]
    assert R.era_title("srf_rate", "2019-09-17") == R.era_title("range_high")
    assert R.era_title("iorb", "2019-09-17", name=True) == "IOER"


def test_a_selection_states_its_rule():
    f = F.finding(F.level("a", "srf_usage", 50.35, "2025-10-31", digits=2), selection="largest day")
    assert realize(R.sentence(f), "en").endswith("(largest day).")


def test_changes_over_one_window_read_as_one_clause_and_each_keeps_its_own_verb():
    f = F.finding(F.change("a", "tga_week_avg", "2025-06-25", "2025-11-12", 589.4),
                  F.change("b", "reserves", "2025-06-25", "2025-11-12", -514.3))
    (group, text), = R.units(f)
    en = realize(text, "en")
    assert en == "from 25 Jun 2025 to 12 Nov 2025, the TGA (week average) rose $589bn and reserves fell $514bn"
    assert R.verify(group, en, "en") == [] and R.verify(group, realize(text, "zh"), "zh") == []
    swapped = en.replace("reserves fell", "reserves rose")
    assert R.verify(group, swapped, "en") == ["the change of reserves (-514.3) does not read as such"]


@pytest.mark.parametrize("wrong", [
    "reserves fell $2.85tn on 29 Oct 2025",             # a level rendered as a change
    "reserves stood at $2.85tn on 22 Oct 2025",         # a wrong date
    "reserves stood at $2.84tn on 29 Oct 2025",         # a wrong number
    "reserves stood at +$2.85tn on 29 Oct 2025",        # a level with a sign
    "reserves stood at $2.85tn",                        # the date left out
])
def test_a_clause_that_misstates_its_claim_is_caught(wrong):
    assert R.verify([CLAIMS[0]], wrong, "en")


def test_a_deliberately_wrong_template_fails_the_publish_check(monkeypatch, mirrored):
    """The check re-reads what was rendered: a template that renders a level as a change, or the wrong date, fails
    the note, whatever the template says."""
    claims = [F.level("res", "reserves", 2848.021, "2025-10-29")]
    recorded = [c.as_dict(realize(R.clause(c), "en")) for c in claims]
    good = {lang: R.bullets([F.finding(*claims)]) for lang in ("en",)}
    assert R.check_note(recorded, {"as_of": "latest"}, good) == []
    original = R._clause

    def level_as_change(c):
        if c.kind == "level":
            return i18n.tr("{subject} {moved} from {start} to {end}", subject=R.subject(c),
                           moved=i18n.tr("fell {amount}", amount=R.amount(c.value, "bn")),
                           start=i18n.fmt.date(c.date), end=i18n.fmt.date(c.date))
        return original(c)

    monkeypatch.setattr(R, "_clause", level_as_change)
    bad = {"en": R.bullets([F.finding(*claims)])}
    problems = R.check_note(recorded, {"as_of": "latest"}, bad)
    assert any("reads as a change but claims no change" in p for p in problems), problems

    def wrong_date(c):
        return original(F.level(c.id, c.measure, c.value, c.date - pd.Timedelta(days=7)))

    monkeypatch.setattr(R, "_clause", wrong_date)
    problems = R.check_note(recorded, {"as_of": "latest"}, {"en": R.bullets([F.finding(*claims)])})
    assert any("'22 Oct 2025' is not a number or date of its claims" in p for p in problems), problems


def test_the_publish_check_recomputes_data_claims_and_compares_model_claims(mirrored):
    right = F.level("res", "reserves", 2848.021, "2025-10-29")
    wrong = F.change("chg", "reserves", "2025-10-22", "2025-10-29", -50.0)        # the data say -85.016
    model = F.projection("prj", "reserves", 2950.0, "2025-12-31", model="the balance-sheet engine",
                         output="projected_reserves_end_bn")
    recorded = [c.as_dict() for c in (right, wrong, model)]
    problems = R.check_note(recorded, {"as_of": "latest", "projected_reserves_end_bn": 2900.0}, {})
    assert len(problems) == 2, problems
    assert problems[0].startswith("finding chg: the data say -85.016, the note -50.0 (contradicted")
    assert "the model's output projected_reserves_end_bn is 2900.0, the note says 2950.0" in problems[1]


def test_data_claims_in_the_sidecar_have_the_claims_file_schema():
    d = F.extreme("ext", "srf_usage", "max", 50.35, "2025-10-31", "2025-10-01", "2025-11-17").as_dict("text")
    assert {k: d[k] for k in ("id", "measure", "stat", "expect", "at", "window")} == {
        "id": "ext", "measure": "srf_usage", "stat": "max", "expect": 50.35, "at": "2025-10-31",
        "window": ["2025-10-01", "2025-11-17"]}
    d = F.crossing("c", "reserves", "below", 3000, "2025-10-01", "2025-01-01", "2025-11-12").as_dict()
    assert (d["stat"], d["level"], d["expect"]) == ("first_below", 3000.0, "2025-10-01")
    assert "stat" not in F.assumption("a", "the ratio of the two", 20.0, "bn_month").as_dict()


def test_claims_need_what_their_kind_says():
    with pytest.raises(ValueError, match="a model claim names the sidecar key"):
        F.Claim("x", "projection", "model", value=1.0)
    with pytest.raises(ValueError, match="names its model"):
        F.projection("x", "reserves", 1.0, "2025-01-01", model="")
    from liquidity.core.errors import InputError

    with pytest.raises(InputError, match="finding x: its value is missing"):
        F.level("x", "reserves", float("nan"), "2025-01-01")


def test_a_lead_opens_a_finding_and_is_never_read_as_a_claim_of_the_note():
    """A claims check quotes the claim it answers (a lead, text in every language) before what the data give (a
    claim of the note); a claim that cannot be checked is a lead alone. The publish check reads only the clauses."""
    lead = i18n.Text.of(en="“Banks borrowed $50bn” is contradicted (claimed: $50.35bn)",
                        zh="「银行借入500亿美元」与数据矛盾（论断：503.5亿美元）")
    said = F.level("repo", None, 29.4, "2025-10-31", series="RPONTSYD", digits=1)
    f = F.finding(said, lead=lead)
    text = R.sentence(f)
    assert realize(text, "en") == ("“Banks borrowed $50bn” is contradicted (claimed: $50.35bn): RPONTSYD stood at "
                                   "$29.4bn on 31 Oct 2025.")
    assert realize(text, "zh") == ("「银行借入500亿美元」与数据矛盾（论断：503.5亿美元）："
                                   "2025年10月31日RPONTSYD为294亿美元。")
    (bullet,) = R.bullets([f])
    assert [c["claims"] for c in bullet["clauses"]] == [["repo"]] and "$50" not in bullet["clauses"][0]["text"]
    alone = F.finding(lead=i18n.tr("no alert fired; every alert is in the table of section 2"))
    assert R.bullets([alone])[0] == {"text": "No alert fired; every alert is in the table of section 2.", "clauses": []}
    with pytest.raises(ValueError, match="at least one claim"):
        F.finding()

"""Plausibility rules where data enter the cache, each on small frames with a known verdict, and the catalog's
declarations they read (every series has a finite plausible range; the mirror passes every rule)."""
import math

import pandas as pd
import pytest

from liquidity.core.errors import InputError
from liquidity.data.catalog import load_catalog
from liquidity.data.plausibility import ImplausibleData, check_history, check_rows

TODAY = pd.Timestamp("2026-11-22")          # a Sunday
CAT = load_catalog()


def s(pairs) -> pd.Series:
    return pd.Series([v for _, v in pairs], index=pd.DatetimeIndex([d for d, _ in pairs], name="date"), dtype=float)


def refused(info_id, series, today=TODAY) -> ImplausibleData:
    with pytest.raises(ImplausibleData) as err:
        check_rows(CAT.get(info_id), series, "test.csv", today)
    return err.value


def test_values_must_be_finite_missing_values_are_allowed():
    check_rows(CAT.get("WRESBAL"), s([("2026-08-12", 2944059), ("2026-08-19", math.nan)]), "x", TODAY)
    err = refused("WRESBAL", s([("2026-08-12", 2944059), ("2026-08-19", math.inf)]))
    assert err.rule == "finite" and err.date == pd.Timestamp("2026-08-19") and "test.csv" in str(err)


@pytest.mark.parametrize("sid,value,ok", [
    ("WRESBAL", 19_999_000, True), ("WRESBAL", 20_000_001, False), ("WRESBAL", -1, False),   # millions -> bn
    ("RRPONTSYD", 2553.7, True), ("RRPONTSYD", 100000, False),                                 # billions
    ("SOFR", -0.5, True), ("SOFR", -1.5, False), ("SOFR", 25.5, False), ("SOFR", 1e300, False),
    ("GDP", 31865.7, True), ("GDP", 250000, False),                        # the series' own range
])
def test_ranges_are_checked_in_display_units(sid, value, ok):
    info = CAT.get(sid)
    day = {"weekly": "2026-08-19", "quarterly": "2026-01-01"}.get(info.frequency, "2026-08-20")
    series = s([(day, value)])
    if ok:
        check_rows(info, series, "x", TODAY)
    else:
        err = refused(sid, series)
        assert err.rule == "range" and f"row {day}" in str(err) and str(info.plausible[1])[:2] in str(err)


@pytest.mark.parametrize("sid,day,ok", [
    ("WALCL", "2026-08-19", True), ("WALCL", "2026-08-20", False),         # Wednesday / Thursday
    ("SOFR", "2026-08-21", True), ("SOFR", "2026-08-22", False),           # Friday / Saturday
    ("DFF", "2026-08-22", True),                                           # every calendar day
    ("GDP", "2026-01-01", True), ("GDP", "2026-02-01", False),             # quarter starts
])
def test_dates_must_be_on_the_series_calendar(sid, day, ok):
    value = {"WALCL": 6745699, "SOFR": 3.6, "DFF": 3.6, "GDP": 31000}[sid]
    if ok:
        check_rows(CAT.get(sid), s([(day, value)]), "x", TODAY)
    else:
        assert refused(sid, s([(day, value)])).rule == "calendar"


def test_no_observation_the_source_could_not_have_published_yet():
    # the H.4.1 of Wednesday 18 Nov comes out Thursday 19 Nov: known on the 22nd, not on the 18th
    check_rows(CAT.get("WALCL"), s([("2026-11-18", 6700000)]), "x", TODAY)
    err = refused("WALCL", s([("2026-11-18", 6700000)]), today=pd.Timestamp("2026-11-18"))
    assert err.rule == "published" and "2026-11-19" in str(err)
    assert refused("RRPONTSYD", s([("2031-01-01", 0.5)])).rule == "published"
    # GDP 2025Q3 came out on 23 Dec 2025 (the shutdown): on 1 Dec 2025 a source could not have had it
    err = refused("GDP", s([("2025-07-01", 31000)]), today=pd.Timestamp("2025-12-01"))
    assert err.rule == "published" and "2025-12-23" in str(err)


def test_a_full_update_may_not_shrink_the_history():
    info = CAT.get("WALCL")
    old = s([("2026-07-29", 1), ("2026-08-05", 2), ("2026-08-12", 3), ("2026-08-19", 4)])
    check_history(info, old, s([*zip(old.index, [1, 2, 3, 4]), ("2026-08-26", 5)]), "x")           # longer: fine
    check_history(info, old, s([*zip(old.index, [1, math.nan, 3, 4])]), "x")                       # a gap: fine
    cases = [(old.iloc[:2], "cut the history short"), (old.iloc[1:], "move the first observation"),
             (s([*zip(old.index[[0, 1, 3]], [1, 2, 4])]), "3 rows instead of 4")]
    for new, words in cases:
        with pytest.raises(ImplausibleData, match=words) as err:
            check_history(info, old, new, "x")
        assert err.value.rule == "history" and "--allow-shrink" in str(err.value)


def test_every_series_declares_a_finite_plausible_range():
    for info in CAT:
        low, high = info.plausible
        assert math.isfinite(low) and math.isfinite(high) and low < high, info.id


def test_a_catalog_without_plausible_ranges_is_refused(tmp_path):
    from liquidity.core import paths

    text = paths.catalog_file().read_text()
    start = text.index("\nplausible:")
    end = text.index("\nseries:")
    (tmp_path / "series.yaml").write_text(text[:start] + text[end:])
    with pytest.raises(InputError, match="declare a range for each display unit"):
        load_catalog(tmp_path / "series.yaml")


def test_the_mirror_passes_every_rule(mirror):
    from liquidity.core.errors import MissingSeriesError
    from liquidity.data.sources import MirrorSource

    src = MirrorSource(mirror)
    checked = 0
    for info in CAT:
        try:
            data = src.fetch(info)
        except MissingSeriesError:
            continue
        check_rows(info, data, src.where(info), TODAY)
        checked += 1
    assert checked >= 20


def test_statement_tables_are_checked_by_the_same_rules():
    from liquidity.data.plausibility import check_table

    info = CAT.tables["TREASURY_CASH_ASSUMED"]
    good = pd.DataFrame({"announced": pd.to_datetime(["2025-11-03", "2025-11-03"]),
                         "quarter_end": pd.to_datetime(["2025-12-31", "2026-03-31"]), "assumed_cash_bn": [850.0, 850.0],
                         "kind": ["current_quarter", "next_quarter"], "source_url": ["u", "u"]})
    check_table(info, good, "t.csv", TODAY, old=good.iloc[:1])
    cases = [(good.assign(assumed_cash_bn=[850.0, 85_000.0]), "range"),
             (good.assign(assumed_cash_bn=[850.0, math.inf]), "finite"),
             (good.assign(announced=pd.to_datetime(["2025-11-03", "2031-01-01"])), "published")]
    for frame, rule in cases:
        with pytest.raises(ImplausibleData) as err:
            check_table(info, frame, "t.csv", TODAY)
        assert err.value.rule == rule and "row 3" in str(err.value)
    with pytest.raises(ImplausibleData, match="1 statements instead of 2") as err:
        check_table(info, good.iloc[:1], "t.csv", TODAY, old=good)
    assert err.value.rule == "history"

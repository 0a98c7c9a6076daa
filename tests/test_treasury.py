"""The Treasury's statement tables (issue 27): the catalog lists them, the source checks them at the boundary, the
cache keeps them whole, and a Dataset cut at a date sees only the statements announced by then."""
import pandas as pd
import pytest

from liquidity.core.errors import InputError, MissingSeriesError, SourceError
from liquidity.data import cache, store
from liquidity.data.catalog import load_catalog
from liquidity.data.sources import MirrorSource, TreasurySource, parse_table

HEADER = "announced,quarter_end,assumed_cash_bn,kind,source_url"
ROWS = ("2023-05-01,2023-06-30,550,current_quarter,https://example.org/a\n"
        "2023-06-07,2023-06-30,425,current_quarter,https://example.org/b\n")


def _info(tid="TREASURY_CASH_ASSUMED"):
    return load_catalog().table(tid)


def test_the_catalog_lists_the_three_tables_with_their_columns():
    tables = load_catalog().tables
    assert set(tables) == {"TREASURY_CASH_ASSUMED", "TREASURY_CASH_ACTUAL", "TREASURY_CASH_INTERIM"}
    info = tables["TREASURY_CASH_ASSUMED"]
    assert info.column_names == HEADER.split(",") and (info.announced, info.target, info.value) == (
        "announced", "quarter_end", "assumed_cash_bn")
    assert not set(tables) & set(load_catalog().ids())           # tables are not series
    with pytest.raises(InputError, match="unknown table id"):
        load_catalog().table("TREASURY_CASH")


def test_a_table_is_parsed_with_dates_and_amounts():
    frame = parse_table(f"{HEADER}\n{ROWS}", _info(), "test")
    assert list(frame["assumed_cash_bn"]) == [550.0, 425.0]
    assert frame["announced"].iloc[1] == pd.Timestamp("2023-06-07")


@pytest.mark.parametrize("text,message", [
    ("<!DOCTYPE html><html>x</html>", "HTML page"),
    ("announced,quarter_end,cash\n2023-05-01,2023-06-30,550\n", "expected the header"),
    (f"{HEADER}\n2023-05-01,2023-06-29,550,current_quarter,u\n", "line 2 .* quarter_end.*not a quarter end"),
    (f"{HEADER}\n2023-05-01,2023-06-30,-5,current_quarter,u\n", "line 2 .* assumed_cash_bn"),
    (f"{HEADER}\n2023-05-01,2023-06-30,550,this_quarter,u\n", "line 2 .* kind"),
    (f"{HEADER}\n01/05/2023,2023-06-30,550,current_quarter,u\n", "line 2 .* announced"),
    (f"{HEADER}\n2023-05-01,2023-06-30,550,current_quarter,\n", "line 2 .* source_url"),
    (f"{HEADER}\n", "no rows"),
])
def test_bad_tables_are_rejected_at_the_boundary_with_the_line(text, message):
    with pytest.raises(SourceError, match=message):
        parse_table(text, _info(), "test")


def test_the_mirror_serves_the_tables_and_says_which_file_it_lacks(mirror, tmp_path):
    frame = MirrorSource(mirror).fetch_table(_info())
    assert len(frame) == 68 and frame["announced"].nunique() == 34    # 33 refundings and the 7 June 2023 revision
    (tmp_path / "fred").mkdir()
    with pytest.raises(MissingSeriesError, match="treasury/cash_balance_assumptions.csv"):
        MirrorSource(tmp_path).fetch_table(_info())


def test_the_treasury_source_reads_a_folder_or_a_web_address_and_is_missing_without_either(tmp_path, fake_server,
                                                                                            monkeypatch):
    (tmp_path / "cash_balance_assumptions.csv").write_text(f"{HEADER}\n{ROWS}")
    assert len(TreasurySource(str(tmp_path)).fetch_table(_info())) == 2
    fake_server.responses["/tables/cash_balance_assumptions.csv"] = [(500, {}, "busy"), (200, {}, f"{HEADER}\n{ROWS}")]
    assert len(TreasurySource(fake_server.url + "/tables").fetch_table(_info())) == 2
    monkeypatch.delenv("LIQUIDITY_TREASURY_URL", raising=False)
    with pytest.raises(MissingSeriesError, match="LIQUIDITY_TREASURY_URL"):
        TreasurySource().fetch_table(_info())


def test_an_update_stores_the_tables_whole_and_a_failed_one_keeps_them(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_MIRROR", str(mirror))
    results = {r.series: r for r in store.update(["TREASURY_CASH_ASSUMED", "TREASURY_CASH_ACTUAL", "WALCL"])}
    assert results["TREASURY_CASH_ASSUMED"].status == "updated" and results["TREASURY_CASH_ASSUMED"].new_rows == 68
    assert results["WALCL"].status == "updated"
    frame, meta = cache.read_table("TREASURY_CASH_ASSUMED", ["announced", "quarter_end"], ["assumed_cash_bn"])
    assert meta["checksum_ok"] and meta["last_observation"] == "2026-02-02" and len(frame) == 68
    again = store.update(["TREASURY_CASH_ASSUMED"])[0]
    assert again.status == "unchanged"
    before = cache.payload("TREASURY_CASH_ASSUMED")
    broken = tmp_path / "broken"
    (broken / "treasury").mkdir(parents=True)
    (broken / "treasury" / "cash_balance_assumptions.csv").write_text("announced,cash\n2023-05-01,1\n")
    monkeypatch.setenv("LIQUIDITY_MIRROR", str(broken))
    failed = store.update(["TREASURY_CASH_ASSUMED"])[0]
    assert failed.status == "failed" and "expected the header" in failed.message
    assert cache.payload("TREASURY_CASH_ASSUMED") == before
    status = store.status().set_index("series")
    assert status.loc["TREASURY_CASH_ASSUMED", "stale"] and status.loc["TREASURY_CASH_ACTUAL", "stale"] == False  # noqa
    with pytest.raises(InputError, match="statement tables come from mirror or treasury"):
        store.update(["TREASURY_CASH_ASSUMED"], source="fred-csv")
    # a machine with no source for the tables set up keeps what it holds, without calling it stale
    monkeypatch.delenv("LIQUIDITY_MIRROR")
    monkeypatch.delenv("LIQUIDITY_TREASURY_URL", raising=False)
    kept = store.update(["TREASURY_CASH_ACTUAL"])[0]
    assert kept.status == "unchanged" and "LIQUIDITY_TREASURY_URL" in kept.message
    assert not cache.read_meta("TREASURY_CASH_ACTUAL").get("stale")


def test_a_dataset_sees_the_statements_announced_by_its_as_of_date(mirrored):
    from liquidity import Dataset

    def end_june_2023(as_of):
        rows = Dataset(as_of).statements("TREASURY_CASH_ASSUMED")
        rows = rows[rows["quarter_end"] == "2023-06-30"]
        return rows.sort_values("announced")["assumed_cash_bn"].iloc[-1]

    assert end_june_2023("2023-06-06") == 550.0         # the revision of 7 June 2023 is unknown the day before
    assert end_june_2023("2023-06-07") == 425.0
    ds = Dataset("2025-11-17")
    latest = ds.statements("TREASURY_CASH_ASSUMED")
    assert latest["announced"].max() == pd.Timestamp("2025-11-03")
    assert set(latest[latest["announced"] == "2025-11-03"]["assumed_cash_bn"]) == {850.0}
    prov = ds.provenance().set_index("series")
    assert prov.loc["TREASURY_CASH_ASSUMED", "last used"] == "2025-11-03"
    assert prov.loc["TREASURY_CASH_ASSUMED", "vintage"] == "statements known on the as-of date"


def test_a_missing_table_is_recorded_as_missing(tmp_path, monkeypatch):
    from liquidity import Dataset
    from liquidity.data import cache as c

    monkeypatch.setenv("LIQUIDITY_CACHE", str(tmp_path / "cache"))
    c.mark("TREASURY_CASH_INTERIM", missing=True, stale_reason="the mirror has no treasury/cash_balance_interim.csv")
    ds = Dataset.__new__(Dataset)
    Dataset.__init__(ds, None, auto_fetch=False)
    with pytest.raises(MissingSeriesError, match="cash_balance_interim"):
        ds.statements("TREASURY_CASH_INTERIM")
    assert "TREASURY_CASH_INTERIM" in ds.missing

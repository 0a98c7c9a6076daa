"""ALFRED vintages (FRED API with a key): first-release dates and values reach the cache, and an as-of cut uses the
real release dates and the values as they stood then."""
import pandas as pd
import pytest
from fakesource import FakeSources

import liquidity as lq
from liquidity.data import cache, store

KEY = "VINTAGEKEY-0123456789abcdef0123"
# GDP (billions, SAAR): each observation's releases (day published, value then)
GDP_RELEASES = [
    ("2025-04-01", "2025-07-30", 30331.1), ("2025-04-01", "2025-08-28", 30353.9),
    ("2025-04-01", "2025-09-25", 30485.729),
    ("2025-07-01", "2025-12-23", 31000.0), ("2025-07-01", "2026-01-22", 31098.027),
    ("2025-10-01", "2026-02-20", 31422.526),
]


@pytest.fixture
def alfred(monkeypatch):
    gdp = pd.Series({pd.Timestamp(d): v for d, _, v in GDP_RELEASES}).sort_index()
    gdp = gdp[~gdp.index.duplicated(keep="last")]
    walcl = pd.Series([6200000.0, 6587034.0], index=pd.to_datetime(["2025-07-02", "2025-10-29"]))
    server = FakeSources(fred={"GDP": gdp, "WALCL": walcl}, vintages={"GDP": GDP_RELEASES})
    server.use(monkeypatch, api_key=KEY)
    results = store.update(["GDP", "WALCL"], source="fred-api")
    assert [r.status for r in results] == ["updated", "updated"]
    yield server
    server.close()


def test_vintages_reach_the_cache(alfred):
    entry = cache.read("GDP")
    assert entry.vintages is not None and len(entry.vintages) == len(GDP_RELEASES)
    assert entry.meta["vintage_rows"] == 6 and entry.meta["vintages_note"] == ""
    assert entry.data["2025-07-01"] == 31098.027                      # the data are today's vintage
    assert any("realtime_start=" in path for _, s, path in alfred.requests if s == "GDP")
    assert cache.read("WALCL").vintages is None                       # only series flagged `vintages`


def test_an_as_of_cut_uses_first_release_dates_and_the_values_of_the_day(alfred):
    dec22 = lq.Dataset(as_of="2025-12-22", auto_fetch=False)
    assert dec22.series("GDP").index.max() == pd.Timestamp("2025-04-01")         # 2025Q3 not out yet
    dec30 = lq.Dataset(as_of="2025-12-30", auto_fetch=False)
    gdp = dec30.series("GDP")
    assert gdp["2025-07-01"] == 31000.0                                 # first release, before its revision
    assert gdp["2025-04-01"] == 30485.729                               # revised twice by then
    aug1 = lq.Dataset(as_of="2025-08-01", auto_fetch=False).series("GDP")
    assert aug1["2025-04-01"] == 30331.1                                # the advance estimate
    pub = dec30.publication_dates("GDP")
    assert pub[pd.Timestamp("2025-04-01")] == pd.Timestamp("2025-07-30")   # the real release day, not the lag's
    assert dec30.has_vintages("GDP") and "ALFRED" in dec30.provenance().set_index("series").loc["GDP", "vintage"]


def test_known_at_joins_the_value_published_by_each_date(alfred):
    ds = lq.Dataset(auto_fetch=False)
    on = pd.DatetimeIndex(["2025-08-06", "2025-12-24", "2026-01-28", "2026-03-04"])
    assert ds.known_at("GDP", on).tolist() == pytest.approx([30331.1, 31000.0, 31098.027, 31422.526])


def test_without_a_key_there_are_no_vintages_and_the_note_says_todays_vintage(alfred, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY")
    monkeypatch.setenv("LIQUIDITY_CACHE", str(cache.db_path().parent.parent / "nokey"))
    store.update(["GDP", "WALCL"], source="fred-csv")
    ds = lq.Dataset(as_of="2025-12-22", auto_fetch=False)
    assert not ds.has_vintages("GDP")
    assert ds.series("GDP").index.max() == pd.Timestamp("2025-04-01")    # the release calendar: 2025Q3 on 23 Dec
    assert lq.Dataset(as_of="2025-12-23", auto_fetch=False).series("GDP")["2025-07-01"] == 31098.027   # today's
    assert ds.provenance().set_index("series").loc["GDP", "vintage"] == "today's vintage"

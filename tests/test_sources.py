"""Sources: FRED CSV parsing, the mirror, and the live clients against a local server (retries, errors, secrets)."""
import json

import pandas as pd
import pytest

from liquidity.data import cache, store
from liquidity.data.catalog import load_catalog
from liquidity.core.errors import InputError, MissingSeriesError, SourceError
from liquidity.data.sources import FiscalDataSource, FredApiSource, FredCsvSource, MirrorSource, parse_fred_csv

CSV = "observation_date,SOFR\n2025-10-30,3.93\n2025-10-31,4.22\n2025-11-03,.\n2025-11-04,\n2025-11-05,3.92\n"


def test_parse_fred_csv_reads_missing_values_as_nan():
    s = parse_fred_csv(CSV, "SOFR", "test")
    assert s.index[0] == pd.Timestamp("2025-10-30")
    assert s["2025-10-31"] == 4.22
    assert s.isna().sum() == 2


@pytest.mark.parametrize("text,message", [
    ("<!DOCTYPE html><html><body>Error</body></html>", "HTML page instead of CSV"),
    ("observation_date,EFFR\n2025-10-31,4.22\n", "expected the header 'observation_date,SOFR'"),
    ("observation_date,SOFR\n2025-10-31,abc\n", "malformed row at line 2"),
    ("observation_date,SOFR\n31/10/2025,4.22\n", "malformed row at line 2"),
])
def test_parse_fred_csv_rejects_garbage_with_the_line(text, message):
    with pytest.raises(SourceError, match=message):
        parse_fred_csv(text, "SOFR", "test")


def test_duplicate_dates_keep_the_last_value():
    s = parse_fred_csv("observation_date,SOFR\n2025-10-31,4.20\n2025-10-31,4.22\n", "SOFR", "t")
    assert len(s) == 1 and s.iloc[0] == 4.22


def test_mirror_folder_that_does_not_exist_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        MirrorSource(tmp_path / "nope")


def test_mirror_missing_file_is_a_missing_series(tmp_path):
    (tmp_path / "fred").mkdir()
    with pytest.raises(MissingSeriesError, match="no fred/SOFR.csv"):
        MirrorSource(tmp_path).fetch(load_catalog().get("SOFR"))


def _csv_answer(path):
    return 200, {"Content-Type": "text/csv"}, CSV


def test_fred_csv_retries_500_then_succeeds(fake_server):
    fake_server.responses["/fredgraph.csv"] = [(500, {}, "boom"), (503, {}, "busy"), (200, {}, CSV)]
    src = FredCsvSource(base_url=fake_server.url + "/fredgraph.csv")
    s = src.fetch(load_catalog().get("SOFR"))
    assert s["2025-10-31"] == 4.22
    assert len(fake_server.requests) == 3


def test_fred_csv_gives_up_after_bounded_retries(fake_server, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_HTTP_RETRIES", "2")
    fake_server.responses["/fredgraph.csv"] = [(500, {}, "boom")]
    src = FredCsvSource(base_url=fake_server.url + "/fredgraph.csv")
    with pytest.raises(SourceError, match="failed after 3 tries: HTTP 500"):
        src.fetch(load_catalog().get("SOFR"))
    assert len(fake_server.requests) == 3


def test_429_honours_retry_after(fake_server):
    from liquidity.data.http import HttpClient

    waits = []
    http = HttpClient(retries=3, backoff=0.01)
    http.sleep = waits.append
    fake_server.responses["/fredgraph.csv"] = [(429, {"Retry-After": "7"}, ""), (200, {}, CSV)]
    FredCsvSource(base_url=fake_server.url + "/fredgraph.csv", http=http).fetch(load_catalog().get("SOFR"))
    assert waits == [7.0]


def test_fred_api_through_fredapi_and_key_never_in_errors(fake_server, monkeypatch):
    key = "SECRETKEYMARKER0123456789abcdef0"
    monkeypatch.setenv("FRED_API_KEY", key)
    xml = ('<?xml version="1.0" encoding="utf-8" ?><observations realtime_start="2025-11-01" count="2">'
           '<observation realtime_start="x" realtime_end="x" date="2025-10-29" value="6587034"/>'
           '<observation realtime_start="x" realtime_end="x" date="2025-11-05" value="."/></observations>')
    fake_server.responses["/fred/series/observations"] = [(200, {"Content-Type": "text/xml"}, xml)]
    src = FredApiSource(base_url=fake_server.url + "/fred")
    s = src.fetch(load_catalog().get("WALCL"), start=pd.Timestamp("2025-10-01"))
    assert s["2025-10-29"] == 6587034 and pd.isna(s["2025-11-05"])
    assert "observation_start=2025-10-01" in fake_server.requests[0]

    bad = ('<?xml version="1.0"?><error code="400" message="Bad Request.  The value for variable api_key is not '
           'registered."/>')
    fake_server.responses["/fred/series/observations"] = [(400, {}, bad)]
    with pytest.raises(SourceError) as err:
        src.fetch(load_catalog().get("WALCL"))
    assert "rejected the API key" in str(err.value) and key not in str(err.value)


def test_fiscaldata_pages_through_results(fake_server):
    def page(path):
        n = 1 if "page%5Bnumber%5D=1" in path or "page[number]=1" in path else 2
        rows = [{"record_date": "2025-10-30", "account_type": "Treasury General Account (TGA) Closing Balance",
                 "open_today_bal": "1000632"}] if n == 1 else [
                {"record_date": "2025-10-31", "account_type": "Treasury General Account (TGA) Closing Balance",
                 "open_today_bal": "926328"}]
        return 200, {"Content-Type": "application/json"}, json.dumps({"data": rows, "meta": {"total-pages": 2}})

    fake_server.responses["/dts"] = [page]
    s = FiscalDataSource(base_url=fake_server.url + "/dts").fetch(load_catalog().get("TGA_DAILY"))
    assert s.to_dict() == {pd.Timestamp("2025-10-30"): 1000632.0, pd.Timestamp("2025-10-31"): 926328.0}
    assert len(fake_server.requests) == 2


def test_failed_update_keeps_the_cache_byte_identical_and_marks_stale(fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", fake_server.url + "/fredgraph.csv")
    monkeypatch.setenv("LIQUIDITY_HTTP_RETRIES", "1")
    fake_server.responses["/fredgraph.csv"] = [(200, {}, CSV)]
    store.update(["SOFR"], source="fred-csv")
    before = cache.payload("SOFR")
    fake_server.responses["/fredgraph.csv"] = [(500, {}, "down")]
    results = store.update(["SOFR"], source="fred-csv")
    assert results[0].status == "failed"
    assert cache.payload("SOFR") == before
    row = store.status().set_index("series").loc["SOFR"]
    assert bool(row["stale"]) and "HTTP 500" in row["reason"]


def test_incremental_update_asks_only_for_new_observations(fake_server, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", fake_server.url + "/fredgraph.csv")
    fake_server.responses["/fredgraph.csv"] = [(200, {}, CSV)]
    store.update(["SOFR"], source="fred-csv")
    newer = "observation_date,SOFR\n2025-11-06,3.91\n"
    fake_server.responses["/fredgraph.csv"] = [(200, {}, newer)]
    r = store.update(["SOFR"], source="fred-csv")[0]
    assert "cosd=2025-11-06" in fake_server.requests[-1]
    assert r.status == "updated" and r.new_rows == 1 and r.last_observation == "2025-11-06"
    assert cache.read("SOFR").data["2025-10-31"] == 4.22


def test_unknown_series_is_an_input_error_before_any_fetch(fake_server, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", fake_server.url + "/fredgraph.csv")
    with pytest.raises(InputError, match="unknown series id 'SOFRR'.*Did you mean SOFR"):
        store.update(["SOFR", "SOFRR"], source="fred-csv")
    assert fake_server.requests == []


def test_no_network_and_no_mirror_gives_one_message(monkeypatch):
    monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", "http://no-such-host.invalid/fredgraph.csv")
    with pytest.raises(SourceError) as err:
        store.update(["SOFR", "EFFR"])
    assert "LIQUIDITY_MIRROR" in str(err.value)

"""The NY Fed Markets API source: repo operation results summed by day (total and by collateral), reference
rates with percentiles, chunked date windows, the mirror's daily total, and SRF use from either publisher."""
import json

import pandas as pd
import pytest
from fakesource import FakeSources, operations_from_totals, rates_from_series

from liquidity.data import cache, store
from liquidity.data.catalog import load_catalog
from liquidity.data.sources import NyFedSource, reference_rates, repo_totals

B = 1e9


def _op(day, op_id, total, tsy, agy, mbs, **extra):
    return {"operationId": op_id, "operationDate": day, "operationType": "Repo", "term": "Overnight",
            "auctionStatus": "Results", "totalAmtAccepted": total * B,
            "details": [{"securityType": "Treasury", "amtAccepted": tsy * B},
                        {"securityType": "Agency", "amtAccepted": agy * B},
                        {"securityType": "Mortgage-Backed", "amtAccepted": mbs * B}], **extra}


def test_a_two_operation_day_is_summed_by_collateral():
    ops = [_op("2025-10-31", "RP 103125 1", 20.0, 9.4, 0.0, 10.6, closeTime="08:30"),
           _op("2025-10-31", "RP 103125 2", 30.35, 20.0, 0.0, 10.35, closeTime="13:45"),
           _op("2025-11-03", "RP 110325 2", 0.0, 0.0, 0.0, 0.0),
           {**_op("2025-10-31", "RRP 1", 999.0, 999.0, 0, 0), "operationType": "Reverse Repo"},   # not a repo
           {**_op("2025-10-31", "RP T 1", 5.0, 5.0, 0, 0), "term": "14-Day"}]                    # not overnight
    out = repo_totals(ops)
    assert out.loc["2025-10-31", "total"] == pytest.approx(50.35)
    assert out.loc["2025-10-31", "Treasury"] == pytest.approx(29.4)
    assert out.loc["2025-10-31", "Mortgage-Backed"] == pytest.approx(20.95)
    assert out.loc["2025-11-03", "total"] == 0.0                 # an operation with no take-up is a zero
    assert list(out.index) == [pd.Timestamp("2025-10-31"), pd.Timestamp("2025-11-03")]


def test_reference_rates_keep_percentiles_and_volume():
    rows = [{"effectiveDate": "2025-10-31", "type": "SOFR", "percentRate": 4.22, "percentPercentile1": 4.05,
             "percentPercentile25": 4.15, "percentPercentile75": 4.30, "percentPercentile99": 4.50,
             "volumeInBillions": 3047},
            {"effectiveDate": "2025-10-31", "type": "SOFR", "percentRate": 4.22, "percentPercentile99": 4.55,
             "revisionIndicator": "R"},                              # re-published: the last version counts
            {"effectiveDate": "2025-11-03", "type": "SOFR", "percentRate": "", "volumeInBillions": None}]
    out = reference_rates(rows, "sofr")
    assert out.loc["2025-10-31", "percentPercentile99"] == 4.55 and out.loc["2025-10-31", "percentRate"] == 4.22
    assert pd.isna(out.loc["2025-11-03", "percentRate"]) and pd.isna(out.loc["2025-11-03", "volumeInBillions"])


@pytest.fixture
def nyfed(monkeypatch):
    totals = pd.Series([0.0, 50.35, 0.0, 74.6], index=pd.to_datetime(["2025-06-25", "2025-10-31", "2025-12-30",
                                                                     "2025-12-31"]))
    sofr = pd.Series([4.22, 3.87], index=pd.to_datetime(["2025-10-31", "2025-12-31"]))
    server = FakeSources(nyfed_ops=operations_from_totals(totals),
                         nyfed_rates={"sofr": rates_from_series(sofr, "sofr"), "tgcr": rates_from_series(sofr - 0.07,
                                                                                                          "tgcr")})
    server.use(monkeypatch)
    yield server
    server.close()


def test_the_source_sums_two_operations_a_day_and_splits_collateral(nyfed):
    cat = load_catalog()
    src = NyFedSource()
    total = src.fetch(cat.get("NYFED_RP_TOTAL"))
    mbs = src.fetch(cat.get("NYFED_RP_MBS"))
    assert total["2025-10-31"] == pytest.approx(50.35) and total["2025-12-31"] == pytest.approx(74.6)
    assert mbs["2025-10-31"] == pytest.approx(50.35 * 0.3, abs=1e-6)
    days = [op for op in nyfed.nyfed_ops if op["operationDate"] == "2025-10-31"]
    assert len(days) == 2                                          # two operations that day since June 2025
    assert total["2025-06-25"] == 0.0 and pd.Timestamp("2025-07-04") not in total.index   # no operation, no row
    repo_requests = [p for a, s, p in nyfed.requests if s == "repo"]
    assert len(repo_requests) == 8                                 # 2019-09-16 .. 2026-11-22 in windows of 365 days
    assert "startDate=2019-09-16" in repo_requests[0] and "endDate=2020-09-14" in repo_requests[0]
    assert "startDate=2020-09-15" in repo_requests[1] and "operationTypes=Repo" in repo_requests[0]
    assert "endDate=2026-11-22" in repo_requests[-1]               # up to today (frozen clock)


def test_percentiles_come_from_one_request_per_window(nyfed):
    cat = load_catalog()
    src = NyFedSource()
    p99 = src.fetch(cat.get("NYFED_SOFR99"))
    vol = src.fetch(cat.get("NYFED_SOFRVOL"))
    assert p99["2025-10-31"] == pytest.approx(4.32) and vol["2025-10-31"] == 2500
    assert len([1 for a, s, p in nyfed.requests if s == "sofr"]) == 9        # 2018-04-02 onward: 9 windows, once


def test_an_empty_window_and_an_unknown_rate_are_told_apart(nyfed):
    cat = load_catalog()
    (res,) = store.update(["NYFED_BGCR"], source="nyfed")                    # the fake has no BGCR: HTTP 404
    assert res.status == "missing" and "HTTP 404" in res.message
    results = {r.series: r for r in store.update(["NYFED_RP_TOTAL", "NYFED_RP_AGY"], source="nyfed")}
    assert results["NYFED_RP_TOTAL"].status == "updated"
    assert cache.read("NYFED_RP_AGY").data["2025-10-31"] == pytest.approx(5.035)
    inc = store.update(["NYFED_RP_TOTAL"], source="nyfed")[0]                 # incremental: nothing new
    assert inc.status == "unchanged"
    assert cat.get("NYFED_RP_TOTAL").lag_days == 0 and cat.get("NYFED_SOFR99").lag_days == 1


def test_srf_usage_prefers_fred_rpontttld_and_falls_back_to_the_ny_fed(tmp_path, monkeypatch):
    import liquidity as lq

    monkeypatch.setenv("LIQUIDITY_CACHE", str(tmp_path))
    days = pd.to_datetime(["2021-07-28", "2025-10-31"])
    cache.write("NYFED_RP_TOTAL", pd.Series([1.0, 50.35], index=days), {"source": "nyfed"})
    ds = lq.Dataset(auto_fetch=False)
    srf = ds.measure("srf_usage")
    assert ds.measure_sources["srf_usage"] == "NYFED_RP_TOTAL" and "RPONTTLD" not in ds.missing
    assert list(srf.index) == [pd.Timestamp("2025-10-31")]              # SRF use starts when the SRF did
    cache.write("RPONTTLD", pd.Series([50.35], index=days[1:]), {"source": "fred-csv"})
    ds2 = lq.Dataset(auto_fetch=False)
    assert ds2.measure("srf_usage")["2025-10-31"] == 50.35 and ds2.measure_sources["srf_usage"] == "RPONTTLD"


def test_srf_use_on_the_mirror_is_the_published_record(ds):
    srf = ds.measure("srf_usage")
    assert srf["2025-10-31"] == pytest.approx(50.35) and srf["2025-12-31"] == pytest.approx(74.6)
    assert ds.measure_sources["srf_usage"] == "NYFED_RP_TOTAL"
    assert (ds.measure("repo_treasury")["2025-10-31"] <= srf["2025-10-31"])   # the Treasury part is a part
    assert ds.measure("tgcr_iorb")["2025-10-31"] == pytest.approx(25.0)       # TGCR 4.15% against IORB 3.90%
    assert ds.try_measure("sofr99_iorb") is None and "SOFR99" in ds.missing["sofr99_iorb"]
    assert json.dumps(ds.missing)                                             # reasons are plain text

"""A fake of the four live sources on 127.0.0.1: the FRED API (XML, as fredapi reads it, with ALFRED's real-time
periods), FRED's CSV download, Treasury Fiscal Data (paged JSON) and the NY Fed Markets API (repo operation results
and secured reference rates, JSON), serving real values (from the mirror) and misbehaving on request.

    fake = FakeSources({"WRESBAL": series_in_millions}, dts_rows)
    fake.fail("fred-csv", "WRESBAL", "500")            # the next answer for WRESBAL is a 500, then normal
    fake.fail("fred-api", "*", "badkey", sticky=True)  # every FRED API answer rejects the key

Faults: 429 (with Retry-After), 500, hang (longer than the client timeout), truncated (the body is cut off
before its declared length), html (an HTML error page with status 200), dots (FRED's "." for missing values on
every third date), duplicates (the last date sent twice with different values), empty (no observations),
badkey (FRED's answer to a rejected key; the keyless NY Fed answers 403), unknown (FRED's answer for a series
that does not exist; the NY Fed answers 404). For the NY Fed, "dots" sends null amounts and rates on every third
record and "duplicates" re-publishes the last operation (same operationId) with $1bn more.

NY Fed data: `nyfed_ops` are repo operations in the API's shape (see `operations_from_totals`), `nyfed_rates`
maps sofr/tgcr/bgcr to refRates rows. The fake answers each request with the records inside its date window and
counts the windows asked for, so chunking is visible.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pandas as pd

FAULTS = ("429", "500", "hang", "truncated", "html", "dots", "duplicates", "empty", "badkey", "unknown")
HTML_PAGE = "<!DOCTYPE html><html><head><title>503</title></head><body>Service Unavailable</body></html>"
HANG_SECONDS = 2.0


class FakeSources:
    def __init__(self, fred: dict[str, pd.Series] | None = None, dts_rows: list[dict] | None = None,
                 nyfed_ops: list[dict] | None = None, nyfed_rates: dict[str, list[dict]] | None = None,
                 vintages: dict[str, list[tuple]] | None = None):
        self.fred = dict(fred or {})
        self.dts_rows = list(dts_rows or [])
        self.nyfed_ops = list(nyfed_ops or [])
        self.nyfed_rates = dict(nyfed_rates or {})
        self.vintages = dict(vintages or {})       # series -> [(date, realtime_start, value), ...] (ALFRED)
        self.faults: dict[tuple[str, str], list[str]] = {}
        self.sticky: dict[tuple[str, str], str] = {}
        self.requests: list[tuple[str, str, str]] = []   # (api, series, full path)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # -- configuration -------------------------------------------------------------------------------
    @property
    def fred_api_url(self) -> str:
        return self.url + "/fred"

    @property
    def fred_csv_url(self) -> str:
        return self.url + "/fredgraph.csv"

    @property
    def fiscal_url(self) -> str:
        return self.url + "/fiscal"

    @property
    def nyfed_url(self) -> str:
        return self.url + "/nyfed"

    def fail(self, api: str, series: str, *faults: str, sticky: bool = False) -> None:
        for f in faults:
            assert f in FAULTS, f
        with self.lock:
            if sticky:
                self.sticky[(api, series)] = faults[0]
            else:
                self.faults.setdefault((api, series), []).extend(faults)

    def count(self, api: str, series: str | None = None) -> int:
        return sum(1 for a, s, _ in self.requests if a == api and (series is None or s == series))

    def use(self, monkeypatch, api_key: str | None = None, timeout: float = 0.5, retries: int = 2) -> None:
        """Point the product at this server (no mirror), with a short timeout and fast backoff."""
        monkeypatch.delenv("LIQUIDITY_MIRROR", raising=False)
        monkeypatch.setenv("LIQUIDITY_FRED_API_URL", self.fred_api_url)
        monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", self.fred_csv_url)
        monkeypatch.setenv("LIQUIDITY_FISCALDATA_URL", self.fiscal_url)
        monkeypatch.setenv("LIQUIDITY_NYFED_URL", self.nyfed_url)
        monkeypatch.setenv("LIQUIDITY_HTTP_TIMEOUT", str(timeout))
        monkeypatch.setenv("LIQUIDITY_HTTP_RETRIES", str(retries))
        monkeypatch.setenv("LIQUIDITY_HTTP_BACKOFF", "0.01")
        if api_key:
            monkeypatch.setenv("FRED_API_KEY", api_key)
        else:
            monkeypatch.delenv("FRED_API_KEY", raising=False)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- serving ---------------------------------------------------------------------------------------
    def _next_fault(self, api: str, series: str) -> str | None:
        with self.lock:
            for key in ((api, series), (api, "*")):
                if self.faults.get(key):
                    return self.faults[key].pop(0)
            for key in ((api, series), (api, "*")):
                if key in self.sticky:
                    return self.sticky[key]
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/fred/series/observations"):
            api, series = "fred-api", q.get("series_id", "")
        elif url.path.startswith("/fredgraph.csv"):
            api, series = "fred-csv", q.get("id", "")
        elif url.path.startswith("/fiscal"):
            api, series = "fiscaldata", "TGA_DAILY"
        elif url.path.startswith("/nyfed/api/rp/results/search.json"):
            api, series = "nyfed", "repo"
        elif url.path.startswith("/nyfed/api/rates/secured/"):
            api, series = "nyfed", url.path.split("/")[-2]
        else:
            return self._send(h, 404, "text/plain", "not found")
        with self.lock:
            self.requests.append((api, series, h.path))
        fault = self._next_fault(api, series)
        if fault == "429":
            return self._send(h, 429, "text/plain", "Too Many Requests", {"Retry-After": "1"})
        if fault == "500":
            return self._send(h, 500, "text/plain", "Internal Server Error")
        if fault == "hang":
            time.sleep(HANG_SECONDS)
            h.close_connection = True
            return None
        if fault == "html":
            return self._send(h, 200, "text/html", HTML_PAGE)
        if fault == "badkey" and api == "nyfed":
            return self._send(h, 403, "application/json", '{"error": "Forbidden"}')
        if fault == "unknown" and api == "nyfed":
            return self._send(h, 404, "text/plain", "Not Found")
        if api == "nyfed":
            body = self._nyfed(series, q, fault)
            if body is None:
                return self._send(h, 404, "text/plain", "Not Found")
            return self._finish(h, fault, body, "application/json")
        if fault == "badkey":
            return self._send(h, 400, "text/xml", '<?xml version="1.0" encoding="utf-8" ?><error code="400" '
                              'message="Bad Request.  The value for variable api_key is not registered.  Read '
                              'https://fred.stlouisfed.org/docs/api/api_key.html for more information." />')
        if fault == "unknown" or (api != "fiscaldata" and series not in self.fred):
            if api == "fred-api":
                return self._send(h, 400, "text/xml", '<?xml version="1.0" encoding="utf-8" ?><error code="400" '
                                  'message="Bad Request.  The series does not exist." />')
            return self._send(h, 404, "text/plain", "Not Found")
        if api == "fiscaldata":
            body, ctype = self._fiscal(q, fault), "application/json"
        else:
            values = self.fred[series]
            start = q.get("observation_start") or q.get("cosd")
            if start:
                values = values[values.index >= pd.Timestamp(start)]
            obs = [(f"{d:%Y-%m-%d}", "." if pd.isna(v) else f"{v:.12g}") for d, v in values.items()]
            if fault == "empty":
                obs = []
            if fault == "dots":
                obs = [(d, "." if i % 3 == 1 else v) for i, (d, v) in enumerate(obs)]
            if fault == "duplicates" and obs:
                obs.append((obs[-1][0], f"{float(obs[-1][1]) + 1:.12g}"))
            if api == "fred-api" and q.get("realtime_start") and series in self.vintages:
                rows = "".join(f'<observation realtime_start="{rt}" realtime_end="9999-12-31" date="{d}" '
                               f'value="{v:.12g}"/>' for d, rt, v in self.vintages[series]
                               if not start or d >= start)
                obs = self.vintages[series]
            elif api == "fred-api":
                rows = "".join(f'<observation realtime_start="2026-01-01" realtime_end="2026-01-01" date="{d}" '
                               f'value="{v}"/>' for d, v in obs)
            if api == "fred-api":
                body = (f'<?xml version="1.0" encoding="utf-8" ?><observations units="lin" count="{len(obs)}">'
                        f"{rows}</observations>")
                ctype = "text/xml"
            else:
                body = f"observation_date,{series}\n" + "".join(f"{d},{'' if v == '.' else v}\n" for d, v in obs)
                if fault == "dots":
                    body = body.replace(",\n", ",.\n")
                ctype = "text/csv"
        return self._finish(h, fault, body, ctype)

    def _finish(self, h, fault, body: str, ctype: str) -> None:
        if fault == "truncated":
            data = body.encode()
            h.send_response(200)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data) + 500))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        return self._send(h, 200, ctype, body)

    def _nyfed(self, dataset: str, q: dict, fault: str | None) -> str | None:
        start, end = q.get("startDate", "0000"), q.get("endDate", "9999")
        if dataset == "repo":
            rows = [dict(op) for op in self.nyfed_ops if start <= op["operationDate"] <= end]
            if fault == "dots":
                for i, op in enumerate(rows):
                    if i % 3 == 1:
                        op["totalAmtAccepted"] = None
                        op["details"] = [{**d, "amtAccepted": ""} for d in op.get("details", [])]
            if fault == "duplicates" and rows:
                again = dict(rows[-1])
                again["totalAmtAccepted"] = again["totalAmtAccepted"] + 1_000_000_000
                rows.append(again)
            if fault == "empty":
                rows = []
            return json.dumps({"repo": {"operations": rows}})
        if dataset not in self.nyfed_rates:
            return None
        rows = [dict(r) for r in self.nyfed_rates[dataset] if start <= r["effectiveDate"] <= end]
        if fault == "dots":
            for i, r in enumerate(rows):
                if i % 3 == 1:
                    r["percentRate"] = None
        if fault == "duplicates" and rows:
            rows.append({**rows[-1], "percentRate": rows[-1]["percentRate"] + 1, "revisionIndicator": "R"})
        if fault == "empty":
            rows = []
        return json.dumps({"refRates": rows})

    def _fiscal(self, q: dict, fault: str | None) -> str:
        rows = self.dts_rows
        flt = q.get("filter", "")
        if flt.startswith("record_date:gte:"):
            since = flt.split(":")[-1]
            rows = [r for r in rows if r["record_date"] >= since]
        if fault == "empty":
            rows = []
        size = int(q.get("page[size]", 5000))
        page = int(q.get("page[number]", 1))
        pages = max(1, -(-len(rows) // size))
        part = rows[(page - 1) * size: page * size]
        return json.dumps({"data": part, "meta": {"count": len(part), "total-pages": pages,
                                                  "total-count": len(rows)}})

    @staticmethod
    def _send(h, status: int, ctype: str, body: str, headers: dict | None = None) -> None:
        data = body.encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)


def operations_from_totals(totals: pd.Series, two_a_day_from="2025-06-26") -> list[dict]:
    """Repo operations in the NY Fed's JSON shape whose daily sums are `totals` (billions): from the date the SRF
    added a morning operation, two a day (a quarter of the day's total in the morning), each split 60/10/30 between
    Treasury, agency and mortgage-backed collateral. Amounts in dollars, as the API sends them."""
    ops = []
    for day, total in totals.dropna().items():
        parts = [(0.25, "08:30"), (0.75, "13:45")] if day >= pd.Timestamp(two_a_day_from) else [(1.0, "13:45")]
        for n, (share, close) in enumerate(parts):
            amount = round(total * share * 1e9)
            split = {"Treasury": round(amount * 0.6), "Agency": round(amount * 0.1)}
            split["Mortgage-Backed"] = amount - split["Treasury"] - split["Agency"]
            ops.append({"operationId": f"RP {day:%m%d%y} {n + 1}", "auctionStatus": "Results",
                        "operationDate": f"{day:%Y-%m-%d}", "operationType": "Repo", "term": "Overnight",
                        "closeTime": close, "totalAmtSubmitted": amount, "totalAmtAccepted": amount,
                        "details": [{"securityType": k, "amtSubmitted": v, "amtAccepted": v}
                                    for k, v in split.items()]})
    return ops


def rates_from_series(rate: pd.Series, kind: str) -> list[dict]:
    """refRates rows for a rate series (percent): percentiles at fixed distances around it, a constant volume."""
    rows = []
    for day, r in rate.dropna().items():
        rows.append({"effectiveDate": f"{day:%Y-%m-%d}", "type": kind.upper(), "percentRate": r,
                     "percentPercentile1": round(r - 0.05, 4), "percentPercentile25": round(r - 0.01, 4),
                     "percentPercentile75": round(r + 0.01, 4), "percentPercentile99": round(r + 0.10, 4),
                     "volumeInBillions": 2500, "revisionIndicator": ""})
    return rows

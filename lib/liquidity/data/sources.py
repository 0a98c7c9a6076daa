"""Data sources behind one interface: the FRED API (fredapi), FRED's keyless CSV download, Treasury Fiscal Data
(Daily Treasury Statement), the NY Fed Markets API (repo operations, secured reference rates) and a local mirror.

Every source returns a float Series in the series' native units, indexed by observation date, NaN where the
source publishes no value. Base URLs come from the environment so tests can point them at 127.0.0.1.
"""
from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import fredapi
import pandas as pd

from ..core import paths
from .catalog import SeriesInfo, TableInfo
from .dts import tga_closing_balance
from ..core.errors import InputError, MissingSeriesError, SourceError
from .http import HttpClient
from ..core.secrets import redact

FRED_API_URL = "https://api.stlouisfed.org/fred"
FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
FISCALDATA_URL = ("https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/dts/"
                  "operating_cash_balance")
DTS_MIRROR_FILE = "fiscaldata/dts_operating_cash_balance.csv"
NYFED_URL = "https://markets.newyorkfed.org"
NYFED_MIRROR_FILES = {("repo", "total"): ("nyfed/repo_operations_daily.csv", "operation_date", "total_amt_accepted_bn")}
NYFED_START = {"repo": "2019-09-16", "sofr": "2018-04-02", "tgcr": "2018-04-02", "bgcr": "2018-04-02"}

TREASURY_MIRROR_FOLDER = "treasury"

SOURCE_NAMES = ("mirror", "fred-api", "fred-csv", "fiscaldata", "nyfed", "treasury")

NO_SOURCE_HELP = ("set LIQUIDITY_MIRROR=PATH to a mirror folder laid out as fred/<SERIES_ID>.csv, "
                  f"{DTS_MIRROR_FILE} and nyfed/ (for example ../shared/data), or give this machine network access "
                  "to FRED, Treasury Fiscal Data and the NY Fed (and set FRED_API_KEY to use the FRED API)")


class Source:
    name = "source"
    live = False

    def fetch(self, info: SeriesInfo, start: pd.Timestamp | None = None) -> pd.Series:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name

    def where(self, info: SeriesInfo) -> str:
        """Where a series' data come from (a file or URL), for messages that name the source of a row."""
        return f"{self.describe()} {info.id}"


def parse_fred_csv(text: str, series_id: str, where: str) -> pd.Series:
    """FRED's download format: header observation_date,<ID> (older files: DATE,<ID>); '.' or blank = missing."""
    head = text.lstrip("\ufeff")[:200].lower()
    if head.startswith("<!doctype") or head.startswith("<html") or "<html" in head:
        raise SourceError(f"{where}: got an HTML page instead of CSV data for {series_id}")
    try:
        frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several parser errors
        raise SourceError(f"{where}: malformed CSV for {series_id}: {exc}") from None
    cols = [c.strip() for c in frame.columns]
    if len(cols) != 2 or cols[0].lower() not in ("observation_date", "date") or cols[1] != series_id:
        raise SourceError(f"{where}: expected the header 'observation_date,{series_id}', found {','.join(cols)!r}")
    dates = pd.to_datetime(frame.iloc[:, 0].str.strip(), format="%Y-%m-%d", errors="coerce")
    raw = frame.iloc[:, 1].str.strip().replace({".": "", "NA": ""})
    values = pd.to_numeric(raw.replace("", None), errors="coerce")
    bad = dates.isna() | (values.isna() & (raw != ""))
    if bad.any():
        line = int(bad.to_numpy().nonzero()[0][0]) + 2  # header is line 1
        raise SourceError(f"{where}: malformed row at line {line} for {series_id}: "
                          f"{frame.iloc[line - 2, 0]!r},{frame.iloc[line - 2, 1]!r}")
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"), name=series_id)
    return _tidy(series, where)


def parse_table(text: str, info: TableInfo, where: str) -> pd.DataFrame:
    """A statement table (catalog `tables`) checked at the boundary: the header of the catalog, ISO dates, amounts in
    billions that are numbers >= 0, categories from their list, quarter ends where a column is named quarter_end.
    A statement re-published with the same announcement and target dates keeps its last row."""
    head = text.lstrip("\ufeff")[:200].lower()
    if head.startswith("<!doctype") or "<html" in head:
        raise SourceError(f"{where}: got an HTML page instead of the CSV table {info.id}")
    try:
        frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several parser errors
        raise SourceError(f"{where}: malformed CSV for {info.id}: {exc}") from None
    cols = [c.strip() for c in frame.columns]
    if cols != info.column_names:
        raise SourceError(f"{where}: expected the header {','.join(info.column_names)!r}, found {','.join(cols)!r}")
    frame.columns = cols
    out = pd.DataFrame(index=frame.index)
    for name, kind in info.columns:
        raw = frame[name].str.strip()
        if kind == "date":
            values = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
            bad = values.isna()
        elif kind == "billions_usd":
            values = pd.to_numeric(raw, errors="coerce")
            bad = values.isna() | (values < 0)
        elif kind == "text":
            values, bad = raw, raw == ""
        else:
            values, bad = raw, ~raw.isin(kind)
        if name == "quarter_end" and kind == "date":
            bad = bad | ~(values.dt.is_quarter_end.fillna(False))
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2  # header is line 1
            raise SourceError(f"{where}: malformed row at line {line} of {info.id}: "
                              f"{name}={frame[name].iloc[line - 2]!r}"
                              + (" (not a quarter end)" if name == "quarter_end" else ""))
        out[name] = values
    if out.empty:
        raise SourceError(f"{where}: the table {info.id} has no rows")
    out = out.drop_duplicates([info.announced, info.target], keep="last")
    return out.sort_values([info.announced, info.target]).reset_index(drop=True)


def _tidy(series: pd.Series, where: str) -> pd.Series:
    """Sort by date; duplicate dates keep the last value (a re-published observation)."""
    series = series[~series.index.duplicated(keep="last")].sort_index()
    return series


class MirrorSource(Source):
    """A local folder laid out like ../shared/data: fred/<ID>.csv, fiscaldata/dts_operating_cash_balance.csv and
    nyfed/repo_operations_daily.csv (the NY Fed's daily repo operation total)."""

    name = "mirror"

    def __init__(self, root: Path | str | None = None):
        root = Path(root) if root is not None else paths.mirror_dir()
        if root is None:
            raise InputError("no mirror folder: set LIQUIDITY_MIRROR=PATH (for example ../shared/data)")
        if not root.is_dir():
            raise InputError(f"mirror folder LIQUIDITY_MIRROR={root} does not exist; point it at a folder with "
                             f"fred/<SERIES_ID>.csv files (for example ../shared/data)")
        self.root = root

    def describe(self) -> str:
        return f"mirror {self.root}"

    def where(self, info: SeriesInfo) -> str:
        if info.source == "fiscaldata":
            return str(self.root / DTS_MIRROR_FILE)
        if info.source == "nyfed":
            spec = NYFED_MIRROR_FILES.get(info.nyfed)
            return str(self.root / spec[0]) if spec else f"mirror {self.root} ({info.id})"
        return str(self.root / "fred" / f"{info.id}.csv")

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        if info.source == "nyfed":
            series = self._nyfed(info)
        elif info.source == "fiscaldata":
            path = self.root / DTS_MIRROR_FILE
            if not path.is_file():
                raise MissingSeriesError(info.id, f"the mirror has no {DTS_MIRROR_FILE}")
            try:
                rows = pd.read_csv(path, dtype=str, keep_default_na=False)
            except Exception as exc:
                raise SourceError(f"{path}: malformed CSV: {exc}") from None
            series = tga_closing_balance(rows)
        else:
            path = self.root / "fred" / f"{info.id}.csv"
            if not path.is_file():
                raise MissingSeriesError(info.id, f"the mirror has no fred/{info.id}.csv")
            series = parse_fred_csv(path.read_text(encoding="utf-8"), info.id, str(path))
        series.name = info.id
        if start is not None:
            series = series[series.index >= start]
        return series

    def fetch_table(self, info: TableInfo) -> pd.DataFrame:
        path = self.root / TREASURY_MIRROR_FOLDER / info.file
        if not path.is_file():
            raise MissingSeriesError(info.id, f"the mirror has no {TREASURY_MIRROR_FOLDER}/{info.file}")
        return parse_table(path.read_text(encoding="utf-8"), info, str(path))

    def _nyfed(self, info: SeriesInfo) -> pd.Series:
        spec = NYFED_MIRROR_FILES.get(info.nyfed)
        if spec is None or not (self.root / spec[0]).is_file():
            have = ", ".join(Path(f).name for f, _, _ in NYFED_MIRROR_FILES.values() if (self.root / f).is_file()) \
                or "nothing"
            raise MissingSeriesError(info.id, f"the mirror has no NY Fed {info.nyfed[0]} {info.nyfed[1]} series "
                                              f"(only {have})")
        path = self.root / spec[0]
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(frame.columns) != [spec[1], spec[2]]:
            raise SourceError(f"{path}: expected the header '{spec[1]},{spec[2]}', found {','.join(frame.columns)!r}")
        dates = pd.to_datetime(frame[spec[1]], format="%Y-%m-%d", errors="coerce")
        values = pd.to_numeric(frame[spec[2]].replace("", None), errors="coerce")
        bad = dates.isna() | (values.isna() & (frame[spec[2]] != ""))
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise SourceError(f"{path}: malformed row at line {line}")
        return _tidy(pd.Series(values.to_numpy(float), index=pd.DatetimeIndex(dates, name="date")), str(path))


class TreasurySource(Source):
    """The Treasury's statement tables (catalog `tables`, source treasury) from LIQUIDITY_TREASURY_URL: a folder, or a
    web address, holding the same files as the mirror's treasury/ folder. The Treasury publishes these figures only
    inside its quarterly refunding press releases (no API), so the tables are kept as files with each row's release
    URL; without LIQUIDITY_TREASURY_URL (or a mirror) they are missing and the notes say so."""

    name = "treasury"
    live = True

    def __init__(self, base: str | None = None, http: HttpClient | None = None):
        self.base = (base or os.environ.get("LIQUIDITY_TREASURY_URL", "")).strip()
        self.http = http or HttpClient()

    def describe(self) -> str:
        return f"Treasury statement tables at {self.base}" if self.base else "Treasury statement tables (not set)"

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        raise MissingSeriesError(info.id, "the treasury source serves only the catalog's statement tables")

    def fetch_table(self, info: TableInfo) -> pd.DataFrame:
        if not self.base:
            raise MissingSeriesError(info.id, "no source for the Treasury's statement tables: set LIQUIDITY_MIRROR to "
                                              "a mirror with a treasury/ folder, or LIQUIDITY_TREASURY_URL to a folder "
                                              "or web address holding " + info.file, unconfigured=True)
        if self.base.startswith(("http://", "https://")):
            url = f"{self.base.rstrip('/')}/{info.file}"
            resp = self.http.get(url, what=f"Treasury table {info.id}")
            if resp.status_code == 404:
                raise MissingSeriesError(info.id, f"{info.file} not found at the treasury source (HTTP 404)")
            if resp.status_code >= 400:
                raise SourceError(f"Treasury table {info.id}: HTTP {resp.status_code}")
            return parse_table(resp.text, info, f"Treasury table {info.id}")
        path = Path(self.base).expanduser() / info.file
        if not path.is_file():
            raise MissingSeriesError(info.id, f"LIQUIDITY_TREASURY_URL has no {info.file}")
        return parse_table(path.read_text(encoding="utf-8"), info, str(path))


class FredCsvSource(Source):
    """FRED's keyless CSV download (fredgraph.csv?id=...)."""

    name = "fred-csv"
    live = True

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None):
        self.base_url = base_url or os.environ.get("LIQUIDITY_FRED_CSV_URL", FRED_CSV_URL)
        self.http = http or HttpClient()

    def where(self, info: SeriesInfo) -> str:
        return f"{self.base_url}?id={info.id}"

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        params = {"id": info.id}
        if start is not None:
            params["cosd"] = pd.Timestamp(start).strftime("%Y-%m-%d")
        resp = self.http.get(self.base_url, params=params, what=f"FRED CSV {info.id}")
        if resp.status_code == 404:
            raise MissingSeriesError(info.id, "FRED has no series with this id (HTTP 404)")
        if resp.status_code >= 400:
            raise SourceError(f"FRED CSV {info.id}: HTTP {resp.status_code}")
        series = parse_fred_csv(resp.text, info.id, f"FRED CSV {info.id}")
        if start is not None:
            series = series[series.index >= start]
        return series


class _FredClient(fredapi.Fred):
    """fredapi's Fred with our transport: timeouts, retries and backoff, the key kept out of messages."""

    def __init__(self, api_key: str, root_url: str, http: HttpClient):
        super().__init__(api_key=api_key)
        self.root_url = root_url.rstrip("/")
        self._http = http

    def _Fred__fetch_data(self, url):  # overrides fredapi's private fetch (name-mangled)
        resp = self._http.get(url + "&api_key=" + self.api_key, what="FRED API")
        try:
            root = ET.fromstring(resp.content)
        except ET.ParseError:
            raise SourceError(f"FRED API: HTTP {resp.status_code}, the answer is not FRED XML "
                              f"(starts {redact(resp.text[:60])!r})") from None
        if resp.status_code >= 400 or root.tag == "error":
            raise ValueError(root.get("message") or f"HTTP {resp.status_code}")
        return root


class FredApiSource(Source):
    """The FRED API through fredapi; needs FRED_API_KEY."""

    name = "fred-api"
    live = True

    def __init__(self, api_key: str | None = None, base_url: str | None = None, http: HttpClient | None = None):
        key = api_key or os.environ.get("FRED_API_KEY")
        if not key:
            raise InputError("the FRED API needs a key: set FRED_API_KEY (free at fred.stlouisfed.org), "
                             "or use --source fred-csv or a mirror")
        self.client = _FredClient(key, base_url or os.environ.get("LIQUIDITY_FRED_API_URL", FRED_API_URL),
                                  http or HttpClient())

    def where(self, info: SeriesInfo) -> str:
        return f"{self.client.root_url}/series/observations?series_id={info.id}"

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        kwargs = {}
        if start is not None:
            kwargs["observation_start"] = pd.Timestamp(start).strftime("%Y-%m-%d")
        try:
            data = self.client.get_series(info.id, **kwargs)
        except ValueError as exc:
            message = redact(str(exc))
            low = message.lower()
            if "api_key" in low or "api key" in low:
                raise SourceError("FRED rejected the API key in FRED_API_KEY; check it at "
                                  "fred.stlouisfed.org/docs/api/api_key.html") from None
            if "does not exist" in low:
                raise MissingSeriesError(info.id, "FRED has no series with this id") from None
            if "no data exists" in low:
                return pd.Series([], index=pd.DatetimeIndex([], name="date"), name=info.id, dtype=float)
            raise SourceError(f"FRED API {info.id}: {message}") from None
        except ET.ParseError as exc:
            raise SourceError(f"FRED API {info.id}: malformed XML ({exc})") from None
        series = pd.to_numeric(pd.Series(data), errors="coerce").astype(float)
        series.index = pd.DatetimeIndex(series.index, name="date")
        series.name = info.id
        return _tidy(series, "FRED API")


    def fetch_vintages(self, info: SeriesInfo) -> pd.DataFrame:
        """ALFRED: every observation with the day each of its values was published (first release and
        revisions), in native units: columns date, realtime_start, value."""
        try:
            frame = self.client.get_series_all_releases(info.id)
        except ValueError as exc:
            raise SourceError(f"ALFRED {info.id}: {redact(str(exc))}") from None
        except ET.ParseError as exc:
            raise SourceError(f"ALFRED {info.id}: malformed XML ({exc})") from None
        if frame is None or len(frame) == 0:
            return pd.DataFrame(columns=["date", "realtime_start", "value"])
        out = pd.DataFrame({"date": pd.to_datetime(frame["date"]),
                            "realtime_start": pd.to_datetime(frame["realtime_start"]),
                            "value": pd.to_numeric(frame["value"], errors="coerce").astype(float)})
        return out.drop_duplicates(["date", "realtime_start"], keep="last").sort_values(["date", "realtime_start"])


class FiscalDataSource(Source):
    """Treasury Fiscal Data, DTS operating cash balance (JSON, paged)."""

    name = "fiscaldata"
    live = True
    page_size = 5000

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None):
        self.base_url = base_url or os.environ.get("LIQUIDITY_FISCALDATA_URL", FISCALDATA_URL)
        self.http = http or HttpClient()

    def where(self, info: SeriesInfo) -> str:
        return self.base_url

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        if info.source != "fiscaldata":
            raise MissingSeriesError(info.id, "Fiscal Data serves only the Daily Treasury Statement (TGA_DAILY)")
        rows: list[dict] = []
        page = 1
        # the old format needs the next record date's opening: ask from a few days before `start`
        since = (pd.Timestamp(start) - pd.Timedelta(days=10)) if start is not None else None
        while True:
            params = {"sort": "record_date", "page[size]": self.page_size, "page[number]": page}
            if since is not None:
                params["filter"] = f"record_date:gte:{since:%Y-%m-%d}"
            resp = self.http.get(self.base_url, params=params, what="Fiscal Data DTS")
            if resp.status_code >= 400:
                raise SourceError(f"Fiscal Data DTS: HTTP {resp.status_code}")
            try:
                body = resp.json()
                data, meta = body["data"], body.get("meta", {})
                total_pages = int(meta.get("total-pages", 1) or 1)
            except (ValueError, KeyError, TypeError):
                raise SourceError(f"Fiscal Data DTS: the answer is not Fiscal Data JSON "
                                  f"(starts {resp.text[:60]!r})") from None
            if not isinstance(data, list):
                raise SourceError("Fiscal Data DTS: 'data' is not a list")
            rows.extend(data)
            if page >= total_pages:
                break
            page += 1
        if not rows:
            return pd.Series([], index=pd.DatetimeIndex([], name="date"), name=info.id, dtype=float)
        series = tga_closing_balance(pd.DataFrame(rows))
        series.name = info.id
        if start is not None:
            series = series[series.index >= start]
        return series


class NyFedSource(Source):
    """The NY Fed Markets API (keyless JSON): overnight Repo operation results summed by operation date (total and
    by collateral, billions) and the secured reference rates with their percentiles and volume. Queries are
    date-windowed in chunks of `chunk_days`; one update fetches each dataset once for all its series."""

    name = "nyfed"
    live = True
    chunk_days = 365

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None):
        self.base_url = (base_url or os.environ.get("LIQUIDITY_NYFED_URL", NYFED_URL)).rstrip("/")
        self.http = http or HttpClient()
        self._frames: dict[tuple, pd.DataFrame] = {}

    def describe(self) -> str:
        return "NY Fed Markets API"

    def where(self, info: SeriesInfo) -> str:
        dataset = info.nyfed[0] if info.nyfed else "?"
        path = "api/rp/results/search.json" if dataset == "repo" else f"api/rates/secured/{dataset}/search.json"
        return f"{self.base_url}/{path} ({info.id})"

    def fetch(self, info: SeriesInfo, start=None) -> pd.Series:
        if info.source != "nyfed":
            raise MissingSeriesError(info.id, "the NY Fed Markets API serves only the catalog's nyfed series")
        dataset, field = info.nyfed
        frame = self._dataset(dataset, start)
        values = frame[field] if field in frame.columns else pd.Series(dtype=float)
        series = pd.Series(pd.to_numeric(values, errors="coerce").to_numpy(float),
                           index=pd.DatetimeIndex(values.index, name="date"), name=info.id)
        return series[series.index >= pd.Timestamp(start)] if start is not None else series

    def _dataset(self, dataset: str, start) -> pd.DataFrame:
        from ..core.dates import today

        key = (dataset, None if start is None else pd.Timestamp(start))
        if key not in self._frames:
            begin = pd.Timestamp(start) if start is not None else pd.Timestamp(NYFED_START[dataset])
            end = today()
            rows: list[dict] = []
            while begin <= end:
                stop = min(begin + pd.Timedelta(days=self.chunk_days - 1), end)
                rows.extend(self._get(dataset, begin, stop))
                begin = stop + pd.Timedelta(days=1)
            self._frames[key] = repo_totals(rows) if dataset == "repo" else reference_rates(rows, dataset)
        return self._frames[key]

    def _get(self, dataset: str, start: pd.Timestamp, end: pd.Timestamp) -> list[dict]:
        if dataset == "repo":
            url, key = f"{self.base_url}/api/rp/results/search.json", ("repo", "operations")
            params = {"startDate": f"{start:%Y-%m-%d}", "endDate": f"{end:%Y-%m-%d}", "operationTypes": "Repo"}
        else:
            url, key = f"{self.base_url}/api/rates/secured/{dataset}/search.json", ("refRates",)
            params = {"startDate": f"{start:%Y-%m-%d}", "endDate": f"{end:%Y-%m-%d}"}
        what = f"NY Fed {dataset}"
        resp = self.http.get(url, params=params, what=what)
        if resp.status_code == 404:
            raise MissingSeriesError(f"NYFED {dataset}", f"the NY Fed API has no {dataset} data here (HTTP 404)")
        if resp.status_code >= 400:
            raise SourceError(f"{what}: the API refused the request (HTTP {resp.status_code})")
        head = resp.text.lstrip()[:200].lower()
        if head.startswith("<!doctype") or head.startswith("<html"):
            raise SourceError(f"{what}: got an HTML page instead of JSON data")
        try:
            body = resp.json()
            for k in key:
                body = body[k]
        except (ValueError, KeyError, TypeError):
            raise SourceError(f"{what}: the answer is not NY Fed Markets JSON (starts {resp.text[:60]!r})") from None
        if not isinstance(body, list):
            raise SourceError(f"{what}: {'.'.join(key)} is not a list")
        return body


def _amount(value) -> float:
    """A dollar amount of the API (number, numeric string, null or '') in billions."""
    number = pd.to_numeric(value, errors="coerce") if value not in (None, "") else float("nan")
    return float(number) / 1e9


def repo_totals(operations: list[dict]) -> pd.DataFrame:
    """Daily sums over the day's overnight Repo operations with results (two a day since June 2025): total and by
    collateral, billions, indexed by operation date. A re-published operation (same id) counts once, its last
    version; a day whose operations all lack a value is missing, not zero."""
    rows = {}
    for op in operations:
        if not isinstance(op, dict):
            raise SourceError("NY Fed repo: an operation is not a JSON object")
        if op.get("operationType", "Repo") != "Repo" or str(op.get("term", "Overnight")).lower() != "overnight":
            continue
        if op.get("auctionStatus", "Results") != "Results":
            continue
        try:
            day = pd.Timestamp(op["operationDate"])
        except (KeyError, ValueError, TypeError):
            raise SourceError("NY Fed repo: an operation has a bad operationDate "
                              f"{op.get('operationDate')!r}") from None
        rec = {"date": day, "total": _amount(op.get("totalAmtAccepted"))}
        for d in op.get("details") or []:
            rec[str(d.get("securityType"))] = _amount(d.get("amtAccepted"))
        rows[op.get("operationId") or (day, len(rows))] = rec
    if not rows:
        return pd.DataFrame(columns=["total", "Treasury", "Agency", "Mortgage-Backed"])
    frame = pd.DataFrame(rows.values())
    return frame.groupby("date").sum(min_count=1).sort_index()


def reference_rates(rows: list[dict], dataset: str) -> pd.DataFrame:
    """One row per effective date of the rate (a re-published date keeps its last version)."""
    out = {}
    for r in rows:
        if not isinstance(r, dict) or str(r.get("type", dataset)).lower() != dataset:
            continue
        try:
            day = pd.Timestamp(r["effectiveDate"])
        except (KeyError, ValueError, TypeError):
            raise SourceError(f"NY Fed {dataset}: a row has a bad effectiveDate {r.get('effectiveDate')!r}") from None
        out[day] = {k: pd.to_numeric(v, errors="coerce") if v not in (None, "") else float("nan")
                    for k, v in r.items() if k.startswith("percent") or k == "volumeInBillions"}
    return pd.DataFrame.from_dict(out, orient="index").sort_index() if out else pd.DataFrame()


def make_source(name: str) -> Source:
    if name == "mirror":
        return MirrorSource()
    if name == "fred-api":
        return FredApiSource()
    if name == "fred-csv":
        return FredCsvSource()
    if name == "fiscaldata":
        return FiscalDataSource()
    if name == "nyfed":
        return NyFedSource()
    if name == "treasury":
        return TreasurySource()
    raise InputError(f"unknown source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")


def default_source_name(info: SeriesInfo) -> str:
    """Mirror when LIQUIDITY_MIRROR is set, else the FRED API with a key, else the keyless CSV; the DTS from Fiscal
    Data and the NY Fed series from the NY Fed."""
    if os.environ.get("LIQUIDITY_MIRROR"):
        return "mirror"
    if info.source in ("fiscaldata", "nyfed"):
        return info.source
    return "fred-api" if os.environ.get("FRED_API_KEY") else "fred-csv"


def default_table_source_name() -> str:
    """The mirror when LIQUIDITY_MIRROR is set, else the Treasury tables' own location (LIQUIDITY_TREASURY_URL)."""
    return "mirror" if os.environ.get("LIQUIDITY_MIRROR") else "treasury"


def source_serves_tables(source: Source) -> bool:
    return source.name in ("mirror", "treasury")


def source_serves(source: Source, info: SeriesInfo) -> bool:
    if source.name in ("fred-api", "fred-csv"):
        return info.source == "fred"
    if source.name in ("fiscaldata", "nyfed"):
        return info.source == source.name
    if source.name == "treasury":
        return False
    return True

"""The series catalog (data/series.yaml): what each series is, its native units, frequency and publication lag."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..core import paths
from ..core.dates import add_business_days
from ..core.errors import InputError
from ..core.units import DISPLAY_UNITS, TO_DISPLAY

OBSERVATIONS = {"wednesday_level", "week_average", "daily", "daily_7day", "quarterly"}
FREQUENCIES = {"daily", "weekly", "quarterly"}
SOURCES = {"fred", "fiscaldata", "nyfed"}
_FIELDS = {"title", "units", "frequency", "observation", "lag", "source", "required"}
_OPTIONAL = {"nyfed", "vintages", "range", "discontinued"}
NYFED_DATASETS = {"repo", "sofr", "tgcr", "bgcr"}
TABLE_SOURCES = {"treasury"}
TABLE_TYPES = {"date", "billions_usd", "text"}          # or a list of the allowed values (a category)
_TABLE_FIELDS = {"title", "source", "file", "columns", "announced", "target", "value", "required"}
REPO_FIELDS = {"total", "Treasury", "Agency", "Mortgage-Backed"}


@dataclass(frozen=True)
class SeriesInfo:
    id: str
    title: str
    units: str
    frequency: str
    observation: str
    lag_days: int
    lag_business: bool
    source: str
    required: bool
    releases: tuple = ()       # ((observation date, first publication), ...) off the regular schedule
    nyfed: tuple | None = None  # (dataset, field) of a NY Fed Markets API series
    vintages: bool = False      # fetch ALFRED vintages (first releases, revisions) with FRED_API_KEY
    plausible: tuple = (float("-inf"), float("inf"))   # values a source may publish, display units (plausibility)
    discontinued: pd.Timestamp | None = None   # the last observation of a series that is no longer published

    @property
    def display_units(self) -> str:
        return DISPLAY_UNITS[self.units]

    def publication_dates(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """When each observation became public (date precision; the as-of cut compares with it)."""
        dates = pd.DatetimeIndex(dates)
        if self.lag_days == 0:
            out = dates
        elif self.lag_business:
            # roll weekend/holiday observation dates to the next business day, then add the lag
            out = add_business_days(dates, self.lag_days)
        else:
            out = dates + pd.Timedelta(days=self.lag_days)
        if self.releases:
            special = dict(self.releases)
            out = pd.DatetimeIndex([special.get(d, p) for d, p in zip(dates, out)])
        return out

    def describe_lag(self) -> str:
        if self.lag_days == 0:
            return "same day"
        unit = "business day" if self.lag_business else "day"
        return f"{self.lag_days} {unit}{'s' if self.lag_days != 1 else ''}"


@dataclass(frozen=True)
class TableInfo:
    """A table of statements (data/series.yaml, section `tables`): rows a publisher stated on an announcement date,
    about a target date (the Treasury's assumed end-of-quarter cash balance). Not a time series: a date can carry
    several statements, each known from the day it was announced (`Dataset.statements`)."""
    id: str
    title: str
    source: str
    file: str
    columns: tuple              # ((name, type), ...) in the file's order; type: date | billions_usd | text | (choices)
    announced: str              # the column with the day the statement was made public
    target: str                 # the column with the date the statement is about
    value: str                  # the column with the stated amount
    required: bool = False
    plausible: tuple = (float("-inf"), float("inf"))   # amounts a statement may give, billions (plausibility)

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]


class Catalog:
    def __init__(self, entries: dict[str, SeriesInfo], path: Path, tables: dict[str, TableInfo] | None = None):
        self._entries = entries
        self.path = path
        self.tables: dict[str, TableInfo] = tables or {}

    def table(self, table_id: str) -> TableInfo:
        try:
            return self.tables[table_id]
        except KeyError:
            raise InputError(f"unknown table id {table_id!r}: not in the tables of the catalog {self.path}; known: "
                             f"{', '.join(sorted(self.tables)) or 'none'}") from None

    def __contains__(self, series_id: str) -> bool:
        return series_id in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def ids(self) -> list[str]:
        return list(self._entries)

    def get(self, series_id: str) -> SeriesInfo:
        try:
            return self._entries[series_id]
        except KeyError:
            pass
        upper = str(series_id).upper()
        if upper in self._entries:
            return self._entries[upper]
        close = difflib.get_close_matches(upper, self._entries, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"unknown series id {series_id!r}: not in the catalog {self.path}.{hint} "
            f"Known ids: {', '.join(sorted(self._entries))}."
        )


def _releases(path: Path) -> dict[str, tuple]:
    """data/releases.yaml: series -> ((observation date, publication date), ...)."""
    from ..core.dates import parse_date

    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"release calendar {path} is not valid YAML: {exc}") from None
    out = {}
    for sid, entries in (raw.get("releases") or {}).items():
        pairs = []
        for obs, pub in (entries or {}).items():
            o, p = parse_date(str(obs), f"{sid} observation"), parse_date(str(pub), f"{sid} release")
            if p < o:
                raise InputError(f"release calendar {path}: {sid} {o:%Y-%m-%d} is released before it is observed")
            pairs.append((o, p))
        out[str(sid)] = tuple(sorted(pairs))
    return out


def _range(value, where: str) -> tuple[float, float]:
    """[low, high] in display units."""
    if not isinstance(value, (list, tuple)) or len(value) != 2 or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) or not value[0] < value[1]:
        raise InputError(f"{where}: a plausible range is [low, high] in display units with low < high, got {value!r}")
    return float(value[0]), float(value[1])


def _discontinued(value, where: str) -> pd.Timestamp | None:
    from ..core.dates import parse_date

    if value is None:
        return None
    return parse_date(value.isoformat() if hasattr(value, "isoformat") else str(value), f"{where}, discontinued")


def _plausible(raw: dict, path: Path) -> dict[str, tuple[float, float]]:
    """The catalog's `plausible` ranges by display units (billions_usd, percent, index, usd): every unit needs one."""
    spec = raw.get("plausible")
    where = f"series catalog {path}, plausible"
    if not isinstance(spec, dict):
        units = ", ".join(sorted(set(DISPLAY_UNITS.values())))
        raise InputError(f"{where}: declare a range for each display unit ({units})")
    unknown = set(spec) - set(DISPLAY_UNITS.values())
    missing = set(DISPLAY_UNITS.values()) - set(spec)
    if unknown or missing:
        raise InputError(f"{where}: unknown units {sorted(unknown)}, missing units {sorted(missing)}")
    return {unit: _range(value, f"{where}.{unit}") for unit, value in spec.items()}


def _parse_tables(raw, path: Path, series: dict, plausible: dict | None = None) -> dict[str, TableInfo]:
    out = {}
    for tid, spec in (raw or {}).items():
        where = f"series catalog {path}, table {tid}"
        if tid in series:
            raise InputError(f"{where}: the id is also a series id; give the table its own id")
        if not isinstance(spec, dict) or set(spec) != _TABLE_FIELDS:
            got = sorted(spec) if isinstance(spec, dict) else type(spec).__name__
            raise InputError(f"{where}: needs exactly the keys {sorted(_TABLE_FIELDS)} (found {got})")
        if spec["source"] not in TABLE_SOURCES:
            raise InputError(f"{where}: source {spec['source']!r} not one of {sorted(TABLE_SOURCES)}")
        cols = spec["columns"]
        if not isinstance(cols, dict) or not cols:
            raise InputError(f"{where}: columns must map each column of the file to its type")
        columns = []
        for name, kind in cols.items():
            if isinstance(kind, list) and kind and all(isinstance(k, str) for k in kind):
                kind = tuple(kind)
            elif kind not in TABLE_TYPES:
                raise InputError(f"{where}: column {name} has type {kind!r}; use one of {sorted(TABLE_TYPES)} or a "
                                 "list of the allowed values")
            columns.append((str(name), kind))
        names = [c for c, _ in columns]
        for key, want in (("announced", "date"), ("target", "date"), ("value", "billions_usd")):
            if spec[key] not in names or dict(columns)[spec[key]] != want:
                raise InputError(f"{where}: {key} must name a column of type {want} (columns: {names})")
        out[str(tid)] = TableInfo(id=str(tid), title=str(spec["title"]), source=spec["source"], file=str(spec["file"]),
                                  columns=tuple(columns), announced=spec["announced"], target=spec["target"],
                                  value=spec["value"], required=bool(spec["required"]),
                                  plausible=(plausible or {}).get("billions_usd", (float("-inf"), float("inf"))))
    return out


def _parse(path: Path) -> tuple[dict[str, SeriesInfo], dict[str, TableInfo]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"series catalog not found at {path}; "
                         "run from the project folder or set LIQUIDITY_ROOT") from None
    except yaml.YAMLError as exc:
        raise InputError(f"series catalog {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("series"), dict):
        raise InputError(f"series catalog {path} must have a top-level 'series' mapping")
    entries = {}
    plausible = _plausible(raw, path)
    releases = _releases(path.parent / "releases.yaml")
    unknown = set(releases) - set(raw["series"])
    if unknown:
        raise InputError(f"release calendar {path.parent / 'releases.yaml'} names series not in the catalog: "
                         f"{sorted(unknown)}")
    for sid, spec in raw["series"].items():
        where = f"series catalog {path}, entry {sid}"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: must be a mapping")
        unknown = set(spec) - _FIELDS - _OPTIONAL
        missing = _FIELDS - set(spec)
        if unknown or missing:
            raise InputError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        if spec["units"] not in TO_DISPLAY:
            raise InputError(f"{where}: units {spec['units']!r} not one of {sorted(TO_DISPLAY)}")
        if spec["observation"] not in OBSERVATIONS:
            raise InputError(f"{where}: observation {spec['observation']!r} not one of {sorted(OBSERVATIONS)}")
        if spec["frequency"] not in FREQUENCIES:
            raise InputError(f"{where}: frequency {spec['frequency']!r} not one of {sorted(FREQUENCIES)}")
        if spec["source"] not in SOURCES:
            raise InputError(f"{where}: source {spec['source']!r} not one of {sorted(SOURCES)}")
        nyfed = None
        if spec["source"] == "nyfed":
            ny = spec.get("nyfed")
            if not isinstance(ny, dict) or set(ny) != {"dataset", "field"} or ny["dataset"] not in NYFED_DATASETS \
                    or (ny["dataset"] == "repo" and ny["field"] not in REPO_FIELDS):
                raise InputError(f"{where}: a nyfed series needs nyfed: {{dataset: one of {sorted(NYFED_DATASETS)}, "
                                 f"field: ...}} (repo fields: {sorted(REPO_FIELDS)})")
            nyfed = (str(ny["dataset"]), str(ny["field"]))
        elif "nyfed" in spec:
            raise InputError(f"{where}: only a source nyfed series takes a nyfed key")
        lag = spec["lag"]
        if not isinstance(lag, dict) or set(lag) != {"days", "business"}:
            raise InputError(f"{where}: lag must be {{days: N, business: true|false}}")
        entries[sid] = SeriesInfo(
            id=sid, title=str(spec["title"]), units=spec["units"], frequency=spec["frequency"],
            observation=spec["observation"], lag_days=int(lag["days"]), lag_business=bool(lag["business"]),
            source=spec["source"], required=bool(spec["required"]), releases=releases.get(sid, ()), nyfed=nyfed,
            vintages=bool(spec.get("vintages", False)),
            plausible=_range(spec["range"], f"{where}, range") if "range" in spec
            else plausible[DISPLAY_UNITS[spec["units"]]],
            discontinued=_discontinued(spec.get("discontinued"), where),
        )
    return entries, _parse_tables(raw.get("tables"), path, entries, plausible)


@lru_cache(maxsize=4)
def _load(path: str, mtimes: tuple) -> Catalog:
    entries, tables = _parse(Path(path))
    return Catalog(entries, Path(path), tables)


def load_catalog(path: Path | None = None) -> Catalog:
    path = Path(path or paths.catalog_file())
    mtimes = []
    for f in (path, path.parent / "releases.yaml"):
        try:
            mtimes.append(f.stat().st_mtime)
        except FileNotFoundError:
            mtimes.append(0.0)
    return _load(str(path), tuple(mtimes))

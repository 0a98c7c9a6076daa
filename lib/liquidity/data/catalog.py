"""The series catalog (data/series.yaml): what each series is, its native units, frequency and publication lag."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..core import paths
from ..core.dates import US_BUSINESS_DAY
from ..core.errors import InputError
from ..core.units import DISPLAY_UNITS, TO_DISPLAY

OBSERVATIONS = {"wednesday_level", "week_average", "daily", "daily_7day", "quarterly"}
FREQUENCIES = {"daily", "weekly", "quarterly"}
SOURCES = {"fred", "fiscaldata"}
_FIELDS = {"title", "units", "frequency", "observation", "lag", "source", "required"}


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

    @property
    def display_units(self) -> str:
        return DISPLAY_UNITS[self.units]

    def publication_dates(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """When each observation became public (date precision; the as-of cut compares with it)."""
        dates = pd.DatetimeIndex(dates)
        if self.lag_days == 0:
            return dates
        if self.lag_business:
            # roll weekend/holiday observation dates to the next business day, then add the lag
            return pd.DatetimeIndex([d + self.lag_days * US_BUSINESS_DAY for d in dates])
        return dates + pd.Timedelta(days=self.lag_days)

    def describe_lag(self) -> str:
        if self.lag_days == 0:
            return "same day"
        unit = "business day" if self.lag_business else "day"
        return f"{self.lag_days} {unit}{'s' if self.lag_days != 1 else ''}"


class Catalog:
    def __init__(self, entries: dict[str, SeriesInfo], path: Path):
        self._entries = entries
        self.path = path

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


def _parse(path: Path) -> dict[str, SeriesInfo]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"series catalog not found at {path}; run from the project folder or set LIQUIDITY_ROOT") from None
    except yaml.YAMLError as exc:
        raise InputError(f"series catalog {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("series"), dict):
        raise InputError(f"series catalog {path} must have a top-level 'series' mapping")
    entries = {}
    for sid, spec in raw["series"].items():
        where = f"series catalog {path}, entry {sid}"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: must be a mapping")
        unknown = set(spec) - _FIELDS
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
        lag = spec["lag"]
        if not isinstance(lag, dict) or set(lag) != {"days", "business"}:
            raise InputError(f"{where}: lag must be {{days: N, business: true|false}}")
        entries[sid] = SeriesInfo(
            id=sid, title=str(spec["title"]), units=spec["units"], frequency=spec["frequency"],
            observation=spec["observation"], lag_days=int(lag["days"]), lag_business=bool(lag["business"]),
            source=spec["source"], required=bool(spec["required"]),
        )
    return entries


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Catalog:
    return Catalog(_parse(Path(path)), Path(path))


def load_catalog(path: Path | None = None) -> Catalog:
    path = Path(path or paths.catalog_file())
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = 0.0
    return _load(str(path), mtime)

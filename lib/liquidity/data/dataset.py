"""Loading series from the cache in display units, cut to what was published by `as_of`."""
from __future__ import annotations

import threading

import pandas as pd

from . import cache, store
from .catalog import SeriesInfo, load_catalog
from ..core.errors import InputError, LiquidityError, MissingSeriesError
from ..core.dates import parse_as_of
from ..core.units import to_display

_fetch_lock = threading.Lock()
CORE_SERIES = "WALCL"  # the balance sheet: an as_of before it starts is an input error


class Dataset:
    """What a notebook reads: series and measures as of a date, with a record of what was missing and why.

    as_of="latest" uses everything in the cache; a date keeps only observations published by the end of that day
    under each series' publication lag (data/series.yaml). Values are today's vintage (see the caveats).
    """

    def __init__(self, as_of: str | pd.Timestamp | None = "latest", auto_fetch: bool = True):
        self.as_of = parse_as_of(as_of)
        self.auto_fetch = auto_fetch
        self.catalog = load_catalog()
        self.missing: dict[str, str] = {}
        self._series: dict[str, pd.Series] = {}
        self._raw: dict[str, pd.Series] = {}
        self._measures: dict = {}
        self._used: set[str] = set()
        if self.as_of is not None:
            self.series(CORE_SERIES)  # fails early, naming as_of, when it predates the data

    # -- raw series -------------------------------------------------------------------------------
    def info(self, series_id: str) -> SeriesInfo:
        return self.catalog.get(series_id)

    def series(self, series_id: str, native: bool = False) -> pd.Series:
        """A catalog series in display units (billions USD, percent), as of self.as_of; native=True keeps the
        units the source publishes. Raises MissingSeriesError."""
        info = self.catalog.get(series_id)
        cut = self._native(info)
        if native:
            return cut
        if info.id not in self._series:
            values = to_display(cut, info.units)
            values.name = info.id
            self._series[info.id] = values
        return self._series[info.id]

    def _native(self, info: SeriesInfo) -> pd.Series:
        """The series as published, cut to as_of; reads the cache once and remembers what is missing."""
        if info.id not in self._raw:
            if info.id in self.missing:
                raise MissingSeriesError(info.id, self.missing[info.id])
            try:
                raw = self._read(info)
            except MissingSeriesError as exc:
                self.missing[info.id] = exc.reason
                raise
            self._raw[info.id] = self._cut(info, raw.dropna())
            self._used.add(info.id)
        return self._raw[info.id]

    def _read(self, info: SeriesInfo) -> pd.Series:
        entry = cache.read(info.id)
        if entry is None and self.auto_fetch:
            with _fetch_lock:
                entry = cache.read(info.id)
                if entry is None:
                    try:
                        store.update([info.id])
                    except LiquidityError as exc:
                        raise MissingSeriesError(info.id, str(exc)) from None
                    entry = cache.read(info.id)
        if entry is None or entry.data is None or entry.data.dropna().empty:
            meta = cache.read_meta(info.id) or {}
            reason = meta.get("stale_reason") or "not in the cache; run `liquidity data update`"
            raise MissingSeriesError(info.id, reason)
        return entry.data

    def _cut(self, info: SeriesInfo, data: pd.Series) -> pd.Series:
        if self.as_of is None:
            return data
        published = info.publication_dates(data.index)
        cut = data[published <= self.as_of]
        if cut.empty:
            if info.id == CORE_SERIES:
                raise InputError(f"as_of {self.as_of:%Y-%m-%d} is before the data starts: the first {info.id} "
                                 f"observation is {data.index.min():%Y-%m-%d}; choose a later as_of")
            raise MissingSeriesError(info.id, f"no {info.id} observation was published by as_of "
                                              f"{self.as_of:%Y-%m-%d} (the series starts {data.index.min():%Y-%m-%d})")
        return cut

    # -- measures ---------------------------------------------------------------------------------
    def measure(self, name: str) -> pd.Series:
        """A measure of the library (see liquidity.measures.MEASURES). Raises MissingSeriesError when absent."""
        from .measures import get_measure

        m = get_measure(name)
        if name in self._measures:
            return self._measures[name]
        if name in self.missing:
            raise MissingSeriesError(name, self.missing[name])
        try:
            values = m.compute(self)
        except MissingSeriesError as exc:
            self.missing.setdefault(name, f"{exc.series_id}: {exc.reason}" if exc.series_id != name else exc.reason)
            raise
        values = values.dropna()
        values.name = name
        self._measures[name] = values
        return values

    def try_measure(self, name: str) -> pd.Series | None:
        try:
            return self.measure(name)
        except MissingSeriesError:
            return None

    def latest_date(self, name: str = "reserves") -> pd.Timestamp:
        return self.measure(name).index.max()

    @property
    def as_of_label(self) -> str:
        return "latest" if self.as_of is None else f"{self.as_of:%Y-%m-%d}"

    # -- provenance -------------------------------------------------------------------------------
    def provenance(self) -> pd.DataFrame:
        """Series used or missing: source, observations used, fetched at, stale and why."""
        rows = []
        for sid in sorted(self._used | {s for s in self.missing if s in self.catalog}):
            info = self.catalog.get(sid)
            meta = cache.read_meta(sid) or {}
            used = self._raw.get(sid)
            rows.append({
                "series": sid,
                "title": info.title,
                "native units": info.units,
                "source": meta.get("source_detail") or meta.get("source", ""),
                "first used": f"{used.index.min():%Y-%m-%d}" if used is not None and len(used) else "",
                "last used": f"{used.index.max():%Y-%m-%d}" if used is not None and len(used) else "",
                "fetched at": meta.get("fetched_at", ""),
                "status": ("missing: " + self.missing[sid]) if sid in self.missing else
                          ("STALE: " + meta.get("stale_reason", "")) if meta.get("stale") else "ok",
            })
        return pd.DataFrame(rows)

    def stale_series(self) -> dict[str, str]:
        out = {}
        for sid in sorted(self._used):
            meta = cache.read_meta(sid) or {}
            if meta.get("stale"):
                out[sid] = meta.get("stale_reason", "")
        return out

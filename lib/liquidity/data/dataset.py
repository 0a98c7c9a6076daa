"""Loading series from the cache in display units, cut to what was published by `as_of`."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from ..core.dates import parse_as_of
from ..core.errors import InputError, LiquidityError, MissingSeriesError
from ..core.units import to_display
from . import cache, store
from .catalog import SeriesInfo, load_catalog

_fetch_lock = threading.Lock()
CORE_SERIES = "WALCL"  # the balance sheet: an as_of before it starts is an input error


class Dataset:
    """What a notebook reads: series and measures as of a date, with a record of what was missing and why.

    as_of="latest" uses everything in the cache. A date keeps only observations published by the end of that day:
    each observation's publication date is its ALFRED first-release date where the cache holds vintages (fetched
    with FRED_API_KEY), else the release calendar (data/releases.yaml), else the catalog's lag. Where vintages
    exist, values are those known at as_of; elsewhere they are today's vintage (the note says which).
    """

    def __init__(self, as_of: str | pd.Timestamp | None = "latest", auto_fetch: bool = True,
                 shared: "Dataset | None" = None):
        self.as_of = parse_as_of(as_of)
        self.auto_fetch = auto_fetch
        self.catalog = load_catalog()
        self.missing: dict[str, str] = {}                # id or measure -> reason (operator text)
        self.missing_errors: dict[str, MissingSeriesError] = {}   # the same, with kind and fields for readers
        self._series: dict[str, pd.Series] = {}
        self._raw: dict[str, pd.Series] = {}
        # what the cache holds, whatever the cut: shared with the views of `at` (read once for a grid of cuts)
        self._full: dict[str, pd.Series] = shared._full if shared is not None else {}
        self._vintages: dict[str, pd.DataFrame] = shared._vintages if shared is not None else {}
        self._pub: dict[str, pd.Series] = shared._pub if shared is not None else {}
        self._measures: dict = {}
        # statement tables (catalog `tables`), read whole from the cache once and shared with the views of `at`
        self._tables: dict[str, pd.DataFrame] = shared._tables if shared is not None else {}
        self.measure_sources: dict[str, str] = {}   # measure -> the series it used, where it has a choice
        self._used: set[str] = set()
        self._used_tables: set[str] = set()
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
            if info.id in self.missing_errors:
                raise self.missing_errors[info.id]
            try:
                raw = self._read(info)
            except MissingSeriesError as exc:
                self._remember_missing(info.id, exc)
                raise
            self._raw[info.id] = self._cut(info, raw.dropna())
            self._used.add(info.id)
        return self._raw[info.id]

    def at(self, as_of) -> "Dataset":
        """The same data cut at another date (a walk-forward origin). The views share what was read from the cache
        and the publication dates, so a grid of cuts reads each series once; each view keeps its own record of
        what it used and missed."""
        return Dataset(as_of, auto_fetch=self.auto_fetch, shared=self)

    def _read(self, info: SeriesInfo) -> pd.Series:
        if info.id in self._full:
            return self._full[info.id]
        entry = cache.read(info.id)
        if entry is None and self.auto_fetch:
            with _fetch_lock:
                entry = cache.read(info.id)
                if entry is None:
                    try:
                        store.update([info.id])
                    except LiquidityError as exc:
                        raise MissingSeriesError(info.id, str(exc), "failed") from None
                    entry = cache.read(info.id)
        if entry is None or entry.data is None or entry.data.dropna().empty:
            meta = cache.read_meta(info.id) or {}
            if meta.get("missing"):
                raise MissingSeriesError(info.id, meta.get("stale_reason") or "the source has no such series")
            if meta.get("stale_reason"):
                raise MissingSeriesError(info.id, meta["stale_reason"], "failed")
            raise MissingSeriesError(info.id, "not in the cache; run `liquidity data update`", "uncached")
        if entry.vintages is not None and len(entry.vintages):
            self._vintages[info.id] = entry.vintages
        self._full[info.id] = entry.data.dropna()
        return entry.data

    def publication_dates(self, series_id: str, dates=None) -> pd.Series:
        """When each observation was first published: ALFRED first release where the cache has vintages, else the
        release calendar and the catalog's lag. Indexed by observation date."""
        info = self.catalog.get(series_id)
        held = self._full.get(info.id)
        full = dates is None or (held is not None and len(dates) == len(held) and held.index.equals(dates))
        if full and info.id in self._pub:
            return self._pub[info.id]
        if dates is None:
            self._native(info)
            dates = self._full[info.id].index
        dates = pd.DatetimeIndex(dates)
        pub = pd.Series(info.publication_dates(dates), index=dates)
        vint = self._vintages.get(info.id)
        if vint is not None:
            first = vint.groupby("date")["realtime_start"].min()
            known = first.reindex(dates)
            pub = known.fillna(pub)
        if full:
            self._pub[info.id] = pub
        return pub

    def _cut(self, info: SeriesInfo, data: pd.Series) -> pd.Series:
        if self.as_of is None:
            return data
        published = self.publication_dates(info.id, data.index)
        cut = data[(published <= self.as_of).to_numpy()]
        if cut.empty:
            if info.id == CORE_SERIES:
                raise InputError(f"as_of {self.as_of:%Y-%m-%d} is before the data starts: the first {info.id} "
                                 f"observation is {data.index.min():%Y-%m-%d}; choose a later as_of")
            raise MissingSeriesError(info.id, f"no {info.id} observation was published by as_of "
                                              f"{self.as_of:%Y-%m-%d} (the series starts {data.index.min():%Y-%m-%d})",
                                     "unpublished", date=self.as_of, start=data.index.min())
        if info.id in self._vintages:
            cut = self._as_known(info.id, cut, self.as_of)
        return cut

    def _as_known(self, series_id: str, values: pd.Series, when) -> pd.Series:
        """Values as they stood on `when` (the latest vintage published by then) where vintages exist."""
        vint = self._vintages[series_id]
        vint = vint[vint["realtime_start"] <= pd.Timestamp(when)]
        if vint.empty:
            return values
        latest = vint.sort_values("realtime_start").groupby("date")["value"].last()
        out = values.copy()
        common = out.index.intersection(latest.index)
        out.loc[common] = latest.loc[common].to_numpy()
        return out

    def known_at(self, series_id: str, on) -> pd.Series:
        """For each date of `on`, the latest observation of the series published by that date, in display units
        (as it stood then where vintages exist). This joins a slow series (GDP) to a fast one without look-ahead."""
        info = self.catalog.get(series_id)
        data = self._native(info)
        on = pd.DatetimeIndex(on)
        pub = self.publication_dates(info.id, data.index)
        order = np.argsort(pub.to_numpy(), kind="stable")
        pub_sorted = pub.to_numpy()[order]
        obs_sorted = data.index.to_numpy()[order]
        newest = np.maximum.accumulate(obs_sorted)            # newest observation known once each is out
        pos = np.searchsorted(pub_sorted, on.to_numpy(), side="right") - 1
        out = pd.Series(np.nan, index=on, dtype=float)
        ok = pos >= 0
        obs_for = pd.DatetimeIndex(newest[pos[ok]])
        values = data.reindex(obs_for).to_numpy(dtype=float)
        if info.id in self._vintages:
            values = np.array([self._as_known(info.id, data.loc[[o]], d).iloc[0]
                               for o, d in zip(obs_for, on[ok])], dtype=float)
        out[ok] = values
        return to_display(out, info.units).rename(info.id)

    def has_vintages(self, series_id: str) -> bool:
        return series_id in self._vintages

    def data_end(self) -> pd.Timestamp:
        """The newest observation of the balance sheet in the cache, whatever as_of: the end of what a replay can
        compare with."""
        info = self.catalog.get(CORE_SERIES)
        self._native(info)
        return self._full[info.id].index.max()

    # -- statement tables ---------------------------------------------------------------------------
    def statements(self, table_id: str) -> pd.DataFrame:
        """The rows of a statement table (catalog `tables`, e.g. TREASURY_CASH_ASSUMED) announced by the end of
        as_of: what could be known that day (a revision announced later is not there). Columns as in the catalog,
        dates as Timestamps, amounts in billions. Raises MissingSeriesError when the source has no such table."""
        info = self.catalog.table(table_id)
        if info.id in self.missing_errors:
            raise self.missing_errors[info.id]
        if info.id not in self._tables:
            try:
                self._tables[info.id] = self._read_table(info)
            except MissingSeriesError as exc:
                self._remember_missing(info.id, exc)
                raise
        frame = self._tables[info.id]
        self._used_tables.add(info.id)
        if self.as_of is not None:
            frame = frame[frame[info.announced] <= self.as_of]
        return frame.reset_index(drop=True)

    def _read_table(self, info) -> pd.DataFrame:
        dates = [c for c, k in info.columns if k == "date"]
        numbers = [c for c, k in info.columns if k == "billions_usd"]
        found = cache.read_table(info.id, dates, numbers)
        if found is None and self.auto_fetch:
            with _fetch_lock:
                found = cache.read_table(info.id, dates, numbers)
                if found is None:
                    try:
                        store.update([info.id])
                    except LiquidityError as exc:
                        raise MissingSeriesError(info.id, str(exc), "failed") from None
                    found = cache.read_table(info.id, dates, numbers)
        if found is None:
            meta = cache.read_meta(info.id) or {}
            if meta.get("missing"):
                raise MissingSeriesError(info.id, meta.get("stale_reason") or "the source has no such table")
            if meta.get("stale_reason"):
                raise MissingSeriesError(info.id, meta["stale_reason"], "failed")
            raise MissingSeriesError(info.id, "not in the cache; run `liquidity data update`", "uncached")
        return found[0]

    # -- measures ---------------------------------------------------------------------------------
    def measure(self, name: str) -> pd.Series:
        """A measure of the library (see liquidity.data.measures.MEASURES). Raises MissingSeriesError when absent."""
        from .measures import get_measure

        m = get_measure(name)
        if name in self._measures:
            return self._measures[name]
        if name in self.missing_errors:
            raise self.missing_errors[name]
        try:
            values = m.compute(self)
        except MissingSeriesError as exc:
            self._remember_missing(name, exc)
            raise
        values = values.dropna()
        values.name = name
        self._measures[name] = values
        return values

    def _remember_missing(self, name: str, exc: MissingSeriesError) -> None:
        if name in self.missing_errors:
            return
        self.missing_errors[name] = exc
        self.missing[name] = f"{exc.series_id}: {exc.reason}" if exc.series_id != name else exc.reason

    def forget_missing(self, name: str) -> None:
        """Another publisher served it (see measures._first_of): nothing is missing."""
        self.missing.pop(name, None)
        self.missing_errors.pop(name, None)

    def try_measure(self, name: str) -> pd.Series | None:
        try:
            return self.measure(name)
        except MissingSeriesError:
            return None

    def input_ends(self, name: str) -> dict[str, pd.Timestamp]:
        """The last observation of each series a measure read (as of the cut), for measures whose inputs can end on
        different dates (net liquidity, reserves/GDP ...)."""
        from .measures import get_measure

        self.measure(name)
        out = {}
        for sid in get_measure(name).series:
            if sid in self._raw and len(self._raw[sid]):
                out[sid] = self._raw[sid].index.max()
        return out

    def latest_date(self, name: str = "reserves") -> pd.Timestamp:
        return self.measure(name).index.max()

    @property
    def as_of_label(self) -> str:
        return "latest" if self.as_of is None else f"{self.as_of:%Y-%m-%d}"

    # -- provenance -------------------------------------------------------------------------------
    def used_series(self) -> list[str]:
        return sorted(self._used)

    def provenance(self) -> pd.DataFrame:
        """Series used or missing: source, observations used, vintage, fetched at, stale and why."""
        rows = []
        metas = cache.all_meta()
        for sid in sorted(self._used | self._used_tables | {s for s in self.missing
                                                            if s in self.catalog or s in self.catalog.tables}):
            if sid in self.catalog.tables:
                rows.append(self._table_provenance(sid, metas.get(sid) or {}))
                continue
            info = self.catalog.get(sid)
            meta = metas.get(sid) or {}
            used = self._raw.get(sid)
            rows.append({
                "series": sid,
                "title": info.title,
                "native units": info.units,
                "source": meta.get("source", ""),
                "first used": f"{used.index.min():%Y-%m-%d}" if used is not None and len(used) else "",
                "last used": f"{used.index.max():%Y-%m-%d}" if used is not None and len(used) else "",
                "vintage": ("ALFRED, as of the cut" if self.as_of is not None else "ALFRED, latest")
                if sid in self._vintages else "today's vintage",
                "fetched at": meta.get("fetched_at", ""),
                "status": "missing" if sid in self.missing else "stale" if meta.get("stale") else "ok",
                "why": self.missing.get(sid) or (meta.get("stale_reason", "") if meta.get("stale") else ""),
            })
        return pd.DataFrame(rows)

    def _table_provenance(self, tid: str, meta: dict) -> dict:
        info = self.catalog.tables[tid]
        used = self.statements(tid) if tid in self._tables else None
        return {"series": tid, "title": info.title, "native units": "billions_usd", "source": meta.get("source", ""),
                "first used": f"{used[info.announced].min():%Y-%m-%d}" if used is not None and len(used) else "",
                "last used": f"{used[info.announced].max():%Y-%m-%d}" if used is not None and len(used) else "",
                "vintage": "statements known on the as-of date", "fetched at": meta.get("fetched_at", ""),
                "status": "missing" if tid in self.missing else "stale" if meta.get("stale") else "ok",
                "why": self.missing.get(tid) or (meta.get("stale_reason", "") if meta.get("stale") else "")}

    def stale_series(self) -> dict[str, str]:
        metas = cache.all_meta()
        out = {}
        for sid in sorted(self._used | self._used_tables):
            meta = metas.get(sid) or {}
            if meta.get("stale"):
                out[sid] = meta.get("stale_reason", "")
        return out

"""Updating the cache from sources, and reporting its state (`liquidity data update` / `liquidity data status`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from . import cache
from .catalog import SeriesInfo, TableInfo, load_catalog
from ..core.errors import InputError, LiquidityError, MissingSeriesError, SourceError
from .http import NoNetworkError
from ..core.secrets import redact
from .sources import (NO_SOURCE_HELP, Source, default_source_name, default_table_source_name, make_source,
                      source_serves, source_serves_tables)


class FatalSourceError(SourceError):
    """A failure that would repeat for every series (no network, rejected key): the update stops."""


@dataclass
class UpdateResult:
    series: str
    source: str
    status: str          # updated | unchanged | missing | failed
    new_rows: int = 0
    last_observation: str | None = None
    message: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def resolve_series(ids: list[str] | None) -> list[SeriesInfo]:
    catalog = load_catalog()
    if not ids:
        return list(catalog)
    return [catalog.get(i) for i in ids if i not in catalog.tables]  # unknown ids raise InputError before any work


def resolve_tables(ids: list[str] | None) -> list[TableInfo]:
    """The statement tables an update covers: all of them for the whole catalog, else those named in `ids`."""
    tables = load_catalog().tables
    return list(tables.values()) if not ids else [tables[i] for i in ids if i in tables]


def update(ids: list[str] | None = None, source: str | None = None, full: bool = False,
           progress=None) -> list[UpdateResult]:
    """Fetch series into the cache. Bad input raises before anything is fetched; a failing series keeps its cache."""
    infos = resolve_series(ids)
    tables = resolve_tables(ids)
    sources: dict[str, Source] = {}

    def source_for(info: SeriesInfo) -> Source:
        name = source or default_source_name(info)
        if name not in sources:
            sources[name] = make_source(name)  # InputError (no mirror folder, no key) before any fetch
        return sources[name]

    if source:
        src = source_for(infos[0]) if infos else make_source(source)
        served = [i for i in infos if source_serves(src, i)]
        if ids and tables and not source_serves_tables(src):
            raise InputError(f"--source {source} does not serve {', '.join(t.id for t in tables)}; the statement "
                             "tables come from mirror or treasury")
        tables = tables if source_serves_tables(src) else []
        if ids and len(served) < len(infos):
            other = [i.id for i in infos if i not in served]
            raise InputError(f"--source {source} does not serve {', '.join(other)}; the DTS series come from "
                             f"fiscaldata or mirror, the NYFED_ series from nyfed or mirror, the others from FRED "
                             f"or mirror")
        infos = served
    else:
        for info in infos:
            source_for(info)

    def source_for_table(table: TableInfo) -> Source:
        name = source or default_table_source_name()
        if name not in sources:
            sources[name] = make_source(name)
        return sources[name]

    results: list[UpdateResult] = []
    fatal: FatalSourceError | None = None
    for n, info in enumerate(infos):
        src = source_for(info)
        if progress:
            progress(n, len(infos), info.id)
        if fatal is not None:
            cache.mark(info.id, stale=True, stale_reason=str(fatal), last_attempt_at=_now())
            results.append(UpdateResult(info.id, src.name, "failed", message=str(fatal)))
            continue
        try:
            results.append(_update_one(info, src, full))
        except FatalSourceError as exc:
            fatal = exc
            cache.mark(info.id, stale=True, stale_reason=str(exc), last_attempt_at=_now())
            results.append(UpdateResult(info.id, src.name, "failed", message=str(exc)))
    for table in tables:
        if fatal is not None:
            cache.mark(table.id, stale=True, stale_reason=str(fatal), last_attempt_at=_now())
            results.append(UpdateResult(table.id, source or "", "failed", message=str(fatal)))
            continue
        results.append(_update_table(table, source_for_table(table)))
    if progress:
        progress(len(infos), len(infos), "")
    if fatal is not None:
        raise fatal
    return results


def _update_one(info: SeriesInfo, src: Source, full: bool) -> UpdateResult:
    old = cache.read(info.id)
    has_old = old is not None and old.data is not None and len(old.data.dropna()) > 0
    incremental = src.live and has_old and not full and old.meta.get("source") == src.name
    start = None
    if incremental:
        start = old.data.dropna().index.max() + pd.Timedelta(days=1)
    attempt = _now()
    try:
        new = src.fetch(info, start=start)
        if not incremental and len(new.dropna()) == 0:
            raise SourceError(f"{src.describe()} returned no observations for {info.id}")
    except MissingSeriesError as exc:
        if has_old:
            cache.mark(info.id, stale=True, stale_reason=redact(exc.reason), last_attempt_at=attempt)
            return UpdateResult(info.id, src.name, "failed", message=f"kept the cached copy: {exc.reason}")
        cache.mark(info.id, missing=True, stale=False, stale_reason=redact(exc.reason), source=src.name,
                   last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "missing", message=exc.reason)
    except NoNetworkError as exc:
        raise FatalSourceError(f"{exc}. No data source is reachable: {NO_SOURCE_HELP}") from None
    except SourceError as exc:
        message = redact(str(exc))
        if "rejected the API key" in message:
            raise FatalSourceError(message) from None
        cache.mark(info.id, stale=True, stale_reason=message, last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "failed", message=message + (" (cached copy kept)" if has_old else ""))
    except LiquidityError:
        raise
    except Exception as exc:  # a source that answered nonsense must not break the whole update
        message = redact(f"{type(exc).__name__}: {exc}")
        cache.mark(info.id, stale=True, stale_reason=message, last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "failed", message=message)

    if incremental:
        merged = new.combine_first(old.data) if len(new) else old.data
        added = int(len(new.index.difference(old.data.index)))
    else:
        merged = new
        added = int(len(new.index.difference(old.data.index))) if has_old else int(len(new))
    vintages, vintage_note = _vintages(info, src)
    unchanged = has_old and merged.equals(old.data) and old.meta.get("checksum_ok", False) and vintages is None
    meta = {"source": src.name, "source_detail": src.describe(), "units": info.units, "fetched_at": attempt,
            "last_attempt_at": attempt, "stale": False, "stale_reason": "", "missing": False,
            "vintages_note": vintage_note}
    if unchanged:
        meta = cache.mark(info.id, **meta)
    else:
        meta = cache.write(info.id, merged, meta, vintages=vintages)
    return UpdateResult(info.id, src.name, "unchanged" if unchanged else "updated", added,
                        meta.get("last_observation"))


def _update_table(info: TableInfo, src: Source) -> UpdateResult:
    """A statement table is fetched whole each time (a few dozen rows); a failure keeps the cached copy."""
    old = cache.read_table(info.id)
    attempt = _now()
    try:
        new = src.fetch_table(info)
    except MissingSeriesError as exc:
        if old is not None and exc.fields.get("unconfigured"):
            # no source set up on this machine (no mirror, no LIQUIDITY_TREASURY_URL): nothing failed, the statements
            # already held stay as they are (they change once a quarter)
            return UpdateResult(info.id, src.name, "unchanged", message=f"cached copy kept: {exc.reason}")
        if old is not None:
            cache.mark(info.id, stale=True, stale_reason=redact(exc.reason), last_attempt_at=attempt)
            return UpdateResult(info.id, src.name, "failed", message=f"kept the cached copy: {exc.reason}")
        cache.mark(info.id, missing=True, stale=False, stale_reason=redact(exc.reason), source=src.name, table=True,
                   last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "missing", message=exc.reason)
    except SourceError as exc:
        message = redact(str(exc))
        cache.mark(info.id, stale=True, stale_reason=message, last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "failed", message=message + (" (cached copy kept)" if old else ""))
    text = cache.serialise_table(new)
    unchanged = old is not None and old[1].get("checksum_ok") and old[1].get("checksum") == cache.checksum(text)
    meta = {"source": src.name, "source_detail": src.describe(), "units": "billions_usd", "fetched_at": attempt,
            "last_attempt_at": attempt, "stale": False, "stale_reason": "", "missing": False}
    meta = cache.mark(info.id, **meta) if unchanged else cache.write_table(info.id, new, meta, info.announced)
    added = len(new) - (int(old[1].get("rows", 0)) if old else 0)
    return UpdateResult(info.id, src.name, "unchanged" if unchanged else "updated", max(added, 0),
                        meta.get("last_observation"))


def _vintages(info: SeriesInfo, src: Source) -> tuple[pd.DataFrame | None, str]:
    """ALFRED vintages for a series flagged `vintages` when the source is the FRED API; a failure here keeps the
    data update and says why the as-of cut falls back to today's vintage."""
    if not info.vintages or not hasattr(src, "fetch_vintages"):
        return None, ""
    try:
        return src.fetch_vintages(info), ""
    except SourceError as exc:
        return None, redact(f"no ALFRED vintages this time: {exc}")


STATUS_COLUMNS = ["series", "source", "first_observation", "last_observation", "expected_observation", "behind",
                  "fetched_at", "stale", "reason"]


def status(reference=None) -> pd.DataFrame:
    """One row per catalog series: where it came from, how recent against its release schedule on `reference`
    (default today), whether its last update failed (stale) and why."""
    from ..core.dates import today
    from .freshness import freshness

    reference = pd.Timestamp(reference) if reference is not None else today()
    metas = cache.all_meta()
    rows = []
    for info in load_catalog():
        meta = metas.get(info.id) or {}
        entry = cache.read(info.id) if meta else None
        if entry is None and not meta:
            reason, stale = "not fetched yet", False
        elif meta.get("missing") and entry is None:
            reason, stale = f"missing: {meta.get('stale_reason', '')}", False
        else:
            stale = bool(meta.get("stale"))
            reason = meta.get("stale_reason", "") if stale else ""
            if entry is not None and not meta.get("checksum_ok", True):
                stale, reason = True, "cache entry does not match its checksum; run data update"
        last = meta.get("last_observation") if entry is not None else None
        fresh = freshness(info, pd.Timestamp(last) if last else None, reference)
        rows.append({
            "series": info.id,
            "source": meta.get("source", ""),
            "first_observation": meta.get("first_observation") or "",
            "last_observation": last or "",
            "expected_observation": f"{fresh.expected:%Y-%m-%d}",
            "behind": fresh.text.split("; ", 1)[1] if last else "no data",
            "fetched_at": meta.get("fetched_at", ""),
            "stale": stale,
            "reason": redact(reason),
        })
    for table in load_catalog().tables.values():     # statement tables: announcement dates, no release schedule
        meta = metas.get(table.id) or {}
        held = meta.get("rows") is not None and not meta.get("missing")
        stale = bool(meta.get("stale")) or (held and meta.get("checksum") is None)
        rows.append({"series": table.id, "source": meta.get("source", ""),
                     "first_observation": meta.get("first_observation") or "" if held else "",
                     "last_observation": meta.get("last_observation") or "" if held else "",
                     "expected_observation": "", "behind": "announced as stated" if held else "no data",
                     "fetched_at": meta.get("fetched_at", ""), "stale": stale,
                     "reason": redact(meta.get("stale_reason", "") if (stale or not held) else "")})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)

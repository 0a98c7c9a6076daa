"""Updating the cache from sources, and reporting its state (`liquidity data update` / `liquidity data status`).

Every observation enters the cache here, after the plausibility checks the catalog declares
(liquidity.data.plausibility): a refused update keeps the cached entry and marks the series failed with the reason.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from . import cache
from .catalog import SeriesInfo, TableInfo, load_catalog
from ..core.errors import InputError, LiquidityError, MissingSeriesError, SourceError
from .http import NoNetworkError
from .plausibility import ImplausibleData, check_history, check_rows, check_table
from ..core.secrets import redact
from .sources import (NO_SOURCE_HELP, Source, default_source_name, default_table_source_name, make_source,
                      source_serves, source_serves_tables)


class FatalSourceError(SourceError):
    """A failure that would repeat for every series of a source (no network, rejected key): that source stops.
    `reason` is the failure itself; the message adds what to set when the network is the cause."""

    def __init__(self, reason: str, network: bool = False):
        self.reason = reason
        self.network = network
        super().__init__(f"{reason}. No data source is reachable: {NO_SOURCE_HELP}" if network else reason)


class NoDataSource(SourceError):
    """Nothing to run on: the cache holds none of the required series and no source delivered them."""


FIRST_RUN_HELP = ("set LIQUIDITY_MIRROR=PATH to an offline mirror (e.g. ../shared/data), or set FRED_API_KEY and give "
                  "this machine network access to FRED, Treasury Fiscal Data and the NY Fed")


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


def short_reason(text: str) -> str:
    """A failure without the transport's details (requests' "(HTTPConnectionPool(...): ...)"), for one-line messages."""
    return re.sub(r" \((?:HTTPConnectionPool|HTTPSConnectionPool|Caused by).*?(?=; |$)", "", " ".join(text.split()))


def resolve_series(ids: list[str] | None) -> list[SeriesInfo]:
    catalog = load_catalog()
    if not ids:
        return list(catalog)
    return [catalog.get(i) for i in ids if i not in catalog.tables]  # unknown ids raise InputError before any work


def resolve_tables(ids: list[str] | None) -> list[TableInfo]:
    """The statement tables an update covers: all of them for the whole catalog, else those named in `ids`."""
    tables = load_catalog().tables
    return list(tables.values()) if not ids else [tables[i] for i in ids if i in tables]


def recover(notify=None) -> None:
    """Before an update: an unreadable database file is moved aside (kept) so that the update builds a new one."""
    try:
        cache.check_database()
    except cache.CacheUnreadable as exc:
        aside = cache.move_aside()
        message = (f"the cache database {exc.path} could not be read ({exc.reason}); moved it aside to {aside.name} "
                   "and fetching the series again")
        (notify or (lambda m: None))(message)


def update(ids: list[str] | None = None, source: str | None = None, full: bool = False,
           progress=None, allow_shrink: bool = False, notify=None,
           recover_unreadable: bool = True) -> list[UpdateResult]:
    """Fetch series into the cache. Bad input (unknown ids, a source that does not serve them, a cache that cannot
    be written) raises before anything is fetched; a failing or refused series keeps its cache. A source that cannot
    be reached at all (or rejects the key) stops at its first series; when every source used stops, this raises
    FatalSourceError after marking the series."""
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
    cache.check_writable()                     # a read-only cache says so before anything is fetched
    if recover_unreadable:
        recover(notify)

    def source_for_table(table: TableInfo) -> Source:
        name = source or default_table_source_name()
        if name not in sources:
            sources[name] = make_source(name)
        return sources[name]

    results: list[UpdateResult] = []
    fatal: dict[str, FatalSourceError] = {}    # source name -> why it stopped
    for n, info in enumerate(infos):
        src = source_for(info)
        if progress:
            progress(n, len(infos), info.id)
        if src.name not in fatal:
            try:
                results.append(_update_one(info, src, full, allow_shrink))
                continue
            except FatalSourceError as exc:
                fatal[src.name] = exc
        cache.mark(info.id, stale=True, stale_reason=fatal[src.name].reason, last_attempt_at=_now())
        results.append(UpdateResult(info.id, src.name, "failed", message=fatal[src.name].reason))
    for table in tables:
        tsrc = source_for_table(table)
        if tsrc.name in fatal:
            cache.mark(table.id, stale=True, stale_reason=fatal[tsrc.name].reason, last_attempt_at=_now())
            results.append(UpdateResult(table.id, tsrc.name, "failed", message=fatal[tsrc.name].reason))
            continue
        results.append(_update_table(table, tsrc, allow_shrink))
    if progress:
        progress(len(infos), len(infos), "")
    cache.checkpoint()
    used = {source_for(i).name for i in infos}
    if fatal and set(fatal) >= used:           # no source answered: one message, what to set once
        reasons = list(dict.fromkeys(e.reason for e in fatal.values()))
        raise FatalSourceError("; ".join(reasons), network=any(e.network for e in fatal.values()))
    return results


def _update_one(info: SeriesInfo, src: Source, full: bool, allow_shrink: bool = False) -> UpdateResult:
    from ..core.dates import today

    old = cache.read(info.id, verify=False)
    corrupt = old is not None and not old.meta.get("checksum_ok", True)
    has_old = old is not None and old.data is not None and len(old.data.dropna()) > 0 and not corrupt
    incremental = src.live and has_old and not full and old.meta.get("source") == src.name
    start = None
    if incremental:
        start = old.data.dropna().index.max() + pd.Timedelta(days=1)
    attempt = _now()
    where = src.where(info)
    try:
        new = src.fetch(info, start=start)
        if not incremental and len(new.dropna()) == 0:
            raise SourceError(f"{src.describe()} returned no observations for {info.id}")
        check_rows(info, new, where, today())
        if has_old and not incremental and not allow_shrink:
            check_history(info, old.data, new, where)
    except MissingSeriesError as exc:
        if has_old:
            cache.mark(info.id, stale=True, stale_reason=redact(exc.reason), last_attempt_at=attempt)
            return UpdateResult(info.id, src.name, "failed", message=f"kept the cached copy: {exc.reason}")
        cache.mark(info.id, missing=True, stale=False, stale_reason=redact(exc.reason), source=src.name,
                   last_attempt_at=attempt)
        return UpdateResult(info.id, src.name, "missing", message=exc.reason)
    except NoNetworkError as exc:
        raise FatalSourceError(redact(str(exc)), network=True) from None
    except ImplausibleData as exc:
        message = redact(str(exc))
        cache.mark(info.id, stale=True, stale_reason=message, last_attempt_at=attempt, refused=exc.rule)
        return UpdateResult(info.id, src.name, "failed", message=message)
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
    unchanged = has_old and merged.equals(old.data) and vintages is None
    meta = {"source": src.name, "source_detail": src.describe(), "units": info.units, "fetched_at": attempt,
            "last_attempt_at": attempt, "stale": False, "stale_reason": "", "missing": False, "refused": "",
            "vintages_note": vintage_note}
    if unchanged:
        meta = cache.mark(info.id, **meta)
    else:
        meta = cache.write(info.id, merged, meta, vintages=vintages)
    message = f"replaced a corrupt cache entry ({old.meta.get('corrupt')})" if corrupt else ""
    return UpdateResult(info.id, src.name, "unchanged" if unchanged else "updated", added,
                        meta.get("last_observation"), message)


def _update_table(info: TableInfo, src: Source, allow_shrink: bool = False) -> UpdateResult:
    """A statement table is fetched whole each time (a few dozen rows), checked as a series is; a failure keeps the
    cached copy."""
    from ..core.dates import today

    try:
        old = cache.read_table(info.id)
    except cache.CorruptEntry:                  # never trusted: fetched again as if new
        old = None
    attempt = _now()
    try:
        new = src.fetch_table(info)
        check_table(info, new, f"{src.describe()} {info.file}", today(),
                    None if allow_shrink or old is None else old[0])
    except ImplausibleData as exc:
        message = redact(str(exc))
        cache.mark(info.id, stale=True, stale_reason=message, last_attempt_at=attempt, refused=exc.rule)
        return UpdateResult(info.id, src.name, "failed", message=message)
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


# -- before a run: data to run on -----------------------------------------------------------------------------
def has_required_data(root=None) -> bool:
    """Whether the cache holds data for at least one required series (anything a note can run on)."""
    metas = cache.all_meta(root)
    return any(metas.get(i.id, {}).get("last_observation") and not metas[i.id].get("corrupt")
               for i in load_catalog() if i.required)


def require_data(why: str = "") -> None:
    """Raise NoDataSource (one line, naming what to set) when the cache holds nothing a note can run on."""
    if has_required_data():
        return
    reason = short_reason(why)
    reason = f" ({textwrap.shorten(reason, 140, placeholder='...')})" if reason else ""
    raise NoDataSource(f"no data to run on: the cache {cache.db_path()} holds no series and no source delivered "
                       f"any{reason}; {FIRST_RUN_HELP}")


def ensure_data(progress=None, notify=None) -> list[UpdateResult]:
    """Before a run, in the main process (kernels never fetch): fetch the catalog series the cache has never
    held (a first run, or a series new to the catalog), then require data to run on. A cache that holds the data is
    enough when the network fails: the notes run on it."""
    metas = cache.all_meta()
    never = [i.id for i in load_catalog() if i.id not in metas]
    results: list[UpdateResult] = []
    why = ""
    problem = cache.write_problem() if never else None
    if never and problem:
        why = f"the cache cannot be written: {problem}"
        if notify:
            notify(f"{len(never)} series were never fetched and {why}")
    elif never:
        try:
            results = update(never, progress=progress, notify=notify)
        except FatalSourceError as exc:
            why = exc.reason
            if notify and has_required_data():
                notify(f"could not fetch {len(never)} series the cache never held: {short_reason(why)}")
        failed = [r for r in results if r.status == "failed"]
        why = why or (failed[0].message if failed else "")
    require_data(why)
    return results


# -- status -----------------------------------------------------------------------------------------------------
STATUS_COLUMNS = ["series", "state", "reason", "source", "first_observation", "last_observation",
                  "expected_observation", "behind", "behind_periods", "behind_unit", "fetched_at", "last_attempt_at",
                  "stale", "corrupt", "missing", "used_by_notes"]
TABLE_WIDTH = 100


def behind_text(fresh) -> str:
    """How far behind its schedule a series is, in words: business days up to two weeks, then weeks."""
    from .freshness import UNITS

    n, unit = int(fresh.behind), fresh.unit
    if unit in ("daily", "daily_7day") and fresh.last is not None and (fresh.expected - fresh.last).days > 14:
        n, unit = round((fresh.expected - fresh.last).days / 7), "weekly"
    one, many = UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def status(reference=None, root=None) -> pd.DataFrame:
    """One row per catalog series, with one state and its reason:
    current | behind N weeks (N business days ...) | failed (the last update failed or was refused; a cached copy
    may still be used) | corrupt (the entry does not match its checksums; not used, refetched by the next update)
    | never fetched (not in this source / not used by any note / not fetched yet).
    Also where it came from, its last and expected observation on `reference` (default today), fetch times."""
    from ..core.dates import today
    from .freshness import freshness
    from .usage import used_by_notes

    reference = pd.Timestamp(reference) if reference is not None else today()
    metas = cache.all_meta(root)
    used = used_by_notes()
    rows = []
    for info in load_catalog():
        meta = metas.get(info.id) or {}
        entry = cache.read(info.id, root=root, verify=False) if meta else None
        corrupt = meta.get("corrupt") or (entry.meta.get("corrupt") if entry is not None else None)
        has_data = entry is not None and entry.data is not None and len(entry.data.dropna()) > 0 and not corrupt
        last = meta.get("last_observation") if has_data else None
        fresh = freshness(info, pd.Timestamp(last) if last else None, reference)
        ended = info.discontinued is not None and last is not None and pd.Timestamp(last) >= info.discontinued
        behind = behind_text(fresh) if has_data and fresh.behind > 0 and not ended else ""
        expected = f"{fresh.expected.day} {fresh.expected:%b %Y}"
        if corrupt:
            state, reason = "corrupt", (f"the cache entry does not match its checksums ({corrupt}); it is not used "
                                        "and the next data update fetches it again")
        elif meta.get("stale"):
            state = "failed"
            reason = meta.get("stale_reason") or "the last update failed"
            reason = re.sub(r"(; the cached copy is kept| \(cached copy kept\))$", "", reason)
            if has_data:
                reason += f"; the cached copy to {last} is used" + (f" ({behind} behind)" if behind else "")
        elif ended:
            state, reason = "current", f"complete: discontinued after {info.discontinued:%Y-%m-%d}"
        elif has_data:
            state = f"behind {behind}" if behind else "current"
            reason = f"its release schedule expects {expected}" if behind else "on schedule"
        elif meta.get("missing"):
            why_missing = meta.get("stale_reason") or "it has no such series"
            state, reason = "never fetched", f"not in this source: {why_missing}"
        elif info.id not in used:
            state, reason = "never fetched", "not used by any note"
        else:
            state, reason = "never fetched", "not fetched yet: run `liquidity data update`"
        rows.append({
            "series": info.id, "state": state, "reason": redact(reason), "source": meta.get("source", ""),
            "first_observation": (meta.get("first_observation") or "") if has_data else "",
            "last_observation": last or "", "expected_observation": f"{fresh.expected:%Y-%m-%d}",
            "behind": f"{behind} behind" if behind else "", "behind_periods": int(fresh.behind) if has_data else None,
            "behind_unit": fresh.unit, "fetched_at": meta.get("fetched_at", ""),
            "last_attempt_at": meta.get("last_attempt_at", ""), "stale": bool(meta.get("stale")),
            "corrupt": bool(corrupt), "missing": bool(meta.get("missing")), "used_by_notes": info.id in used,
        })
    for table in load_catalog().tables.values():     # statement tables: announcement dates, no release schedule
        meta = metas.get(table.id) or {}
        try:
            found = cache.read_table(table.id, root=root, verify=False) if meta else None
        except Exception:                           # unparsable text can only be corruption
            found, meta = None, {**meta, "corrupt": meta.get("corrupt") or "its data cannot be parsed"}
        corrupt = meta.get("corrupt") or (found[1].get("corrupt") if found is not None else None)
        held = found is not None and not corrupt and not meta.get("missing")
        last = (meta.get("last_observation") or "") if held else ""
        if corrupt:
            state, reason = "corrupt", (f"the cache entry does not match its checksums ({corrupt}); it is not used "
                                        "and the next data update fetches it again")
        elif meta.get("stale"):
            state = "failed"
            reason = re.sub(r"(; the cached copy is kept| \(cached copy kept\))$", "",
                            meta.get("stale_reason") or "the last update failed")
            reason += f"; the cached copy to {last} is used" if held else ""
        elif held:
            state, reason = "current", "statements as announced (no release schedule)"
        elif meta.get("missing"):
            state, reason = "never fetched", f"not in this source: {meta.get('stale_reason') or 'it has no such table'}"
        else:
            state, reason = "never fetched", "not fetched yet: run `liquidity data update`"
        rows.append({
            "series": table.id, "state": state, "reason": redact(reason), "source": meta.get("source", ""),
            "first_observation": (meta.get("first_observation") or "") if held else "", "last_observation": last,
            "expected_observation": "", "behind": "", "behind_periods": None, "behind_unit": "",
            "fetched_at": meta.get("fetched_at", ""), "last_attempt_at": meta.get("last_attempt_at", ""),
            "stale": bool(meta.get("stale")), "corrupt": bool(corrupt), "missing": bool(meta.get("missing")),
            "used_by_notes": True,
        })
    return pd.DataFrame(rows, columns=STATUS_COLUMNS, dtype=object)      # ints stay ints, None stays null in JSON


def status_table(frame: pd.DataFrame, width: int = TABLE_WIDTH) -> str:
    """The status as a table that fits `width` columns: series, state, last observation, source, and the reason
    wrapped under its column (nothing cut: `--format json` has every field)."""
    head = ("series", "state", "last obs", "source")
    rows = [(r.series, r.state, r.last_observation or "-", r.source or "-", r.reason)
            for r in frame.itertuples(index=False)]
    widths = [max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(head)]
    indent = sum(widths) + 2 * len(widths)
    room = max(20, width - indent)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  reason"]
    for r in rows:
        wrapped = textwrap.wrap(str(r[4]), room, break_long_words=True, break_on_hyphens=False) or [""]
        lines.append(("  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths)) + "  " + wrapped[0]).rstrip())
        lines += [" " * indent + more for more in wrapped[1:]]
    counts = frame["state"].map(lambda s: "behind" if s.startswith("behind") else s).value_counts()
    order = ("current", "behind", "failed", "corrupt", "never fetched")
    lines.append("")
    lines.append(", ".join(f"{int(counts[k])} {k}" for k in order if k in counts))
    return "\n".join(lines)

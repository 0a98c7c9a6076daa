"""The series cache: one SQLite database, data/cache/cache.sqlite, one row per series.

A row holds the series' observations (CSV text `date,value`, native units), its ALFRED vintages where the source
gave them (CSV text `date,realtime_start,value`), and its metadata (JSON: source, fetched_at, first and last
observation, rows, stale flag and reason). Data and metadata are one row, written in one transaction, so a reader
in a parallel kernel sees the previous entry or the new one, and a process killed at any point leaves one of the two
(WAL journal, synchronous=FULL).

Integrity: the metadata carry a sha256 of the data text (`checksum`), of the vintages text (`vintages_checksum`)
and of themselves (`meta_checksum`); every read verifies them, so a changed byte anywhere in an entry makes it
*corrupt*: never used, shown by `liquidity data status`, fetched again by the next update. A database file SQLite
cannot read at all (truncated, overwritten) raises CacheUnreadable; `liquidity data update` moves it aside and
builds a new one. Reads work from a read-only folder (read-only or immutable connection); a write there says why it
cannot. A run reads a *snapshot* (`snapshot()`: SQLite's online backup into the run's folder), never the live file.

Reading a series by hand (the text is plain CSV):
    python -c "import sqlite3; print(sqlite3.connect('data/cache/cache.sqlite').execute(
               \\"select data from entries where series='WALCL'\\").fetchone()[0])"
or `liquidity data show WALCL`. A cache of CSV + meta.json files (the layout before 0.2) is moved in on first use.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..core import atomic, paths
from ..core.errors import InputError, LiquidityError
from ..core.secrets import redact

DB_NAME = "cache.sqlite"
SNAPSHOT_MARK = "SNAPSHOT.json"      # in a run's snapshot folder: the copy is fixed, read-only, never written
SCHEMA = """CREATE TABLE IF NOT EXISTS entries (
    series   TEXT PRIMARY KEY,
    data     TEXT,            -- date,value CSV in native units; NULL for a series the source lacks
    vintages TEXT,            -- date,realtime_start,value CSV (ALFRED), NULL without vintages
    meta     TEXT NOT NULL    -- JSON
)"""
_TRANSIENT = ("checksum_ok", "corrupt")   # computed on read, never stored


class CacheUnreadable(LiquidityError):
    """SQLite cannot read the database file (truncated, overwritten, not a database)."""

    def __init__(self, path: Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"the cache database {path} cannot be read ({reason}): run `liquidity data update --full`, "
                         f"which moves it aside (kept as {DB_NAME}.unreadable-<time>) and fetches every series again")


class CorruptEntry(LiquidityError):
    """An entry whose bytes do not match its checksums: it is not used until an update fetches it again."""

    def __init__(self, series_id: str, problem: str):
        self.series_id = series_id
        self.problem = problem
        super().__init__(f"the cache entry of {series_id} is corrupt ({problem}); it is not used, and the next "
                         f"`liquidity data update` fetches it again")


class CacheReadOnly(InputError):
    """The cache cannot be written (read-only folder or file system, a run's snapshot)."""


class SnapshotFailed(LiquidityError):
    """The run's copy of the cache could not be written (a full disk, a file-size limit); the cache itself is fine."""

    def __init__(self, dest: Path, reason: str):
        super().__init__(f"could not copy the cache for this run into {dest} ({reason}): is the disk full, or a "
                         "file-size limit set (ulimit -f)? Free space or lift the limit and run again; the cache is "
                         "unchanged")


@dataclass
class CacheEntry:
    series_id: str
    data: pd.Series | None
    meta: dict
    vintages: pd.DataFrame | None = None   # date, realtime_start, value (native units)


def db_path(root: Path | None = None) -> Path:
    return Path(root or paths.cache_dir()) / DB_NAME


def is_snapshot(root: Path | None = None) -> bool:
    """Whether the cache folder is a run's fixed snapshot (kernels of a run read one; nothing writes it)."""
    return (Path(root or paths.cache_dir()) / SNAPSHOT_MARK).is_file()


# -- connections ------------------------------------------------------------------------------------------------
def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("malformed", "not a database", "database disk image", "file is encrypted"))


def _is_read_only(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("readonly", "read-only", "unable to open database", "permission", "disk i/o"))


def _open(target: str, uri: bool = False) -> sqlite3.Connection:
    con = sqlite3.connect(target, timeout=60, isolation_level=None, uri=uri)
    con.text_factory = bytes            # decoded here: a changed byte is a corrupt entry, not a crash
    con.execute("PRAGMA busy_timeout=60000")
    return con


def _open_for_reading(path: Path) -> sqlite3.Connection:
    """The file as it is: normally; in a read-only folder (no -shm can be created) read-only, else immutable; a
    snapshot immutable at once (nobody writes it)."""
    uri = path.resolve().as_uri()
    attempts = [(f"{uri}?immutable=1", True)] if is_snapshot(path.parent) else \
        [(str(path), False), (f"{uri}?mode=ro", True), (f"{uri}?immutable=1", True)]
    last: sqlite3.DatabaseError | None = None
    for target, is_uri in attempts:
        try:
            con = _open(target, is_uri)
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.DatabaseError as exc:
            if _is_corruption(exc):
                raise CacheUnreadable(path, str(exc)) from None
            last = exc
    raise CacheUnreadable(path, str(last))


def write_problem(root: Path | None = None) -> str | None:
    """Why the cache cannot be written here (None when it can)."""
    folder = Path(root or paths.cache_dir())
    if is_snapshot(folder):
        return f"{folder} is a run's fixed snapshot of the cache"
    probe = next((p for p in (folder, *folder.parents) if p.exists()), folder)   # (nothing is created here)
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        return f"cannot create files in {probe} ({exc.strerror or exc})"
    for f in (folder / DB_NAME, folder / f"{DB_NAME}-wal"):
        if f.exists() and not os.access(f, os.W_OK):
            return f"{f} is read-only"
    return None


def check_writable(root: Path | None = None) -> None:
    """Raise CacheReadOnly, naming the reason and the fix, before anything is fetched."""
    problem = write_problem(root)
    if problem:
        raise CacheReadOnly(f"the cache cannot be written: {problem}; make it writable, or point LIQUIDITY_CACHE at "
                            "a writable folder (reading it still works)")


@contextmanager
def _connect(root: Path | None = None, write: bool = False):
    folder = Path(root or paths.cache_dir())
    path = folder / DB_NAME
    if write:
        if is_snapshot(folder):
            raise CacheReadOnly(f"{folder} is a run's fixed snapshot of the cache: it is never written")
        if not path.exists():
            try:
                _create(folder)
            except OSError as exc:
                raise CacheReadOnly(f"the cache cannot be created in {folder} ({exc.strerror or exc}); make the "
                                    "folder writable, or point LIQUIDITY_CACHE at a writable folder") from None
        con = _open(str(path))
        con.execute("PRAGMA synchronous=FULL")
    elif path.exists() or (any(folder.glob("*.meta.json")) and write_problem(folder) is None and _create(folder)):
        con = _open_for_reading(path)        # (a cache of the old CSV layout is moved in on first use)
    else:                                    # nothing cached yet: an empty cache (reading creates nothing)
        con = _open(":memory:")
        con.execute(SCHEMA)
    try:
        if write:
            con.execute("BEGIN IMMEDIATE")
        yield con
        if write:
            con.execute("COMMIT")
    except BaseException as exc:
        if write and con.in_transaction:
            try:
                con.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
        if isinstance(exc, sqlite3.DatabaseError) and _is_corruption(exc):
            raise CacheUnreadable(path, str(exc)) from None
        if write and isinstance(exc, sqlite3.OperationalError) and _is_read_only(exc):
            raise CacheReadOnly(f"the cache {path} cannot be written ({exc}); make it writable, or point "
                                "LIQUIDITY_CACHE at a writable folder") from None
        raise
    finally:
        con.close()


def _create(folder: Path) -> bool:
    """Create the database (WAL mode) and move a cache of CSV files in; under a lock so that parallel kernels
    starting at once create it once. True when the database exists."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".cache.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        path = folder / DB_NAME
        if path.exists():
            return True
        tmp = folder / f".{DB_NAME}.new"
        for leftover in folder.glob(f".{DB_NAME}.new*"):
            leftover.unlink()
        con = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            con.execute(SCHEMA)
            legacy = _legacy_entries(folder)
            con.execute("BEGIN")
            con.executemany("INSERT INTO entries(series, data, vintages, meta) VALUES (?, ?, NULL, ?)", legacy)
            con.execute("COMMIT")
            con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()
        tmp.replace(path)                      # the database appears whole or not at all
        if legacy:
            old = folder / "legacy-csv"
            old.mkdir(exist_ok=True)
            for f in list(folder.glob("*.csv")) + list(folder.glob("*.meta.json")):
                shutil.move(str(f), old / f.name)
    return True


def check_database(root: Path | None = None) -> None:
    """SQLite's quick_check of the whole file; raises CacheUnreadable when it fails (an update runs it first)."""
    path = db_path(root)
    if not path.exists():
        return
    with _connect(root) as con:
        rows = [r[0].decode("utf-8", "replace") if isinstance(r[0], bytes) else str(r[0])
                for r in con.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        raise CacheUnreadable(path, " ".join("; ".join(rows[:3]).split()))


def move_aside(root: Path | None = None) -> Path:
    """Move an unreadable database (with its -wal and -shm files) aside, so that an update builds a new one; the
    old file is kept for whoever wants to look at it. Returns its new path."""
    folder = Path(root or paths.cache_dir())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{DB_NAME}.unreadable-{stamp}"
    with open(folder / ".cache.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        for suffix in ("-wal", "-shm", ""):
            f = folder / f"{DB_NAME}{suffix}"
            if f.exists():
                os.replace(f, folder / f"{target.name}{suffix}")
    return target


def snapshot(dest: Path, root: Path | None = None) -> Path:
    """A fixed copy of the cache for one run: SQLite's online backup in one step (one read transaction, so a
    concurrent `data update` neither blocks it nor shows through), checked, then read-only for every reader.
    Returns the snapshot folder, to be given to readers as LIQUIDITY_CACHE."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=False)
    target = dest / DB_NAME
    out = sqlite3.connect(str(target), isolation_level=None)
    try:
        with _connect(root) as con:
            con.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")      # one file, readable without -wal/-shm
        problems = [r[0] for r in out.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:               # the copy failed: the cache's fault only if it fails its check
        out.close()
        check_database(root)
        raise SnapshotFailed(dest, str(exc)) from None
    finally:
        out.close()
    if problems != ["ok"]:
        check_database(root)
        raise SnapshotFailed(dest, " ".join("; ".join(map(str, problems[:3])).split()))
    atomic.write_json(dest / SNAPSHOT_MARK, {"source": str(db_path(root)),
                                             "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    target.chmod(0o444)
    return dest


def _legacy_entries(folder: Path) -> list[tuple]:
    """Rows of the pre-0.2 layout (<ID>.csv + <ID>.meta.json): data kept as it was, checksum recomputed."""
    rows = []
    for meta_file in sorted(folder.glob("*.meta.json")):
        sid = meta_file.name[: -len(".meta.json")]
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            meta = {"series": sid, "stale": True, "stale_reason": "unreadable metadata in the old cache"}
        csv = folder / f"{sid}.csv"
        data = csv.read_text(encoding="utf-8") if csv.is_file() else None
        if data is not None and meta.get("checksum") != _sha(data):
            meta.update(stale=True, stale_reason="the old cache file did not match its checksum; run data update")
        if data is not None:
            meta["checksum"] = _sha(data)
        rows.append((sid, data, json.dumps(_seal(meta))))
    return rows


# -- integrity ----------------------------------------------------------------------------------------------------
def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _meta_sha(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "meta_checksum"}
    return _sha(json.dumps(body, sort_keys=True))


def _seal(meta: dict) -> dict:
    """Metadata ready to store: secrets masked, computed fields dropped, and their own checksum."""
    meta = _clean(meta)
    meta["meta_checksum"] = _meta_sha(meta)
    return meta


def _decode(value) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _verified(series_id: str, data, vintages, meta_raw) -> tuple[str | None, str | None, dict, str | None]:
    """(data text, vintages text, metadata, problem): the problem names what does not match its checksum."""
    try:
        meta = json.loads(_decode(meta_raw))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (UnicodeDecodeError, ValueError) as exc:
        return None, None, {"series": series_id}, f"its metadata are not valid JSON ({type(exc).__name__})"
    if meta.get("series", series_id) != series_id:
        return None, None, meta, f"its metadata belong to {meta.get('series')!r}"
    if "meta_checksum" in meta and meta["meta_checksum"] != _meta_sha(meta):
        return None, None, meta, "its metadata do not match their checksum"
    try:
        text, vtext = _decode(data), _decode(vintages)
    except UnicodeDecodeError:
        return None, None, meta, "its data are not valid text"
    if text is not None and meta.get("checksum") != _sha(text):
        return text, vtext, meta, "its data do not match their checksum"
    if vtext is not None and "vintages_checksum" in meta and meta["vintages_checksum"] != _sha(vtext):
        return text, vtext, meta, "its vintages do not match their checksum"
    return text, vtext, meta, None


def checksum(text: str) -> str:
    """The checksum stored in an entry's metadata for its data text."""
    return _sha(text)


# -- reading ------------------------------------------------------------------------------------------------------
def serialise(series: pd.Series) -> str:
    buf = io.StringIO()
    out = pd.DataFrame({"date": series.index.strftime("%Y-%m-%d"), "value": series.to_numpy()})
    out.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def serialise_vintages(vintages: pd.DataFrame) -> str:
    buf = io.StringIO()
    out = pd.DataFrame({"date": pd.DatetimeIndex(vintages["date"]).strftime("%Y-%m-%d"),
                        "realtime_start": pd.DatetimeIndex(vintages["realtime_start"]).strftime("%Y-%m-%d"),
                        "value": vintages["value"].to_numpy()})
    out.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def _parse(series_id: str, text: str) -> pd.Series:
    frame = pd.read_csv(io.StringIO(text), dtype={"date": str})
    return pd.Series(pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float),
                     index=pd.DatetimeIndex(pd.to_datetime(frame["date"]), name="date"), name=series_id)


def _parse_vintages(text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype={"date": str, "realtime_start": str})
    return pd.DataFrame({"date": pd.to_datetime(frame["date"]),
                         "realtime_start": pd.to_datetime(frame["realtime_start"]),
                         "value": pd.to_numeric(frame["value"], errors="coerce").astype(float)})


def _row(series_id: str, root: Path | None):
    with _connect(root) as con:
        return con.execute("SELECT data, vintages, meta FROM entries WHERE series = ?", (series_id,)).fetchone()


def read_meta(series_id: str, root: Path | None = None) -> dict | None:
    """The entry's metadata (with `corrupt` set to the problem when its bytes do not match their checksums)."""
    row = _row(series_id, root)
    if row is None:
        return None
    _, _, meta, problem = _verified(series_id, *row)
    return {**meta, "corrupt": problem} if problem else meta


def all_meta(root: Path | None = None) -> dict[str, dict]:
    """Metadata of every entry, by series id (one query); metadata that fail their own checksum say `corrupt`."""
    out = {}
    with _connect(root) as con:
        for sid, meta_raw in con.execute("SELECT series, meta FROM entries"):
            sid = sid.decode("utf-8", "replace") if isinstance(sid, bytes) else sid
            _, _, meta, problem = _verified(sid, None, None, meta_raw)
            out[sid] = {**meta, "corrupt": problem} if problem else meta
    return out


def payload(series_id: str, root: Path | None = None) -> str | None:
    """The stored data text of a series (for byte-identity checks and `liquidity data show`)."""
    row = _row(series_id, root)
    if row is None or row[0] is None:
        return None
    return row[0].decode("utf-8", "replace") if isinstance(row[0], bytes) else row[0]


def read(series_id: str, root: Path | None = None, verify: bool = True) -> CacheEntry | None:
    """The entry with data, or None when the cache holds no data for the series. A corrupt entry raises
    CorruptEntry (verify=False returns it, with meta["corrupt"] saying why and meta["checksum_ok"] False)."""
    row = _row(series_id, root)
    if row is None or row[0] is None:
        return None
    text, vtext, meta, problem = _verified(series_id, *row)
    if problem and verify:
        raise CorruptEntry(series_id, problem)
    meta = {**meta, "checksum_ok": problem is None, "corrupt": problem}
    try:
        data = _parse(series_id, text) if text is not None else None
        vint = _parse_vintages(vtext) if vtext else None
    except Exception as exc:                 # unparsable text can only be corruption (checked above when verified)
        if verify:
            raise CorruptEntry(series_id, f"its data cannot be parsed ({type(exc).__name__})") from None
        return CacheEntry(series_id, None, {**meta, "checksum_ok": False, "corrupt": problem or "unparsable"})
    return CacheEntry(series_id, data, meta, vint)


# -- writing ------------------------------------------------------------------------------------------------------
def write(series_id: str, series: pd.Series, meta: dict, root: Path | None = None,
          vintages: pd.DataFrame | None = None) -> dict:
    """Replace the entry (data, vintages, metadata) in one transaction. Without `vintages` the stored ones stay
    (when they still match their checksum)."""
    text = serialise(series)
    obs = series.dropna()
    meta = {
        **meta,
        "series": series_id,
        "rows": int(len(series)),
        "first_observation": obs.index.min().strftime("%Y-%m-%d") if len(obs) else None,
        "last_observation": obs.index.max().strftime("%Y-%m-%d") if len(obs) else None,
        "checksum": _sha(text),
    }
    vtext = serialise_vintages(vintages) if vintages is not None else None
    if vtext is not None:
        meta["vintage_rows"] = int(len(vintages))
        meta["vintages_checksum"] = _sha(vtext)
    with _connect(root, write=True) as con:
        if vtext is None:
            old = con.execute("SELECT data, vintages, meta FROM entries WHERE series = ?", (series_id,)).fetchone()
            if old and old[1] is not None:       # kept only while they still match their checksum
                _, old_vtext, old_meta, _ = _verified(series_id, None, *old[1:])
                if old_vtext is not None and old_meta.get("vintages_checksum", _sha(old_vtext)) == _sha(old_vtext):
                    vtext = old_vtext
                    meta["vintage_rows"] = old_meta.get("vintage_rows")
                    meta["vintages_checksum"] = _sha(vtext)
        con.execute("INSERT INTO entries(series, data, vintages, meta) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(series) DO UPDATE SET data = excluded.data, vintages = excluded.vintages, "
                    "meta = excluded.meta", (series_id, text, vtext, json.dumps(_seal(meta))))
    return _clean(meta)


# -- statement tables (catalog `tables`): the same one-row-per-entry layout, the table's CSV as the data text -------
def serialise_table(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    out.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def write_table(table_id: str, frame: pd.DataFrame, meta: dict, announced: str, root: Path | None = None) -> dict:
    """Replace a statement table's entry (data and metadata in one transaction, as `write`)."""
    text = serialise_table(frame)
    dates = pd.to_datetime(frame[announced]) if len(frame) else pd.Series(dtype="datetime64[ns]")
    meta = {**meta, "series": table_id, "table": True, "rows": int(len(frame)),
            "first_observation": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
            "last_observation": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
            "checksum": _sha(text)}
    with _connect(root, write=True) as con:
        con.execute("INSERT INTO entries(series, data, vintages, meta) VALUES (?, ?, NULL, ?) "
                    "ON CONFLICT(series) DO UPDATE SET data = excluded.data, vintages = NULL, meta = excluded.meta",
                    (table_id, text, json.dumps(_seal(meta))))
    return _clean(meta)


def read_table(table_id: str, date_columns=(), numeric_columns=(), root: Path | None = None, verify: bool = True
               ) -> tuple[pd.DataFrame, dict] | None:
    """A statement table and its metadata, or None when the cache holds none. Checked as `read` checks a series: a
    corrupt entry raises CorruptEntry (verify=False returns it with meta["corrupt"] and checksum_ok False)."""
    row = _row(table_id, root)
    if row is None or row[0] is None:
        return None
    text, _, meta, problem = _verified(table_id, row[0], None, row[2])
    if problem and verify:
        raise CorruptEntry(table_id, problem)
    meta = {**meta, "checksum_ok": problem is None, "corrupt": problem}
    if text is None:
        return None
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for c in date_columns:
        frame[c] = pd.to_datetime(frame[c])
    for c in numeric_columns:
        frame[c] = pd.to_numeric(frame[c]).astype(float)
    return frame, meta


def mark(series_id: str, root: Path | None = None, **fields) -> dict:
    """Update metadata only (a failed update: stale with the reason), leaving the data untouched."""
    with _connect(root, write=True) as con:
        row = con.execute("SELECT meta FROM entries WHERE series = ?", (series_id,)).fetchone()
        meta = {"series": series_id}
        if row:
            _, _, old, problem = _verified(series_id, None, None, row[0])
            if problem is None:              # metadata that fail their checksum are replaced, not trusted
                meta = old
        meta.update(fields)
        meta = _seal(meta)
        if row:
            con.execute("UPDATE entries SET meta = ? WHERE series = ?", (json.dumps(meta), series_id))
        else:
            con.execute("INSERT INTO entries(series, data, vintages, meta) VALUES (?, NULL, NULL, ?)",
                        (series_id, json.dumps(meta)))
    return meta


def checkpoint(root: Path | None = None) -> None:
    """Fold the WAL into the database file after an update (a reader of a read-only copy sees everything)."""
    path = db_path(root)
    if path.exists() and not is_snapshot(path.parent):
        con = _open(str(path))
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError:
            pass                             # a busy reader: the next checkpoint folds it in
        finally:
            con.close()


def _clean(meta: dict) -> dict:
    return {k: (redact(v) if isinstance(v, str) else v) for k, v in meta.items() if k not in _TRANSIENT}

"""The series cache: one SQLite database, data/cache/cache.sqlite, one row per series.

A row holds the series' observations (CSV text `date,value`, native units), its ALFRED vintages where the source
gave them (CSV text `date,realtime_start,value`), and its metadata (JSON: source, fetched_at, first and last
observation, rows, sha256 of the data text, stale flag and reason). Data and metadata are one row, written in one
transaction, so a reader in a parallel kernel sees the previous entry or the new one, and a process killed at any
point leaves one of the two (WAL journal, synchronous=FULL).

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
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.secrets import redact

DB_NAME = "cache.sqlite"
SCHEMA = """CREATE TABLE IF NOT EXISTS entries (
    series   TEXT PRIMARY KEY,
    data     TEXT,            -- date,value CSV in native units; NULL for a series the source lacks
    vintages TEXT,            -- date,realtime_start,value CSV (ALFRED), NULL without vintages
    meta     TEXT NOT NULL    -- JSON
)"""


@dataclass
class CacheEntry:
    series_id: str
    data: pd.Series | None
    meta: dict
    vintages: pd.DataFrame | None = None   # date, realtime_start, value (native units)


def db_path(root: Path | None = None) -> Path:
    return Path(root or paths.cache_dir()) / DB_NAME


@contextmanager
def _connect(root: Path | None = None, write: bool = False):
    folder = Path(root or paths.cache_dir())
    path = folder / DB_NAME
    if not path.exists():
        _create(folder)
    con = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout=60000")
        con.execute("PRAGMA synchronous=FULL")
        if write:
            con.execute("BEGIN IMMEDIATE")
        yield con
        if write:
            con.execute("COMMIT")
    except BaseException:
        if write and con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _create(folder: Path) -> None:
    """Create the database (WAL mode) and move a cache of CSV files in; under a lock so that parallel kernels
    starting at once create it once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".cache.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        path = folder / DB_NAME
        if path.exists():
            return
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
        rows.append((sid, data, json.dumps(_clean(meta))))
    return rows


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checksum(text: str) -> str:
    """The checksum stored in an entry's metadata for its data text."""
    return _sha(text)


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
    return pd.DataFrame({"date": pd.to_datetime(frame["date"]), "realtime_start": pd.to_datetime(frame["realtime_start"]),
                         "value": pd.to_numeric(frame["value"], errors="coerce").astype(float)})


def _row(series_id: str, root: Path | None):
    with _connect(root) as con:
        return con.execute("SELECT data, vintages, meta FROM entries WHERE series = ?", (series_id,)).fetchone()


def read_meta(series_id: str, root: Path | None = None) -> dict | None:
    row = _row(series_id, root)
    return json.loads(row[2]) if row else None


def all_meta(root: Path | None = None) -> dict[str, dict]:
    """Metadata of every entry, by series id (one query)."""
    with _connect(root) as con:
        return {sid: json.loads(meta) for sid, meta in con.execute("SELECT series, meta FROM entries")}


def payload(series_id: str, root: Path | None = None) -> str | None:
    """The stored data text of a series (for byte-identity checks and `liquidity data show`)."""
    row = _row(series_id, root)
    return row[0] if row else None


def read(series_id: str, root: Path | None = None) -> CacheEntry | None:
    """The entry with data, or None when the cache holds no data for the series."""
    row = _row(series_id, root)
    if row is None or row[0] is None:
        return None
    data, vintages, meta = row
    meta = json.loads(meta)
    meta["checksum_ok"] = meta.get("checksum") == _sha(data)
    return CacheEntry(series_id, _parse(series_id, data), meta, _parse_vintages(vintages) if vintages else None)


def write(series_id: str, series: pd.Series, meta: dict, root: Path | None = None,
          vintages: pd.DataFrame | None = None) -> dict:
    """Replace the entry (data, vintages, metadata) in one transaction. Without `vintages` the stored ones stay."""
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
    with _connect(root, write=True) as con:
        if vtext is None:
            old = con.execute("SELECT vintages, meta FROM entries WHERE series = ?", (series_id,)).fetchone()
            if old and old[0] is not None:
                vtext = old[0]
                meta["vintage_rows"] = json.loads(old[1]).get("vintage_rows")
        con.execute("INSERT INTO entries(series, data, vintages, meta) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(series) DO UPDATE SET data = excluded.data, vintages = excluded.vintages, "
                    "meta = excluded.meta", (series_id, text, vtext, json.dumps(_clean(meta))))
    return meta


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
                    (table_id, text, json.dumps(_clean(meta))))
    return meta


def read_table(table_id: str, date_columns=(), numeric_columns=(), root: Path | None = None
               ) -> tuple[pd.DataFrame, dict] | None:
    """A statement table and its metadata (checksum_ok as in `read`), or None when the cache holds none."""
    row = _row(table_id, root)
    if row is None or row[0] is None:
        return None
    meta = json.loads(row[2])
    meta["checksum_ok"] = meta.get("checksum") == _sha(row[0])
    frame = pd.read_csv(io.StringIO(row[0]), dtype=str, keep_default_na=False)
    for c in date_columns:
        frame[c] = pd.to_datetime(frame[c])
    for c in numeric_columns:
        frame[c] = pd.to_numeric(frame[c]).astype(float)
    return frame, meta


def mark(series_id: str, root: Path | None = None, **fields) -> dict:
    """Update metadata only (a failed update: stale with the reason), leaving the data untouched."""
    with _connect(root, write=True) as con:
        row = con.execute("SELECT meta FROM entries WHERE series = ?", (series_id,)).fetchone()
        meta = json.loads(row[0]) if row else {"series": series_id}
        meta.update(fields)
        meta = _clean(meta)
        if row:
            con.execute("UPDATE entries SET meta = ? WHERE series = ?", (json.dumps(meta), series_id))
        else:
            con.execute("INSERT INTO entries(series, data, vintages, meta) VALUES (?, NULL, NULL, ?)",
                        (series_id, json.dumps(meta)))
    return meta


def _clean(meta: dict) -> dict:
    return {k: (redact(v) if isinstance(v, str) else v) for k, v in meta.items() if k != "checksum_ok"}

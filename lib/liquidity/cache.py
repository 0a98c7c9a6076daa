"""The series cache: data/cache/<ID>.csv (date,value in native units) plus <ID>.meta.json.

Metadata: source, fetched_at, first and last observation, rows, sha256 of the CSV, stale flag and reason.
Both files are written atomically, data first; a data file whose checksum does not match its metadata is still
readable and is reported by `liquidity data status`.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import atomic, paths
from .secrets import redact


@dataclass
class CacheEntry:
    series_id: str
    data: pd.Series | None
    meta: dict


def _files(series_id: str, root: Path | None = None) -> tuple[Path, Path]:
    root = root or paths.cache_dir()
    return root / f"{series_id}.csv", root / f"{series_id}.meta.json"


def serialise(series: pd.Series) -> bytes:
    buf = io.StringIO()
    out = pd.DataFrame({"date": series.index.strftime("%Y-%m-%d"), "value": series.to_numpy()})
    out.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def read_meta(series_id: str, root: Path | None = None) -> dict | None:
    _, meta_path = _files(series_id, root)
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def read(series_id: str, root: Path | None = None) -> CacheEntry | None:
    data_path, _ = _files(series_id, root)
    if not data_path.is_file():
        return None
    raw = data_path.read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), dtype={"date": str})
    series = pd.Series(pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float),
                       index=pd.DatetimeIndex(pd.to_datetime(frame["date"]), name="date"), name=series_id)
    meta = read_meta(series_id, root) or {}
    meta["checksum_ok"] = meta.get("checksum") == hashlib.sha256(raw).hexdigest()
    return CacheEntry(series_id, series, meta)


def write(series_id: str, series: pd.Series, meta: dict, root: Path | None = None) -> dict:
    data_path, meta_path = _files(series_id, root)
    payload = serialise(series)
    obs = series.dropna()
    meta = {
        **meta,
        "series": series_id,
        "rows": int(len(series)),
        "first_observation": obs.index.min().strftime("%Y-%m-%d") if len(obs) else None,
        "last_observation": obs.index.max().strftime("%Y-%m-%d") if len(obs) else None,
        "checksum": hashlib.sha256(payload).hexdigest(),
    }
    atomic.write_bytes(data_path, payload)
    atomic.write_json(meta_path, _clean(meta))
    return meta


def mark(series_id: str, root: Path | None = None, **fields) -> dict:
    """Update metadata only (a failed update: stale with the reason), leaving the data file untouched."""
    _, meta_path = _files(series_id, root)
    meta = read_meta(series_id, root) or {"series": series_id}
    meta.update(fields)
    atomic.write_json(meta_path, _clean(meta))
    return meta


def _clean(meta: dict) -> dict:
    return {k: (redact(v) if isinstance(v, str) else v) for k, v in meta.items() if k != "checksum_ok"}

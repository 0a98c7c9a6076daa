"""The cache: one SQLite row per series (data, vintages, metadata together), migration of the old CSV layout,
and readers that never see a half-written entry while another process writes."""
import hashlib
import json
import multiprocessing
import subprocess
import sys

import pandas as pd
import pytest

from liquidity.data import cache


def _series(values, start="2025-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D", name="date"), dtype=float)


def test_write_read_mark_round_trip(tmp_path):
    s = _series([1.5, None, 3.25])
    meta = cache.write("X", s, {"source": "mirror"}, root=tmp_path)
    entry = cache.read("X", root=tmp_path)
    assert entry.data.equals(s.rename("X")) and entry.meta["checksum_ok"] and entry.meta["rows"] == 3
    assert meta["last_observation"] == "2025-01-03" and entry.meta["first_observation"] == "2025-01-01"
    assert cache.payload("X", root=tmp_path) == "date,value\n2025-01-01,1.5\n2025-01-02,\n2025-01-03,3.25\n"
    cache.mark("X", root=tmp_path, stale=True, stale_reason="HTTP 500")
    again = cache.read("X", root=tmp_path)
    assert again.data.equals(entry.data) and again.meta["stale"] and again.meta["stale_reason"] == "HTTP 500"
    cache.mark("NEVER", root=tmp_path, missing=True, stale_reason="no such series")
    assert cache.read("NEVER", root=tmp_path) is None and cache.read_meta("NEVER", root=tmp_path)["missing"]
    assert set(cache.all_meta(root=tmp_path)) == {"X", "NEVER"}


def test_vintages_are_kept_until_replaced(tmp_path):
    vint = pd.DataFrame({"date": pd.to_datetime(["2025-07-01", "2025-07-01"]),
                         "realtime_start": pd.to_datetime(["2025-12-23", "2026-01-22"]), "value": [31000.0, 31098.0]})
    cache.write("GDP", _series([31098.0], "2025-07-01"), {}, root=tmp_path, vintages=vint)
    cache.write("GDP", _series([31098.0, 31422.5], "2025-07-01"), {}, root=tmp_path)   # an update without vintages
    entry = cache.read("GDP", root=tmp_path)
    assert entry.vintages["value"].tolist() == [31000.0, 31098.0] and entry.meta["vintage_rows"] == 2


def test_an_old_csv_cache_is_moved_in_on_first_use(tmp_path):
    good = "date,value\n2025-10-29,6587034\n"
    (tmp_path / "WALCL.csv").write_text(good)
    (tmp_path / "WALCL.meta.json").write_text(json.dumps({"series": "WALCL", "source": "mirror",
                                                          "checksum": hashlib.sha256(good.encode()).hexdigest()}))
    (tmp_path / "SOFR.csv").write_text("date,value\n2025-10-31,4.22\n")          # half-written in the old design
    (tmp_path / "SOFR.meta.json").write_text(json.dumps({"series": "SOFR", "checksum": "0" * 64}))
    (tmp_path / "RPONTTLD.meta.json").write_text(json.dumps({"series": "RPONTTLD", "missing": True}))
    entry = cache.read("WALCL", root=tmp_path)
    assert entry.data["2025-10-29"] == 6587034 and entry.meta["checksum_ok"] and entry.meta["source"] == "mirror"
    sofr = cache.read("SOFR", root=tmp_path)
    assert sofr.data["2025-10-31"] == 4.22 and sofr.meta["stale"] and "checksum" in sofr.meta["stale_reason"]
    assert cache.read_meta("RPONTTLD", root=tmp_path)["missing"]
    assert not list(tmp_path.glob("*.csv")) and len(list((tmp_path / "legacy-csv").iterdir())) == 5


def _writer(root, rounds):
    a, b = _series(range(2000)), _series(range(1, 2001))
    for i in range(rounds):
        cache.write("S", a if i % 2 else b, {"round": i}, root=root)


def test_readers_never_see_a_half_updated_entry(tmp_path):
    a, b = cache.serialise(_series(range(2000))), cache.serialise(_series(range(1, 2001)))
    cache.write("S", _series(range(2000)), {}, root=tmp_path)
    proc = multiprocessing.get_context("spawn").Process(target=_writer, args=(tmp_path, 150))
    proc.start()
    seen = set()
    while proc.is_alive():
        entry = cache.read("S", root=tmp_path)
        text = cache.serialise(entry.data)
        assert entry.meta["checksum_ok"] and text in (a, b)
        seen.add(text)
    proc.join()
    assert proc.exitcode == 0 and seen == {a, b}          # the reader did see both contents, never anything else


def test_data_show_prints_the_stored_csv(tmp_path):
    cache.write("WALCL", _series([6587034.0], "2025-10-29"), {}, root=tmp_path)
    proc = subprocess.run([sys.executable, "-m", "liquidity", "data", "show", "WALCL"], capture_output=True, text=True,
                          env={**__import__("os").environ, "LIQUIDITY_CACHE": str(tmp_path)})
    assert proc.returncode == 0 and proc.stdout == "date,value\n2025-10-29,6587034\n"
    missing = subprocess.run([sys.executable, "-m", "liquidity", "data", "show", "SOFR"], capture_output=True,
                             text=True, env={**__import__("os").environ, "LIQUIDITY_CACHE": str(tmp_path)})
    assert missing.returncode == 2 and "SOFR has no data in the cache" in missing.stderr


@pytest.mark.parametrize("bad", ["nope", "../WALCL"])
def test_data_show_unknown_id_is_an_input_error(bad, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "liquidity", "data", "show", bad], capture_output=True, text=True,
                          env={**__import__("os").environ, "LIQUIDITY_CACHE": str(tmp_path)})
    assert proc.returncode == 2 and "unknown series id" in proc.stderr


def test_a_snapshot_is_a_fixed_read_only_copy(tmp_path, monkeypatch):
    """A run's snapshot: later writes to the cache do not show through, nothing writes it, and a kernel reading it
    never fetches what it lacks."""
    live = tmp_path / "live"
    cache.write("S", _series([1.0, 2.0]), {"source": "mirror"}, root=live)
    snap = cache.snapshot(tmp_path / "snap", root=live)
    cache.write("S", _series([1.0, 2.0, 3.0]), {"source": "mirror"}, root=live)
    assert cache.read("S", root=snap).data.tolist() == [1.0, 2.0] and cache.is_snapshot(snap)
    assert cache.read("S", root=live).data.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(cache.CacheReadOnly, match="snapshot"):
        cache.write("S", _series([9.0]), {}, root=snap)
    assert sorted(p.name for p in snap.iterdir()) == ["SNAPSHOT.json", "cache.sqlite"]    # one file, no -wal/-shm
    from liquidity import Dataset
    from liquidity.core.errors import MissingSeriesError

    monkeypatch.setenv("LIQUIDITY_CACHE", str(snap))
    monkeypatch.setenv("LIQUIDITY_FRED_CSV_URL", "http://127.0.0.1:9/never-asked")
    with pytest.raises(MissingSeriesError) as err:
        Dataset().series("WALCL")
    assert err.value.kind == "uncached"                                      # not fetched: the run's data are fixed


def _write_many(root, rounds):
    for i in range(rounds):
        for sid in ("A", "B", "C"):
            cache.write(sid, _series([float(i)] * 500), {"round": i}, root=root)


def test_a_snapshot_during_writes_is_one_consistent_state_and_does_not_wait(tmp_path):
    """Taken while another process writes, a snapshot holds whole entries that verify, and takes no longer than a
    copy (the writer is never waited for: WAL readers do not block writers, nor writers readers)."""
    import time

    live = tmp_path / "live"
    _write_many(live, 1)
    proc = multiprocessing.get_context("spawn").Process(target=_write_many, args=(live, 60))
    proc.start()
    try:
        while (cache.read_meta("A", root=live) or {}).get("round", 0) < 1 and proc.is_alive():
            time.sleep(0.01)                                   # the writer is writing
        took, during = [], []
        for n in range(5):
            began = time.monotonic()
            snap = cache.snapshot(tmp_path / f"snap{n}", root=live)
            took.append(time.monotonic() - began)
            rounds = [cache.read(sid, root=snap).meta["round"] for sid in ("A", "B", "C")]
            assert all(cache.read(sid, root=snap).data.nunique() == 1 for sid in ("A", "B", "C"))
            assert max(rounds) - min(rounds) <= 1                  # A, B, C of one moment: a round at most apart
            during.append(proc.is_alive())
    finally:
        proc.join()
    assert proc.exitcode == 0 and max(took) < 5 and any(during)


def test_every_byte_of_an_entry_is_checked_on_read(tmp_path):
    import sqlite3

    cache.write("X", _series([1.5, 2.5]), {"source": "mirror"}, root=tmp_path,
                vintages=pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]),
                                       "realtime_start": pd.to_datetime(["2025-02-01"]), "value": [1.5]}))
    cache.mark("X", root=tmp_path, stale=True, stale_reason="HTTP 500")           # a mark keeps it verifiable
    assert cache.read("X", root=tmp_path).meta["checksum_ok"]
    con = sqlite3.connect(str(tmp_path / "cache.sqlite"))
    original = con.execute("SELECT data, vintages, meta FROM entries WHERE series = 'X'").fetchone()
    for column, changed in (("data", original[0].replace("2.5", "2.6")),
                            ("vintages", original[1].replace("1.5", "1.6")),
                            ("meta", original[2].replace('"rows": 2', '"rows": 3')), ("meta", original[2][:-3])):
        con.execute(f"UPDATE entries SET {column} = ? WHERE series = 'X'", (changed,))
        con.commit()
        with pytest.raises(cache.CorruptEntry, match="X is corrupt"):
            cache.read("X", root=tmp_path)
        assert cache.read_meta("X", root=tmp_path)["corrupt"] if column == "meta" else \
            not cache.read("X", root=tmp_path, verify=False).meta["checksum_ok"]
        con.execute("UPDATE entries SET data = ?, vintages = ?, meta = ? WHERE series = 'X'", original)
        con.commit()
    con.close()
    assert cache.read("X", root=tmp_path).data.tolist() == [1.5, 2.5]


def test_reading_creates_nothing_and_an_unreadable_file_says_how_to_rebuild(tmp_path):
    assert cache.all_meta(root=tmp_path / "none") == {} and not (tmp_path / "none").exists()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "cache.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(cache.CacheUnreadable, match="data update --full"):
        cache.all_meta(root=tmp_path / "bad")
    aside = cache.move_aside(root=tmp_path / "bad")
    assert aside.is_file() and not (tmp_path / "bad" / "cache.sqlite").exists()

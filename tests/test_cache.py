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

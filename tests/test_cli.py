"""The CLI's answers to bad input: one clear message naming the input, exit 2, the cache untouched."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from notes import mirror_last

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "liquidity", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def test_data_update_from_the_mirror_then_status(mirror, tmp_path):
    env = {"LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    up = cli("data", "update", "--series", "WALCL", "SOFR", "RPONTTLD", env=env)
    assert up.returncode == 0, up.stderr
    assert "WALCL" in up.stdout and "updated" in up.stdout and "RPONTTLD" in up.stdout and "missing" in up.stdout
    st = cli("data", "status", "--format", "json", env=env)
    rows = {r["series"]: r for r in json.loads(st.stdout)}
    assert rows["WALCL"]["last_observation"] == mirror_last("WALCL")[0] and rows["WALCL"]["source"] == "mirror"
    assert rows["RPONTTLD"]["state"] == "never fetched"
    assert rows["RPONTTLD"]["reason"] == "not in this source: the mirror has no fred/RPONTTLD.csv"
    assert rows["EFFR"]["state"] == "never fetched" and rows["EFFR"]["reason"].startswith("not fetched yet")
    assert rows["SOFR25"]["reason"] == "not used by any note" and not rows["SOFR25"]["used_by_notes"]


def test_data_status_fits_100_columns_with_one_state_and_its_reason(mirror, tmp_path):
    """One line per series (the reason wraps under its column), one word for the state, a reason for each; never
    'stale False' beside 'N weeks behind'. JSON keeps every field."""
    env = {"LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    assert cli("data", "update", "--quiet", env=env).returncode == 0
    table = cli("data", "status", env=env).stdout
    lines = table.splitlines()
    assert max(map(len, lines)) <= 100
    assert "stale" not in table and "False" not in table and "True" not in table
    as_json = cli("data", "status", "--format", "json", env=env).stdout
    assert "NaN" not in as_json                                  # strict JSON: a missing number is null
    rows = {r["series"]: r for r in json.loads(as_json)}
    from liquidity.data.catalog import load_catalog

    states = {}
    for line in lines[1:]:
        sid = line.split(" ", 1)[0]
        if sid in rows:
            states[sid] = line[len(sid):].strip()
    catalog = load_catalog()
    assert set(states) == set(catalog.ids()) | set(catalog.tables)   # every series and table on a line of its own
    for sid, row in rows.items():
        assert states[sid].startswith(row["state"]) and row["reason"], sid
        assert row["state"] in ("current", "failed", "corrupt", "never fetched") or row["state"].startswith("behind ")
    walcl = rows["WALCL"]
    expected = pd.Timestamp(walcl["expected_observation"])
    if pd.Timestamp(walcl["last_observation"]) < expected:
        day_after = pd.Timestamp(walcl["last_observation"]) + pd.Timedelta(days=1)
        weeks = len(pd.date_range(day_after, expected, freq="W-WED"))
        assert walcl["state"] == f"behind {weeks} weeks" and walcl["behind_periods"] == weeks
    assert rows["IOER"]["state"] == "current" and "discontinued" in rows["IOER"]["reason"]
    assert set(rows["WALCL"]) >= {"series", "state", "reason", "source", "first_observation", "last_observation",
                                  "expected_observation", "behind", "fetched_at", "stale", "corrupt", "missing",
                                  "used_by_notes"}


@pytest.mark.parametrize("args,message", [
    (["data", "update", "--series", "WALCLL"], "unknown series id 'WALCLL'"),
    (["run", "monitr"], "unknown notebook 'monitr' (did you mean 'monitor'?)"),
    (["run", "monitor", "--as-of", "17/11/2025"], "as_of='17/11/2025' is not allowed"),
    (["run", "monitor", "-p", "nope", "1"], "no parameter 'nope'"),
    (["run", "monitor", "--formats", "docx"], "--formats 'docx'"),
])
def test_bad_input_gives_one_message_and_exit_2(args, message, mirror, tmp_path):
    proc = cli(*args, env={"LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "c")})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "c").exists()  # nothing fetched, nothing written


def test_mirror_folder_that_does_not_exist(tmp_path):
    env = {"LIQUIDITY_MIRROR": str(tmp_path / "missing"), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    proc = cli("data", "update", env=env)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_malformed_mirror_csv_names_the_file_and_line_and_keeps_the_cache(mirror, tmp_path):
    good = tmp_path / "good"
    (good / "fred").mkdir(parents=True)
    (good / "fred" / "SOFR.csv").write_text("observation_date,SOFR\n2025-10-31,4.22\n")
    env = {"LIQUIDITY_MIRROR": str(good), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    assert cli("data", "update", "--series", "SOFR", env=env).returncode == 0
    from liquidity.data import cache

    before = cache.payload("SOFR", root=tmp_path / "c")
    (good / "fred" / "SOFR.csv").write_text("observation_date,SOFR\n2025-10-31,4.22\n2025-11-03,four\n")
    proc = cli("data", "update", "--series", "SOFR", env=env)
    assert proc.returncode == 1
    assert "malformed row at line 3" in proc.stdout and "SOFR.csv" in proc.stdout
    assert cache.payload("SOFR", root=tmp_path / "c") == before


def test_rejected_fred_key_is_reported_without_the_key(fake_server, tmp_path):
    bad = ('<?xml version="1.0"?><error code="400" message="Bad Request.  The value for variable api_key is not '
           'registered."/>')
    fake_server.responses["/fred"] = [(400, {}, bad)]
    key = "REJECTEDKEY0123456789abcdefghij"
    proc = cli("data", "update", "--series", "WALCL", "SOFR", "--source", "fred-api",
               env={"FRED_API_KEY": key, "LIQUIDITY_FRED_API_URL": fake_server.url + "/fred",
                    "LIQUIDITY_CACHE": str(tmp_path / "c")})
    assert proc.returncode == 1
    assert "FRED rejected the API key" in proc.stderr and key not in proc.stderr + proc.stdout
    assert len(fake_server.requests) == 1  # the update stops at the first rejection
    status = cli("data", "status", env={"FRED_API_KEY": key, "LIQUIDITY_CACHE": str(tmp_path / "c")})
    assert key not in status.stdout and "****ghij" in status.stdout


def test_list_shows_parameters_with_types_and_help():
    proc = cli("list", "--format", "json")
    listing = {nb["notebook"]: nb for nb in json.loads(proc.stdout)}
    params = {p["name"]: p for p in listing["monitor"]["parameters"]}
    assert params["reserves_alert_bn"]["type"] == "float" and params["reserves_alert_bn"]["default"] == 3000.0
    assert "billions" in params["reserves_alert_bn"]["help"]
    assert "as_of_2025_11_17" in listing["monitor"]["param_sets"]

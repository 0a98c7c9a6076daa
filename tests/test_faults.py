"""Faults, bad input and secrets: a misbehaving source, a killed process or a typo never loses data or outputs,
always says what happened, and never shows the FRED key. README.md's "Reliability" table lists these tests."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from fakesource import FakeSources, operations_from_totals, rates_from_series

from liquidity.data import cache, store
from liquidity.data.dts import normalise_columns
from liquidity.core.errors import InputError, LiquidityError
from liquidity.data.sources import parse_fred_csv

ROOT = Path(__file__).resolve().parents[1]
MARKER = "FREDKEYMARKER-5b2e8d1c94a7f036"
FRED_IDS = ["WRESBAL", "WALCL", "WTREGEN", "SOFR", "IORB"]


@pytest.fixture
def fake(mirror):
    fred = {sid: parse_fred_csv((mirror / "fred" / f"{sid}.csv").read_text(), sid, sid)
            for sid in [p.stem for p in (mirror / "fred").glob("*.csv")]}
    rows = normalise_columns(pd.read_csv(mirror / "fiscaldata" / "dts_operating_cash_balance.csv", dtype=str,
                                         keep_default_na=False))
    totals = pd.read_csv(mirror / "nyfed" / "repo_operations_daily.csv", index_col=0, parse_dates=True).iloc[:, 0]
    server = FakeSources(fred, rows.to_dict(orient="records"), nyfed_ops=operations_from_totals(totals),
                         nyfed_rates={"tgcr": rates_from_series(fred["TGCRRATE"], "tgcr")})
    yield server
    server.close()


def _bytes(sid):
    return cache.payload(sid)


def _seed(fake, monkeypatch, ids, source="fred-csv", api_key=None):
    fake.use(monkeypatch, api_key=api_key)
    results = store.update(ids, source=source)
    assert all(r.status == "updated" for r in results), results
    return {sid: _bytes(sid) for sid in ids}


def _cli(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "liquidity", *args], capture_output=True, text=True,
                          env=env or os.environ.copy(), timeout=timeout)


# -- each fault of a source ---------------------------------------------------------------------------------
def test_429_is_retried_after_the_retry_after_delay(fake, monkeypatch):
    fake.use(monkeypatch)
    fake.fail("fred-csv", "WRESBAL", "429")
    began = time.monotonic()
    (result,) = store.update(["WRESBAL"], source="fred-csv")
    assert result.status == "updated" and fake.count("fred-csv", "WRESBAL") == 2
    assert time.monotonic() - began >= 1.0                        # waited the server's Retry-After: 1


@pytest.mark.parametrize("api,sid", [("fred-csv", "WRESBAL"), ("fred-api", "WRESBAL"), ("fiscaldata", "TGA_DAILY")])
def test_500_then_success_is_retried_and_stored(fake, monkeypatch, api, sid):
    fake.use(monkeypatch, api_key=MARKER if api == "fred-api" else None)
    fake.fail(api, "*", "500")
    (result,) = store.update([sid], source=api)
    assert result.status == "updated" and fake.count(api) == 2
    assert cache.read(sid).data.dropna().index.max() >= pd.Timestamp("2026-06-01")


def test_hang_past_the_timeout_fails_after_bounded_retries_and_keeps_the_cache(fake, monkeypatch):
    before = _seed(fake, monkeypatch, ["WRESBAL"])
    fake.fail("fred-csv", "WRESBAL", "hang", sticky=True)
    began = time.monotonic()
    (result,) = store.update(["WRESBAL"], source="fred-csv", full=True)
    assert result.status == "failed" and fake.count("fred-csv", "WRESBAL") == 1 + 3   # seed + 3 tries
    assert time.monotonic() - began < 10
    assert _bytes("WRESBAL") == before["WRESBAL"]
    meta = cache.read_meta("WRESBAL")
    assert meta["stale"] and "no answer within 0.5s" in meta["stale_reason"]


def test_truncated_body_is_retried_then_fails_and_keeps_the_cache(fake, monkeypatch):
    before = _seed(fake, monkeypatch, ["SOFR"])
    fake.fail("fred-csv", "SOFR", "truncated", sticky=True)
    (result,) = store.update(["SOFR"], source="fred-csv", full=True)
    assert result.status == "failed" and fake.count("fred-csv", "SOFR") == 1 + 3
    assert _bytes("SOFR") == before["SOFR"]
    assert "truncated answer" in cache.read_meta("SOFR")["stale_reason"]


def test_html_error_page_is_rejected_without_retry_and_keeps_the_cache(fake, monkeypatch):
    before = _seed(fake, monkeypatch, ["WALCL"])
    fake.fail("fred-csv", "WALCL", "html", sticky=True)
    (result,) = store.update(["WALCL"], source="fred-csv", full=True)
    assert result.status == "failed" and fake.count("fred-csv", "WALCL") == 2   # seed + one answer, no retry
    assert _bytes("WALCL") == before["WALCL"]
    assert "HTML page instead of CSV data" in cache.read_meta("WALCL")["stale_reason"]


@pytest.mark.parametrize("api", ["fred-csv", "fred-api"])
def test_fred_dots_are_missing_values_not_errors(fake, monkeypatch, api):
    fake.use(monkeypatch, api_key=MARKER)
    fake.fail(api, "IORB", "dots")
    (result,) = store.update(["IORB"], source=api)
    assert result.status == "updated"
    data = cache.read("IORB").data
    truth = fake.fred["IORB"]
    assert pd.isna(data.iloc[1]) and data.iloc[0] == truth.iloc[0] and data.iloc[3] == truth.iloc[3]
    assert not cache.read_meta("IORB")["stale"]


@pytest.mark.parametrize("api", ["fred-csv", "fred-api"])
def test_duplicate_dates_keep_the_last_value(fake, monkeypatch, api):
    fake.use(monkeypatch, api_key=MARKER)
    fake.fail(api, "IORB", "duplicates")
    store.update(["IORB"], source=api)
    data = cache.read("IORB").data
    assert not data.index.duplicated().any()
    assert data.iloc[-1] == pytest.approx(fake.fred["IORB"].iloc[-1] + 1)   # the re-published value wins


def test_empty_observation_list_changes_nothing(fake, monkeypatch):
    before = _seed(fake, monkeypatch, ["WRESBAL"])
    fake.fail("fred-csv", "WRESBAL", "empty")
    (result,) = store.update(["WRESBAL"], source="fred-csv")          # incremental: nothing new
    assert result.status == "unchanged" and _bytes("WRESBAL") == before["WRESBAL"]
    fake.fail("fred-csv", "WRESBAL", "empty")
    (result,) = store.update(["WRESBAL"], source="fred-csv", full=True)  # a full answer with nothing in it
    assert result.status == "failed" and "returned no observations" in result.message
    assert _bytes("WRESBAL") == before["WRESBAL"] and cache.read_meta("WRESBAL")["stale"]


def test_rejected_api_key_stops_the_update_with_one_clear_message_and_no_key(fake, monkeypatch):
    fake.use(monkeypatch, api_key=MARKER)
    fake.fail("fred-api", "*", "badkey", sticky=True)
    proc = _cli("data", "update", "--source", "fred-api", "--series", *FRED_IDS, "--quiet")
    assert proc.returncode != 0
    assert "FRED rejected the API key in FRED_API_KEY" in proc.stderr and "Traceback" not in proc.stderr
    assert MARKER not in proc.stderr + proc.stdout
    assert fake.count("fred-api") == 1                                # the first rejection stops the others
    for sid in FRED_IDS:
        assert "rejected the API key" in cache.read_meta(sid)["stale_reason"]


def test_unknown_series_at_the_source_is_reported_missing(fake, monkeypatch):
    fake.use(monkeypatch, api_key=MARKER)
    (result,) = store.update(["RPONTTLD"], source="fred-api")        # not in the fake, as not in the mirror
    assert result.status == "missing" and "FRED has no series with this id" in result.message
    status = store.status().set_index("series")
    assert status.loc["RPONTTLD", "reason"].startswith("missing: FRED has no series")


@pytest.mark.parametrize("fault", ["429", "500", "hang", "truncated", "html", "dots", "duplicates", "empty", "badkey",
                                   "unknown"])
def test_nyfed_faults_are_handled_like_the_other_sources(fake, monkeypatch, fault):
    fake.use(monkeypatch)
    before = _seed(fake, monkeypatch, ["NYFED_RP_TOTAL"], source="nyfed")["NYFED_RP_TOTAL"]
    seeded = fake.count("nyfed")
    sticky = fault not in ("429", "500")              # the others hold for every window of the query
    fake.fail("nyfed", "repo", fault, sticky=sticky)
    (result,) = store.update(["NYFED_RP_TOTAL"], source="nyfed", full=True)
    asked = fake.count("nyfed") - seeded
    data = cache.read("NYFED_RP_TOTAL").data
    meta = cache.read_meta("NYFED_RP_TOTAL")
    if fault in ("429", "500"):                      # retried, then every window answered: stored again
        assert result.status in ("updated", "unchanged") and asked == seeded + 1
        assert data["2025-10-31"] == pytest.approx(50.35) and not meta["stale"]
    elif fault in ("hang", "truncated"):             # at most 3 tries, then failed; the entry is untouched
        assert result.status == "failed" and asked == 3 and _bytes("NYFED_RP_TOTAL") == before
        assert ("no answer within" if fault == "hang" else "truncated answer") in meta["stale_reason"]
    elif fault in ("html", "badkey"):                # rejected at once, no retry
        assert result.status == "failed" and asked == 1 and _bytes("NYFED_RP_TOTAL") == before
        assert ("HTML page instead of JSON" if fault == "html" else "refused the request (HTTP 403)") in \
            meta["stale_reason"]
    elif fault == "dots":                            # null amounts are missing values, not errors
        assert result.status == "updated" and data.isna().sum() > 0 and not meta["stale"]
    elif fault == "duplicates":                      # a re-published operation counts once, its last version
        last = data.dropna().index.max()
        assert data[last] == pytest.approx(fake_total(fake, last) + 1.0)
    elif fault == "empty":                           # a full answer with nothing in it: failed, cache kept
        assert result.status == "failed" and "returned no observations" in result.message
        assert _bytes("NYFED_RP_TOTAL") == before
    elif fault == "unknown":                         # the API has no such data: the cached copy is kept
        assert result.status == "failed" and "HTTP 404" in result.message and _bytes("NYFED_RP_TOTAL") == before


def fake_total(fake, day):
    return sum(op["totalAmtAccepted"] for op in fake.nyfed_ops if op["operationDate"] == f"{day:%Y-%m-%d}") / 1e9


# -- stale data all the way to the notes ------------------------------------------------------------------
@pytest.mark.notebook
def test_stale_series_reach_status_manifest_and_every_affected_note(fake, monkeypatch, session_cache, tmp_path):
    from liquidity.core import paths

    shutil.copytree(session_cache, paths.cache_dir(), dirs_exist_ok=True)   # yesterday's good cache
    fake.use(monkeypatch)
    fake.fail("fred-csv", "WRESBAL", "500", sticky=True)
    out = tmp_path / "out"
    proc = _cli("refresh", "monitor", "tga_drain", "--formats", "ipynb,html", "--out", str(out), "--quiet",
                "--jobs", "2", "--lang", "en")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = {r["series"]: r for r in json.loads(_cli("data", "status", "--format", "json").stdout)}
    assert status["WRESBAL"]["stale"] and "failed after 3 tries: HTTP 500" in status["WRESBAL"]["reason"]
    assert not status["WALCL"]["stale"]
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["series"]["WRESBAL"]["stale"] and "HTTP 500" in manifest["series"]["WRESBAL"]["reason"]
    notes = sorted((out / "latest").glob("*/*.html"))
    assert len(notes) == 3 + 4
    for note in notes:
        text = note.read_text()
        assert "STALE DATA" in text and "WRESBAL" in text, note
        sidecar = json.loads(note.with_suffix(".results.json").read_text())
        assert sidecar["stale"] == ["WRESBAL"], note
    from liquidity.data.catalog import load_catalog

    n = len(load_catalog().ids()) + len(load_catalog().tables)  # every series and table was tried, one failed
    assert f"data update: {n} series, 1 failed ['WRESBAL']" in (out / "refresh.log").read_text()


# -- crash safety ---------------------------------------------------------------------------------------------
KILLS_PER_SEED = 10
CI_SEEDS = [1, 2, 3]                 # 30 kills in `make test`
LONG_SEEDS = list(range(1, 21))      # 200 kills with --long (README, "Reliability")


@pytest.fixture(scope="module")
def two_mirrors(tmp_path_factory, mirror):
    """Mirror A (the shared data) and mirror B (every FRED file with one more observation), and the cache text
    each gives for every series: a full update alternating A and B changes every entry."""
    b = tmp_path_factory.mktemp("mirror_b")
    shutil.copytree(mirror, b, dirs_exist_ok=True)
    for folder in [b, *[p for p in b.rglob("*") if p.is_dir()]]:
        folder.chmod(0o755)                        # the shared mirror is read-only; its copy need not be
    for f in (b / "fred").glob("*.csv"):
        f.chmod(0o644)
        series = parse_fred_csv(f.read_text(), f.stem, str(f)).dropna()
        f.write_text(f.read_text().rstrip("\n") + f"\n{series.index.max() + pd.Timedelta(days=1):%Y-%m-%d},"
                     f"{series.iloc[-1] + 1:g}\n")
    repo = b / "nyfed" / "repo_operations_daily.csv"
    repo.chmod(0o644)
    repo.write_text(repo.read_text().rstrip("\n") + "\n2026-12-31,1.000\n")
    texts = {}
    for name, folder in (("A", mirror), ("B", b)):
        root = tmp_path_factory.mktemp(f"cache_{name}")
        env = {**os.environ, "LIQUIDITY_MIRROR": str(folder), "LIQUIDITY_CACHE": str(root)}
        assert _cli("data", "update", "--full", "--quiet", env=env).returncode == 0
        texts[name] = {sid: cache.payload(sid, root=root) for sid in cache.all_meta(root=root)}
    unchanged = {"TGA_DAILY", "TREASURY_CASH_ASSUMED", "TREASURY_CASH_ACTUAL", "TREASURY_CASH_INTERIM"}   # same in B
    assert all(texts["A"][s] != texts["B"][s] for s in texts["A"] if texts["A"][s] is not None and s not in unchanged)
    return {"A": mirror, "B": b}, texts


@contextmanager
def busy_cpus(n=2):
    """Two busy loops beside the test, as a loaded 2-core machine."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for h in hogs:
            h.kill()
            h.wait()


def _kill_updates(two_mirrors, tmp_path, seed):
    folders, texts = two_mirrors
    root = tmp_path / "cache"
    rng = random.Random(seed)

    def update(variant):
        env = {**os.environ, "LIQUIDITY_MIRROR": str(folders[variant]), "LIQUIDITY_CACHE": str(root)}
        return env, subprocess.Popen([sys.executable, "-m", "liquidity", "data", "update", "--full", "--quiet"],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    with busy_cpus():
        # one complete update under the same load gives the previous content and how long an update takes, so that
        # every kill point is drawn inside a running update (start-up, fetch, the writes), not after it ended
        started = time.monotonic()
        env, proc = update("B")
        assert proc.wait() == 0
        duration = time.monotonic() - started
        previous = {sid: cache.payload(sid, root=root) for sid in cache.all_meta(root=root)}
        landed = mixed = 0
        for k in range(KILLS_PER_SEED):
            variant = "AB"[k % 2]
            env, proc = update(variant)
            time.sleep(rng.uniform(0.02, 1.0) * duration)
            landed += proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            now = {sid: cache.payload(sid, root=root) for sid in cache.all_meta(root=root)}
            for sid, text in now.items():
                if text is None:
                    continue
                entry = cache.read(sid, root=root)
                assert entry is not None and entry.meta["checksum_ok"], (seed, k, sid)   # reads back, checksum
                assert text in (previous.get(sid), texts[variant][sid]), (seed, k, sid)  # old or new, nothing else
            changed = [sid for sid in now if now[sid] != previous.get(sid)]
            mixed += 0 < len(changed) < sum(texts[variant][sid] != previous.get(sid) for sid in now)  # mid-writes
            previous = now
    print(f"seed {seed}: {landed} of {KILLS_PER_SEED} kills landed in a running update of {duration:.1f} s, "
          f"{mixed} between two entries' writes")
    assert landed >= KILLS_PER_SEED // 2, "most kill points must fall inside a running update"
    status = _cli("data", "status", "--format", "json", env=env)
    assert status.returncode == 0 and "Traceback" not in status.stderr


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_data_update_killed_under_load_leaves_every_entry_old_or_new(two_mirrors, tmp_path, seed):
    _kill_updates(two_mirrors, tmp_path, seed)


@pytest.mark.long
@pytest.mark.parametrize("seed", LONG_SEEDS)
def test_data_update_killed_200_times_under_load(two_mirrors, tmp_path, seed):
    _kill_updates(two_mirrors, tmp_path, seed)


@pytest.mark.notebook
def test_run_killed_at_random_points_keeps_latest_complete(mirrored, tmp_path):
    out = tmp_path / "out"
    args = ["run", "monitor", "--params-set", "as_of_2025_11_17", "--formats", "ipynb,html", "--out", str(out),
            "--quiet", "--force"]
    assert _cli(*args).returncode == 0
    good = (out / "latest").resolve()
    rng = random.Random(7)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "liquidity", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, 5.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        latest = (out / "latest").resolve()
        manifest = json.loads((latest / "manifest.json").read_text())
        for task in manifest["notebooks"]:
            assert task["status"] == "ok"
            for name, digest in task["files"].items():
                data = (latest / task["notebook"] / name).read_bytes()
                assert hashlib.sha256(data).hexdigest() == digest, name    # complete, not half-written
        assert latest == good or latest.name > good.name
    assert _cli(*args).returncode == 0, "a killed run must not leave a lock that blocks the next one"


# -- bad input, fuzzed --------------------------------------------------------------------------------------------
def _notebooks():
    from liquidity.publish.notebooks import list_notebooks

    return list_notebooks()


@pytest.mark.parametrize("notebook", _notebooks())
def test_fuzzed_parameters_give_a_clear_error_or_a_valid_plan(notebook):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from liquidity.publish import runner
    from liquidity.publish.notebooks import declared_params

    names = sorted(declared_params(notebook))
    values = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                       st.text(max_size=20), st.dates().map(str), st.just("latest"), st.just("../../etc/passwd"),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                            max_size=2))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=st.sampled_from(names + ["not_a_parameter"]), value=values)
    def check(name, value):
        try:
            tasks = runner.plan([notebook], overrides={name: value})
        except InputError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            return
        assert len(tasks) == 1 and tasks[0].parameters[name] == value or name in tasks[0].parameters

    check()


def _declared_domains():
    from liquidity.publish.notebooks import declared_params, list_notebooks

    return [(nb, p.name, p.domain, p.type_name) for nb in list_notebooks() for p in declared_params(nb).values()
            if p.domain is not None]


def test_values_outside_each_declared_range_exit_2_before_anything_is_written(tmp_path):
    """Every parameter whose comment declares a range (the parameters cell is the one declaration): values drawn
    outside it, open ends included, are refused by the plan with the name, the value and the range; through the
    command line the exit code is 2 and no output folder is created."""
    import math

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from liquidity.publish import runner

    domains = _declared_domains()
    assert len(domains) >= 40                       # shares, levels, weeks, horizons ... across the notebooks

    def outside(domain, type_name):
        below = [st.just(domain.low)] if domain.low_open else []
        above = [st.just(domain.high)] if domain.high_open else []
        if domain.low > -math.inf:
            below.append(st.floats(max_value=domain.low, exclude_max=True, allow_nan=False, allow_infinity=False,
                                   min_value=domain.low - 1e6))
        if domain.high < math.inf:
            above.append(st.floats(min_value=domain.high, exclude_min=True, allow_nan=False, allow_infinity=False,
                                   max_value=domain.high + 1e6))
        values = st.one_of(*below, *above)
        if type_name.startswith("int"):
            values = values.map(lambda v: math.floor(v) if v < domain.low else math.ceil(v)).filter(
                lambda v: v not in domain)
        elif type_name == "list":
            values = values.map(lambda v: [v])
        return values

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def check(data):
        notebook, name, domain, type_name = data.draw(st.sampled_from(domains))
        value = data.draw(outside(domain, type_name))
        with pytest.raises(InputError) as err:
            runner.plan([notebook], overrides={name: value})
        assert name in str(err.value) and str(domain) in str(err.value), str(err.value)

    check()
    # the three examples of the issue, through the command line: exit 2, one line, nothing written
    for notebook, name, value in (("tga_drain", "rrp_offset_share", "1.5"), ("tga_drain", "band_level_pct", "150"),
                                  ("monitor", "as_of", "2031-01-01")):
        out = tmp_path / f"out-{name}"
        proc = _cli("run", notebook, "-p", name, value, "--out", str(out))
        assert proc.returncode == 2 and name in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not out.exists()


def test_fuzzed_claims_files_series_ids_and_dates(tmp_path, mirrored):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import liquidity as lq
    from liquidity.publish import params
    from liquidity.models.claims import load_claims

    ds = lq.Dataset()

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.one_of(st.text(max_size=200), st.just("claims:\n  - id: x\n    measure: nope\n"),
                          st.just("claims: [1, 2]"), st.just(": : :")),
           sid=st.text(max_size=12), date=st.text(max_size=12))
    def check(text, sid, date):
        path = tmp_path / "claims.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_claims(path)
        except InputError as exc:
            assert str(exc)
        try:
            ds.series(sid)
        except LiquidityError as exc:
            assert str(exc)
        try:
            params.parse_date(date, "start")
        except InputError as exc:
            assert "start=" in str(exc)

    check()


@pytest.mark.parametrize("name", ["../monitor", "/etc/passwd", "..", "monitor/../../x", "", "monitor.ipynb/..",
                                  str(ROOT / "README.md"), "/tmp/other/monitor.ipynb", "monitor; rm -rf ~"])
def test_notebook_names_cannot_escape_the_notebooks_folder(tmp_path, name):
    out = tmp_path / "out"
    before = set(tmp_path.parent.iterdir())
    proc = _cli("run", name, "--out", str(out), "--quiet", "--formats", "ipynb")
    assert proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and set(tmp_path.parent.iterdir()) == before


def test_notebook_name_with_a_null_byte_is_an_input_error():
    from liquidity.publish.notebooks import notebook_path

    with pytest.raises(InputError, match="unknown notebook"):
        notebook_path("monitor\x00")


# -- secrets ------------------------------------------------------------------------------------------------------------
def test_fred_key_marker_never_reaches_cache_logs_status_or_errors(fake, monkeypatch, tmp_path):
    from liquidity.core import paths

    fake.use(monkeypatch, api_key=MARKER)
    store.update(["WRESBAL", "IORB"], source="fred-api")
    fake.fail("fred-api", "WRESBAL", "500", sticky=True)               # a failure whose message has the URL
    store.update(["WRESBAL"], source="fred-api", full=True)
    fake.fail("fred-api", "*", "badkey", sticky=True)
    proc = _cli("data", "update", "--source", "fred-api", "--series", "IORB", "--quiet")
    status = _cli("data", "status")
    assert f"FRED_API_KEY=****{MARKER[-4:]}" in status.stdout               # shown masked to its owner
    texts = [proc.stdout, proc.stderr, status.stdout, status.stderr]
    texts += [p.read_text(errors="replace") for p in paths.cache_dir().rglob("*") if p.is_file()]
    assert all(MARKER not in t for t in texts)
    assert any("api_key" in path for _, _, path in fake.requests)          # the key was really sent

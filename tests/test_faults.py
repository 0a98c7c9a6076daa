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
    assert status.loc["RPONTTLD", "state"] == "never fetched"
    assert status.loc["RPONTTLD", "reason"].startswith("not in this source: FRED has no series")


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
    assert proc.returncode == 1, proc.stdout + proc.stderr                  # a series failed: exit 1, notes published
    assert "published as latest" in proc.stdout
    assert "series failed to update (WRESBAL)" in proc.stderr
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
CI_SEEDS = [1, 2]                    # 20 kills in `make test`
LONG_SEEDS = list(range(1, 21))      # 200 kills with --long (README, "Reliability")


@pytest.fixture(scope="module")
def two_mirrors(tmp_path_factory, mirror):
    """Mirror A (the shared data) and mirror B (every FRED file with one more observation), and the cache text
    each gives for every series: a full update alternating A and B changes every entry."""
    b = tmp_path_factory.mktemp("mirror_b")
    shutil.copytree(mirror, b, dirs_exist_ok=True)
    for folder in [b, *[p for p in b.rglob("*") if p.is_dir()]]:
        folder.chmod(0o755)                        # the shared mirror is read-only; its copy need not be
    from liquidity.data.catalog import load_catalog

    catalog = load_catalog()
    for f in (b / "fred").glob("*.csv"):
        f.chmod(0o644)
        series = parse_fred_csv(f.read_text(), f.stem, str(f)).dropna()
        f.write_text(f.read_text().rstrip("\n") + f"\n{next_date(catalog.get(f.stem), series.index.max()):%Y-%m-%d},"
                     f"{series.iloc[-1] + 1:g}\n")
    repo = b / "nyfed" / "repo_operations_daily.csv"
    repo.chmod(0o644)
    last = pd.Timestamp(repo.read_text().rstrip("\n").splitlines()[-1].split(",")[0])
    next_day = next_date(catalog.get("NYFED_RP_TOTAL"), last)
    repo.write_text(repo.read_text().rstrip("\n") + f"\n{next_day:%Y-%m-%d},1.000\n")
    texts = {}
    for name, folder in (("A", mirror), ("B", b)):
        root = tmp_path_factory.mktemp(f"cache_{name}")
        env = {**os.environ, "LIQUIDITY_MIRROR": str(folder), "LIQUIDITY_CACHE": str(root)}
        assert _cli("data", "update", "--full", "--quiet", env=env).returncode == 0, name
        texts[name] = {sid: cache.payload(sid, root=root) for sid in cache.all_meta(root=root)}
    unchanged = {"TGA_DAILY", "TREASURY_CASH_ASSUMED", "TREASURY_CASH_ACTUAL", "TREASURY_CASH_INTERIM"}   # same in B
    assert all(texts["A"][s] != texts["B"][s] for s in texts["A"] if texts["A"][s] is not None and s not in unchanged)
    return {"A": mirror, "B": b}, texts


def next_date(info, last: pd.Timestamp) -> pd.Timestamp:
    """The observation after `last` on a series' calendar (weekly: a week on; daily: the next weekday ...)."""
    if info.frequency == "weekly":
        return last + pd.Timedelta(days=7)
    if info.frequency == "quarterly":
        return last + pd.DateOffset(months=3)
    if info.observation == "daily_7day":
        return last + pd.Timedelta(days=1)
    return last + pd.offsets.BDay(1)


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
        # A after B shortens every history by one row: asked for explicitly (--allow-shrink), as an operator would
        return env, subprocess.Popen([sys.executable, "-m", "liquidity", "data", "update", "--full", "--quiet",
                                      "--allow-shrink"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

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
                tables = {t for t, m in cache.all_meta(root=root).items() if m.get("table")}
                entry = cache.read_table(sid, root=root) if sid in tables else cache.read(sid, root=root)
                assert entry is not None, (seed, k, sid)
                meta = entry[1] if sid in tables else entry.meta
                assert meta["checksum_ok"], (seed, k, sid)   # reads back, checksum
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


# -- secrets -----------------------------------------------------------------------------------------------------------
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


# -- issue 25: nothing wrong reaches a reader --------------------------------------------------------------------
def _writable_mirror(mirror: Path, dest: Path, only: tuple[str, ...] = ()) -> Path:
    """A copy of the mirror this test may change (all of it, or only the FRED files of `only`)."""
    if only:
        (dest / "fred").mkdir(parents=True)
        for sid in only:
            shutil.copy(mirror / "fred" / f"{sid}.csv", dest / "fred" / f"{sid}.csv")
    else:
        shutil.copytree(mirror, dest)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dest


def _last_row(path: Path) -> tuple[pd.Timestamp, str]:
    date, value = path.read_text().rstrip("\n").splitlines()[-1].split(",")
    return pd.Timestamp(date), value


def _status(env) -> dict:
    proc = _cli("data", "status", "--format", "json", env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return {r["series"]: r for r in json.loads(proc.stdout)}


@pytest.mark.parametrize("series,row,rule", [
    ("RRPONTSYD", "2031-01-01,100000", "range"),        # the row: $100tn of ON RRP on 1 Jan 2031
    ("RRPONTSYD", "2031-01-02,0.5", "published"),       # a plausible amount, on a day not yet published
    ("WRESBAL", "+7d,inf", "finite"),
    ("WRESBAL", "+7d,1e300", "range"),
    ("WRESBAL", "+7d,-500000", "range"),                 # negative reserves
    ("WALCL", "+8d,6745699", "calendar"),                # a Thursday in a Wednesday series
])
def test_implausible_rows_are_refused_naming_the_file_the_row_and_the_rule(series, row, rule, mirror, tmp_path):
    folder = _writable_mirror(mirror, tmp_path / "m", (series,))
    env = {**os.environ, "LIQUIDITY_MIRROR": str(folder), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    assert _cli("data", "update", "--series", series, env=env).returncode == 0
    before = cache.payload(series, root=tmp_path / "c")
    csv = folder / "fred" / f"{series}.csv"
    date, value = row.split(",")
    if date.startswith("+"):                             # after the mirror's newest row, whatever its coverage
        date = f"{_last_row(csv)[0] + pd.Timedelta(days=int(date[1:-1])):%Y-%m-%d}"
    csv.write_text(csv.read_text().rstrip("\n") + f"\n{date},{value}\n")
    proc = _cli("data", "update", "--series", series, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(csv) in proc.stdout and f"row {date}" in proc.stdout and f"(rule: {rule})" in proc.stdout
    assert "the cached copy is kept" in proc.stdout and "Traceback" not in proc.stderr
    assert cache.payload(series, root=tmp_path / "c") == before                  # the old entry, byte for byte
    state = _status(env)[series]
    assert state["state"] == "failed" and f"(rule: {rule})" in state["reason"] and state["stale"]


def test_a_history_cut_short_or_starting_later_is_refused_unless_allow_shrink(mirror, tmp_path):
    folder = _writable_mirror(mirror, tmp_path / "m", ("WALCL",))
    env = {**os.environ, "LIQUIDITY_MIRROR": str(folder), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    assert _cli("data", "update", "--series", "WALCL", env=env).returncode == 0
    full = (folder / "fred" / "WALCL.csv").read_text()
    before = cache.payload("WALCL", root=tmp_path / "c")
    lines = full.splitlines(keepends=True)
    for cut, words in ((lines[:3], "cut the history short"), ([lines[0], *lines[11:]], "move the first observation")):
        (folder / "fred" / "WALCL.csv").write_text("".join(cut))
        proc = _cli("data", "update", "--series", "WALCL", env=env)
        assert proc.returncode == 1 and words in proc.stdout and "(rule: history)" in proc.stdout, proc.stdout
        assert "--allow-shrink" in proc.stdout and cache.payload("WALCL", root=tmp_path / "c") == before
    (folder / "fred" / "WALCL.csv").write_text("".join(lines[:3]))
    proc = _cli("data", "update", "--series", "WALCL", "--allow-shrink", env=env)     # asked for: accepted
    assert proc.returncode == 0 and cache.payload("WALCL", root=tmp_path / "c").count("\n") == 3


@pytest.fixture
def project(tmp_path, mirror, session_cache):
    """A small project of its own (tests/tinyproject.py) with a cache filled from the mirror."""
    from tinyproject import make_project

    return make_project(tmp_path / "project", cache_from=session_cache)


def _env(root, **extra):
    from tinyproject import project_env

    return project_env(root, **extra)


def _latest(root) -> Path | None:
    link = root / "outputs" / "latest"
    return link.resolve() if link.is_symlink() else None


def _published_files_are_whole(run_dir: Path) -> None:
    """Every file a published manifest lists exists, matches its hash and parses; nothing else is there."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    listed = set()
    for rec in manifest["notebooks"] + manifest.get("carried", []):
        for name, digest in rec["files"].items():
            data = (run_dir / rec["notebook"] / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, name
            if name.endswith((".ipynb", ".json")):
                json.loads(data)
            listed.add(f"{rec['notebook']}/{name}")
    on_disk = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == listed


def _fingerprint(cache_dir) -> str:
    from liquidity.publish.runner import data_fingerprint

    return data_fingerprint(cache_dir)


def test_a_data_update_during_a_run_changes_neither_its_data_nor_its_record(project, mirror, tmp_path):
    from notes import mirror_last

    newer = _writable_mirror(mirror, tmp_path / "newer", ("WALCL", "WRESBAL"))
    for sid in ("WALCL", "WRESBAL"):                       # one more week than the mirror
        csv = newer / "fred" / f"{sid}.csv"
        date, value = _last_row(csv)
        next_row = f"{date + pd.Timedelta(days=7):%Y-%m-%d},{float(value) + 1000:.0f}"
        csv.write_text(csv.read_text().rstrip("\n") + f"\n{next_row}\n")
    live = project / "data" / "cache"
    fp_old = _fingerprint(live)
    env = _env(project)
    cmd = [sys.executable, "-m", "liquidity", "run", "tiny", "-p", "sleep_seconds", "5", "--jobs", "1", "--quiet"]
    run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((project / "outputs").glob(".incomplete-*/.snapshot/SNAPSHOT.json")):
        time.sleep(0.1)
    began = time.monotonic()
    update = _cli("data", "update", "--series", "WALCL", "WRESBAL", "--quiet",
                  env={**env, "LIQUIDITY_MIRROR": str(newer)})
    took = time.monotonic() - began
    assert update.returncode == 0, update.stdout + update.stderr
    assert run.poll() is None, "the update must land while the run is still going"
    assert took < 15, f"a data update during a run took {took:.1f} s"          # not blocked by the run
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, out + err
    first = _latest(project)
    manifest = json.loads((first / "manifest.json").read_text())
    note = json.loads((first / "tiny" / "custom.results.json").read_text())
    assert manifest["data_fingerprint"] == fp_old == manifest["notebooks"][0]["data_fingerprint"]
    assert note["walcl_last_date"] == mirror_last("WALCL")[0]                   # the data the run started on
    assert manifest["series"]["WALCL"]["last_observation"] == mirror_last("WALCL")[0]
    assert _fingerprint(live) != fp_old                                         # while the cache moved on
    # the next runs: the note is made again on the new data, then reused only while its inputs are the same
    for expected in ("ok", "reused"):
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        latest = _latest(project)
        rec = json.loads((latest / "manifest.json").read_text())["notebooks"][0]
        values = json.loads((latest / "tiny" / "custom.results.json").read_text())
        assert rec["status"] == expected and rec["data_fingerprint"] == _fingerprint(live)
        assert values["walcl_last_date"] == f"{_last_row(newer / 'fred' / 'WALCL.csv')[0]:%Y-%m-%d}"


def test_a_run_whose_notes_fail_leaves_latest_alone_unless_asked(project):
    env = _env(project)
    assert _cli("run", "tiny", "--quiet", env=env).returncode == 0
    good = _latest(project)
    # every note failed (a kernel error), then a note whose HTML shows a traceback although its kernel succeeded
    for args, check, why in ((["tiny_b", "-p", "fail", "true"], "execution", "asked to fail"),
                             (["tiny_b", "-p", "show_traceback", "true"], "html", "shows a traceback")):
        proc = _cli("run", *args, "--quiet", env=env)
        assert proc.returncode == 1 and "latest not replaced" in proc.stdout and why in proc.stdout, proc.stdout
        assert _latest(project) == good
        run_dir = max((project / "outputs").glob("2*"))
        rec = json.loads((run_dir / "manifest.json").read_text())["notebooks"][0]
        assert rec["status"] == "failed" and rec["gate"][0]["check"] == check and why in rec["gate"][0]["why"]
        assert not (run_dir / "tiny_b").exists()                          # nothing of a failed note is published
        kept = project / "outputs" / "logs" / "failed" / run_dir.name / "tiny_b" / "custom.html"
        assert "Traceback" in kept.read_text()                            # kept for the operator, outside the run
        _published_files_are_whole(run_dir)
    # one note fails, one succeeds: latest stays, unless --publish-partial (the good note, the other carried)
    proc = _cli("run", "tiny_b", "--params-set", "default,broken", "--quiet", env=env)
    assert proc.returncode == 1 and _latest(project) == good
    proc = _cli("run", "tiny_b", "--params-set", "default,broken", "--quiet", "--publish-partial", env=env)
    assert proc.returncode == 1 and "published as latest" in proc.stdout
    latest = _latest(project)
    manifest = json.loads((latest / "manifest.json").read_text())
    assert {(r["key"], r["status"]) for r in manifest["notebooks"]} == {("tiny_b/default", "ok"),
                                                                      ("tiny_b/broken", "failed")}
    assert [(r["key"], r["carried_from"]) for r in manifest["carried"]] == [("tiny/default", good.name)]
    _published_files_are_whole(latest)


def test_a_file_size_limit_never_puts_a_truncated_file_in_latest(project):
    import resource

    env = _env(project)
    assert _cli("run", "tiny", "--quiet", env=env).returncode == 0
    good = _latest(project)

    # room for the run's copy of the cache, not for the note: it prints twice the limit
    size = (project / "data" / "cache" / "cache.sqlite").stat().st_size + 512 * 1024

    def limit():                                        # for the run and every process it starts
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "tiny_b", "-p", "pad_kb", str(2 * size // 1024),
                           "--quiet"], env=env, capture_output=True, text=True, preexec_fn=limit, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert "tiny_b" in proc.stdout and "failed" in proc.stdout and "latest not replaced" in proc.stdout, proc.stdout
    assert _latest(project) == good
    _published_files_are_whole(good)
    for run_dir in (project / "outputs").glob("2*"):
        _published_files_are_whole(run_dir)             # no run folder holds a cut file either
    # too little room even for the run's copy of the cache: one clear line, the cache untouched
    size = 100 * 1024
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "tiny_b", "--quiet"], env=env, capture_output=True,
                          text=True, preexec_fn=limit, timeout=300)
    assert proc.returncode == 1 and proc.stderr.startswith("error: could not copy the cache for this run"), proc.stderr
    assert "file-size limit" in proc.stderr and _latest(project) == good


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_corrupt_cache_file_is_reported_then_moved_aside_and_rebuilt(damage, mirror, tmp_path):
    env = {**os.environ, "LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "c")}
    assert _cli("data", "update", "--quiet", env=env).returncode == 0
    good = {sid: r["last_observation"] for sid, r in _status(env).items()}
    walcl = cache.payload("WALCL", root=tmp_path / "c")
    db = tmp_path / "c" / "cache.sqlite"
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        if damage == "truncated":
            fh.truncate(size // 2)
        else:                                            # random bytes over the middle of the file
            fh.seek(size // 3)
            fh.write(random.Random(5).randbytes(size // 3))
    status = _cli("data", "status", env=env)
    assert "Traceback" not in status.stderr
    assert status.returncode == 1 and "cannot be read" in status.stderr and "data update --full" in status.stderr \
        or status.returncode == 0 and "corrupt" in status.stdout, status.stdout + status.stderr
    show = _cli("data", "show", "WALCL", env=env)            # an entry the damage missed still reads whole
    assert show.returncode == 0 and show.stdout == walcl or show.returncode == 1 and "error:" in show.stderr
    assert "Traceback" not in show.stderr
    run = _cli("run", "monitor", "--quiet", env={**env, "LIQUIDITY_OUTPUTS": str(tmp_path / "o")})
    assert run.returncode == 1 and run.stderr.startswith("error:") and "data update --full" in run.stderr, run.stderr
    assert not (tmp_path / "o" / "latest").exists()                     # no run on a damaged cache
    rebuilt = _cli("data", "update", "--full", "--quiet", env=env)
    assert rebuilt.returncode == 0 and "moved it aside" in rebuilt.stderr, rebuilt.stderr
    assert list((tmp_path / "c").glob("cache.sqlite.unreadable-*"))               # kept for whoever wants a look
    after = _status(env)
    assert {sid: r["last_observation"] for sid, r in after.items()} == good
    assert not any(r["corrupt"] for r in after.values())


def test_a_changed_byte_in_an_entry_is_reported_corrupt_never_used_and_refetched(mirror, monkeypatch):
    import sqlite3

    from liquidity import Dataset
    from liquidity.core.errors import MissingSeriesError

    monkeypatch.setenv("LIQUIDITY_MIRROR", str(mirror))
    store.update(["WALCL", "WRESBAL", "SOFR"])
    con = sqlite3.connect(str(cache.db_path()))
    data, meta = con.execute("SELECT data, meta FROM entries WHERE series = 'WRESBAL'").fetchone()
    i = data.index("\n2") + 1                                       # one digit of the first year: 2002 -> 3002
    con.execute("UPDATE entries SET data = ? WHERE series = 'WRESBAL'", (data[:i] + "3" + data[i + 1:],))
    meta_walcl = con.execute("SELECT meta FROM entries WHERE series = 'WALCL'").fetchone()[0]
    con.execute("UPDATE entries SET meta = ? WHERE series = 'WALCL'", (meta_walcl.replace('"rows": 1', '"rows": 2'),))
    con.commit()
    con.close()
    status = store.status().set_index("series")
    for sid, what in (("WRESBAL", "its data do not match"), ("WALCL", "its metadata do not match")):
        assert status.loc[sid, "state"] == "corrupt" and what in status.loc[sid, "reason"], status.loc[sid, "reason"]
        with pytest.raises(MissingSeriesError, match="corrupt"):
            Dataset().series(sid)
    assert status.loc["SOFR", "state"] != "corrupt"
    show = _cli("data", "show", "WRESBAL")
    assert show.returncode == 1 and "corrupt" in show.stderr
    results = {r.series: r for r in store.update(["WALCL", "WRESBAL", "SOFR"])}
    assert results["WRESBAL"].status == "updated" and "replaced a corrupt cache entry" in results["WRESBAL"].message
    assert results["WALCL"].status == "updated" and results["SOFR"].status == "unchanged"
    assert not store.status().set_index("series").loc[["WALCL", "WRESBAL"], "corrupt"].any()
    assert Dataset().series("WRESBAL").index.min() == pd.Timestamp("2002-12-18")


def _read_only(folder: Path, *cmd: str, env: dict) -> subprocess.CompletedProcess:
    """Run the CLI with `folder` read-only: a read-only bind mount as root (who ignores permission bits), plain
    permissions otherwise."""
    args = [sys.executable, "-m", "liquidity", *cmd]
    if os.geteuid() == 0:
        script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
        return subprocess.run(["unshare", "--mount", "sh", "-c", script, str(folder), *args], capture_output=True,
                              text=True, env=env, timeout=300)
    for p in [folder, *folder.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    finally:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_a_read_only_cache_serves_reads_and_refuses_writes_with_the_reason(mirror, tmp_path):
    if os.geteuid() == 0 and subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("root without a mount namespace cannot make a folder read-only for itself")
    folder = tmp_path / "c"
    env = {**os.environ, "LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(folder)}
    assert _cli("data", "update", "--series", "WALCL", "WRESBAL", "--quiet", env=env).returncode == 0
    before = cache.payload("WALCL", root=folder)
    status = _read_only(folder, "data", "status", env=env)
    assert status.returncode == 0 and "(read-only)" in status.stdout, status.stderr
    assert any(line.startswith("WALCL") and ("behind" in line or "current" in line)
               for line in status.stdout.splitlines())
    show = _read_only(folder, "data", "show", "WALCL", env=env)
    assert show.returncode == 0 and show.stdout == before
    read = _read_only(folder, "claims", str(ROOT / "data" / "claims" / "late_2025_squeeze.yaml"), "--format", "json",
                      env=env)
    assert read.returncode == 0 and "Traceback" not in read.stderr, read.stderr
    update = _read_only(folder, "data", "update", "--series", "WALCL", env=env)
    assert update.returncode == 2 and "the cache cannot be written" in update.stderr
    assert ("Read-only file system" in update.stderr or "Permission denied" in update.stderr) \
        and "LIQUIDITY_CACHE" in update.stderr and "Traceback" not in update.stderr
    assert cache.payload("WALCL", root=folder) == before


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _offline(env: dict) -> dict:
    """No mirror, no key, and every source's URL on a port where nothing listens."""
    base = f"http://127.0.0.1:{_closed_port()}"
    env = {k: v for k, v in env.items() if k not in ("LIQUIDITY_MIRROR", "FRED_API_KEY")}
    return {**env, "LIQUIDITY_FRED_CSV_URL": base + "/fredgraph.csv", "LIQUIDITY_FRED_API_URL": base + "/fred",
            "LIQUIDITY_FISCALDATA_URL": base + "/fiscal", "LIQUIDITY_NYFED_URL": base + "/nyfed"}


def test_exit_codes_of_every_command_are_those_the_readme_states(project, tmp_path):
    from liquidity.publish import runner

    readme = (ROOT / "README.md").read_text()
    for code, meaning in ((0, "success"), (1, "a notebook or a series failed"), (2, "bad input"),
                          (3, "another run holds the lock"), (143, "SIGTERM")):
        assert f"{code} {meaning}" in readme or f"{code} ({meaning})" in readme, (code, meaning)
    env = _env(project)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    claims = ROOT / "data" / "claims" / "late_2025_squeeze.yaml"
    cases = [
        (0, ["data", "status"]), (0, ["data", "show", "WALCL"]), (2, ["data", "show", "NOPE"]),
        (2, ["data", "update", "--series", "NOPE"]), (0, ["list"]),
        (0, ["run", "tiny"]), (1, ["run", "tiny_b", "-p", "fail", "true"]), (2, ["run", "nope"]),
        (2, ["run", "tiny", "--jobs", "0"]), (2, ["run", "tiny", "--jobs", str(runner.MAX_JOBS + 1)]),
        (2, ["run", "tiny", "--keep", "0"]), (2, ["run", "tiny", "--out", str(a_file)]),
        (2, ["run", "tiny", "--out", "/proc/liquidity-out"]),
        (2, ["refresh", "--jobs", "0"]), (2, ["refresh", "--keep", "-1"]), (2, ["publish", "20250101T000000Z-abcd"]),
        (2, ["publish", "20250101T000000Z-abcd", "--keep", "0"]),
        (0, ["claims", str(claims)]), (2, ["claims", str(tmp_path / "none.yaml")]),
    ]
    for expected, args in cases:
        proc = _cli(*args, env=env)
        assert proc.returncode == expected, (args, proc.stdout[-500:], proc.stderr[-500:])
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        if expected == 2:
            assert proc.stderr.startswith("error:") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    # refresh with every source failing, on a cache that holds the data: the notes run on it, say so, exit 1
    before = _latest(project)
    proc = _cli("refresh", "tiny", "--formats", "ipynb", "--lang", "en", "--quiet", env=_offline(env))
    assert proc.returncode == 1 and "data update failed" in proc.stderr, proc.stdout + proc.stderr
    manifest = json.loads(((project / "outputs" / "latest") / "manifest.json").read_text())
    assert _latest(project) != before and "error" in manifest["data_update"]
    assert all(r["status"] in ("ok", "reused") for r in manifest["notebooks"])
    # another run holds the lock: run, refresh and publish exit 3
    with runner.run_lock(project / "outputs"):
        for args in (["run", "tiny"], ["refresh", "tiny"], ["publish", "20250101T000000Z-abcd"]):
            proc = _cli(*args, env=env)
            assert proc.returncode == 3 and "another run or refresh is in progress" in proc.stderr, (args, proc.stderr)


def _marked(marker: str) -> list[str]:
    """The command lines of every process whose environment holds the marker."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return found


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_workers_and_kernels_and_leave_latest(signame, project):
    env = _env(project)
    assert _cli("run", "tiny", "--quiet", env=env).returncode == 0
    good = _latest(project)
    marker = f"LIQUIDITY_TEST_MARK=sig-{signame}-{os.getpid()}-{time.time_ns()}"
    env = {**env, marker.split("=")[0]: marker.split("=")[1]}
    # two notes, one worker: one note runs (a kernel sleeping), the other waits in the queue
    proc = subprocess.Popen([sys.executable, "-m", "liquidity", "run", "tiny", "tiny_b", "-p", "sleep_seconds", "60",
                             "--jobs", "1", "--quiet"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any("ipykernel" in c for c in _marked(marker)):
        time.sleep(0.2)
    assert any("ipykernel" in c for c in _marked(marker)), "the kernel did not start"
    proc.send_signal(getattr(signal, signame))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + getattr(signal, signame)
    assert len(err.strip().splitlines()) == 1 and f"stopped by {signame}" in err and "latest" in err, err
    deadline = time.time() + 10                 # Chromium's crash handlers, if any, leave on their own
    while time.time() < deadline and _marked(marker):
        time.sleep(0.2)
    assert _marked(marker) == [], "processes of the run outlived it"
    assert _latest(project) == good and not list((project / "outputs").glob(".incomplete-*"))
    time.sleep(3)                               # nothing goes on running the queued note
    assert not list((project / "outputs").rglob("tiny_b/*"))


def test_file_parameters_outside_the_project_are_refused_and_never_shown_as_paths(mirrored, tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "params.yaml"
    outside.write_text("as_of: latest\n")
    for args in (["-p", "claims_file", "/etc/passwd"], ["-p", "claims_file", "../../../../etc/passwd"],
                 ["-f", str(outside)]):
        proc = _cli("run", "claims_check", *args, "--out", str(out), "--quiet")
        assert proc.returncode == 2 and "outside the project" in proc.stderr and "LIQUIDITY_ALLOW_DIR" in proc.stderr
        assert "Traceback" not in proc.stderr and not out.exists(), proc.stderr
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    shutil.copy(ROOT / "data" / "claims" / "late_2025_squeeze.yaml", allowed / "claims.yaml")
    proc = _cli("run", "claims_check", "-p", "claims_file", str(allowed / "claims.yaml"), "--out", str(out), "--quiet",
                env={**os.environ, "LIQUIDITY_ALLOW_DIR": str(allowed)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    note = out / "latest" / "claims_check"
    sidecar = json.loads((note / "custom.results.json").read_text())
    assert sidecar["claims_file"] == "allowed/claims.yaml" and sidecar["supported"] > 0
    html = (note / "custom.html").read_text()
    assert "allowed/claims.yaml" in html and str(tmp_path) not in html and str(tmp_path) not in json.dumps(sidecar)


def test_a_single_notebook_run_carries_the_other_notes_forward(project):
    env = _env(project)
    assert _cli("run", "tiny", "tiny_b", "--quiet", env=env).returncode == 0
    first = _latest(project)
    proc = _cli("run", "tiny_b", "-p", "sleep_seconds", "0.1", "--quiet", env=env)
    assert proc.returncode == 0 and "2 notes of earlier runs carried forward" in proc.stdout, proc.stdout
    latest = _latest(project)
    manifest = json.loads((latest / "manifest.json").read_text())
    assert [r["key"] for r in manifest["notebooks"]] == ["tiny_b/custom"]
    carried = {r["key"]: r for r in manifest["carried"]}
    assert set(carried) == {"tiny/default", "tiny_b/default"}
    assert all(r["carried_from"] == first.name and r["executed_in"] == first.name for r in carried.values())
    assert sorted(p.name for p in (latest / "tiny").iterdir()) == ["default.html", "default.ipynb",
                                                                   "default.results.json"]
    _published_files_are_whole(latest)
    # a run of the other notebook next: the custom note of tiny_b is carried too, from the run that made it
    assert _cli("run", "tiny", "--quiet", env=env).returncode == 0
    again = json.loads((_latest(project) / "manifest.json").read_text())
    carried = {r["key"]: (r["carried_from"], r["executed_in"]) for r in again["carried"]}
    assert carried == {"tiny_b/default": (latest.name, first.name), "tiny_b/custom": (latest.name, latest.name)}
    assert again["notebooks"][0]["status"] == "reused" and again["notebooks"][0]["executed_in"] == first.name


@pytest.mark.parametrize("command", ["run", "refresh"])
def test_a_first_run_with_no_reachable_source_stops_before_any_kernel_with_one_line(command, tmp_path):
    out = tmp_path / "out"
    env = _offline({**os.environ, "LIQUIDITY_CACHE": str(tmp_path / "fresh-cache"), "LIQUIDITY_OUTPUTS": str(out)})
    began = time.monotonic()
    proc = _cli(command, "tga_drain" if command == "run" else "monitor", "--quiet", "--formats", "ipynb",
                env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no data to run on"), proc.stderr
    assert "LIQUIDITY_MIRROR=" in lines[0] and "FRED_API_KEY" in lines[0] and "Traceback" not in proc.stderr
    assert not (out / "latest").exists() and not list(out.glob("2*")) and not list(out.glob(".incomplete-*"))
    assert not (out / "logs" / "kernels.log").exists()                  # no kernel started
    assert time.monotonic() - began < 60

"""The runner: parameters checked before any kernel, failures isolated, atomic publishing, lock, secrets,
self-contained HTML (checked in headless Chromium with the network blocked) and PDF notes."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from notes import mirror_last

from liquidity.publish import runner
from liquidity.core.errors import InputError, LockedError

ROOT = Path(__file__).resolve().parents[1]


def test_unknown_parameter_is_rejected_with_a_suggestion():
    with pytest.raises(InputError, match="no parameter 'reserve_alert_bn' \\(did you mean 'reserves_alert_bn'\\?\\)"):
        runner.plan(["monitor"], overrides={"reserve_alert_bn": 2900.0})


def test_bad_type_and_bad_date_order_are_rejected():
    with pytest.raises(InputError, match="reserves_alert_bn='lots' must be of type float"):
        runner.plan(["monitor"], overrides={"reserves_alert_bn": "lots"})
    with pytest.raises(InputError, match="as_of='2025-13-01'"):
        runner.plan(["monitor"], as_of="2025-13-01")
    with pytest.raises(InputError, match="unknown notebook '../secrets'"):
        runner.plan(["../secrets"])
    with pytest.raises(InputError, match="no parameter set 'defualt'.*did you mean 'default'"):
        runner.plan(["monitor"], params_set="defualt")


def test_cli_rejects_bad_parameters_before_any_kernel_starts(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "monitor", "-p", "start", "2025-31-12",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "start='2025-31-12'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def twice(tmp_path_factory, mirror, session_cache):
    """The monitor (as of 17 Nov 2025) run twice into one folder: the second run has nothing new to do."""
    out = tmp_path_factory.mktemp("twice")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIQUIDITY_ROOT", str(ROOT))
        mp.setenv("LIQUIDITY_MIRROR", str(mirror))
        mp.setenv("LIQUIDITY_CACHE", str(session_cache))
        tasks = runner.plan(["monitor"], params_set="as_of_2025_11_17", langs=["en", "zh"])
        report = runner.run(tasks, formats=["ipynb", "html"], jobs=2, out=out)
        again = runner.run(tasks, formats=["ipynb", "html"], jobs=2, out=out)
    return out, report, again


@pytest.mark.notebook
def test_published_layout_manifest_and_latest(twice):
    out, report, again = twice
    run_dir = report.run_dir
    names = sorted(p.name for p in (run_dir / "monitor").iterdir())
    assert names == ["as_of_2025_11_17.html", "as_of_2025_11_17.ipynb", "as_of_2025_11_17.results.json",
                     "as_of_2025_11_17.zh.html", "as_of_2025_11_17.zh.ipynb", "as_of_2025_11_17.zh.results.json"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["run_id"] == run_dir.name and manifest["languages"] == ["en", "zh"]
    en, zh = manifest["notebooks"]
    assert en["status"] == zh["status"] == "ok" and (en["lang"], zh["lang"]) == ("en", "zh")
    assert en["parameters"]["as_of"] == "2025-11-17" and en["seconds"] > 0
    assert set(en["files"]) | set(zh["files"]) == set(names)
    walcl = manifest["series"]["WALCL"]
    assert walcl["last_observation"] == mirror_last("WALCL")[0]     # the newest week of the mirror, as it grows
    assert walcl["behind"].endswith("weeks behind") if walcl["last_observation"] < walcl["expected_observation"] else \
        not walcl.get("behind")
    assert manifest["series"]["RPONTTLD"]["state"] == "never fetched"
    assert manifest["series"]["RPONTTLD"]["reason"].startswith("not in this source")
    assert en["data_fingerprint"] == zh["data_fingerprint"] == manifest["data_fingerprint"]
    assert (out / "latest").resolve() == again.run_dir


@pytest.mark.notebook
def test_unchanged_inputs_are_not_re_executed(twice):
    _, report, again = twice
    assert {t["status"] for t in again.tasks} == {"reused"} and again.tasks[0]["reused_from"] == report.run_id
    assert (again.run_dir / "monitor" / "as_of_2025_11_17.zh.html").read_bytes() == \
        (report.run_dir / "monitor" / "as_of_2025_11_17.zh.html").read_bytes()


@pytest.mark.notebook
def test_sidecars_are_the_same_in_both_languages(published):
    for task in published.notes("zh"):
        en = published.results(task["notebook"], task["paramset"], "en")
        zh = published.results(task["notebook"], task["paramset"], "zh")
        assert zh == en, (task["notebook"], task["paramset"])


@pytest.mark.notebook
def test_fred_key_marker_appears_in_no_output(published):
    from conftest import KEY_MARKER

    for path in published.run_dir.parent.rglob("*"):
        if path.is_file():
            assert KEY_MARKER.encode() not in path.read_bytes(), path


@pytest.mark.notebook
def test_pdf_has_title_numbers_and_charts(published):
    pdf = published.path("monitor", "as_of_2025_11_17", ext="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "US dollar liquidity monitor" in text and "Data as of 17 Nov 2025" in text
    assert "$2.86tn" in text and "3.95%" in text          # reserves and SOFR from the findings
    assert "Reserves, Treasury cash and the ON RRP buffer" in text  # chart title drawn inside the SVG
    assert "Trillions of USD" in text                      # chart axis title, in the unit of the prose ($2.86tn)
    assert "page 1 of" in text and "run: " + published.manifest["run_id"] in text
    assert "import liquidity" not in text                 # no code


@pytest.mark.notebook
@pytest.mark.browser
def test_html_renders_every_chart_with_the_network_blocked(published):
    from playwright.sync_api import sync_playwright

    from liquidity.publish.export import launch_browser

    html = published.path("monitor", "as_of_2025_11_17", ext="html")
    blocked = []
    with sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page()

        def deny(route):
            if route.request.url.startswith("file:") or route.request.url.startswith("data:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        page.route("**/*", deny)
        page.goto(html.as_uri())
        charts = page.locator(".jp-OutputArea-output svg.marks").count()
        sized = page.evaluate("Array.from(document.querySelectorAll('svg.marks'))"
                              ".filter(s => s.getBoundingClientRect().width > 300).length")
        browser.close()
    assert blocked == []
    assert charts == 3 and sized == 3


@pytest.mark.notebook
def test_a_failing_note_is_reported_kept_for_the_operator_and_never_published(mirrored, tmp_path, monkeypatch):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "tga_drain", "-p", "window_start", "1995-01-02",
                           "--out", str(out), "--quiet", "--formats", "ipynb,html"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ})
    assert proc.returncode == 1
    assert "failed" in proc.stdout and "window_start 1995-01-02 is before the weekly data start" in proc.stdout
    assert "latest not replaced" in proc.stdout and not (out / "latest").exists()
    run_dir = next(out.glob("2*"))
    record = json.loads((run_dir / "manifest.json").read_text())["notebooks"][0]
    assert record["status"] == "failed" and "window_start 1995-01-02" in record["error"] and record["files"] == {}
    assert not (run_dir / "tga_drain").exists()
    html = (out / "logs" / "failed" / run_dir.name / "tga_drain" / "custom.html").read_text()
    assert "window_start 1995-01-02 is before the weekly data start" in html and "FAILED" in html


def test_the_progress_display_names_the_running_notes(tmp_path, monkeypatch, session_cache):
    """The display is told which notes run (notebook/set), not only which finished: one worker runs one note at a
    time, and what runs is exactly what was handed to a worker."""
    from tinyproject import make_project, project_env

    from liquidity.publish.cli import progress_label

    root = make_project(tmp_path / "project", cache_from=session_cache)
    for k, v in project_env(root).items():
        if k.startswith("LIQUIDITY_"):
            monkeypatch.setenv(k, v)
    calls = []
    tasks = runner.plan(["tiny", "tiny_b"], overrides={"sleep_seconds": 0.5})
    report = runner.run(tasks, jobs=1, progress=lambda done, total, label, running=None:
                        calls.append((done, label, running)))
    assert [t["status"] for t in report.tasks] == ["ok", "ok"]
    named = [(done, running) for done, _, running in calls if running is not None]
    assert named == [(0, ["tiny/custom"]), (1, ["tiny_b/custom"]), (2, [])]
    assert progress_label("tiny/custom", ["tiny/custom", "tiny_b/custom"]) == "running tiny/custom, tiny_b/custom"
    assert progress_label("monitor/default", []) == "monitor/default"
    long = [f"notebook_{i}/as_of_2025_11_17" for i in range(4)]
    assert progress_label("", long) == "running notebook_0/as_of_2025_11_17 and 3 more"


@pytest.mark.parametrize("warm", [True, False])
def test_notes_in_sequence_share_no_names_and_a_warm_kernel_has_the_library_loaded(tmp_path, monkeypatch,
                                                                                   session_cache, warm):
    """One worker runs four notes in a row. With warm kernels each note gets a kernel that imported the library before
    the first cell (after the first note, one started while the previous note ran); no note sees a name of another
    (a kernel serves one note), and no kernel outlives the run."""
    import psutil
    from tinyproject import make_project, project_env

    root = make_project(tmp_path / "project", cache_from=session_cache)
    for k, v in project_env(root).items():
        if k.startswith("LIQUIDITY_"):
            monkeypatch.setenv(k, v)
    monkeypatch.setenv(runner.WARM_KERNELS_VARIABLE, "1" if warm else "0")
    mark = f"{os.getpid()}-{warm}-{time.time()}"
    monkeypatch.setenv("LIQUIDITY_TEST_MARK", mark)
    tasks = runner.plan(["tiny", "tiny_b"], params_set="all")
    tasks = [t for t in tasks if t.paramset != "broken"]
    report = runner.run(tasks, jobs=1, progress=None)
    assert [t["status"] for t in report.tasks] == ["ok"] * 4
    values = [json.loads((report.run_dir / t["notebook"] / f"{t['paramset']}.results.json").read_text())
              for t in report.tasks]
    assert [v["names_before"] for v in values] == [[]] * 4          # neither the previous note's names nor imports
    loaded = [v["library_loaded_before"] for v in values]
    assert loaded == [warm] * 4
    time.sleep(1)

    def ours(p):     # this test's kernels (an orphan leaves our process tree, so they carry a marker instead)
        try:
            return "ipykernel_launcher" in " ".join(p.cmdline()) and p.environ().get("LIQUIDITY_TEST_MARK") == mark
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return False

    assert not [p for p in psutil.process_iter() if ours(p)], "no kernel (spare or used) outlives the run"


def test_as_of_before_the_data_or_after_today_is_refused_before_any_kernel(mirrored, tmp_path):
    for as_of, message in (("1995-01-02", "is before the data of notebook monitor start"),
                           ("2031-01-01", "is after today (2026-11-22)")):
        proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "monitor", "--as-of", as_of, "--out",
                               str(tmp_path / "o"), "--quiet"], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ})
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / "o").exists()


def test_a_second_run_fails_cleanly_while_the_lock_is_held(tmp_path):
    out = tmp_path / "out"
    with runner.run_lock(out):
        with pytest.raises(LockedError, match="another run or refresh is in progress"):
            with runner.run_lock(out):
                pass
        proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "monitor", "--out", str(out)],
                              capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 3 and "another run or refresh is in progress" in proc.stderr


@pytest.mark.notebook
def test_a_run_killed_mid_way_leaves_latest_on_the_previous_run(mirrored, tmp_path):
    out = tmp_path / "out"
    previous = out / "20250101T000000Z-abcd"
    previous.mkdir(parents=True)
    (previous / "manifest.json").write_text(json.dumps({"run_id": previous.name, "notebooks": []}))
    runner.point_latest(out, previous)
    proc = subprocess.Popen([sys.executable, "-m", "liquidity", "run", "monitor", "--out", str(out), "--quiet",
                             "--jobs", "1"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob(".incomplete-*/monitor/*.ipynb")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / "latest").resolve() == previous.resolve()
    assert json.loads((out / "latest" / "manifest.json").read_text())["run_id"] == previous.name
    assert [p.name for p in out.iterdir() if p.name.startswith("2")] == [previous.name]


def test_prune_keeps_the_newest_runs_and_latest(tmp_path):
    out = tmp_path / "out"
    for name in ("20250101T000000Z-aaaa", "20250102T000000Z-bbbb", "20250103T000000Z-cccc"):
        (out / name).mkdir(parents=True)
        (out / name / "manifest.json").write_text("{}")
    runner.point_latest(out, out / "20250103T000000Z-cccc")
    assert runner.prune(out, 1) == ["20250101T000000Z-aaaa", "20250102T000000Z-bbbb"]
    assert sorted(p.name for p in out.iterdir()) == ["20250103T000000Z-cccc", "latest"]


def test_list_tasks_prints_json_for_schedulers():
    tasks = runner.plan(["monitor"], params_set="all")
    listed = json.loads(runner.list_tasks_json(tasks, ["ipynb", "html"]))
    assert {t["paramset"] for t in listed} == {"default", "as_of_2025_11_17", "sept_2019"}
    assert all(t["command"][:3] == ["liquidity", "run", "monitor"] for t in listed)
    # a named set runs as itself (the same task key in a staged run); the notes quoting the scorecard wait for it
    tasks = runner.plan(["scorecard", "tga_drain"], params_set="default,as_of_2025_11_17", langs="en,zh")
    listed = {t["task_id"]: t for t in json.loads(runner.list_tasks_json(tasks, ["ipynb"]))}
    # one entry per execution: a notebook and set rendering both languages
    assert set(listed) == {f"{nb}__{s}" for nb in ("scorecard", "tga_drain") for s in ("default", "as_of_2025_11_17")}
    tga = listed["tga_drain__as_of_2025_11_17"]
    assert tga["langs"] == ["en", "zh"] and tga["command"][tga["command"].index("--lang") + 1] == "en,zh"
    assert "-p" not in tga["command"] and tga["stage_command"][-4:] == ["--run-id", "{run_id}", "--stage", "--quiet"]
    assert sorted(tga["upstream"]) == sorted(k for k in listed if k.startswith("scorecard"))
    assert listed["scorecard__default"]["upstream"] == []
    with pytest.raises(InputError, match="no notebook of scorecard, tga_drain has a set sept_2019"):
        runner.plan(["scorecard", "tga_drain"], params_set="default,sept_2019")


@pytest.mark.notebook
def test_no_kernel_outlives_its_run(twice):
    """A kernel manager the runner passes to papermill is the runner's to stop: no process of the run is left."""
    out, _, _ = twice
    marker = f"LIQUIDITY_RUN_DIR={out}".encode()
    left = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes():
                left.append(environ.parent.name)
        except OSError:
            continue
    assert not left, f"processes of the run still alive: {left}"


@pytest.mark.notebook
def test_refresh_updates_data_runs_every_set_and_then_reuses(mirror, tmp_path):
    env = {**os.environ, "LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "liquidity", "refresh", "monitor", "claims_check", "--formats", "ipynb,html",
           "--lang", "en,zh", "--out", str(out), "--quiet"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "without encryption" not in first.stdout + first.stderr and "WARNING" not in first.stderr   # quiet
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    pairs = {(t["notebook"], t["paramset"], t["lang"]) for t in manifest["notebooks"]}
    expected = {(nb, p.stem, lang) for nb in ("monitor", "claims_check")
                for p in (ROOT / "notebooks" / "params" / nb).glob("*.yaml") for lang in ("en", "zh")}
    assert expected == pairs and all(t["status"] == "ok" for t in manifest["notebooks"])
    assert manifest["data_update"]["WALCL"] == "updated" and manifest["data_update"]["RPONTTLD"].startswith("missing")
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    assert second.returncode == 0
    again = json.loads((out / "latest" / "manifest.json").read_text())
    assert again["run_id"] != manifest["run_id"]
    assert {t["status"] for t in again["notebooks"]} == {"reused"}
    log = (out / "refresh.log").read_text()
    assert log.count("refresh finished") == 2

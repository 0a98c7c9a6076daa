"""JupyterLab as the analyst's workbench, live: `make lab` on a copy of the project (a fresh git repository), driven
by headless Chromium through Playwright. One session, as an analyst works: open a notebook from the file browser,
run it, save it (git shows no change), open a collapsed Chinese twin, type a parameter typo (one-line error), load a
named parameter set, publish the research note from the File menu, and read it in Lab; every request the browser
makes goes to the Lab server on 127.0.0.1.

Screenshots go to the test's temporary folder, or to LIQUIDITY_LAB_SCREENSHOTS when set."""
from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from labserver import Lab, git, project_copy
from liquidity.publish.export import find_browser

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
    reason="the live JupyterLab test needs the system Chromium: `make system-deps` installs it")]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
NOTEBOOK = "notebooks/tga_drain.ipynb"
TYPO_ERROR = ("InputError: notebook tga_drain has no parameter 'tga_targt_bn' (did you mean 'tga_target_bn'?): "
              "correct the name in the parameters cell")

# The notebook's state from JupyterLab's own model (window.jupyterapp): kernel status, each cell's execution count,
# its error outputs and the text of its stream outputs.
STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.content.model) return null;
  const cells = [];
  for (const c of w.content.model.cells) {
    if (c.type !== 'code') { cells.push({type: c.type}); continue; }
    const outputs = c.outputs.toJSON();
    cells.push({type: 'code', count: c.executionCount,
                errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
                text: outputs.filter(o => o.output_type === 'stream').map(o => [].concat(o.text).join('')).join('')});
  }
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return {status: kernel ? kernel.status : 'none', dirty: w.context.model.dirty, cells};
}"""


def _state(page) -> dict:
    return page.evaluate(STATE)


def _wait_for_run(page, timeout: float) -> dict:
    """Wait until the kernel is idle and every code cell ran, or one failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(page)
        if state and state["status"] == "idle":
            code = [c for c in state["cells"] if c["type"] == "code"]
            if any(c["errors"] for c in code) or all(c["count"] is not None for c in code):
                return state
        time.sleep(0.5)
    raise AssertionError(f"the notebook did not finish running within {timeout} s")


def _run_cells(page, first: int, cell: int, timeout: float = 60) -> dict:
    """Run two cells from the keyboard, `first` and the one after it (Shift+Enter twice), and wait for the second."""
    before = _state(page)["cells"][cell]["count"]
    _cell(page, first).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(page)
        if state["status"] == "idle" and state["cells"][cell]["count"] not in (None, before):
            return state
        time.sleep(0.3)
    raise AssertionError(f"cell {cell} did not run within {timeout} s")


def _menu(page, *labels: str):
    """Open a menu of the menu bar and follow its items (a submenu opens on hover); returns the last menu's item
    labels, after clicking the last label unless it is None."""
    page.locator(".lm-MenuBar-itemLabel", has_text=labels[0]).first.click()
    for depth, label in enumerate(labels[1:-1], start=1):
        page.locator(".lm-Menu").nth(depth - 1).locator(".lm-Menu-itemLabel").get_by_text(label, exact=True).hover()
        page.locator(".lm-Menu").nth(depth).wait_for()
    menu = page.locator(".lm-Menu").nth(len(labels) - 2)
    items = menu.locator(".lm-Menu-itemLabel").all_inner_texts()
    if labels[-1] is not None:
        menu.locator(".lm-Menu-itemLabel").get_by_text(labels[-1], exact=True).click()
    return items


def _collapsed(page) -> list[int]:
    """The cells whose source JupyterLab shows collapsed (a placeholder line instead of the cell)."""
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets"
                         ".map((cell, i) => cell.inputHidden ? i : -1).filter(i => i >= 0)")


def _cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _edit_end(page, index: int) -> None:
    """Put the cursor at the end of a code cell's source."""
    _cell(page, index).locator(".cm-content").click()
    page.keyboard.press("Control+End")


@pytest.fixture
def lab(tmp_path, mirror):
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQUIDITY_", "JPY_", "JUPYTER"))}
    env |= {"LIQUIDITY_MIRROR": str(mirror), "LIQUIDITY_CACHE": str(tmp_path / "cache"),
            "LIQUIDITY_TODAY": os.environ["LIQUIDITY_TODAY"], "LIQUIDITY_CHROMIUM": find_browser() or "",
            "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"), "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces")}
    # the answer an analyst gives once to Lab's question about fetching news: no (the server fetches none anyway)
    notification = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    server = Lab(project, env, tmp_path / "lab.log")
    yield server
    server.stop()


def test_lab_session_runs_checks_loads_a_set_publishes_and_stays_on_this_machine(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("LIQUIDITY_LAB_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    project = lab.project
    stored = json.loads((project / NOTEBOOK).read_text())
    first = next(i for i, c in enumerate(stored["cells"]) if "parameters" in c["metadata"].get("tags", []))
    check = first + 1                                   # the check_cell cell, with the use_set example
    twins = [i for i, c in enumerate(stored["cells"]) if c["metadata"].get("liquidity", {}).get("lang") == "zh"]
    requests: list[str] = []
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_browser(), args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        context.on("request", lambda r: requests.append(r.url))
        popups, downloads = [], []                  # Lab opens each export in a new window, which downloads it
        context.on("page", lambda pg: (popups.append(pg), pg.on("download", lambda d: downloads.append(d))))
        page = context.new_page()

        # make lab: the repository root is the server's root, the file browser opens on notebooks/
        page.goto(lab.url("/"))
        page.get_by_text("tga_drain.ipynb", exact=True).wait_for(timeout=60_000)
        assert urlparse(page.url).path == "/lab/tree/notebooks"
        assert lab.api("/api/contents")["name"] == "" and "outputs" in {
            c["name"] for c in lab.api("/api/contents")["content"]}, "outputs/ is not under Lab's root"
        page.screenshot(path=str(shots / "1-file-browser.png"))

        # open the notebook; the Chinese twins show collapsed, and a translator can open one
        page.get_by_text("tga_drain.ipynb", exact=True).dblclick()
        page.wait_for_function("n => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel "
                               "&& window.jupyterapp.shell.currentWidget.content.widgets.length === n",
                               arg=len(stored["cells"]))
        assert _collapsed(page) == twins and len(twins) >= 10
        assert _cell(page, twins[0]).locator(".jp-InputPlaceholder").is_visible()
        twin = _cell(page, twins[0])
        twin.locator(".jp-InputPlaceholder").click()            # the translator opens the title's twin
        twin.locator(".jp-RenderedMarkdown").wait_for()
        assert "TGA" in twin.inner_text() and "准备金" in twin.inner_text()
        twin.locator(".jp-RenderedMarkdown").dblclick()         # ... and edits it beside the English
        twin.locator(".cm-content").wait_for()
        assert twin.locator(".cm-content").inner_text().startswith("# TGA抽水")
        page.keyboard.press("Escape")
        page.screenshot(path=str(shots / "2-notebook-with-twin-opened.png"))

        # run it from the Run menu
        _menu(page, "Run", "Run All Cells")
        state = _wait_for_run(page, 240)
        errors = [e for c in state["cells"] if c["type"] == "code" for e in c["errors"]]
        assert errors == [], errors
        assert _collapsed(page) == twins, "running Markdown cells opened the Chinese twins"
        seconds_run = time.monotonic() - started
        print(f"\nrun all: {seconds_run:.0f} s after the start")
        chart = next(i for i, c in enumerate(stored["cells"]) if "headline-chart" in c["metadata"].get("tags", []))
        _cell(page, chart).scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "3-notebook-run.png"))

        # saved with its outputs, the notebook shows no change in git (the clean filter of make install)
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        size = (project / NOTEBOOK).stat().st_size
        assert size > 10 * len(git(project, "show", f"HEAD:{NOTEBOOK}")), "saved without its outputs?"
        git(project, "add", NOTEBOOK)
        assert git(project, "diff", "--cached", "--stat") == ""
        assert git(project, "status", "--porcelain") == ""

        # a typo in the parameters cell: one line, the closest name, no traceback
        _edit_end(page, first)
        page.keyboard.type("\ntga_targt_bn = 900.0")
        state = _run_cells(page, first, check)                  # the parameters cell, then the check
        assert state["cells"][check]["errors"] == [TYPO_ERROR]
        shown = _cell(page, check).locator(".jp-OutputArea-output").inner_text().strip()
        assert shown == TYPO_ERROR                              # one line: no traceback, no path of this machine
        assert "Traceback" not in shown and "/" not in shown
        page.screenshot(path=str(shots / "4-typo-one-line.png"))

        # fix it, load a named set (uncomment the example next to check_cell), run the two cells again
        _edit_end(page, first)
        page.keyboard.press("Shift+Home")
        page.keyboard.press("Backspace")
        page.keyboard.press("Backspace")
        _cell(page, check).locator(".cm-content").click()
        page.keyboard.press("Control+Home")
        for _ in range(3):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Control+/")
        state = _run_cells(page, first, check)
        assert state["cells"][check]["errors"] == []
        assert state["cells"][check]["text"].startswith("parameter set rebuild_2023 of tga_drain: as_of='latest', "
                                                         "window_start='2023-06-01', window_end='2023-09-27'")
        page.screenshot(path=str(shots / "5-named-set-loaded.png"))

        # the export menu: the research note instead of the PDF exports that cannot work offline. Saved first:
        # after a slow save of a notebook with its outputs the browser would block the download window
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        items = _menu(page, "File", "Save and Export Notebook As", None)
        assert "Publish" in items and "HTML" in items
        assert not {"PDF", "Webpdf", "Qtpdf", "Reveal.js Slides"} & set(items), items
        page.screenshot(path=str(shots / "6-export-menu.png"))

        # publish from Lab: saved, run through `liquidity run` in both languages, downloaded as one zip
        page.locator(".lm-Menu").nth(1).locator(".lm-Menu-itemLabel").get_by_text("Publish", exact=True).click()
        deadline = time.monotonic() + 240
        while not downloads and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        assert downloads, f"no note from Publish: {[pg.content()[:500] for pg in popups[1:]]}"
        download = downloads[0]
        archive = tmp_path / download.suggested_filename
        download.save_as(archive)
        assert archive.name == "tga_drain.zip"
        with zipfile.ZipFile(archive) as z:
            names = set(z.namelist())
            assert names == {"tga_drain.html", "tga_drain.zh.html", "tga_drain.pdf", "tga_drain.zh.pdf",
                             "tga_drain.results.json"}
            assert z.read("tga_drain.pdf").startswith(b"%PDF") and z.read("tga_drain.zh.pdf").startswith(b"%PDF")
            assert json.loads(z.read("tga_drain.results.json"))["window_end"].startswith("2023-")
            assert "rebuild_2023" in z.read("tga_drain.html").decode()
            assert "参数组" in z.read("tga_drain.zh.html").decode()
        published = project / "outputs" / "lab" / "latest" / "tga_drain"
        assert {p.name for p in published.glob("rebuild_2023*")} >= {
            "rebuild_2023.html", "rebuild_2023.pdf", "rebuild_2023.zh.html", "rebuild_2023.zh.pdf"}
        assert not (project / "outputs" / "latest").exists(), "a Lab publish must leave the refresh's latest alone"
        seconds_publish = time.monotonic() - started
        print(f"published: {seconds_publish:.0f} s after the start")

        # the note, read in Lab from outputs/ (the file browser reaches it from the root)
        page.bring_to_front()
        page.evaluate("() => { window.jupyterapp.commands.execute('filebrowser:open-path', "
                      "{path: 'outputs/lab/latest/tga_drain/rebuild_2023.html'}); }")
        note = page.frame_locator(".jp-HTMLViewer iframe").locator("header.note-header")
        note.wait_for(timeout=30_000)
        assert "rebuild_2023" in note.inner_text()
        page.screenshot(path=str(shots / "7-published-note-in-lab.png"))

        # Lab's own HTML export: nothing from a CDN
        exported = page.request.get(lab.url(f"/nbconvert/html/{NOTEBOOK}?download=true")).text()
        assert "<script src=\"http" not in exported and "cdnjs" not in exported and "unpkg" not in exported
        browser.close()

    # the analyst's edit is the one change git sees: the use_set line, not the outputs
    git(project, "add", NOTEBOOK)
    diff = [line for line in git(project, "diff", "--cached", "-U0").splitlines()
            if line.startswith(("+ ", "- ", "+\t", "-\t")) or line.startswith(("+  ", "-  "))]
    assert diff == ['-    "# params.use_set(\\"rebuild_2023\\")  # JupyterLab: load a named parameter set\\n",',
                    '+    "params.use_set(\\"rebuild_2023\\")  # JupyterLab: load a named parameter set\\n",'], diff

    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    others = {urlparse(u).scheme for u in requests} - {"http", "https", "ws", "wss", "data", "blob", "about"}
    assert hosts == {"127.0.0.1"} and not others, (hosts, others)
    print(f"\nLab session: run {seconds_run:.0f} s, published {seconds_publish:.0f} s after the start; "
          f"{len(requests)} requests, all to 127.0.0.1; screenshots in {shots}")

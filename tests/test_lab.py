"""JupyterLab as the workbench, without a browser: the parameter check as a kernel runs it (JupyterLab's edited cell,
papermill's injected cell), `use_set`, one-line errors in IPython, the parameters a saved notebook publishes with,
the server settings that keep Lab's exports offline, and the git filter that stores notebooks without outputs.
The live session is in test_lab_browser.py."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from liquidity.core.errors import InputError
from liquidity.publish import lab, params

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import strip_notebooks  # noqa: E402

CELL = ('as_of: str = "latest"  # "latest" or a date\n'
        'lang: str = "en"  # en or zh\n'
        'window_start: str = "2025-07-01"  # first day\n'
        'window_end: str = "2025-11-12"  # last day\n'
        'tga_target_bn: float = 850.0  # TGA target (billions). Range [0, 3000]\n')
CHECK = ("from liquidity.publish import params\n\n# params.use_set(\"rebuild\")  # a named set\n"
         "PARAMETERS = params.check_cell()")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with one notebook, `drain`, and its parameter sets; the kernel's working folder is notebooks/."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "series.yaml").write_text("{}\n")
    folder = tmp_path / "notebooks"
    (folder / "params" / "drain").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Drain"),
                nbformat.v4.new_code_cell(CELL, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(CHECK)]
    nbformat.write(nb, folder / "drain.ipynb")
    (folder / "params" / "drain" / "default.yaml").write_text("as_of: latest\n")
    (folder / "params" / "drain" / "rebuild.yaml").write_text("window_start: 2023-06-01\nwindow_end: 2023-09-27\n")
    (folder / "params" / "drain" / "broken.yaml").write_text("tga_target_bn: 9000\n")
    monkeypatch.setenv("LIQUIDITY_ROOT", str(tmp_path))
    monkeypatch.chdir(folder)
    return tmp_path


def lab_namespace(project: Path, *executed: str, **values) -> dict:
    """A kernel JupyterLab started for notebooks/drain.ipynb that executed these cells (then the current one)."""
    ns = {"__session__": str(project / "notebooks" / "drain.ipynb"), "In": ["", *executed],
          **{k: p.default for k, p in params.parse_parameters_cell(CELL).items()}}
    ns.update(values)
    return ns


# -- check_cell: names the notebook does not declare -----------------------------------------------------------------
def test_a_typo_typed_into_the_parameters_cell_in_lab_is_one_error_with_the_closest_name(project):
    edited = CELL + "tga_targt_bn = 900.0\n"
    ns = lab_namespace(project, edited, CHECK, tga_targt_bn=900.0)
    with pytest.raises(InputError) as err:
        params.check_cell(ns)
    assert str(err.value) == ("notebook drain has no parameter 'tga_targt_bn' (did you mean 'tga_target_bn'?): "
                              "correct the name in the parameters cell")
    # typed with an annotation it is not a declaration either: the notebook file declares
    annotated = CELL.replace("tga_target_bn: float = 850.0", "tga_targt_bn: float = 900.0")
    with pytest.raises(InputError, match="no parameter 'tga_targt_bn' \\(did you mean 'tga_target_bn'\\?\\)"):
        params.check_cell(lab_namespace(project, annotated, CHECK, tga_targt_bn=900.0))


def test_a_failed_check_stays_failed_until_the_parameters_cell_is_run_again_fixed(project):
    edited = CELL + "tga_targt_bn = 900.0\n"
    ns = lab_namespace(project, CELL, CHECK)
    assert params.check_cell(ns)["tga_target_bn"] == 850.0            # the first run of the notebook
    ns["In"] += [edited, CHECK]
    with pytest.raises(InputError, match="tga_targt_bn"):
        params.check_cell(ns)
    ns["In"] += [CHECK]                                                # the check alone, run again: still wrong
    with pytest.raises(InputError, match="tga_targt_bn"):
        params.check_cell(ns)
    ns["In"] += [CELL.replace("850.0", "900.0"), CHECK]                # fixed, and a value changed
    ns["tga_target_bn"] = 900.0
    assert params.check_cell(ns)["tga_target_bn"] == 900.0


def test_papermill_runs_check_the_injected_names_and_values(project):
    source = params.stored_parameters_cell(project / "notebooks" / "drain.ipynb")

    def run(injected: str, **values) -> dict:         # a kernel papermill started: stored cell, injected cell, check
        ns = {"In": ["", source, "# Parameters\n" + injected, CHECK],
              **{k: p.default for k, p in params.parse_parameters_cell(source).items()}, **values}
        return params.check_cell(ns)

    assert run('window_start = "2023-06-01"\n', window_start="2023-06-01")["window_start"] == "2023-06-01"
    with pytest.raises(InputError, match="no parameter 'window_strat' \\(did you mean 'window_start'\\?\\)"):
        run('window_strat = "2023-06-01"\n', window_strat="2023-06-01")       # papermill -p with a typo
    with pytest.raises(InputError, match=r"tga_target_bn=5000.0 is outside its range \[0, 3000\]"):
        run("tga_target_bn = 5000.0\n", tga_target_bn=5000.0)


def test_analysis_cells_are_not_taken_for_the_parameters_cell(project):
    ns = lab_namespace(project, CELL, CHECK, "n = 5\nlabel = 'x'", "frame = compute(n)", CELL, CHECK)
    assert params.check_cell(ns)["as_of"] == "latest"


def test_a_saved_typo_is_refused_by_the_runner_before_any_kernel(project):
    from liquidity.publish import notebooks

    path = project / "notebooks" / "drain.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = CELL + "tga_targt_bn = 900.0\n"
    nbformat.write(nb, path)
    with pytest.raises(InputError, match="notebook drain has no parameter 'tga_targt_bn' \\(did you mean"):
        notebooks.declared_params("drain")
    nb.cells[1].source = CELL + "tga_target_bn = 900.0\n"           # a value set again: declared, new default
    nbformat.write(nb, path)
    assert notebooks.declared_params("drain")["tga_target_bn"].default == 900.0


# -- use_set -----------------------------------------------------------------------------------------------------------
def test_use_set_loads_a_named_set_into_the_kernel_checked_like_the_command_line(project, capsys):
    ns = lab_namespace(project, CELL, CHECK.replace("# params.use_set", "params.use_set"))
    assert params.use_set("rebuild", ns) == {"window_start": "2023-06-01", "window_end": "2023-09-27"}
    assert ns["window_start"] == "2023-06-01" and ns["tga_target_bn"] == 850.0
    assert capsys.readouterr().out == ("parameter set rebuild of drain: window_start='2023-06-01', "
                                       "window_end='2023-09-27'\n")
    assert params.check_cell(ns)["window_end"] == "2023-09-27"
    assert params.use_set("rebuild", ns, tga_target_bn=900)["tga_target_bn"] == 900.0     # typed as declared
    with pytest.raises(InputError, match="no parameter set 'rebuld' \\(did you mean 'rebuild'\\?\\)"):
        params.use_set("rebuld", ns)
    with pytest.raises(InputError, match="no parameter 'tga_targt_bn' \\(did you mean 'tga_target_bn'\\?\\)"):
        params.use_set("rebuild", ns, tga_targt_bn=900.0)
    with pytest.raises(InputError, match=r"tga_target_bn=9000.0 is outside its range \[0, 3000\]"):
        params.use_set("broken", ns)
    with pytest.raises(InputError, match="after window_end"):
        params.use_set("rebuild", ns, window_end="2023-01-01")


def test_use_set_changes_nothing_in_a_papermill_run(project):
    source = params.stored_parameters_cell(project / "notebooks" / "drain.ipynb")
    ns = {"In": ["", source, "# Parameters\nlang = \"zh\"\n"], "window_start": "2025-07-01"}
    assert params.use_set("rebuild", ns) == {} and ns["window_start"] == "2025-07-01"


# -- one line in IPython -----------------------------------------------------------------------------------------------
def test_input_errors_show_as_one_line_in_ipython(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell("from liquidity.publish import params\n"
                                "params.check(rrp_offset_share=1.5, as_of='2031-01-01')")
    finally:
        InteractiveShell.clear_instance()
    shown = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out).strip()
    assert isinstance(result.error_in_exec, InputError)
    assert shown == ("InputError: parameter as_of='2031-01-01' is after today (2026-11-22): a note can only be as of "
                     "a day that has passed; use latest or an earlier date")


# -- publishing a saved notebook: its parameters ---------------------------------------------------------------------
def _saved(project: Path, parameters: str = CELL, check: str = CHECK) -> dict:
    path = project / "notebooks" / "drain.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["source"], nb["cells"][2]["source"] = parameters, check
    path.write_text(json.dumps(nb))
    return nb


def test_a_saved_notebook_publishes_with_its_cell_and_its_use_set_call(project):
    sets = project / "notebooks" / "params"
    assert lab.notebook_parameters(_saved(project), "drain", sets)[0] is None
    nb = _saved(project, check=CHECK.replace("# params.use_set(\"rebuild\")",
                                             "params.use_set(\"rebuild\", tga_target_bn=900.0)"))
    paramset, values = lab.notebook_parameters(nb, "drain", sets)
    assert paramset == "rebuild"
    assert values == {"as_of": "latest", "lang": "en", "window_start": "2023-06-01", "window_end": "2023-09-27",
                      "tga_target_bn": 900.0}
    with pytest.raises(InputError, match="as literals"):
        lab.notebook_parameters(_saved(project, check="params.use_set(name)"), "drain", sets)
    with pytest.raises(InputError, match="did you mean 'tga_target_bn'"):
        lab.notebook_parameters(_saved(project, CELL + "tga_targt_bn = 1.0\n"), "drain", sets)
    with pytest.raises(InputError, match=r"outside its range \[0, 3000\]"):
        lab.notebook_parameters(_saved(project, CELL.replace("850.0", "-5.0")), "drain", sets)


def test_the_run_is_told_what_differs_from_the_committed_notebook_and_the_set(project):
    path = project / "notebooks" / "drain.ipynb"
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit",
                                                  "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    sets = project / "notebooks" / "params"
    # the set's own values are the set's: nothing to add
    nb = _saved(project, check=CHECK.replace("# params.use_set", "params.use_set"))
    paramset, values = lab.notebook_parameters(nb, "drain", sets)
    assert lab.run_overrides(path, paramset, values) == {}
    # a value edited in the parameters cell and saved is a change against the committed notebook
    nb = _saved(project, CELL.replace("850.0", "900.0"))
    paramset, values = lab.notebook_parameters(nb, "drain", sets)
    assert lab.run_overrides(path, paramset, values) == {"tga_target_bn": 900.0}


def test_only_the_suites_notebooks_publish(tmp_path):
    scratch = tmp_path / "Untitled.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), scratch)
    with pytest.raises(InputError, match="not one of the suite's notebooks"):
        lab.publish(scratch)


def test_publish_is_an_nbconvert_exporter_lab_lists():
    from nbconvert.exporters.base import get_exporter

    assert get_exporter("publish") is lab.NoteExporter


# -- the server's settings: Lab's exports offline ---------------------------------------------------------------------
def server_config():
    """The settings `make install` installs into the virtualenv, loaded as Jupyter loads a config file."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    loader = PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "tools"))
    loaded = loader.load_config()
    assert isinstance(loaded, Config)
    return loaded


def test_lab_html_export_loads_nothing_from_the_network_and_pdf_exports_are_replaced():
    from nbconvert.exporters import HTMLExporter
    from nbconvert.exporters.base import get_export_names

    c = server_config()
    names = get_export_names(config=c)
    assert "publish" in names and "html" in names
    assert not {"pdf", "webpdf", "qtpdf", "qtpng", "slides"} & set(names)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A note\n\n$x^2$ and a [link](https://fred.stlouisfed.org)"),
                nbformat.v4.new_code_cell("1 + 1", outputs=[nbformat.v4.new_output(
                    "execute_result", {"text/plain": "2"}, execution_count=1)])]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    body, _ = HTMLExporter(config=c).from_notebook_node(nb)
    loads = re.findall(r"<(?:script|link|img|iframe)[^>]*(?:src|href)=[\"']?(https?:)?//", body)
    assert loads == [] and "cdnjs" not in body and "unpkg" not in body
    assert "A note" in body and "fred.stlouisfed.org" in body           # content and links stay
    default, _ = HTMLExporter().from_notebook_node(nb)
    assert "cdnjs" in default, "nbconvert's own template no longer loads from a CDN: drop the offline template?"


def test_the_chinese_twins_plugin_is_a_federated_extension_lab_finds():
    from jupyterlab_server.config import get_federated_extensions

    c = server_config()
    assert c.LabApp.news_url is None and c.LabApp.check_for_updates_class == "jupyterlab.NeverCheckForUpdate"
    found = get_federated_extensions(c.LabApp.extra_labextensions_path)
    build = found["liquidity-lab"]["jupyterlab"]["_build"]
    entry = Path(found["liquidity-lab"]["ext_path"]) / build["load"]
    source = entry.read_text()
    assert build["extension"] == "./extension" and 'window._JUPYTERLAB["liquidity-lab"]' in source
    assert "NotebookActions.executed" in source and 'meta.lang === "zh"' in source
    node = shutil.which("node")
    if node:                                    # the file is valid JavaScript where node is installed
        subprocess.run([node, "--check", str(entry)], check=True)


# -- the git filter ----------------------------------------------------------------------------------------------------
def test_stored_notebooks_are_what_the_filter_stores_and_what_nbformat_writes():
    """Committed notebooks pass through the clean filter unchanged (no phantom diff), written as nbformat writes."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert strip_notebooks.dumps(strip_notebooks.strip(json.loads(text))) == text, path.name
        assert nbformat.writes(nbformat.reads(text, as_version=4)) + "\n" == text, path.name


def _run_like_lab(path: Path) -> None:
    """What running and saving in JupyterLab adds: outputs, counts, the interpreter, run metadata, an opened twin."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = i
            cell.outputs = [nbformat.v4.new_output("stream", text="x" * 50_000),
                            nbformat.v4.new_output("display_data", {"text/html": "<iframe srcdoc='chart'></iframe>"})]
            cell.metadata["execution"] = {"iopub.execute_input": "2026-11-22T10:00:00Z"}
            cell.metadata["scrolled"] = True
        elif cell.metadata.get("liquidity", {}).get("lang") == "zh":
            cell.metadata["jupyter"] = {"source_hidden": False}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2", "mimetype": "text/x-python",
                                    "codemirror_mode": {"name": "ipython", "version": 3}}
    nbformat.write(nb, path)


def test_a_notebook_saved_with_outputs_shows_no_diff_after_git_add(tmp_path):
    repo = tmp_path / "repo"
    for rel in ("Makefile", ".gitattributes", "tools/strip_notebooks.py", "notebooks/tga_drain.ipynb"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    subprocess.run(["make", "-s", "git-filter"], cwd=repo, check=True)       # what `make install` sets up
    git("add", "-A")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-q", "-m", "stored")
    stored = (repo / "notebooks/tga_drain.ipynb").read_bytes()
    _run_like_lab(repo / "notebooks/tga_drain.ipynb")
    assert (repo / "notebooks/tga_drain.ipynb").stat().st_size > 10 * len(stored)
    git("add", "notebooks/tga_drain.ipynb")
    assert git("diff", "--cached", "--stat") == "" and git("status", "--porcelain") == ""
    assert git("show", ":notebooks/tga_drain.ipynb").encode() == stored
    assert "x" * 50_000 in (repo / "notebooks/tga_drain.ipynb").read_text()   # the analyst keeps the outputs

    # a real edit is the one change git sees, without the outputs around it
    nb = nbformat.read(repo / "notebooks/tga_drain.ipynb", as_version=4)
    nb.cells[0].source += "\nA sentence added in Lab."
    nbformat.write(nb, repo / "notebooks/tga_drain.ipynb")
    git("add", "notebooks/tga_drain.ipynb")
    changed = [line for line in git("diff", "--cached", "-U0").splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 3 and any("A sentence added in Lab." in line for line in changed), changed


def test_the_filter_refuses_a_broken_notebook_with_a_message(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "strip_notebooks.py"), "--clean", "x.ipynb"],
                          input=b"{not json", capture_output=True)
    assert done.returncode == 1 and b"x.ipynb is not notebook JSON" in done.stderr


# -- every notebook: declarations and the use_set example -----------------------------------------------------------
def test_every_notebook_declares_its_parameters_with_types_and_shows_a_named_set_before_the_check():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        index = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", []))
        declared = params.parse_parameters_cell("".join(nb["cells"][index]["source"]))
        assert all(p.annotated and p.help for p in declared.values()), path.name
        check = "".join(nb["cells"][index + 1]["source"])
        example = re.search(r'^# params\.use_set\("(\w+)"\)', check, flags=re.M)
        assert example and example.start() < check.index("params.check_cell()"), path.name
        assert (ROOT / "notebooks" / "params" / path.stem / f"{example.group(1)}.yaml").is_file(), path.name
        assert example.group(1) != "default"

"""The project's own files: dependencies agree, notebooks are stored stripped, layout is complete."""
import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def test_every_dependency_is_in_both_pyproject_and_environment_yml():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py_deps = {_name(d) for d in project["dependencies"]} | {_name(d) for d in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert py_deps == conda, f"only in pyproject: {py_deps - conda}; only in environment.yml: {conda - py_deps}"
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_part
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_design_card_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(d) for d in project["dependencies"]} | {_name(d) for d in project["optional-dependencies"]["test"]}
    for pkg in ("jupyterlab", "pandas", "altair", "papermill", "nbconvert", "fredapi", "pytest", "nbval"):
        assert pkg in names


def test_notebooks_are_stored_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for nb_path in notebooks:
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, nb_path.name


def test_every_notebook_has_a_tagged_parameters_cell_and_a_default_set():
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, nb_path.name
        assert "as_of" in "".join(tagged[0]["source"])
        sets = list((ROOT / "notebooks" / "params" / nb_path.stem).glob("*.yaml"))
        assert {"default"} <= {p.stem for p in sets} and len(sets) >= 2, nb_path.name


def test_gitignore_keeps_lib_and_ignores_cache_and_outputs():
    text = (ROOT / ".gitignore").read_text().splitlines()
    assert "lib/" not in text and "/lib/" not in text
    assert any(line.startswith("data/cache") for line in text)
    assert any(line.startswith("outputs/") or line == "/outputs/*" for line in text)

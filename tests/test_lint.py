"""The lint gate: ruff, with pyproject.toml's settings, finds nothing in the repository (`make lint` runs the same)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the environment's own ruff, the version the test extra pins; sys.executable is not resolved: a venv's python is a
# symlink to the base interpreter, whose folder has no ruff
RUFF = Path(sys.executable).parent / "ruff"
pytestmark = pytest.mark.skipif(not RUFF.exists(), reason=f"no ruff beside {sys.executable}: pip install -e '.[test]'")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    # --no-cache: a test run leaves no .ruff_cache behind
    return subprocess.run([str(RUFF), "check", "--no-cache", *args, "."], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    proc = _ruff()
    assert proc.returncode == 0, f"ruff found problems (`ruff check --fix` fixes some):\n{proc.stdout}{proc.stderr}"


def test_ruff_reads_every_python_file_of_the_project():
    # an exclude pattern without "./" names a folder anywhere: "data" would have left out lib/liquidity/data
    proc = _ruff("--show-files")
    assert proc.returncode == 0, proc.stderr
    linted = {Path(line).resolve() for line in proc.stdout.splitlines() if line.endswith(".py")}
    ours = {p.resolve() for folder in ("lib", "tests", "tools", "benchmarks", "deploy")
            for p in (ROOT / folder).rglob("*.py") if not p.name.startswith(".")}   # .#name.py: an editor's lock
    missing = sorted(str(p.relative_to(ROOT)) for p in ours - linted)
    assert ours and not missing, f"ruff leaves out {missing}: an exclude pattern in pyproject.toml too broad?"

"""The package's layers: core <- data <- models <- publish. A module imports only from its own layer or the ones
below it, and no two modules import each other (directly or around a loop), function-level imports included."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "liquidity"
LAYERS = ["core", "data", "models", "publish"]


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PKG).with_suffix("").parts): p for p in PKG.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """Modules of the package that `name` imports, as dotted names relative to the package."""
    package = name.split(".")[:-1] if not name.endswith("__init__") else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("liquidity"):
                    continue
                base = (node.module or "").split(".")[1:]
            else:
                base = package[: len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            for alias in node.names:
                out.add(".".join(base + [alias.name]))
                out.add(".".join(base))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("liquidity."):
                    out.add(".".join(alias.name.split(".")[1:]))
    known = _modules()
    return {m for m in out if m in known and m != name and not m.endswith("__init__")}


def _layer(module: str) -> int | None:
    head = module.split(".")[0]
    return LAYERS.index(head) if head in LAYERS else None


def test_every_module_sits_in_a_layer():
    loose = [m for m in _modules() if _layer(m) is None and m not in ("__init__", "__main__")]
    assert loose == []


@pytest.mark.parametrize("module", sorted(m for m in _modules() if _layer(m) is not None))
def test_imports_point_down_the_layers(module):
    here = _layer(module)
    upward = [m for m in _imports(module, _modules()[module]) if _layer(m) is not None and _layer(m) > here]
    assert upward == [], f"{module} ({LAYERS[here]}) imports from a higher layer: {upward}"


def test_no_import_cycles():
    graph = {m: _imports(m, p) for m, p in _modules().items() if _layer(m) is not None}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)

"""README.md promises that must stay true: the reliability table names real tests, and every notebook is listed."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _section(title):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_reliability_table_matches_the_fault_tests():
    table = re.findall(r"^\|[^|]+\|[^|]+\| `(test_\w+)` \|$", _section("Reliability"), flags=re.M)
    defined = set(re.findall(r"^def (test_\w+)", (ROOT / "tests" / "test_faults.py").read_text(), flags=re.M))
    assert table and set(table) == defined


def test_every_notebook_is_in_the_readme_table():
    listed = set(re.findall(r"^\| `(\w+)` \|", _section("What is here"), flags=re.M))
    stored = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert stored <= listed


def test_every_measure_is_in_the_readme_table_with_its_concept():
    from liquidity.data.measures import MEASURES

    rows = dict(re.findall(r"^\| (\w+) \| ([^|]+) \|", _section("Units, measures and point in time"), flags=re.M))
    for name, m in MEASURES.items():
        assert rows.get(name, "").strip() == m.concept, name


def test_the_chinese_section_gives_the_two_quickstart_commands():
    section = _section("中文简介")
    assert "make refresh" in section and "make test" in section and "美元流动性" in section


def test_the_layers_table_lists_every_module_of_each_layer():
    import pkgutil

    rows = re.findall(r"^\| `liquidity\.(\w+)` \| ([^|]+) \|", _section("The library, by layer"), flags=re.M)
    listed = {layer: set(re.findall(r"`(\w+)`", modules)) for layer, modules in rows}
    assert set(listed) == {"core", "data", "models", "publish"}
    for layer, names in listed.items():
        package = ROOT / "lib" / "liquidity" / layer
        modules = {m.name for m in pkgutil.iter_modules([str(package)])}
        assert names == modules, (layer, "not listed:", modules - names, "listed but absent:", names - modules)

"""The one language mechanism: every message a reader can see has its Chinese text, placeholders agree, Markdown
cells carry both languages, and one concept is never translated two ways (locale/glossary.yaml)."""
import json
import re
from pathlib import Path

import pytest
from messages import all_messages

from liquidity.publish import i18n

ROOT = Path(__file__).resolve().parents[1]
ZH = i18n.catalog("zh")
GLOSSARY = i18n.glossary()


def test_every_message_has_a_chinese_text_and_none_is_left_over():
    used = all_messages()
    assert sorted(used - set(ZH)) == []                 # a message a reader can see without its translation
    assert sorted(set(ZH) - used) == []                 # a translation nothing uses any more


@pytest.mark.parametrize("msgid", sorted(ZH))
def test_placeholders_agree(msgid):
    assert i18n.placeholders(msgid) == i18n.placeholders(ZH[msgid]), (msgid, ZH[msgid])


def _markdown_twins():
    """(notebook, English cell, Chinese cell) of every Markdown twin pair."""
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        for cell, nxt in zip(cells, cells[1:] + [None]):
            if cell["cell_type"] == "markdown" and i18n.cell_language(cell) == "en":
                yield nb.stem, cell, nxt


def test_every_markdown_cell_has_its_chinese_twin_collapsed_in_lab():
    names = set()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                names.add(nb.stem)
                assert i18n.cell_language(cell) in ("en", "zh"), (nb.stem, "".join(cell["source"])[:60])
    assert len(names) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    for name, en, zh in _markdown_twins():
        text = "".join(en["source"])
        assert zh is not None and zh["cell_type"] == "markdown" and i18n.cell_language(zh) == "zh", (name, text[:60])
        assert zh["metadata"].get("jupyter", {}).get("source_hidden") is True, (name, text[:60])
        assert set(zh["metadata"].get("tags", [])) == set(en["metadata"].get("tags", [])), (name, text[:60])
        assert text.strip() and re.search(r"[\u4e00-\u9fff]", "".join(zh["source"])), (name, text[:60])


def _pairs():
    """(English, Chinese) of every catalog message and every Markdown twin pair."""
    yield from ZH.items()
    for _, en, zh in _markdown_twins():
        yield "".join(en["source"]), "".join(zh["source"])


def _short_form(term) -> str:
    return term.get("short", term.get("abbr", term["zh"]))


def _contains(text: str, word: str) -> bool:
    """`word` in `text`, a Latin abbreviation as a whole word (TGA, not the TGA of WDTGAL)."""
    if re.fullmatch(r"[A-Za-z0-9 ]+", word):
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text) is not None
    return word in text


def test_one_concept_is_never_translated_two_ways():
    """Every Chinese text names a glossary concept by its short form (TGA, SOFR, 隔夜逆回购, 准备金), never by the full
    name of an abbreviated term (the first-mention pass writes that once per note) and never by a variant."""
    problems = []
    for en, zh in _pairs():
        for term in GLOSSARY:
            short = _short_form(term)
            if re.search(term["en"], en) and not any(_contains(zh, w) for w in [short, *term.get("also", [])]):
                problems.append((term["concept"], en[:70], zh[:50]))
            if term.get("abbr") and short != term["zh"] and term["zh"] in zh:
                problems.append((term["concept"], "full name instead of " + short, zh[:50]))
            rest = zh.replace(term["zh"], "")                                    # variants beside the right term
            for variant in term.get("not", []):
                if variant in rest:
                    problems.append((term["concept"], "variant " + variant, zh[:50]))
    assert problems == []


def test_the_issue_s_terms_are_the_glossary_s():
    terms = {t["concept"]: t for t in GLOSSARY}
    full = {k: t["zh"] for k, t in terms.items()}
    assert full["reserves"] == "准备金" and full["TGA"] == "财政部一般账户" and full["ON RRP"] == "隔夜逆回购"
    assert full["SRF"] == "常备回购便利" and full["QT"] == "量化紧缩" and full["RMP"] == "储备管理购买"
    assert full["SOFR"] == "有担保隔夜融资利率" and full["IORB"] == "准备金余额利率"
    assert full["model"] == "模型" and full["kink"] == "拐点" and full["test"] == "检验"
    assert full["assumption"] == "假设" and full["with hindsight"] == "事后"
    # after the first mention a note writes the abbreviation, as Chinese market notes do
    assert {k: _short_form(terms[k]) for k in ("TGA", "SOFR", "SRF", "IORB", "QT", "RMP", "ON RRP")} == {
        "TGA": "TGA", "SOFR": "SOFR", "SRF": "SRF", "IORB": "IORB", "QT": "QT", "RMP": "RMP", "ON RRP": "隔夜逆回购"}


def test_a_missing_translation_fails_loudly_in_chinese_and_never_in_english():
    try:
        i18n.set_language("zh")
        with pytest.raises(i18n.MissingTranslation, match="no zh translation for 'not a message'"):
            i18n.tr("not a message")
        assert i18n.tr("Data as of") == "数据截至"
    finally:
        i18n.set_language("en")
    assert i18n.tr("not a message {x}", x=1) == "not a message 1"


def test_the_exporter_leaves_the_language_as_it_found_it():
    """The PDF printer serves notes of both languages in one process: the title-block words of a Chinese note must
    not switch the process to Chinese (a later English note, or a test, would speak Chinese)."""
    from liquidity.publish.export import labels

    assert i18n.language() == "en"
    assert labels("zh")["as_of"] == "数据截至" and i18n.language() == "en"
    with i18n.speaking("zh"):
        assert i18n.language() == "zh"
    assert i18n.language() == "en"


def test_the_catalog_gives_each_message_once():
    """Merges keep both sides' lines of the catalog: a message given twice would silently take the last text."""
    import yaml

    seen, twice = set(), []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            (twice.append(key) if key in seen else seen.add(key))
        return yaml.SafeLoader.construct_mapping(loader, node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load((i18n.LOCALE / "zh.yaml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    assert twice == []


def test_parameter_labels_name_no_parameter():
    """The appendix names parameters by their labels (the comments of the parameters cell): a label that names
    another parameter would put a parameter name in front of a reader."""
    from liquidity.publish.notebooks import declared_params, list_notebooks

    leaks = []
    for nb in list_notebooks():
        declared = declared_params(nb)
        for p in declared.values():
            named = [n for n in declared if "_" in n and re.search(rf"\b{re.escape(n)}\b", p.label)]
            if named:
                leaks.append((nb, p.name, named))
    assert leaks == []

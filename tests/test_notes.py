"""The published notes as a reader gets them (issues 16 and 17): conclusions on page 1, the appendix last, no page
ending with a heading, tables whole, legends and event numbers legible, no path of this machine, and a Chinese
edition of every note with the same numbers, Chinese formats, the glossary's terms and embedded CJK fonts."""
import re
import subprocess
from functools import lru_cache

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.notebook

FOOTER = re.compile(r"^(page|第)\s*\d+.*(run|运行编号)[:：]?\s*\S+$")


@lru_cache(maxsize=128)
def pdf_pages(path) -> list[str]:
    """pdftotext per page (layout mode), the page header and footer lines removed."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in text.split("\f")[:-1] if text.endswith("\f") else text.split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        lines = [line for line in lines if not FOOTER.match(re.sub(r"\s+", " ", line))]
        pages.append(lines[1:] if lines else lines)          # the first line is the page header
    return pages


@lru_cache(maxsize=256)
def pdf_raw(path, page: int | None = None) -> str:
    """Text in reading order (raw mode keeps 2019年7月24日 whole, where layout mode splits digits from CJK)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def notes(published, lang=None):
    for task in published.notes(lang):
        yield task, published.path(task["notebook"], task["paramset"], task.get("lang", "en"), "pdf")


def runner_notebooks() -> list[str]:
    from liquidity.publish.notebooks import list_notebooks

    return list_notebooks()


def test_every_note_ran_in_both_languages(published):
    tasks = published.manifest["notebooks"]
    assert all(t["status"] == "ok" for t in tasks), [t["error"] for t in tasks if t["error"]]
    en = {(t["notebook"], t["paramset"]) for t in tasks if t["lang"] == "en"}
    zh = {(t["notebook"], t["paramset"]) for t in tasks if t["lang"] == "zh"}
    assert en == zh and {nb for nb, _ in en} == set(runner_notebooks())      # every notebook, both languages


def test_the_sidecars_are_identical_in_both_languages(published):
    """Same run, same numbers: the Chinese note records exactly the English note's results."""
    pairs = {(t["notebook"], t["paramset"]) for t in published.manifest["notebooks"]}
    for notebook, paramset in sorted(pairs):
        assert published.results(notebook, paramset, "zh") == published.results(notebook, paramset, "en"), \
            (notebook, paramset)


def typeset_free(text: str) -> str:
    """Chinese text without what the typesetting of a Chinese note changes (the full name of a term at its first
    mention, full-width punctuation, spaces): the findings as recorded compare with the printed page."""
    from liquidity.publish.i18n import glossary

    text = re.sub(r"\s", "", text)
    for term in glossary():
        if not term.get("abbr"):
            continue
        full, abbr = term["zh"], term["abbr"].replace(" ", "")
        if term.get("short", term["abbr"]) != full:
            text = text.replace(full, "")                         # 财政部一般账户（TGA） -> （TGA）
        else:
            text = text.replace(f"（{abbr}）", "").replace(f"（{abbr}，", "（").replace(f"，{abbr}", "")
    return re.sub(r"[,.;:()，。；：（）]", "", text)


def test_page_one_holds_the_title_the_data_date_and_the_key_findings(published):
    for task, pdf in notes(published):
        page1 = flat(pdf_raw(pdf, 1))
        lang = task["lang"]
        assert flat(task["note"]["title"]) in page1, pdf
        assert ("Dataasof" if lang == "en" else "数据截至") in page1, pdf
        first = task["note"]["findings"][0]
        first = re.sub(r"[*]", "", first["text"] if isinstance(first, dict) else first)    # a bullet built from claims
        if lang == "zh":
            assert typeset_free(first)[:50] in typeset_free(page1), (pdf, first)
        else:
            assert flat(first)[:60] in page1, (pdf, first)          # the first finding, with its numbers
        assert re.search(r"\d", first), first


def test_the_appendix_comes_last(published):
    for task, pdf in notes(published):
        pages = pdf_pages(pdf)
        word = "Appendix:" if task["lang"] == "en" else "附录："     # the heading, not a line of prose
        lines = [line for page in pages for line in page]
        first = next(i for i, line in enumerate(lines) if line.startswith(word))
        after = flat(" ".join(lines[first:]))
        for heading in (("Key findings", "Caveats") if task["lang"] == "en" else ("主要结论", "注意事项")):
            assert flat(heading) not in after, (pdf, heading)
        assert "ipykernel" in " ".join(pages[-1]), pdf              # the environment table closes the note


def test_no_page_ends_with_a_heading(published):
    for task, pdf in notes(published):
        html = BeautifulSoup(published.path(task["notebook"], task["paramset"], task["lang"], "html").read_text(),
                             "html.parser")
        headings = {flat(h.get_text(" ", strip=True)) for h in html.select("h1, h2, h3, h4")}
        for n, page in enumerate(pdf_pages(pdf)[:-1], start=1):
            assert page, (pdf, n, "a blank page")
            assert flat(page[-1]) not in headings, (pdf, n, page[-1])


def test_every_table_cell_of_the_html_is_in_the_pdf(published):
    for task, pdf in notes(published):
        html = BeautifulSoup(published.path(task["notebook"], task["paramset"], task["lang"], "html").read_text(),
                             "html.parser")
        text = flat(pdf_raw(pdf))
        cells = [c.get_text(" ", strip=True) for t in html.select("table.liquidity-table") for c in t.select("td, th")]
        missing = [c for c in cells if c and flat(c) not in text]
        assert cells and not missing, (pdf, missing[:5])
        assert not html.select("table.dataframe tbody th"), pdf      # no meaningless 0, 1, 2 index column


def test_no_path_of_this_machine_in_any_output(published, mirror):
    forbidden = [str(mirror), str(published.run_dir.parent.parent / "cache")]
    for path in published.run_dir.rglob("*"):
        if not path.is_file() or path.name == "manifest.json":      # the manifest is where the path belongs
            continue
        text = pdf_raw(path) if path.suffix == ".pdf" else path.read_text(errors="replace")
        for bad in forbidden:
            assert bad not in text, (path, bad)


def _svgs(html_path):
    html = BeautifulSoup(html_path.read_text(), "html.parser")
    return html.select(".jp-RenderedSVG svg")


def _text_boxes(svg):
    """Boxes of the text marks of a chart (event numbers, threshold labels), from their positions and sizes."""
    boxes = []
    for group in svg.select("g.mark-text.role-mark"):        # marks share the plot's origin; axis labels do not
        for t in group.select("text"):
            m = re.search(r"translate\(([-\d.]+),\s*([-\d.]+)\)", t.get("transform", ""))
            if not m or not t.get_text().strip():
                continue
            x, y = float(m.group(1)), float(m.group(2))
            size = float(re.sub(r"px", "", t.get("font-size", "9")))
            width = 0.6 * size * len(t.get_text())
            anchor = t.get("text-anchor", "start")
            left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
            boxes.append((left, y - size, left + width, y, t.get_text()))
    return boxes


def test_legends_show_full_labels_and_event_numbers_never_overlap(published):
    raw_keys = {"debt_limit", "shutdown", "qt", "fed", "market", "tax"}
    for task, _ in notes(published):
        for svg in _svgs(published.path(task["notebook"], task["paramset"], task["lang"], "html")):
            for legend in svg.select("g.role-legend text"):
                label = legend.get_text()
                assert "…" not in label and not label.endswith("...") and label not in raw_keys, label
            numbers = [b for b in _text_boxes(svg) if b[4].isdigit()]
            for i, a in enumerate(numbers):
                for b in numbers[i + 1:]:
                    overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                    assert not overlap, (task["notebook"], task["paramset"], a, b)


def test_charts_of_the_chinese_notes_are_titled_and_labelled_in_chinese(published):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for task, _ in notes(published, "zh"):
        for svg in _svgs(published.path(task["notebook"], task["paramset"], "zh", "html")):
            title = [t.get_text() for t in svg.select("g.role-title-text text")]
            assert title and cjk.search(title[0]), (task["notebook"], title)
            legends = [t.get_text() for t in svg.select("g.role-legend-label text")]
            assert all(cjk.search(x) or re.fullmatch(r"[A-Z0-9 .&+/()（）-]+", x) for x in legends), legends


def test_chinese_pdfs_carry_chinese_numbers_glossary_terms_and_an_embedded_cjk_font(published):
    from liquidity.publish.i18n import fmt, set_language

    for task, pdf in notes(published, "zh"):
        text = flat(pdf_raw(pdf))
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Type 3" in fonts or "CID" in fonts, pdf              # CJK glyphs are embedded, not DejaVu boxes
        assert "数据截至" in text and "附录" in text
    set_language("zh")
    try:
        nov = published.results("monitor", "as_of_2025_11_17")
        text = flat(pdf_raw(published.path("monitor", "as_of_2025_11_17", "zh", "pdf")))
        assert flat(fmt.bn(nov["reserves_bn"])) in text and "2.86万亿美元" in text
        assert "2025年11月12日" in text and flat(fmt.bn(nov["srf_window_peak_bn"], digits=2)) in text   # 503.5亿美元
        assert "5个基点" in text and "3.95%" in text
        for term in ("准备金", "财政部一般账户", "隔夜逆回购", "常备回购便利", "有担保隔夜融资利率", "准备金余额利率"):
            assert term in text, term
        qt = flat(pdf_raw(published.path("qt_path", "as_of_2025_11_17", "zh", "pdf")))
        assert "量化紧缩" in qt and "储备管理购买" in qt
    finally:
        set_language("en")


CITATION = re.compile(r"「[^」]*」|“[^”]*”")
ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z][a-z]+(?:'[a-z]+)?\b[ ,]+){3}\b[A-Za-z][a-z]+\b")


def test_no_english_sentence_is_left_in_a_chinese_note(published):
    for task, pdf in notes(published, "zh"):
        text = CITATION.sub(" ", pdf_raw(pdf).replace("\n", " "))
        runs = ENGLISH_RUN.findall(text)
        assert not runs, (task["notebook"], task["paramset"], runs[:5])


def test_no_warning_or_error_stream_in_any_executed_note(published):
    """A warning printed by a kernel (a pandas deprecation, a transport notice) would land in the reader's note."""
    import json

    for task, _ in notes(published):
        nb = json.loads(published.path(task["notebook"], task["paramset"], task["lang"], "ipynb").read_text())
        streams = [o.get("text") for c in nb["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not streams, (task["notebook"], task["paramset"], task["lang"], streams[:2])


def reader_text(published, task) -> str:
    """The text of a note as a reader reads it, up to the appendix (HTML, code hidden)."""
    path = published.path(task["notebook"], task["paramset"], task.get("lang", "en"), "html")
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for cell in soup.select(".celltag_appendix"):
        cell.decompose()
    for hidden in soup(["style", "script"]):
        hidden.decompose()
    return soup.get_text(" ")


def test_no_parameter_name_module_path_or_command_before_the_appendix(published):
    """Reader text names things in words: no parameter name of the note's notebook, no module path, no command
    (both languages; the appendix lists the parameters by their labels)."""
    from liquidity.publish.notebooks import declared_params

    leaks = []
    for task in published.notes():
        names = [n for n in declared_params(task["notebook"]) if "_" in n]
        text = reader_text(published, task)
        found = [n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", text)]
        found += re.findall(r"\bliquidity\.[a-z_.]+", text) + re.findall(r"\bliquidity (?:run|refresh|data|claims|"
                                                                          r"publish|list)\b", text)
        if found:
            leaks.append((task["key"], sorted(set(found))))
    assert leaks == []


def test_each_language_s_notebook_holds_no_text_of_the_other_language(published):
    """One execution renders both languages, and each language's notebook reads as a clean single-language note:
    no Chinese in the English outputs and Markdown, no English sentence in the Chinese ones (names, tickers, series
    ids and units aside). The results sidecar table is data, not reader text."""
    import json

    han = re.compile(r"[\u4e00-\u9fff]")
    english_words = re.compile(r"\b(?:the|and|of|from|with|which|was|were|is|are)\b")
    problems = []
    for task in published.notes():
        lang = task.get("lang", "en")
        nb = json.loads(published.path(task["notebook"], task["paramset"], lang, "ipynb").read_text())
        for cell in nb["cells"]:
            texts = ["".join(cell["source"])] if cell["cell_type"] == "markdown" else []
            for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
                data = out.get("data") or {}
                if "application/vnd.liquidity.results+json" in data:
                    continue
                texts += ["".join(v) if isinstance(v, list) else v for k, v in data.items()
                          if k in ("text/markdown", "text/html")]
            for text in texts:
                plain_text = BeautifulSoup(text, "html.parser").get_text(" ")
                bad = han.search(plain_text) if lang == "en" else english_words.search(plain_text)
                if bad:
                    problems.append((task["key"], plain_text[max(0, bad.start() - 40):bad.end() + 40]))
    assert problems == []

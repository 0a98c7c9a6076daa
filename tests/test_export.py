"""PDF notes directly from the exporter: page size, Chinese text, and the error when no browser is there."""
import shutil
import subprocess
import sys

import nbformat
import pytest

from liquidity.publish import export
from liquidity.core.errors import InputError

CJK_TEXT = "美元流动性研究笔记"


def _has_cjk_font() -> bool:
    return bool(shutil.which("fc-list")) and export.cjk_font_installed()


def _note(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# Liquidity note 中文\n\n{CJK_TEXT}: reserves $2.85tn."),
        nbformat.v4.new_code_cell("print('hidden code')"),
    ])
    path = tmp_path / "note.ipynb"
    nbformat.write(nb, str(path))
    html = tmp_path / "note.html"
    export.write_html(path, html, {"as_of": "2025-11-17", "paramset": "test", "run_date": "2026-11-21"})
    return html


@pytest.mark.browser
@pytest.mark.skipif(export.find_browser() is None, reason="no Chromium on this machine")
@pytest.mark.skipif(not _has_cjk_font(), reason="the CJK font is not installed (make system-deps: fonts-wqy-zenhei)")
def test_letter_pdf_renders_chinese_text(tmp_path):
    html = _note(tmp_path)
    pdf = tmp_path / "note.pdf"
    export.html_to_pdf(html, pdf, "Liquidity note 中文", "2025-11-17", page_size="Letter")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert CJK_TEXT in text and "$2.85tn" in text and "hidden code" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    # the Chinese glyphs come from a named, embedded CID font (WenQuanYi Zen Hei has TrueType outlines), never from
    # unnamed Type 3 fonts (what Chromium makes of Noto CJK's CFF outlines) or DejaVu's empty boxes
    assert "WenQuanYiZenHei" in fonts and "CID TrueType" in fonts and "Type 3" not in fonts
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "612 x 792 pts (letter)" in info


def test_unknown_page_size_is_refused(tmp_path):
    with pytest.raises(export.LiquidityError, match="page size 'B5' not supported; choose A4 or Letter"):
        export.html_to_pdf(tmp_path / "x.html", tmp_path / "x.pdf", "t", "latest", page_size="B5")


def test_missing_browser_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_CHROMIUM", str(tmp_path / "no-such-chrome"))
    assert export.find_browser() is None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, pytest.raises(export.BrowserMissing) as err:
        export.launch_browser(p)
    assert "apt-get install chromium" in str(err.value) and "LIQUIDITY_CHROMIUM" in str(err.value)


def test_run_with_pdf_and_no_browser_fails_before_any_kernel(tmp_path, monkeypatch):
    from liquidity.publish import runner

    monkeypatch.setenv("LIQUIDITY_CHROMIUM", str(tmp_path / "no-such-chrome"))
    out = tmp_path / "out"
    with pytest.raises(InputError, match="PDF notes need Chromium or Chrome"):
        runner.run(runner.plan(["monitor"]), formats=["pdf"], jobs=1, out=out)
    assert not out.exists() or not any(out.iterdir())
    proc = subprocess.run([sys.executable, "-m", "liquidity", "run", "monitor", "--formats", "pdf",
                           "--out", str(out), "--quiet"], capture_output=True, text=True,
                          env={**__import__("os").environ, "LIQUIDITY_CHROMIUM": str(tmp_path / "no-such-chrome")})
    assert proc.returncode == 2 and "LIQUIDITY_CHROMIUM=/path/to/chrome" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_chinese_pdf_without_the_cjk_font_names_the_fix(tmp_path, monkeypatch):
    """Chromium would fall back to any CJK font (Noto's Type 3 glyphs, ten times the size): the printer refuses."""
    export.cjk_font_installed.cache_clear()
    monkeypatch.setattr(export, "cjk_font_installed", lambda: False)
    with pytest.raises(export.FontMissing, match="fonts-wqy-zenhei"):
        export.PdfPrinter("A4").print(tmp_path / "x.html", tmp_path / "x.pdf", "t", "latest", lang="zh")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("lang, pointer", [("en", "The chart of this section leads the note"), ("zh", "本节图表置于")])
def test_sections_stay_numbered_when_a_section_s_chart_moves_up_front(lang, pointer):
    """The headline chart moves under the key findings; the numbered section it came from keeps its heading and says
    where the chart went (sections read 1, 2, 3, not 1, 3); an unnumbered section left empty (Setup) is dropped."""
    def md(text, tags=()):
        return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)})

    def code(tags=(), text="x"):
        cell = nbformat.v4.new_code_cell("pass", metadata={"tags": list(tags)})
        cell.outputs = [nbformat.v4.new_output("display_data", {"text/plain": text})]
        return cell

    hidden = nbformat.v4.new_code_cell("pass")            # no output: its Setup heading is left empty
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title"), md("## Setup"), hidden, md("## Key findings", ["findings"]), code(["findings"]),
        md("## 1. First"), code(),
        md("## 2. Chart"), code(["headline-chart"]), md("## 3. Third"), code()])
    cells = export.reader_order(nb, lang).cells
    headings = [c.source for c in cells if c.cell_type == "markdown" and c.source.startswith("#")]
    assert headings == ["## Key findings", "## 1. First", "## 2. Chart", "## 3. Third"]
    i = next(k for k, c in enumerate(cells) if c.source == "## 2. Chart")
    assert pointer in cells[i + 1].source and cells[i + 1].cell_type == "markdown"
    assert "headline-chart" in cells[2].metadata.get("tags", [])      # the chart right under the findings

"""Exports of an executed notebook, ordered for a reader: self-contained HTML (nbconvert) and a PDF research note
(headless Chromium, one browser for every PDF of a run).

The reader's order (the notebook itself still runs top to bottom in JupyterLab):
  1. title block: title, the question, run date, data as of (and how far behind schedule), parameter set, source;
  2. key findings (cells tagged `findings`) and the chart that carries the note (tagged `headline-chart`);
  3. the numbered analysis sections;
  4. caveats (tagged `caveats`);
  5. the appendix in smaller type (tagged `appendix`): data status, decisions, provenance, parameters, environment.
Markdown comes in twin cells, one per language (i18n.keeps); a heading with nothing under it in the export is dropped.
"""
from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..core import atomic
from ..core.errors import LiquidityError
from .i18n import fmt, keeps, speaking, tr
from .report import FINDINGS_MIME, NOTE_MIME
from .typography import FONT_STACK, MONO_STACK, typeset

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZES = ("A4", "Letter")
HTML_LANG = {"en": "en", "zh": "zh"}     # <html lang> (ISO 639-1, as nbconvert requires): fonts, line breaks
ORDER = ("findings", "headline-chart", None, "caveats", "appendix")
_HEADING = re.compile(r"^(#{1,6})\s+\S")
NUMBERED = re.compile(r"^\s*#{1,6}\s+\d+\.\s")        # "## 3. Reserves, the TGA and ON RRP"


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _has_output(cell) -> bool:
    return cell.cell_type == "code" and any(o.get("output_type") != "stream" or o.get("text", "").strip()
                                            for o in cell.get("outputs", []))


def _leading_heading(text: str) -> int | None:
    """The level of the heading a Markdown cell starts with (else None)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    m = _HEADING.match(first)
    return len(m.group(1)) if m else None


def _only_headings(text: str) -> int | None:
    """The level of the heading when a Markdown cell holds headings only (else None)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(_HEADING.match(line) for line in lines):
        return len(_HEADING.match(lines[-1]).group(1))
    return None


def note_info(nb, lang: str) -> dict:
    """What the title block needs from the executed notebook: title and question (the first Markdown cell), the
    note header the run recorded (data as of, behind schedule, sources) and the findings."""
    info = {"title": "Liquidity research note", "question": "", "header": {}, "findings": []}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and keeps(cell, lang):
            lines = cell.source.splitlines()
            if lines and lines[0].startswith("# "):
                info["title"] = lines[0][2:].strip()
                info["question"] = "\n".join(lines[1:]).strip()
            break
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data") or {}
            if NOTE_MIME in data:
                info["header"] = data[NOTE_MIME]
            if FINDINGS_MIME in data:
                info["findings"] = data[FINDINGS_MIME]
    return info


def reader_order(nb, lang: str):
    """A copy of the notebook in the reader's order and language: the title cell out (the title block replaces it),
    findings and headline chart first, caveats, then the appendix; headings left empty by hidden code dropped."""
    from .results import RESULTS_MIME

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if not keeps(cell, lang):
                continue
        else:   # the note header and the sidecar travel as data (manifest, results.json), not as reader text
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not {NOTE_MIME, RESULTS_MIME} & set((o.get("data") or {}))]
        cells.append(cell)
    if cells and cells[0].cell_type == "markdown" and cells[0].source.lstrip().startswith("# "):
        cells = cells[1:]
    # a numbered section whose only content is the headline chart (moved up front) keeps its heading and says where
    # its chart went, so that sections stay numbered 1, 2, 3 ... in the note
    moved = set()
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and _only_headings(cell.source) is not None and NUMBERED.match(cell.source):
            for nxt in cells[i + 1:]:
                if nxt.cell_type == "markdown" and _leading_heading(nxt.source) is not None:
                    break
                if "headline-chart" in _tags(nxt):
                    moved.add(id(cell))
                    break
    groups = {key: [] for key in ORDER}
    for cell in cells:
        key = next((t for t in ORDER[:2] + ORDER[3:] if t in _tags(cell)), None)
        groups[key].append(cell)
    ordered = [c for key in ORDER for c in groups[key]]
    with speaking(lang):
        pointer = str(tr("The chart of this section leads the note, under the key findings."))
    nb.cells = _drop_empty_headings(ordered, moved, pointer)
    return nb


def _drop_empty_headings(cells: list, moved: set = frozenset(), pointer: str = "") -> list:
    """A heading-only Markdown cell is dropped when nothing is shown before the next heading of its level or
    higher (a Setup section whose code is hidden); a numbered one whose chart moved up front (`moved`) stays, with
    the `pointer` sentence under it."""
    import nbformat

    keep = []
    for i, cell in enumerate(cells):
        level = _only_headings(cell.source) if cell.cell_type == "markdown" else None
        if level is None:
            keep.append(cell)
            continue
        shown = False
        for nxt in cells[i + 1:]:
            nxt_level = _leading_heading(nxt.source) if nxt.cell_type == "markdown" else None
            if nxt_level is not None and nxt_level <= level:
                break
            if (nxt.cell_type == "markdown" and nxt.source.strip()) or _has_output(nxt):
                shown = True
                break
        if shown:
            keep.append(cell)
        elif id(cell) in moved:
            keep += [cell, nbformat.v4.new_markdown_cell(pointer)]
    return keep


PAGE_NUMBER, TOTAL_PAGES = "\x00page\x00", "\x00pages\x00"      # where Chromium's page counters go


def labels(lang: str) -> dict:
    """The title block's, page header's and footer's words, in the note's language (rendered strings)."""
    with speaking(lang):
        return {k: str(v) for k, v in {
            "question": tr("The question"), "run": tr("Run"), "as_of": tr("Data as of"),
            "paramset": tr("Parameter set"), "source": tr("Source"), "status": tr("Status"),
            "behind": tr("Behind schedule"), "run_id": tr("run"), "colon": tr(": "), "sep": tr("; "),
            "page_of": tr("page {page} of {pages}", page=PAGE_NUMBER, pages=TOTAL_PAGES)}.items()}


def as_of_text(as_of: str, data_end: str | None, lang: str) -> str:
    """What the title block and the page header say after "Data as of": the as-of date, or for the latest data
    the date of the newest observation (31 Aug 2026 / 2026年8月21日（最新一期数据）)."""
    with speaking(lang):
        if as_of != "latest":
            return str(fmt.date(as_of))
        if not data_end:
            return str(tr("latest"))
        return str(tr("latest (newest observation {date})", date=fmt.date(data_end)))


def run_date_text(run_date: str, lang: str) -> str:
    """The run's date and time (UTC) in the note's language: 2026-11-29 14:19 UTC / 2026年11月29日 14:19（UTC）."""
    import pandas as pd

    try:
        when = pd.Timestamp(run_date.replace(" UTC", ""))
    except (ValueError, AttributeError):
        return run_date
    with speaking(lang):
        return str(tr("{date} {time} UTC", date=fmt.date(when), time=f"{when:%H:%M}"))


def to_html(nb, note: dict, show_code: bool = False, lang: str = "en") -> str:
    info = note_info(nb, lang)
    note = {**info, **note, "labels": labels(lang), "lang": lang, "fonts": FONT_STACK, "mono": MONO_STACK}
    if "run_date" in note:
        note["run_date_text"] = run_date_text(note["run_date"], lang)
    from nbconvert import HTMLExporter   # here, not at import: planning a run needs find_browser only

    exporter = HTMLExporter(template_name="liquidity_note", extra_template_basedirs=[str(TEMPLATES)],
                            language_code=HTML_LANG.get(lang, lang),
                            exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    resources = {"note": note, "metadata": {"name": note.get("title", "")}}
    body, _ = exporter.from_notebook_node(reader_order(nb, lang), resources=resources)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")       # parsed once for every pass below
    return str(typeset(keep_headings_with_content(soup), lang))


def keep_headings_with_content(page):
    """Wrap each heading-only Markdown cell with the cell after it, so that a page never ends with a heading (a
    string gives a string; a soup is changed in place and returned)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser") if isinstance(page, str) else page
    for cell in soup.select("div.jp-MarkdownCell"):
        rendered = cell.select_one(".jp-RenderedMarkdown")
        if rendered is None:
            continue
        blocks = [c for c in rendered.children if getattr(c, "name", None)]
        if not blocks or not all(re.fullmatch(r"h[1-6]", b.name) for b in blocks):
            continue
        nxt = cell.find_next_sibling("div")
        if nxt is None:
            continue
        wrapper = soup.new_tag("div", attrs={"class": "keep-with-next"})
        cell.insert_before(wrapper)
        wrapper.append(cell.extract())
        wrapper.append(nxt.extract())
    return str(soup) if isinstance(page, str) else soup


def write_html(nb_path: Path, html_path: Path, note: dict, show_code: bool = False, lang: str = "en") -> dict:
    """Write the HTML note; returns the note information (title, header, findings) the PDF and manifest use."""
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    atomic.write_text(html_path, to_html(nb, note, show_code=show_code, lang=lang))
    return note_info(nb, lang)


# -- PDF --------------------------------------------------------------------------------------------------------------
class BrowserMissing(LiquidityError):
    pass


class FontMissing(LiquidityError):
    pass


@lru_cache(maxsize=1)
def cjk_font_installed() -> bool:
    """Whether fontconfig knows the CJK font of the Chinese notes (typography.CJK_FONT)."""
    from .typography import CJK_FONT

    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return CJK_FONT in out


FONT_HELP = ("Chinese PDF notes need the font WenQuanYi Zen Hei (TrueType outlines, embedded as a named CID font): "
             "`make system-deps`, or `sudo apt-get install fonts-wqy-zenhei`; or leave pdf out of --formats")


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def find_browser() -> str | None:
    """A Chromium or Chrome executable: LIQUIDITY_CHROMIUM, then the system's, then Playwright's own download."""
    env = os.environ.get("LIQUIDITY_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
            return path if path and Path(path).is_file() else None
    except Exception:
        return None


BROWSER_HELP = ("PDF notes need Chromium or Chrome: install it (Debian/Ubuntu: `sudo apt-get install chromium "
                "fonts-wqy-zenhei`), or set LIQUIDITY_CHROMIUM=/path/to/chrome, or run `playwright install chromium` "
                "where downloads are allowed; or leave pdf out of --formats")


def launch_browser(playwright):
    exe = find_browser()
    if not exe:
        raise BrowserMissing(BROWSER_HELP)
    return playwright.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)


def _offline(page) -> None:
    """Block every request that is not the note itself: the PDF must not depend on the network."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "about:"))
               else route.abort())


class PdfPrinter:
    """One headless Chromium for every PDF of a run (`with PdfPrinter() as printer: printer.print(...)`)."""

    def __init__(self, page_size: str = "A4"):
        if page_size not in PAGE_SIZES:
            raise LiquidityError(f"page size {page_size!r} not supported; choose {' or '.join(PAGE_SIZES)}")
        self.page_size = page_size
        self._pw = self._browser = None

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = launch_browser(self._pw)
        except BaseException:
            self._pw.stop()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self._browser.close()
        finally:
            self._pw.stop()

    def print(self, html_path: Path, pdf_path: Path, title: str, as_of: str, run_id: str = "",
              lang: str = "en") -> None:
        """Print the HTML note: header with the title and "data as of", footer with page x of y and the run id."""
        if lang == "zh" and not cjk_font_installed():
            raise FontMissing(FONT_HELP)      # else Chromium falls back to any CJK font: Type 3 glyphs, 10x the size
        page = self._browser.new_page()
        try:
            _offline(page)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            header, footer = page_templates(title, as_of, run_id, lang)
            tmp = Path(pdf_path).with_name(f".{Path(pdf_path).name}.tmp")
            page.pdf(path=str(tmp), format=self.page_size, print_background=True, display_header_footer=True,
                     header_template=header, footer_template=footer, prefer_css_page_size=False,
                     margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
            os.replace(tmp, pdf_path)
        finally:
            page.close()


def page_templates(title: str, as_of: str, run_id: str, lang: str) -> tuple[str, str]:
    """Chromium's page header (the title, and "data as of") and footer (page x of y, the run id), in the note's
    language: "page 2 of 9 · run 2026…" / "第2页，共9页 · 运行编号：2026…"."""
    lab = labels(lang)
    style = (f"font-size:8px;width:100%;padding:0 12mm;color:#555;display:flex;justify-content:space-between;"
             f"font-family:{FONT_STACK.replace(chr(34), chr(39))}")
    gap = "" if lang == "zh" else " "              # 数据截至2026年8月21日 / Data as of 21 Aug 2026
    page_of = _esc(lab["page_of"]).replace(PAGE_NUMBER, '<span class="pageNumber"></span>') \
        .replace(TOTAL_PAGES, '<span class="totalPages"></span>')
    header = (f'<div style="{style}"><span>{_esc(title)}</span>'
              f'<span>{_esc(lab["as_of"])}{gap}{_esc(as_of)}</span></div>')
    footer = (f'<div style="{style}"><span>{page_of}</span>'
              f'<span>{_esc(lab["run_id"])}{_esc(lab["colon"])}{_esc(run_id)}</span></div>')
    return header, footer


def html_to_pdf(html_path: Path, pdf_path: Path, title: str, as_of: str, page_size: str = "A4", run_id: str = "",
                lang: str = "en") -> None:
    """One PDF with its own browser (a run uses PdfPrinter for all of its PDFs)."""
    with PdfPrinter(page_size) as printer:
        printer.print(html_path, pdf_path, title, as_of, run_id=run_id, lang=lang)


def _esc(text: str) -> str:
    return html.escape(str(text))

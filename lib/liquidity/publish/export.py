"""Exports of an executed notebook: self-contained HTML (nbconvert) and a PDF research note (headless Chromium)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from ..core import atomic
from ..core.errors import LiquidityError

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZES = ("A4", "Letter")


def note_title(nb) -> str:
    """The first markdown heading of the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Liquidity research note"


def to_html(nb, note: dict, show_code: bool = False) -> str:
    exporter = HTMLExporter(template_name="liquidity_note", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    resources = {"note": note, "metadata": {"name": note.get("title", "")}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def write_html(nb_path: Path, html_path: Path, note: dict, show_code: bool = False) -> None:
    nb = nbformat.read(str(nb_path), as_version=4)
    note = {"title": note_title(nb), **note}
    atomic.write_text(html_path, to_html(nb, note, show_code=show_code))


class BrowserMissing(LiquidityError):
    pass


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
                "fonts-noto-cjk`), or set LIQUIDITY_CHROMIUM=/path/to/chrome, or run `playwright install chromium` "
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


def html_to_pdf(html_path: Path, pdf_path: Path, title: str, as_of: str, page_size: str = "A4",
                browser=None) -> None:
    """Print the HTML note to PDF with a header (title, data as-of) and page numbers in the footer."""
    if page_size not in PAGE_SIZES:
        raise LiquidityError(f"page size {page_size!r} not supported; choose {' or '.join(PAGE_SIZES)}")
    from playwright.sync_api import sync_playwright

    def _print(b):
        page = b.new_page()
        _offline(page)
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        header = (f'<div style="font-size:8px;width:100%;padding:0 12mm;color:#555;display:flex;'
                  f'justify-content:space-between"><span>{_esc(title)}</span><span>data as of {_esc(as_of)}</span></div>')
        footer = ('<div style="font-size:8px;width:100%;text-align:center;color:#555">page '
                  '<span class="pageNumber"></span> of <span class="totalPages"></span></div>')
        tmp = Path(pdf_path).with_name(f".{Path(pdf_path).name}.tmp")
        page.pdf(path=str(tmp), format=page_size, print_background=True, display_header_footer=True,
                 header_template=header, footer_template=footer,
                 margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
        page.close()
        os.replace(tmp, pdf_path)

    if browser is not None:
        _print(browser)
        return
    with sync_playwright() as p:
        b = launch_browser(p)
        try:
            _print(b)
        finally:
            b.close()


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))

"""The Chinese edition a Chinese research desk would publish (issue 26): real fonts and a size near the English PDF,
full-width punctuation, no 746.0亿美元, 第N页，共M页, the glossary's full name with its abbreviation at first use
and the abbreviation afterwards, years on every multi-year time axis (both languages), amount axes in the unit of
the prose (both languages), and the claims check in Chinese. The first part checks the mechanisms on small inputs;
the second part reads the published notes (the shared `published` run)."""
from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from liquidity.publish import charts, export, typography
from liquidity.publish.i18n import catalog, fmt, glossary, realize, set_language, tr

ROOT = Path(__file__).resolve().parents[1]
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
CJK = HAN + "\u3000-\u303f\uff00-\uffef"
ASCII_BETWEEN_CJK = re.compile(f"[{CJK}][,;()][{CJK}]")
TRAILING_ZERO = re.compile(r"\d\.0+(?:亿|万亿)")
FOOTER = re.compile(r"第(\d+)页，共(\d+)页")
SERIES_IDS = re.compile(r"[A-Z][A-Z0-9_]*(?:, [A-Z][A-Z0-9_]*)*")


@pytest.fixture
def zh():
    set_language("zh")
    yield
    set_language("en")


# -- numbers and dates -------------------------------------------------------------------------------------------------
def test_chinese_amounts_have_no_trailing_zero_and_use_the_market_units(zh):
    assert fmt.bn(74.6, digits=2) == "746亿美元"              # not 746.0亿美元
    assert fmt.bn(50.35, digits=2) == "503.5亿美元"
    assert fmt.bn(3000) == "3万亿美元" and fmt.bn(2900) == "2.9万亿美元" and fmt.bn(2850.3) == "2.85万亿美元"
    assert fmt.bn(-81.7) == "-817亿美元" and fmt.bn(589.4, sign=True) == "+5894亿美元"
    assert fmt.bn(0.005) == "500万美元" and fmt.bn(0.05) == "5000万美元"   # under 1亿: 万美元
    for x in (0.01, 0.5, 1, 9.99, 10, 99.9, 100, 999.95, 1000, 1234.5, 10000):
        assert not TRAILING_ZERO.search(fmt.bn(x, digits=2)) and not TRAILING_ZERO.search(fmt.bn(x)), x


def test_quarters_and_dates_in_each_language():
    assert fmt.quarter(pd.Period("2026Q3")) == "2026Q3" and fmt.quarter("2025-11-12") == "2025Q4"
    assert fmt.bn(3000) == "$3.00tn" and fmt.bn(0.005) == "$5m"
    set_language("zh")
    try:
        assert fmt.quarter(pd.Period("2026Q3")) == "2026年第三季度" and fmt.quarter("2025-02-01") == "2025年第一季度"
        assert fmt.date("2025-10-31") == "2025年10月31日" and fmt.month("2025-10-31") == "2025年10月"
    finally:
        set_language("en")


# -- the typesetting passes of a Chinese note --------------------------------------------------------------------------
PAGE = ('<html><body><header class="note-header"><h1>TGA抽水</h1><div class="note-question"><p>TGA的回补有多少来自'
        '准备金？</p></div><dl class="note-run"><dd>运行编号：SRF</dd></dl>'
        '<div class="note-banner">SOFR：滞后66个工作日'
        '</div></header><p>数据截至 <strong>2025年10月31日</strong> 。TGA周三时点值 2026年7月15日; TGA日终余额 (每日'
        '国库报表) 2026年6月23日。</p><table><tr><td>SOFR, IORB</td><td>1.36 (p = 0.08)</td><td>SOFR - IORB利差为 '
        '<b>-2.1个基点</b> .</td></tr></table><p>IORB（2021年7月29日之前为IOER）；SRF（全部抵押品）；财政部一般账户。'
        '</p><svg><text>SOFR</text></svg></body></html>')


def test_first_mention_gives_the_full_name_once_in_reader_order():
    page = typography.typeset(PAGE, "zh")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.h1.get_text() == "TGA抽水"                                       # headings as written
    assert "财政部一般账户（TGA）的回补" in soup.select_one(".note-question").get_text()
    assert soup.select_one(".note-banner").get_text().startswith("SOFR：")       # status lines as written
    assert soup.select_one(".note-run").get_text() == "运行编号：SRF"
    assert soup.td.get_text() == "SOFR, IORB"                                   # a list of series ids as written
    cell = soup.select("td")[2].get_text()
    assert cell.startswith("有担保隔夜融资利率（SOFR） - 准备金余额利率（IORB）利差为-2.1个基点")   # a formula's spaces
    text = soup.select("p")[-1].get_text()
    assert "IORB（2021年7月29日之前为超额准备金利率（IOER））" in text
    assert "常备回购便利（SRF，全部抵押品）" in text                              # merged, never （SRF）（…）
    assert text.endswith("；财政部一般账户。")          # later text as written: the catalog writes TGA (test_i18n)
    assert soup.svg.get_text() == "SOFR"                                         # charts as drawn


def test_chinese_punctuation_and_spacing_are_set_per_block():
    soup = BeautifulSoup(typography.typeset(PAGE, "zh"), "html.parser")
    first = soup.select("p")[1].get_text()
    assert first == "数据截至2025年10月31日。TGA周三时点值2026年7月15日；TGA日终余额（每日国库报表）2026年6月23日。"
    assert soup.select("td")[1].get_text() == "1.36 (p = 0.08)"                 # Latin content, own cell
    assert soup.select("td")[2].get_text().endswith("利差为-2.1个基点。")
    assert typography.typeset(PAGE, "en") == PAGE                                # English untouched


def test_every_chinese_message_renders_its_bold_whatever_the_value():
    """CommonMark does not bold **…** that ends in punctuation before a Chinese character (**9.21%**处); the
    catalog puts spaces around bold placeholders and the typesetting pass removes them."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune as markdown

    broken = []
    for msgid, text in catalog("zh").items():
        if "**" in text:
            for sample in ("9.21%", "-2.85万亿美元", "+18个基点", "2025年10月31日"):
                if "**" in markdown(re.sub(r"\{\w+\}", sample, text)):
                    broken.append(text)
                    break
    assert broken == []


def test_chinese_twins_are_one_line_per_paragraph_and_name_no_parameter():
    """A line break inside a Chinese paragraph prints as a stray space; a parameter name is no reader's word."""
    problems = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if (cell["metadata"].get("liquidity") or {}).get("lang") != "zh":
                continue
            text = "".join(cell["source"])
            problems += [(nb.stem, m.group(0)) for m in re.finditer(f"[{CJK}]\n[{CJK}]", text)]
            problems += [(nb.stem, m.group(0)) for m in re.finditer(r"`[^`]+`|[a-z]+_[a-z_]+", text)]
            problems += [(nb.stem, m.group(0)) for m in ASCII_BETWEEN_CJK.finditer(text)]
    assert problems == []


def test_the_style_guide_states_the_house_words():
    style = (ROOT / "lib" / "liquidity" / "publish" / "locale" / "STYLE.zh.md").read_text(encoding="utf-8")
    for word in ("模型", "拐点", "检验", "假设", "事后", "亿美元", "万亿美元", "2026年第三季度", "2025年10月31日",
                 "第1页，共9页", "全角", "首次出现"):
        assert word in style, word
    terms = {t["concept"]: t for t in glossary()}
    assert all(terms[k].get("abbr") == k for k in ("TGA", "SOFR", "SRF", "IORB", "QT", "RMP", "MBS"))


# -- chart axes --------------------------------------------------------------------------------------------------------
def _axis_labels(svg: str) -> dict[str, list[str]]:
    """Tick labels of each axis of an SVG chart, by the axis's ARIA description (Vega writes 'X-axis titled ...
    for a time scale ...')."""
    soup = BeautifulSoup(svg, "html.parser")
    out = {}
    for axis in soup.select("g.role-axis"):
        label = axis.get("aria-label") or ""
        out[label] = [t.get_text() for t in axis.select("g.role-axis-label text")]
    return out


def _chart(start, end, values=(0.0, 1.0), title="Billions of USD"):
    dates = pd.date_range(start, end, periods=40)
    frame = pd.DataFrame({"date": dates, "value": pd.Series(values).reindex(range(40)).interpolate().to_numpy(),
                          "series": "a"})
    return charts.lines(frame, tr(title), "t", "s").to_dict()


@pytest.mark.parametrize("start,end,en,zh", [
    ("2019-01-01", "2026-07-15", r"^\d{4}$", r"^\d{4}年$"),
    ("2024-03-01", "2025-11-30", r"^[A-Z][a-z]{2} \d{4}$", r"^\d{4}年\d{1,2}月$"),
    ("2025-11-01", "2026-01-20", r"^\d{1,2} [A-Z][a-z]{2} \d{4}$", r"^\d{4}年\d{1,2}月\d{1,2}日$"),
    ("2025-06-25", "2025-11-12", r"^[A-Z][a-z]{2}$", r"^\d{1,2}月$"),
    ("2025-10-01", "2025-11-15", r"^\d{1,2} [A-Z][a-z]{2}$", r"^\d{1,2}月\d{1,2}日$"),
])
def test_time_axes_carry_the_year_whenever_they_span_years(start, end, en, zh):
    spec = _chart(start, end)
    for lang, pattern in (("en", en), ("zh", zh)):
        axes = _axis_labels(charts.svg(realize(spec, lang), lang))
        labels = next(v for k, v in axes.items() if "time scale" in k)
        assert len(labels) >= 3 and all(re.match(pattern, x) for x in labels), (lang, labels)


@pytest.mark.parametrize("top,en_title,zh_title,factor", [
    (2900.0, "Trillions of USD", "万亿美元", 1e-3), (150.0, "Billions of USD", "亿美元", 10.0)])
def test_amount_axes_are_drawn_in_the_unit_of_the_prose(top, en_title, zh_title, factor):
    spec = _chart("2025-01-01", "2025-12-31", values=(0.0, top))
    for lang, title, scale in (("en", en_title, factor if factor < 1 else 1.0), ("zh", zh_title, factor)):
        axes = _axis_labels(charts.svg(realize(spec, lang), lang))
        key, labels = next((k, v) for k, v in axes.items() if "linear scale" in k)
        assert f"titled '{title}'" in key, (lang, key)
        shown = max(abs(float(x.replace(",", "").replace("−", "-"))) for x in labels)
        assert top * scale * 0.5 <= shown <= top * scale * 1.5, (lang, labels)


# -- claims ------------------------------------------------------------------------------------------------------------
# -- page header, footer and title block -------------------------------------------------------------------------------
def test_footer_header_and_title_block_read_as_chinese():
    header, footer = export.page_templates("TGA抽水", "2026年8月21日（最新一期数据）", "RUN-1", "zh")
    assert '第<span class="pageNumber"></span>页，共<span class="totalPages"></span>页' in footer
    assert "运行编号：RUN-1" in footer and "数据截至2026年8月21日（最新一期数据）" in header
    header_en, footer_en = export.page_templates("TGA drain", "21 Aug 2026", "RUN-1", "en")
    assert 'page <span class="pageNumber"></span> of <span class="totalPages"></span>' in footer_en
    assert export.as_of_text("latest", "2026-08-21", "zh") == "2026年8月21日（最新一期数据）"
    assert export.as_of_text("2025-11-17", None, "zh") == "2025年11月17日"
    assert export.as_of_text("latest", "2026-08-21", "en") == "latest (newest observation 21 Aug 2026)"
    assert export.run_date_text("2026-11-29 14:40 UTC", "zh") == "2026年11月29日\u00a014:40（UTC）"


# -- the published notes -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _pdf_text(path, mode="-raw") -> str:
    return subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _zh_notes(published):
    for task in published.notes("zh"):
        yield task, published.path(task["notebook"], task["paramset"], "zh", "pdf")


@pytest.mark.notebook
def test_chinese_pdfs_embed_a_named_cjk_font_and_stay_near_the_english_size(published):
    ratios = {}
    for task, pdf in _zh_notes(published):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Type 3" not in fonts, (pdf, fonts)
        assert re.search(r"\+WenQuanYiZenHei\s+CID TrueType\s+Identity-H\s+yes\s+yes", fonts), (pdf, fonts)
        english = published.path(task["notebook"], task["paramset"], "en", "pdf")
        ratios[pdf.name] = pdf.stat().st_size / english.stat().st_size
        assert ratios[pdf.name] <= 2.5, (pdf, ratios[pdf.name])


@pytest.mark.notebook
def test_chinese_text_has_fullwidth_punctuation_and_no_trailing_zero(published):
    for task, pdf in _zh_notes(published):
        flat = re.sub(r"\s+", "", _pdf_text(pdf))
        assert not ASCII_BETWEEN_CJK.findall(flat), (pdf, ASCII_BETWEEN_CJK.findall(flat)[:5])
        assert not TRAILING_ZERO.findall(flat), (pdf, TRAILING_ZERO.findall(flat)[:5])
        assert not re.findall(r"\d{4}Q[1-4]", flat), pdf                           # 2026年第三季度, not 2026Q3
        html = BeautifulSoup(published.path(task["notebook"], task["paramset"], "zh", "html").read_text(),
                             "html.parser")
        for el in html.select("svg, style, script"):
            el.extract()
        for node in html.find_all(string=True):
            assert not re.search(f"[{HAN}][ \t\n]+[{HAN}]", str(node)), (pdf, str(node)[:80])   # no stray space
            assert "**" not in str(node), (pdf, str(node)[:80])                 # no Markdown left unrendered


@pytest.mark.notebook
def test_every_page_of_a_chinese_note_has_its_footer(published):
    for task, pdf in _zh_notes(published):
        pages = _pdf_text(pdf, "-layout").split("\f")
        pages = [p for p in pages if p.strip()]
        for n, page in enumerate(pages, start=1):
            last = [line for line in page.splitlines() if line.strip()][-1]
            m = FOOTER.search(last)
            assert m and (int(m.group(1)), int(m.group(2))) == (n, len(pages)), (pdf, n, last)
            assert re.search(r"运行编号：\S+$", last.strip()), (pdf, n, last)


def _reader_text(html_path) -> str:
    """A note's prose in reader order, as the first-mention rule reads it (an independent reading of the HTML):
    without headings, charts, code, the title block's run details and status banner, and cells listing series ids."""
    soup = BeautifulSoup(html_path.read_text(), "html.parser")
    for el in soup.select("h1, h2, h3, h4, h5, h6, svg, pre, code, script, style, title, .note-banner, .note-run"):
        el.extract()
    return "".join(t for t in soup.find_all(string=True) if not SERIES_IDS.fullmatch(t.strip()))


@pytest.mark.notebook
def test_glossary_terms_are_introduced_once_then_abbreviated(published):
    terms = [t for t in glossary() if t.get("abbr")]
    for task, _ in _zh_notes(published):
        html = published.path(task["notebook"], task["paramset"], "zh", "html")
        text = _reader_text(html)
        pdf_text = re.sub(r"\s+", "", _pdf_text(published.path(task["notebook"], task["paramset"], "zh", "pdf")))
        for t in terms:
            full, abbr, short = t["zh"], t["abbr"], t.get("short", t["abbr"])
            short_re = (rf"(?<![A-Za-z0-9_]){re.escape(short)}(?![A-Za-z0-9_])" if short.isascii() else
                        re.escape(short))
            first_form = re.compile(f"{re.escape(full)}[（，]{re.escape(abbr)}(?=[）)，])")
            hits = list(re.finditer(f"{re.escape(full)}|{short_re}", text))
            if not hits:
                continue
            assert first_form.match(text, hits[0].start()), (html.name, t["concept"], text[hits[0].start():][:40])
            later_full = [m for m in hits[1:] if short != full and m.group(0) == full]
            assert not later_full and len(first_form.findall(text)) == 1, (html.name, t["concept"])
            printed = f"{re.escape(full)}[（，]{re.escape(abbr.replace(' ', ''))}"
            assert re.search(printed, pdf_text), (html.name, t["concept"])         # printed as well


def _svgs(published, lang):
    for task in published.notes(lang):
        html = BeautifulSoup(published.path(task["notebook"], task["paramset"], lang, "html").read_text(),
                             "html.parser")
        for svg in html.select(".jp-RenderedSVG svg"):
            yield task, svg


YEARLESS = {"en": re.compile(r"^(?:(\d{1,2}) )?([A-Z][a-z]{2})$"), "zh": re.compile(r"^(\d{1,2})月(?:(\d{1,2})日)?$")}
DATED = {"en": re.compile(r"^(?:\d{1,2} )?(?:[A-Z][a-z]{2} )?\d{4}$"),
         "zh": re.compile(r"^\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?$")}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_time_axis_is_dated_and_multi_year_axes_show_years(published, lang):
    """Each label of a time axis is a date in the note's language (no 七月 06, no April/October without a year);
    labels without a year are allowed only on an axis inside one calendar year, which the labels show by running
    forward without wrapping (Apr, Oct, Apr would be two years)."""
    seen = 0
    for task, svg in _svgs(published, lang):
        for axis, labels in _axis_labels(str(svg)).items():
            if "time scale" not in axis or not labels:
                continue
            seen += 1
            where = (task["notebook"], task["paramset"], labels)
            yearless = [YEARLESS[lang].match(x) for x in labels]
            if all(DATED[lang].match(x) for x in labels):
                continue
            assert all(yearless), where
            order = [((MONTHS.index(m.group(2)) + 1) if lang == "en" else int(m.group(1)),
                      int((m.group(1) if lang == "en" else m.group(2)) or 0)) for m in yearless]
            assert order == sorted(order) and len(set(order)) == len(order), where
    assert seen >= 20


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_amount_axes_use_the_unit_of_the_prose(published, lang):
    """Amounts on chart axes are in the unit the note's prose uses: 亿美元 or 万亿美元 in Chinese (never 十亿美元),
    billions or trillions in English; tick labels agree with the data's size in that unit, and an amount written on
    the chart (a threshold label) names the axis's unit."""
    seen = 0
    units = {"zh": [("万亿美元", 1e-3), ("亿美元", 10.0)], "en": [("Trillions of USD", 1e-3), ("Billions of USD", 1.0)]}
    for task, svg in _svgs(published, lang):
        text = svg.get_text(" ")
        if lang == "zh":
            assert not re.search(r"(?<![几数])十亿美元", text), (task["notebook"], task["paramset"])
        for axis, labels in _axis_labels(str(svg)).items():
            m = re.match(r"Y-axis titled '([^']*)' for a linear scale with values from (\S+) to (\S+)", axis)
            if not m or not labels:
                continue
            found = next(((u, f) for u, f in units[lang] if u in m.group(1)), None)
            if found is None:
                continue
            seen += 1
            unit, factor = found
            raw = max(abs(float(v.replace(",", "").replace("−", "-"))) for v in m.group(2, 3))
            shown = max(abs(float(x.replace(",", "").replace("−", "-"))) for x in labels)
            assert raw * factor * 0.4 <= shown <= raw * factor * 2.5 + 1e-9, (task["notebook"], axis, labels)
            marks = " ".join(t.get_text() for t in svg.select("g.role-mark text"))
            if lang == "zh":
                other = "万亿美元" if unit == "亿美元" else None
                assert other is None or other not in marks, (task["notebook"], unit, marks[:80])
            elif unit == "Billions of USD":
                assert not re.search(r"\$\d[\d.]*tn", marks), (task["notebook"], unit, marks[:80])
    assert seen >= 10


@pytest.mark.notebook
def test_the_claims_check_note_is_entirely_chinese_with_units(published):
    text = re.sub(r"\s+", "", _pdf_text(published.path("claims_check", "default", "zh", "pdf")))
    assert "“10月31日银行以国债为抵押从SRF借入500亿美元”" in text
    assert "RPONTSYD为294亿美元" in text and "503.5亿美元" in text and "容差5亿美元" in text
    assert "min" not in text and "（value）" not in text and "Claim" not in text
    shared = re.sub(r"\s+", "", _pdf_text(published.path("claims_check", "shared_example", "zh", "pdf")))
    assert "2019年9月17日SOFR报5.25%" in shared and "隔夜逆回购余额峰值超过3万亿美元" in shared
    english = re.sub(r"\s+", "", _pdf_text(published.path("claims_check", "default", "en", "pdf")))
    assert "$29.4bn" in english and "SOFRprinted4.22%on31October2025" in english

"""Typesetting of the notes: one font stack, and the two passes a Chinese note's HTML gets before it is published.

- FONT_STACK: Latin text and digits in DejaVu Sans, Chinese in WenQuanYi Zen Hei. Zen Hei has TrueType outlines, so
  Chromium embeds it in a PDF as a named CID font subset (`WenQuanYiZenHei CID TrueType` in pdffonts); Noto Sans CJK
  has CFF outlines in a .ttc collection, which Chromium embeds as hundreds of unnamed Type 3 fonts and a Chinese PDF
  ten times the size of its English twin. Pages, charts, page header and footer all use this stack
  (tools/system-deps.sh installs the font).
- first_mentions(html): the first mention of a glossary term in a Chinese note gives the full name with its
  abbreviation, 财政部一般账户（TGA）, and every later one the short form (TGA), as Chinese market notes do. The
  catalog and the Markdown twins write the short form only; this pass, over the note in reader order (title block,
  findings, sections, appendix), writes out the first one. Headings, charts and code are left as written: a title
  or an axis may use the abbreviation.
- close_cjk_spaces(html): no whitespace next to a Chinese character or full-width punctuation mark. A line break
  inside a Markdown paragraph or a space before bold text is rendered by Chromium as a space, which Chinese
  typesetting never has (CSS Text 3 says the same, Chromium does not implement it).
"""
from __future__ import annotations

import re
from functools import lru_cache

from .i18n import glossary

FONT_STACK = '"DejaVu Sans", "WenQuanYi Zen Hei", sans-serif'
MONO_STACK = '"DejaVu Sans Mono", "WenQuanYi Zen Hei Mono", monospace'
CJK_FONT = "WenQuanYi Zen Hei"          # the family fc-list must show (tools/system-deps.sh)

# Chinese characters, CJK and full-width punctuation, and the curly quotes Chinese text uses
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2018\u2019\u201c\u201d\u2026\u2014"
CJK_CHAR = re.compile(f"[{CJK}]")
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
STATUS_CLASSES = ("note-banner", "note-run")      # the title block's status lines (export template)
SERIES_IDS = re.compile(r"[A-Z][A-Z0-9_]*(?:, [A-Z][A-Z0-9_]*)*")    # a cell listing series ids (SOFR, IORB)
KEEP_SPACE = set("-–—=+<>/|~≈")       # a space around a dash or an operator stays
SKIPPED = ("h1", "h2", "h3", "h4", "h5", "h6", "svg", "pre", "code", "script", "style", "title", "head")


def _latin_bounded(word: str) -> str:
    """A Latin abbreviation as a word: TGA, not the TGA in WDTGAL or TGA_DAILY; SOFR, not SOFR99."""
    return rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])"


@lru_cache(maxsize=1)
def abbreviated_terms() -> list[dict]:
    """The glossary terms a note introduces at first mention: full name, abbreviation, short form, and the patterns
    of the first-mention form, of the full name and of the short form."""
    out = []
    for t in glossary():
        if not t.get("abbr"):
            continue
        full, abbr = t["zh"], t["abbr"]
        short = t.get("short", abbr)
        first = f"{full}（{abbr}）"
        short_re = _latin_bounded(short) if re.fullmatch(r"[A-Za-z0-9 ]+", short) else re.escape(short)
        out.append({"concept": t["concept"], "full": full, "abbr": abbr, "short": short, "first": first,
                    "first_form": re.compile(f"{re.escape(full)}[（，]{re.escape(abbr)}(?=[）)，])"),
                    "short_re": re.compile(short_re),
                    "any_re": re.compile(f"{re.escape(first)}|{re.escape(full)}|{short_re}")})
    return out


def _text_nodes(soup, skip_classes: tuple[str, ...] = ()):
    """The visible text nodes of a page in document order, outside headings, charts and code (and outside elements
    of the classes given)."""
    from bs4 import Comment, NavigableString

    out = []
    for node in soup.find_all(string=True):
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        parents = [p for p in node.parents if getattr(p, "name", None)]
        if any(p.name in SKIPPED for p in parents):
            continue
        if skip_classes and any(set(p.get("class") or ()) & set(skip_classes) for p in parents):
            continue
        out.append(node)
    return out


def prose_nodes(soup):
    """The text nodes the first-mention rule reads, in reader order: the question, findings, sections, tables and
    appendix. Not headings, charts or code, and not the title block's run details and data-status banner (labels
    and status lines, like the page header), nor cells that list series ids (SOFR, IOER, IORB)."""
    return [n for n in _text_nodes(soup, STATUS_CLASSES) if not SERIES_IDS.fullmatch(str(n).strip())]


def _soup(page):
    """The page as a soup: parsed here from a string, or the soup a caller parsed once for all its passes."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(page, "html.parser") if isinstance(page, str) else page


def _same_kind(page, soup):
    """What a pass returns: a string for a string, the (changed) soup for a soup."""
    return str(soup) if isinstance(page, str) else soup


def first_mentions(page: str) -> str:
    """The note with the first mention of each abbreviated glossary term written out in full (see the module)."""
    from bs4 import NavigableString

    soup = _soup(page)
    nodes = prose_nodes(soup)
    for term in abbreviated_terms():
        for i, node in enumerate(nodes):
            m = term["any_re"].search(str(node))
            if not m:
                continue
            text = str(node)
            if m.group(0) != term["first"]:
                rest = text[m.end():]
                if m.group(0) == term["full"] and rest.startswith(f"（{term['abbr']}）"):
                    break
                enclosed = text[m.start() - 1:m.start()] in ("（", "(") and rest[:1] in ("）", ")")
                if enclosed:                            # (SOFR) -> （有担保隔夜融资利率，SOFR）, never （（ ））
                    first = f"{term['full']}，{term['abbr']}"
                elif rest[:1] in ("（", "("):           # TGA（周均值） -> 财政部一般账户（TGA，周均值）
                    first, rest = f"{term['full']}（{term['abbr']}，", rest[1:]
                else:
                    first = term["first"]
                text = text[:m.start()] + first + rest
                new = NavigableString(text)
                node.replace_with(new)
                nodes[i] = new
            break
    return _same_kind(page, soup)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and bool(CJK_CHAR.match(ch))


BLOCKS = {"p", "li", "td", "th", "dd", "dt", "div", "caption", "header", "blockquote", "ul", "ol", "table", "tr",
          "body", "section", "figure"}


def _blocks(soup):
    """The visible text nodes grouped by the block they sit in (a paragraph, a list item, a table cell), in order:
    punctuation and spacing look at neighbours inside a block, never across two table cells."""
    groups: list[tuple[object, list]] = []
    for node in _text_nodes(soup):
        block = next((p for p in node.parents if getattr(p, "name", None) in BLOCKS), None)
        if groups and groups[-1][0] is block:
            groups[-1][1].append(node)
        else:
            groups.append((block, [node]))
    return [nodes for _, nodes in groups]


def _rewrite(nodes, texts, new_texts) -> None:
    from bs4 import NavigableString

    for node, old, new in zip(nodes, texts, new_texts):
        if new != old:
            node.replace_with(NavigableString(new))


def close_cjk_spaces(page: str) -> str:
    """The note with every whitespace run next to a Chinese character or full-width mark removed, across inline
    elements too (截至 **2025年10月31日** -> 截至**2025年10月31日**, 变为 -2.1个基点 -> 变为-2.1个基点). Whitespace
    between Latin words or digits stays, and so does the space around a dash or an operator
    (2025年6月25日 – 2025年11月12日, 准备金变化 = 美联储总资产变化 - TGA变化)."""
    soup = _soup(page)
    for nodes in _blocks(soup):
        texts = [str(n) for n in nodes]
        flat = "".join(texts)
        before, last = [""] * (len(flat) + 1), ""       # the nearest non-space character before each position
        for k, ch in enumerate(flat):
            before[k] = last
            if not ch.isspace():
                last = ch
        after, nxt = [""] * (len(flat) + 1), ""         # ... and from each position on
        for k in range(len(flat) - 1, -1, -1):
            if not flat[k].isspace():
                nxt = flat[k]
            after[k] = nxt
        offset, new_texts = 0, []
        for text in texts:
            out, k = [], 0
            for m in re.finditer(r"[ \t\r\n]+", text):
                b, a = before[offset + m.start()], after[offset + m.end()]
                sign = a in "-+−" and re.match(r"[-+−]\d", flat[offset + m.end():offset + m.end() + 2])
                drop = b and a and (_is_cjk(b) or _is_cjk(a)) and (sign or not (b in KEEP_SPACE or a in KEEP_SPACE))
                out.extend([text[k:m.start()], "" if drop else m.group(0)])
                k = m.end()
            out.append(text[k:])
            offset += len(text)
            new_texts.append("".join(out))
        _rewrite(nodes, texts, new_texts)
    return _same_kind(page, soup)


FULLWIDTH = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}


def fullwidth_punctuation(page: str) -> str:
    """The note with the ASCII punctuation of Chinese text in its full-width form: a comma, semicolon or colon next
    to a Chinese character (日; TGA -> 日；TGA), a pair of parentheses next to or around Chinese text, and the full
    stop that ends a Chinese sentence (个基点. -> 个基点。). Text joined in code from parts (a list of series with
    their dates) gets the marks of its language; between Latin words and digits (WRESBAL, WALCL; 14:19; (p = 0.08))
    nothing changes. Each paragraph, list item or table cell on its own."""
    soup = _soup(page)
    for nodes in _blocks(soup):
        texts = [str(n) for n in nodes]
        flat = list("".join(texts))
        chinese = bool(HAN.search("".join(flat)))

        def near(k: int, step: int) -> str:
            k += step
            while 0 <= k < len(flat) and flat[k].isspace():
                k += step
            return flat[k] if 0 <= k < len(flat) else ""

        stack = []
        for k, ch in enumerate(flat):
            if ch in ",;:" and (_is_han_or_mark(near(k, -1)) or _is_han_or_mark(near(k, 1))):
                flat[k] = FULLWIDTH[ch]
            elif ch == "." and chinese and near(k, -1) and \
                    (k + 1 == len(flat) or flat[k + 1].isspace()):
                flat[k] = "。"                         # a Chinese sentence ended in code: 个基点. -> 个基点。
            elif ch == "(":
                stack.append(k)
            elif ch == ")" and stack:
                start = stack.pop()
                inside = "".join(flat[start + 1:k])
                if HAN.search(inside) or _is_han_or_mark(near(start, -1)) or _is_han_or_mark(near(k, 1)):
                    flat[start], flat[k] = "（", "）"
        new_texts, offset = [], 0
        for text in texts:
            new_texts.append("".join(flat[offset:offset + len(text)]))
            offset += len(text)
        _rewrite(nodes, texts, new_texts)
    return _same_kind(page, soup)


def _is_han_or_mark(ch: str) -> bool:
    """A Chinese character or a full-width mark, not a curly quote or a dash (those stand in English text too)."""
    return bool(ch) and (bool(HAN.match(ch)) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")


def typeset(page, lang: str):
    """The passes a note of this language gets (none for English), on one parse of the page: a string gives a
    string, a soup the same soup changed."""
    if lang != "zh":
        return page
    soup = close_cjk_spaces(fullwidth_punctuation(first_mentions(_soup(page))))
    return _same_kind(page, soup)

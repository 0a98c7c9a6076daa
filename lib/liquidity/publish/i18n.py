"""The suite's one language mechanism: what a reader sees is English or Chinese, from the same run's numbers.

- `tr(msgid, **values)`: the message in the current language (locale/zh.yaml maps each English message, with its
  {placeholders}, to its Chinese text), formatted with `values`. Numbers go in already formatted by `fmt`.
- `fmt`: amounts, rates, spreads and dates in the reader's conventions ($2.94tn / 2.94万亿美元, 18bp / 18个基点,
  31 Oct 2025 / 2025年10月31日). Notebooks never format by hand.
- Markdown comes in twin cells: the English cell (metadata `liquidity.lang: en`) and right after it its Chinese twin
  (`liquidity.lang: zh`, collapsed in JupyterLab by `jupyter.source_hidden`). Each export keeps the cells of its
  language (`cell_language`).
- locale/glossary.yaml: the one Chinese term for each concept; tests hold the catalog and the notes to it.

The language is set once per run from the notebook's `lang` parameter (`set_language`).
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

LANGS = ("en", "zh")
LOCALE = Path(__file__).parent / "locale"
_state = {"lang": "en"}


def set_language(lang: str) -> str:
    if lang not in LANGS:
        from ..core.errors import InputError

        raise InputError(f"parameter lang={lang!r} is not allowed: choose one of {', '.join(LANGS)}")
    _state["lang"] = lang
    return lang


def language() -> str:
    return _state["lang"]


@contextmanager
def speaking(lang: str):
    """The language set for a block and the previous one restored after it (the exporter and the PDF printer
    serve notes of both languages in one process)."""
    before = _state["lang"]
    set_language(lang)
    try:
        yield lang
    finally:
        _state["lang"] = before


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    return yaml.safe_load((LOCALE / f"{lang}.yaml").read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def glossary() -> list[dict]:
    return yaml.safe_load((LOCALE / "glossary.yaml").read_text(encoding="utf-8"))["terms"]


class MissingTranslation(KeyError):
    pass


def tr(msgid: str, **values) -> str:
    """The message in the current language, with its {placeholders} filled. A message without a translation is an
    error in Chinese runs (tests find them all before a run does)."""
    lang = language()
    template = msgid
    if lang != "en":
        try:
            template = catalog(lang)[msgid]
        except KeyError:
            raise MissingTranslation(f"no {lang} translation for {msgid!r} (add it to {LOCALE / (lang + '.yaml')})") \
                from None
    return template.format(**values) if values else template


def cell_language(cell) -> str | None:
    """The language of a Markdown twin cell (metadata liquidity.lang), or None for a cell every language keeps."""
    return (cell.get("metadata", {}).get("liquidity") or {}).get("lang")


def keeps(cell, lang: str) -> bool:
    """Whether the export in `lang` shows this cell."""
    return cell_language(cell) in (None, lang)


PLACEHOLDER = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


# -- formatting -------------------------------------------------------------------------------------------------------
def _na() -> str:
    """What a missing number reads as."""
    return "n/a" if language() == "en" else "无数据"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (not isinstance(x, str) and pd.isna(x))


class fmt:  # noqa: N801 (used like a module: fmt.bn(...))
    """Numbers and dates in prose and tables, in the current language."""

    @staticmethod
    def bn(x, digits: int | None = None, sign: bool = False) -> str:
        """Billions of USD: 2850.3 -> $2.85tn / 2.85万亿美元; 50.35 (digits=2) -> $50.35bn / 503.5亿美元."""
        if _missing(x):
            return _na()
        x = float(x)
        neg, a = x < 0, abs(x)
        prefix = "-" if neg else ("+" if sign and a > 0 else "")
        if language() == "zh":
            if a >= 1000:
                return f"{prefix}{a / 1000:.{2 if digits is None else digits}f}万亿美元"
            yi = a * 10
            d = max(digits - 1, 0) if digits is not None else (0 if yi >= 10 else 1)   # 100亿美元, 503.5亿美元
            return f"{prefix}{yi:.{d}f}亿美元"
        if a >= 1000:
            return f"{prefix}${a / 1000:.{2 if digits is None else digits}f}tn"
        d = (0 if a >= 10 else 1) if digits is None else digits
        return f"{prefix}${a:.{d}f}bn"

    @staticmethod
    def pct(x, digits: int = 2, sign: bool = False) -> str:
        """A rate or ratio in percent: 4.22 -> 4.22%."""
        if _missing(x):
            return _na()
        return f"{float(x):+.{digits}f}%" if sign else f"{float(x):.{digits}f}%"

    @staticmethod
    def bp(x, digits: int = 0, sign: bool = False) -> str:
        """A spread in basis points: 18 -> 18bp / 18个基点."""
        if _missing(x):
            return _na()
        s = f"{float(x):+.{digits}f}" if sign else f"{float(x):.{digits}f}"
        if s.lstrip("+-").strip("0.") == "":
            s = f"{0:.{digits}f}"
        return f"{s}bp" if language() == "en" else f"{s}个基点"

    @staticmethod
    def date(d) -> str:
        """2025-10-31 -> 31 Oct 2025 / 2025年10月31日."""
        if _missing(d):
            return _na()
        ts = pd.Timestamp(d)
        return f"{ts.year}年{ts.month}月{ts.day}日" if language() == "zh" else f"{ts.day} {ts.strftime('%b %Y')}"

    @staticmethod
    def month(p) -> str:
        """A month: Oct 2025 / 2025年10月."""
        if _missing(p):
            return _na()
        ts = p.to_timestamp() if isinstance(p, pd.Period) else pd.Timestamp(p)
        return f"{ts.year}年{ts.month}月" if language() == "zh" else ts.strftime("%b %Y")

    @staticmethod
    def share(x, digits: int = 0) -> str:
        """A fraction as a percentage: 0.276 -> 28%."""
        if _missing(x):
            return _na()
        return f"{float(x) * 100:.{digits}f}%"

    @staticmethod
    def num(x, digits: int = 1, sign: bool = False) -> str:
        """A plain number with thousands separators: 1394.122 -> 1,394.1."""
        if _missing(x):
            return _na()
        return f"{float(x):+,.{digits}f}" if sign else f"{float(x):,.{digits}f}"

    @staticmethod
    def p(x) -> str:
        """A p-value as a test reports it: p = 0.14, p = 0.004, p < 0.001."""
        if _missing(x):
            return f"p = {_na()}"
        x = float(x)
        return "p < 0.001" if x < 0.001 else f"p = {x:.3f}" if x < 0.01 else f"p = {x:.2f}"

    @staticmethod
    def value(x, units: str, sign: bool = False) -> str:
        """A measure's value by its units: bn, pct (a signed change of a rate reads in bp), bp, index, usd."""
        if units == "bn":
            return fmt.bn(x, sign=sign)
        if units == "pct":
            return fmt.bp(x * 100, sign=True) if sign and not _missing(x) else fmt.pct(x)
        if units == "bp":
            return fmt.bp(x, sign=sign)
        return fmt.num(x, 2, sign=sign)

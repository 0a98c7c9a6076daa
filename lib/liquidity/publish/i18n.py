"""The suite's one language mechanism: what a reader sees is English or Chinese, from the same run's numbers.

- `tr(msgid, **values)`: the message (locale/zh.yaml maps each English message, with its {placeholders}, to its
  Chinese text), formatted with `values`. Numbers go in already formatted by `fmt`.
- `fmt`: amounts, rates, spreads and dates in the reader's conventions ($2.94tn / 2.94万亿美元, 18bp / 18个基点,
  31 Oct 2025 / 2025年10月31日). Notebooks never format by hand.
- Both return a `Text`: a str (its value is the rendering in the note's first language, so it goes anywhere a str
  goes: pandas labels, Altair titles and data) that can render itself in every language of the run
  (`Text.render(lang)`, `realize(obj, lang)` for frames, chart specs, lists and dicts). One execution of a notebook
  therefore serves every language: the display helpers of `report` render what they show once per language of the
  run (`set_languages`). Text joins stay translatable through `tr("{a} {b}", ...)`, `Text + Text` and
  `tr("; ").join(...)`; an f-string would freeze one language, so formatting a Text into one raises when a run has
  more than one language (`EagerText`).
- Markdown comes in twin cells: the English cell (metadata `liquidity.lang: en`) and right after it its Chinese twin
  (`liquidity.lang: zh`, collapsed in JupyterLab by `jupyter.source_hidden`). Each export keeps the cells of its
  language (`cell_language`).
- locale/glossary.yaml: the one Chinese term for each concept; tests hold the catalog and the notes to it.

The languages are set once per run from the notebook's `lang` parameter (`set_language`), or, when the runner renders
several languages from one execution, from LIQUIDITY_LANGS (`set_languages`, through `params.check_cell`).
"""
from __future__ import annotations

import functools
import math
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..core.rules import SIGNIFICANCE

LANGS = ("en", "zh")
LOCALE = Path(__file__).parent / "locale"
LANGS_VARIABLE = "LIQUIDITY_LANGS"       # the runner: the languages one execution renders (en,zh)
_state = {"lang": "en", "langs": ("en",)}


def _check(lang: str) -> str:
    if lang not in LANGS:
        from ..core.errors import InputError

        raise InputError(f"parameter lang={lang!r} is not allowed: choose one of {', '.join(LANGS)}")
    return lang


def set_language(lang: str) -> str:
    """One language for everything the note shows."""
    _state["lang"] = _check(lang)
    _state["langs"] = (lang,)
    return lang


def set_languages(langs) -> tuple[str, ...]:
    """Several languages from one execution: the first is the one a Text reads as; display helpers render each."""
    items = tuple(dict.fromkeys(_check(x) for x in (langs.split(",") if isinstance(langs, str) else langs)))
    if not items:
        raise ValueError("no language given")
    _state["lang"], _state["langs"] = items[0], items
    return items


def language() -> str:
    """The language being rendered now (inside `speaking`), else the note's first language."""
    return _state["lang"]


def languages() -> tuple[str, ...]:
    """Every language this execution renders."""
    return _state["langs"]


def bilingual() -> bool:
    return len(_state["langs"]) > 1


@contextmanager
def speaking(lang: str):
    """The language set for a block and the previous one restored after it (display helpers render each language
    of the run; the exporter and the PDF printer serve notes of both languages in one process)."""
    before = _state["lang"]
    _state["lang"] = _check(lang)
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


class EagerText(TypeError):
    """A translatable text was formatted into a plain string while a run renders several languages."""


class Text(str):
    """Text a reader sees, in every language of the run. Reads as its rendering in the language current when it was
    made (the run's first language, or the one of a `speaking` block); `render(lang)` gives the others. Made by `tr`,
    `fmt`, `Text.of` (a literal per language), `+` and `join`."""

    __slots__ = ("_make", "_done")

    def __new__(cls, make):
        now = language()
        done = {lang: _render_in(lang, make) for lang in dict.fromkeys((now, *languages()))}   # a missing
        obj = super().__new__(cls, done[now])                    # translation fails here, at once
        obj._make, obj._done = make, done
        return obj

    @classmethod
    def of(cls, **by_lang: str) -> "Text":
        """A literal per language, e.g. Text.of(en="Apr", zh="4月"); a language not given reads as English."""
        return cls(lambda lang: by_lang.get(lang, by_lang.get("en", "")))

    def render(self, lang: str) -> str:
        if lang not in self._done:
            self._done[lang] = _render_in(lang, self._make)
        return self._done[lang]

    def __add__(self, other):
        if not isinstance(other, str):
            return NotImplemented
        return Text(lambda lang: self.render(lang) + realize(other, lang))

    def __radd__(self, other):
        if not isinstance(other, str):
            return NotImplemented
        return Text(lambda lang: realize(other, lang) + self.render(lang))

    def join(self, items) -> "Text":
        items = list(items)
        return Text(lambda lang: self.render(lang).join(realize(i, lang) for i in items))

    def __format__(self, spec: str) -> str:
        if bilingual():
            raise EagerText(f"the text {str(self)[:60]!r} was formatted into a plain string (an f-string or format()),"
                            " which would show one language in every note; build the sentence with tr('... {x} ...',"
                            " x=...) or join texts with + and tr(sep).join(...)")
        return super().__format__(spec)

    def __reduce__(self):          # pickles as the plain string it reads as
        return (str, (str(self),))

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def _render_in(lang: str, make) -> str:
    with speaking(lang):
        out = make(lang)
        return out.render(lang) if isinstance(out, Text) else out


def realize(obj, lang: str):
    """`obj` with every Text in it rendered in `lang`: strings, lists, tuples, dicts (keys too), pandas frames
    (labels and cells) and series, chart specs."""
    if isinstance(obj, Text):
        return obj.render(lang)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, dict):
        return {realize(k, lang): realize(v, lang) for k, v in obj.items()}
    if isinstance(obj, list):
        return [realize(v, lang) for v in obj]
    if isinstance(obj, tuple):
        return tuple(realize(v, lang) for v in obj)
    if isinstance(obj, pd.DataFrame):
        out = obj.copy()
        out.columns = _realize_index(obj.columns, lang)
        out.index = _realize_index(obj.index, lang)
        for i, dtype in enumerate(out.dtypes):
            if _textual(dtype):
                out.isetitem(i, out.iloc[:, i].map(lambda v: realize(v, lang)))
        return out
    if isinstance(obj, pd.Series):
        out = obj.map(lambda v: realize(v, lang)) if _textual(obj.dtype) else obj.copy()
        out.index = _realize_index(obj.index, lang)
        out.name = realize(obj.name, lang)
        return out
    return obj


def _textual(dtype) -> bool:
    """A column that may hold Text: object or string dtype (pandas keeps the Text objects in both)."""
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _realize_index(index: pd.Index, lang: str) -> pd.Index:
    if isinstance(index, pd.MultiIndex) or not _textual(index.dtype):
        return index
    return pd.Index([realize(v, lang) for v in index], name=realize(index.name, lang))


def tr(msgid: str, **values) -> Text:
    """The message with its {placeholders} filled, in every language of the run. A message without a translation is
    an error when a run renders Chinese (tests find them all before a run does)."""
    def make(lang: str) -> str:
        template = msgid
        if lang != "en":
            try:
                template = catalog(lang)[msgid]
            except KeyError:
                raise MissingTranslation(f"no {lang} translation for {msgid!r} (add it to "
                                         f"{LOCALE / (lang + '.yaml')})") from None
        return template.format(**{k: realize(v, lang) for k, v in values.items()}) if values else template

    return Text(make)


def message(msgid: str) -> str:
    """An English message kept as it is and translated where it is shown (a claim's label or model name): the mark
    lets the catalog tests find it."""
    return msgid


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


def _trim(number: str) -> str:
    """A decimal without trailing zeros: 746.0 -> 746, 2.90 -> 2.9, 503.5 -> 503.5 (Chinese amounts)."""
    return number.rstrip("0").rstrip(".") if "." in number else number


def _translatable(fn):
    """A formatter that returns a Text: the number or date in every language of the run."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return Text(lambda lang: fn(*args, **kwargs))

    return staticmethod(wrapper)


class fmt:  # noqa: N801 (used like a module: fmt.bn(...))
    """Numbers and dates in prose and tables, in every language of the run (each returns a Text)."""

    @_translatable
    def bn(x, digits: int | None = None, sign: bool = False) -> str:
        """Billions of USD: 2850.3 -> $2.85tn / 2.85万亿美元; 50.35 (digits=2) -> $50.35bn / 503.5亿美元."""
        if _missing(x):
            return _na()
        x = float(x)
        neg, a = x < 0, abs(x)
        prefix = "-" if neg else ("+" if sign and a > 0 else "")
        if language() == "zh":      # 亿 and 万亿, no trailing zero: 746亿美元, 3万亿美元, 2.9万亿美元, 503.5亿美元
            if a >= 1000:
                return f"{prefix}{_trim(f'{a / 1000:.{2 if digits is None else digits}f}')}万亿美元"
            yi = a * 10
            if 0 < yi < 1:                                     # under 1亿: 万美元 (a tolerance of $5m: 500万美元)
                return f"{prefix}{a * 1e5:.0f}万美元"
            d = max(digits - 1, 0) if digits is not None else (0 if yi >= 10 else 1)
            return f"{prefix}{_trim(f'{yi:.{d}f}')}亿美元"
        if a >= 1000:
            return f"{prefix}${a / 1000:.{2 if digits is None else digits}f}tn"
        if 0 < a < 0.1:                                        # under $100m: millions ($5m)
            return f"{prefix}${a * 1000:.0f}m"
        d = (0 if a >= 10 else 1) if digits is None else digits
        return f"{prefix}${a:.{d}f}bn"

    @_translatable
    def pct(x, digits: int = 2, sign: bool = False) -> str:
        """A rate or ratio in percent: 4.22 -> 4.22%."""
        if _missing(x):
            return _na()
        return f"{float(x):+.{digits}f}%" if sign else f"{float(x):.{digits}f}%"

    @_translatable
    def bp(x, digits: int = 0, sign: bool = False) -> str:
        """A spread in basis points: 18 -> 18bp / 18个基点."""
        if _missing(x):
            return _na()
        s = f"{float(x):+.{digits}f}" if sign else f"{float(x):.{digits}f}"
        if s.lstrip("+-").strip("0.") == "":
            s = f"{0:.{digits}f}"
        return f"{s}bp" if language() == "en" else f"{s}个基点"

    @_translatable
    def date(d) -> str:
        """2025-10-31 -> 31 Oct 2025 / 2025年10月31日."""
        if _missing(d):
            return _na()
        ts = pd.Timestamp(d)
        return f"{ts.year}年{ts.month}月{ts.day}日" if language() == "zh" else f"{ts.day} {ts.strftime('%b %Y')}"

    @_translatable
    def month(p) -> str:
        """A month: Oct 2025 / 2025年10月."""
        if _missing(p):
            return _na()
        ts = p.to_timestamp() if isinstance(p, pd.Period) else pd.Timestamp(p)
        return f"{ts.year}年{ts.month}月" if language() == "zh" else ts.strftime("%b %Y")

    @_translatable
    def quarter(p) -> str:
        """A quarter: 2026Q3 / 2026年第三季度 (a Period, a date inside the quarter, or "2026Q3")."""
        if _missing(p):
            return _na()
        q = p.asfreq("Q") if isinstance(p, pd.Period) else pd.Period(p, freq="Q")
        return f"{q.year}年第{'一二三四'[q.quarter - 1]}季度" if language() == "zh" else f"{q.year}Q{q.quarter}"

    @_translatable
    def share(x, digits: int = 0) -> str:
        """A fraction as a percentage: 0.276 -> 28%."""
        if _missing(x):
            return _na()
        return f"{float(x) * 100:.{digits}f}%"

    @_translatable
    def num(x, digits: int = 1, sign: bool = False) -> str:
        """A plain number with thousands separators: 1394.122 -> 1,394.1."""
        if _missing(x):
            return _na()
        return f"{float(x):+,.{digits}f}" if sign else f"{float(x):,.{digits}f}"

    @_translatable
    def p(x) -> str:
        """A p-value as a test reports it: p = 0.14, p = 0.004, p < 0.001; three decimals near the house level, so
        that a verdict never stands beside a p-value that rounds onto the level (p = 0.047, not p = 0.05)."""
        if _missing(x):
            return f"p = {_na()}"
        x = float(x)
        near_level = abs(x - SIGNIFICANCE) < 0.005
        return "p < 0.001" if x < 0.001 else f"p = {x:.3f}" if x < 0.01 or near_level else f"p = {x:.2f}"

    @_translatable
    def value(x, units: str, sign: bool = False) -> str:
        """A measure's value by its units: bn, pct (a signed change of a rate reads in bp), bp, index, usd."""
        if units == "bn":
            return fmt.bn(x, sign=sign)
        if units == "pct":
            return fmt.bp(x * 100, sign=True) if sign and not _missing(x) else fmt.pct(x)
        if units == "bp":
            return fmt.bp(x, sign=sign)
        return fmt.num(x, 2, sign=sign)

"""The claims check in the reader's language: the claims themselves, their statistics, the reasons of a verdict and
every amount with its unit ($29.4bn / 294亿美元, 4.22%, 18bp / 18个基点).

A claim is quoted in the note's language: its `text_zh` in the claims file, else the team's translation of that
English text in data/claims/translations.zh.yaml (for files we do not own, such as the shared example). A Chinese
note of a file with a claim in neither place stops before any data is read (`check_translations`), naming the
claims and the fix; it never quotes English inside Chinese prose.
"""
from __future__ import annotations

from functools import lru_cache

import yaml

from ..core import paths
from ..core.errors import InputError
from ..data.measures import MEASURES
from ..models.claims import REASONS
from .i18n import MissingTranslation, Text, fmt, tr

TRANSLATIONS = "data/claims/translations.zh.yaml"
STAT_NAMES = {"value": "level on the date", "mean": "mean", "min": "minimum", "max": "maximum", "change": "change",
              "pct_change": "percent change"}
DATE_FIELDS = ("date", "obs", "start", "end", "at")
NATIVE_UNITS = {"billions_usd": ("bn", 1.0), "millions_usd": ("bn", 1e-3), "percent": ("pct", 1.0)}


@lru_cache(maxsize=1)
def translations() -> dict[str, str]:
    """English claim texts (and file titles and sources) -> Chinese, for claims files without text_zh."""
    path = paths.project_root() / TRANSLATIONS
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def _chinese(english: str, given: str | None) -> str | None:
    return given or translations().get(english)


def check_translations(path, header: dict, claims: list, langs) -> None:
    """Before any data is read: a Chinese note needs every claim, the title and the source in Chinese."""
    if "zh" not in langs:
        return
    missing = [f"claim {c.id!r}" for c in claims if not _chinese(c.text, c.text_zh)]
    missing += [key for key in ("title", "source") if not _chinese(header[key], header.get(f"{key}_zh"))]
    if missing:
        raise InputError(f"claims file {path}: no Chinese text for {', '.join(missing)}; the Chinese note quotes "
                         f"every claim in Chinese: add text_zh (title_zh, source_zh) to the file or the English text "
                         f"with its translation to {TRANSLATIONS}, or run the note in English only (lang en)")


def _bilingual(english: str, chinese: str | None, what: str) -> Text:
    def make(lang: str) -> str:
        if lang == "en":
            return english
        if chinese is None:
            raise MissingTranslation(f"no Chinese text for {what} {english!r} (add text_zh, or {TRANSLATIONS})")
        return chinese

    return Text(make)


def claim_text(claim) -> Text:
    """The claim as quoted: “SOFR printed 4.22% on 31 October 2025” / “10月31日SOFR报4.22%”."""
    return "“" + _bilingual(claim.text, _chinese(claim.text, claim.text_zh), f"claim {claim.id}") + "”"


def header_text(header: dict, key: str) -> Text:
    """The claims file's title or source in the note's language."""
    return _bilingual(header[key], _chinese(header[key], header.get(f"{key}_zh")), key)


def stat_name(stat: str) -> Text:
    return tr(STAT_NAMES[stat])


def reason(code: str, values: dict) -> Text:
    """A verdict's reason in the reader's language: dates and statistics in its conventions."""
    shown = {k: (fmt.date(v) if k in DATE_FIELDS else stat_name(v) if k == "stat" else v) for k, v in values.items()}
    return tr(REASONS[code], **shown)


def reasons(verdict) -> Text:
    return tr("; ").join(reason(code, values) for code, values in verdict.notes)


def units_of(claim, ds) -> tuple[str, float]:
    """The display units of a claim's numbers (bn, pct, bp, index, usd) and the factor from the claim's units."""
    if claim.measure:
        return MEASURES[claim.measure].units, 1.0
    return NATIVE_UNITS.get(ds.info(claim.series).units, ("num", 1.0))


def amount(x, claim, ds, tolerance: bool = False) -> Text:
    """A claimed or measured number (or a tolerance) with its unit: a level in the claim's units, a change of a rate
    in basis points, a percent change in percent."""
    if x is None:
        return tr("n/a")
    units, factor = units_of(claim, ds)
    x = float(x) * factor
    if claim.stat == "pct_change":
        return fmt.pct(x, 1, sign=not tolerance)
    change = claim.stat == "change" and not tolerance
    if units == "bn":
        return fmt.bn(x, digits=2 if abs(x) < 100 else None, sign=change)
    if units == "pct":
        return fmt.bp(x * 100, digits=1 if abs(x * 100) < 10 else 0, sign=change) if (change or tolerance) \
            else fmt.pct(x)
    if units == "bp":
        return fmt.bp(x, digits=1 if abs(x) < 10 else 0, sign=change)
    return fmt.num(x, 2, sign=change)

"""The policy timeline (data/events.yaml): events with the day they take effect and, for decisions, the day they
were announced. An as-of note uses a decision only from the day it was announced; later ones are "with hindsight".
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
import yaml

from ..core import paths
from ..core.dates import parse_date
from ..core.errors import InputError

KINDS = {"fed", "treasury", "market", "qt", "debt_limit", "shutdown", "tax"}
DECISION_KINDS = {"fed", "qt", "treasury"}
KIND_LABELS = {"fed": "Fed decision", "treasury": "Treasury", "market": "Market event", "qt": "QT caps",
               "debt_limit": "Debt limit binding", "shutdown": "Government shutdown", "tax": "Tax date"}
_BASE = {"id", "kind", "label", "source", "effective", "announced", "end", "secondary"}
_EXTRA = {"ust_cap_bn": float, "mbs_cap_bn": float, "qt_end": bool, "purchases_bn_month": float,
          "purchases_until": "date"}
COLUMNS = ["id", "kind", "label", "source", "secondary", "date", "end", "announced", "decision", *_EXTRA]


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> pd.DataFrame:
    try:
        raw = yaml.safe_load(open(path, encoding="utf-8").read()) or {}
    except FileNotFoundError:
        raise InputError(f"events file not found at {path}") from None
    rows, seen = [], set()
    for i, ev in enumerate(raw.get("events", [])):
        where = f"{path}: event {i + 1} ({ev.get('id', 'no id')})"
        unknown = set(ev) - _BASE - set(_EXTRA)
        if unknown:
            raise InputError(f"{where} has unknown keys {sorted(unknown)}")
        if not {"id", "kind", "label", "effective"} <= set(ev):
            raise InputError(f"{where} needs id, kind, label and effective")
        if ev["kind"] not in KINDS:
            raise InputError(f"{where} has kind {ev['kind']!r}; allowed: {sorted(KINDS)}")
        if ev["id"] in seen:
            raise InputError(f"{where}: the id {ev['id']!r} is used twice")
        seen.add(ev["id"])
        decision = ev["kind"] in DECISION_KINDS
        if decision and "announced" not in ev:
            raise InputError(f"{where} is a decision ({ev['kind']}) and needs the day it was announced")
        effective = parse_date(ev["effective"], f"{ev['id']}.effective")
        announced = parse_date(ev["announced"], f"{ev['id']}.announced") if "announced" in ev else effective
        if announced > effective:
            raise InputError(f"{where} is announced after it takes effect")
        row = {"id": ev["id"], "kind": ev["kind"], "label": ev["label"], "source": ev.get("source", ""),
               "secondary": bool(ev.get("secondary", False)), "date": effective,
               "end": parse_date(ev["end"], f"{ev['id']}.end") if ev.get("end") else pd.NaT,
               "announced": announced, "decision": decision}
        for key, kind in _EXTRA.items():
            value = ev.get(key)
            row[key] = (parse_date(value, f"{ev['id']}.{key}") if value is not None else pd.NaT) if kind == "date" \
                else (kind(value) if value is not None else (False if kind is bool else None))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["date", "id"]).reset_index(drop=True)


def load_events(kinds: set[str] | None = None, start=None, end=None, known_by=None) -> pd.DataFrame:
    """Events as a frame, `date` being the effective date (NaT `end` for a point). `known_by` keeps only what was
    known on that day: decisions announced by then, other events that had happened by then."""
    path = paths.events_file()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = 0.0
    frame = _load(str(path), mtime)
    if kinds:
        frame = frame[frame["kind"].isin(kinds)]
    if known_by is not None:
        frame = frame[frame["announced"] <= pd.Timestamp(known_by)]
    if start is not None:
        frame = frame[frame["end"].fillna(frame["date"]) >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame["date"] <= pd.Timestamp(end)]
    return frame.reset_index(drop=True)


def decisions(known_by=None) -> pd.DataFrame:
    """Policy decisions (fed, qt, treasury), those announced by `known_by` when given."""
    return load_events(kinds=DECISION_KINDS, known_by=known_by)


def decision_split(as_of, data_end) -> tuple[list[str], list[str]]:
    """Ids of the decisions known at `as_of`, and of those announced after it up to `data_end` (the hindsight
    a replay has). With as_of None (latest) nothing lies after it."""
    every = decisions()
    cut = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(data_end)
    known = every[every["announced"] <= cut]["id"].tolist()
    after = every[(every["announced"] > cut) & (every["announced"] <= pd.Timestamp(data_end))]["id"].tolist() \
        if as_of is not None else []
    return known, after

"""The policy timeline (data/events.yaml)."""
from __future__ import annotations

import pandas as pd
import yaml

from ..core import paths
from ..core.errors import InputError

KINDS = {"fed", "treasury", "market", "qt", "debt_limit", "shutdown", "tax"}


def load_events(kinds: set[str] | None = None, start=None, end=None) -> pd.DataFrame:
    """Events as a frame: date, end (NaT for a point), kind, label, source, secondary, caps where given."""
    path = paths.events_file()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(f"events file not found at {path}") from None
    rows = []
    for i, ev in enumerate(raw.get("events", [])):
        if not {"date", "kind", "label"} <= set(ev):
            raise InputError(f"{path}: event {i + 1} needs date, kind and label")
        if ev["kind"] not in KINDS:
            raise InputError(f"{path}: event {i + 1} has kind {ev['kind']!r}; allowed: {sorted(KINDS)}")
        rows.append({
            "date": pd.Timestamp(ev["date"]),
            "end": pd.Timestamp(ev["end"]) if ev.get("end") else pd.NaT,
            "kind": ev["kind"], "label": ev["label"], "source": ev.get("source", ""),
            "secondary": bool(ev.get("secondary", False)),
            "ust_cap_bn": ev.get("ust_cap_bn"), "mbs_cap_bn": ev.get("mbs_cap_bn"),
        })
    frame = pd.DataFrame(rows)
    if kinds:
        frame = frame[frame["kind"].isin(kinds)]
    if start is not None:
        frame = frame[frame["end"].fillna(frame["date"]) >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame["date"] <= pd.Timestamp(end)]
    return frame.sort_values("date").reset_index(drop=True)

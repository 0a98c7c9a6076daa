"""Errors the suite raises on purpose. Each message names the input and the fix."""
from __future__ import annotations

import difflib


class LiquidityError(Exception):
    """Base class: an error whose message is meant for the user, shown without a traceback."""

    exit_code = 1

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it in a kernel (JupyterLab, papermill's error cell): one line, `InputError: message`,
        without a traceback of library frames and paths of this machine (IPython's protocol for exceptions that
        format themselves)."""
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class InputError(LiquidityError, ValueError):
    """Bad user input (parameter, series id, date, file). Raised before any work starts."""

    exit_code = 2


class SourceError(LiquidityError):
    """A data source failed (network, HTTP status, malformed body, rejected key)."""


class MissingSeriesError(LiquidityError):
    """A series is not available from the source or cache (the mirror lacks several).

    `reason` is for the operator (the log, the CLI); `kind` and `fields` let a note say it to readers in their
    language without paths or error text: "absent" (the source has no such series), "unpublished" (nothing
    published by as_of; fields date, start), "uncached", "failed" (the last update failed) and "none_of" (no
    publisher of a measure has it; fields ids, why)."""

    KINDS = ("absent", "unpublished", "uncached", "failed", "none_of")

    def __init__(self, series_id: str, reason: str, kind: str = "absent", **fields):
        if kind not in self.KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.series_id = series_id
        self.reason = reason
        self.kind = kind
        self.fields = fields
        super().__init__(f"series {series_id} is not available: {reason}")


class LockedError(LiquidityError):
    """Another refresh holds the lock."""

    exit_code = 3


def suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""

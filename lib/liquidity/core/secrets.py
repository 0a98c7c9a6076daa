"""Keep FRED_API_KEY out of every message, log, output and metadata file."""
from __future__ import annotations

import os
import re

SECRET_ENV = ("FRED_API_KEY",)
_QUERY_KEY = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)


def secret_values() -> list[str]:
    return [v for v in (os.environ.get(name) for name in SECRET_ENV) if v and len(v) >= 4]


def redact(text: str) -> str:
    """Replace secret values and any api_key=... query parameter by a mask."""
    if not text:
        return text
    text = _QUERY_KEY.sub(r"\1***", str(text))
    for value in secret_values():
        text = text.replace(value, mask(value))
    return text


def mask(value: str | None) -> str:
    """A key shown to its owner: the last 4 characters only."""
    if not value:
        return "(not set)"
    return "****" + value[-4:] if len(value) > 8 else "****"

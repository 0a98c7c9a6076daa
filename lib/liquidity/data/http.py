"""HTTP with timeouts, bounded retries and backoff (429 with Retry-After, 5xx, timeouts, dropped connections)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import requests

from ..core.errors import SourceError
from ..core.secrets import redact

RETRY_STATUS = {429, 500, 502, 503, 504}


class NoNetworkError(SourceError):
    """The host could not be reached at all (no network, DNS failure, refused connection)."""


@dataclass
class HttpClient:
    timeout: float = field(default_factory=lambda: float(os.environ.get("LIQUIDITY_HTTP_TIMEOUT", "30")))
    retries: int = field(default_factory=lambda: int(os.environ.get("LIQUIDITY_HTTP_RETRIES", "4")))
    backoff: float = field(default_factory=lambda: float(os.environ.get("LIQUIDITY_HTTP_BACKOFF", "1.0")))
    max_wait: float = 60.0
    session: requests.Session = field(default_factory=requests.Session)
    sleep = staticmethod(time.sleep)

    def get(self, url: str, params: dict | None = None, what: str = "request") -> requests.Response:
        """GET with retries; returns a 2xx/4xx response, raises SourceError after the last failed try."""
        last = ""
        for attempt in range(self.retries + 1):
            wait = min(self.max_wait, self.backoff * (2 ** attempt))
            try:
                resp = self.session.get(url, params=params, timeout=self.timeout,
                                        headers={"User-Agent": "liquidity-suite/0.1"})
            except requests.exceptions.ConnectionError as exc:
                if _unreachable(exc) and attempt == 0:
                    raise NoNetworkError(f"{what}: cannot reach {_host(url)} ({_short(exc)})") from None
                last = f"connection error ({_short(exc)})"
            except requests.exceptions.Timeout:
                last = f"no answer within {self.timeout:g}s"
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                last = f"truncated answer ({_short(exc)})"  # the connection dropped mid-body: try again
            else:
                if resp.status_code not in RETRY_STATUS:
                    return resp
                last = f"HTTP {resp.status_code}"
                retry_after = resp.headers.get("Retry-After")
                if resp.status_code == 429 and retry_after:
                    try:
                        wait = min(self.max_wait, max(0.0, float(retry_after)))
                    except ValueError:
                        pass
            if attempt < self.retries:
                self.sleep(wait)
        raise SourceError(redact(f"{what}: {_host(url)} failed after {self.retries + 1} tries: {last}"))


def _host(url: str) -> str:
    return redact(url.split("?", 1)[0])


def _short(exc: Exception) -> str:
    text = redact(str(exc))
    return text if len(text) < 160 else text[:157] + "..."


def _unreachable(exc: Exception) -> bool:
    text = str(exc).lower()
    # a refused connection counts too: nothing listens there, and retrying every series would only add minutes
    return any(s in text for s in ("name or service not known", "temporary failure in name resolution",
                                   "nodename nor servname", "network is unreachable", "no route to host",
                                   "failed to resolve", "getaddrinfo failed", "connection refused"))

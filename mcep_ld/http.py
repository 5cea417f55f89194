"""The HTTP client every harvester uses: polite, patient, and honest about failure.

One ``requests.Session`` per source, connect and read timeouts, retries with exponential backoff and
jitter on connection errors, 5xx and 429 (honouring ``Retry-After`` in seconds or as an HTTP date), a
per-source request rate, and a descriptive User-Agent. The session is the transport seam: tests give the
client a real server on 127.0.0.1; nothing here knows about tests.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from mcep_ld.config import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 300.0


class SourceError(RuntimeError):
    """A source could not be read (after retries) or answered something that is not its format."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of a refused request, when there was one


def retry_after_s(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    """GET with retries, backoff and a rate limit."""

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        requests_per_s: float = 4.0,
        user_agent: str = "mcep-ld",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.min_interval_s = 1.0 / requests_per_s
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.sleep = sleep
        self._last = 0.0
        self._lock = threading.Lock()
        self.requests_sent = 0

    @classmethod
    def from_settings(cls, settings: Settings, *, source: str | None = None, **kw: Any) -> HttpClient:
        """A client as configured; for *source*, paced by its own ``requests_per_s`` where it has one."""
        rate = (settings.source(source)["requests_per_s"] if source else 0.0) or settings.http_requests_per_s
        return cls(timeout_s=settings.http_timeout_s, retries=settings.http_retries,
                   backoff_s=settings.http_backoff_s, requests_per_s=rate,
                   user_agent=settings.http_user_agent, **kw)

    def slow_down(self, interval_s: float) -> None:
        """Send at most one request per *interval_s* (a site's ``Crawl-delay``), never faster than configured."""
        self.min_interval_s = max(self.min_interval_s, interval_s)

    def _pace(self) -> None:
        with self._lock:
            wait = self._last + self.min_interval_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last = time.monotonic()

    def get(self, url: str, *, params: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> requests.Response:
        """GET *url*, retrying what is worth retrying; raise SourceError when it cannot be had."""
        attempt = 0
        while True:
            self._pace()
            self.requests_sent += 1
            delay: float | None = None
            try:
                resp = self.session.get(url, params=params, headers=headers,
                                        timeout=(self.timeout_s, self.timeout_s))
            except (requests.ConnectionError, requests.Timeout) as exc:
                # requests nests the cause deep in its message; the innermost reason is what helps.
                reason = str(exc).rsplit("(Caused by ", 1)[-1].rstrip(")")
                problem = f"{type(exc).__name__}: {reason[:200]}"
            else:
                if resp.status_code not in RETRY_STATUSES:
                    if resp.status_code >= 400:
                        raise SourceError(f"GET {resp.url} answered HTTP {resp.status_code}",
                                          status=resp.status_code)
                    return resp
                problem = f"HTTP {resp.status_code}"
                delay = retry_after_s(resp.headers.get("Retry-After"))
            if attempt >= self.retries:
                raise SourceError(f"GET {url} failed after {attempt + 1} attempts: {problem}")
            if delay is None:
                delay = self.backoff_s * (2 ** attempt) * (0.5 + random.random())  # noqa: S311 - jitter
            delay = min(delay, MAX_RETRY_AFTER_S)
            log.warning("GET %s: %s; retrying in %.1f s", url, problem, delay)
            self.sleep(delay)
            attempt += 1

    def get_if_changed(self, url: str, validators: dict[str, dict[str, str]] | None, *,
                       headers: dict[str, str] | None = None) -> requests.Response | None:
        """GET *url* conditionally: ``If-None-Match`` / ``If-Modified-Since`` from what *validators* (URL →
        ``{"etag", "last_modified"}``) holds for it. None when the server answers 304 Not Modified; else the
        response, its new validators put in *validators*. With *validators* None, a plain GET."""
        known = (validators or {}).get(url, {})
        headers = dict(headers or {})
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        resp = self.get(url, headers=headers)
        if resp.status_code == 304:
            return None
        if validators is not None:
            fresh = {k: v for k, v in (("etag", resp.headers.get("ETag")),
                                       ("last_modified", resp.headers.get("Last-Modified"))) if v}
            if fresh:
                validators[url] = fresh
            else:
                validators.pop(url, None)
        return resp

    def get_json(self, url: str, *, params: dict[str, str] | None = None) -> Any:
        """GET a JSON document. A body that is not JSON (an HTML error page served with 200, a truncated
        answer) is asked for again like a 5xx, then reported as a SourceError: never taken for data."""
        attempt = 0
        while True:
            resp = self.get(url, params=params, headers={"Accept": "application/json"})
            try:
                return json.loads(resp.content)
            except ValueError as exc:
                kind = resp.headers.get("Content-Type", "?")
                start = resp.content[:80].decode("utf-8", "replace")
                problem = f"GET {resp.url}: not JSON ({kind}; {exc}); body starts {start!r}"
            if attempt >= self.retries:
                raise SourceError(f"{problem} (after {attempt + 1} attempts)")
            log.warning("%s; retrying", problem)
            self.sleep(self.backoff_s * (2 ** attempt) * (0.5 + random.random()))  # noqa: S311 - jitter
            attempt += 1

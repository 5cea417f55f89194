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
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from mcep_ld.config import Settings
from mcep_ld.errors import MCEPError

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 300.0


class SourceError(MCEPError, RuntimeError):
    """A source could not be read (after retries) or answered something that is not its format."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of a refused request, when there was one
        self.retryable = retryable  # asking again later may succeed (a timeout); a 404 or a bad redirect won't


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
    """GET with retries, backoff, a rate limit, and limits no source can talk it out of: a body size, a total
    time per request, a crawl delay, a number of requests per run, redirects on the same host only."""

    MAX_REDIRECTS = 5
    CHUNK_BYTES = 1 << 16

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        requests_per_s: float = 4.0,
        user_agent: str = "mcep-ld",
        max_response_bytes: int = 128 << 20,
        deadline_s: float = 300.0,
        max_crawl_delay_s: float = 30.0,
        max_requests: int = 200_000,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.min_interval_s = 1.0 / requests_per_s
        self.max_response_bytes = max_response_bytes
        self.deadline_s = deadline_s
        self.max_crawl_delay_s = max_crawl_delay_s
        self.max_requests = max_requests
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
                   user_agent=settings.http_user_agent, max_response_bytes=settings.http_max_response_bytes,
                   deadline_s=settings.http_deadline_s, max_crawl_delay_s=settings.http_max_crawl_delay_s,
                   max_requests=settings.http_max_requests, **kw)

    def slow_down(self, interval_s: float) -> None:
        """Send at most one request per *interval_s* (a site's ``Crawl-delay``), never faster than configured
        and never slower than ``http_max_crawl_delay_s``: a site asking for a day between requests would
        stall the run (and every source after it) for weeks."""
        if interval_s > self.max_crawl_delay_s:
            log.warning("a crawl delay of %.0f s was asked for; waiting http_max_crawl_delay_s (%.0f s) instead",
                        interval_s, self.max_crawl_delay_s)
        self.min_interval_s = max(self.min_interval_s, min(interval_s, self.max_crawl_delay_s))

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
            if self.requests_sent > self.max_requests:
                raise SourceError(f"more than http_max_requests ({self.max_requests}) requests in one run: "
                                  "a listing that never ends?")
            delay: float | None = None
            try:
                resp = self._fetch(url, params, headers)
            except SourceError as exc:
                if not exc.retryable:
                    raise
                problem = str(exc)
            except (requests.ConnectionError, requests.Timeout) as exc:
                # requests nests the cause deep in its message; the innermost reason is what helps.
                reason = str(exc).rsplit("(Caused by ", 1)[-1].rstrip(")")
                problem = f"{type(exc).__name__}: {reason[:200]}"
                if _unresolvable(exc):  # a name that does not resolve will not resolve in a second either
                    host = urlsplit(url).hostname
                    raise SourceError(f"GET {url}: the host name {host} does not resolve (DNS): not retried") from None
            else:
                if resp.status_code not in RETRY_STATUSES:
                    if resp.status_code >= 400:
                        raise SourceError(f"GET {resp.url} answered HTTP {resp.status_code}",
                                          status=resp.status_code)
                    return resp
                problem = f"HTTP {resp.status_code}"
                delay = retry_after_s(resp.headers.get("Retry-After"))
            if attempt >= self.retries:
                raise SourceError(f"GET {url} failed after {attempt + 1} attempts: {problem}", retryable=True)
            if delay is None:
                delay = self.backoff_s * (2 ** attempt) * (0.5 + random.random())  # noqa: S311 - jitter
            delay = min(delay, MAX_RETRY_AFTER_S)
            log.warning("GET %s: %s; retrying in %.1f s", url, problem, delay)
            self.sleep(delay)
            attempt += 1

    def _fetch(self, url: str, params: dict[str, str] | None, headers: dict[str, str] | None) -> requests.Response:
        """One GET, its redirects followed on the same host only, its body read whole within the limits."""
        deadline = time.monotonic() + self.deadline_s
        origin = _origin(url)
        resp = self.session.get(url, params=params, headers=headers, timeout=(self.timeout_s, self.timeout_s),
                                stream=True, allow_redirects=False)
        for _ in range(self.MAX_REDIRECTS):
            if not resp.is_redirect:
                break
            target = urljoin(resp.url, resp.headers["Location"])
            resp.close()
            if _origin(target) != origin:
                raise SourceError(f"GET {url}: redirected to another host ({target}): not followed")
            resp = self.session.get(target, headers=headers, timeout=(self.timeout_s, self.timeout_s),
                                    stream=True, allow_redirects=False)
        else:
            resp.close()
            raise SourceError(f"GET {url}: more than {self.MAX_REDIRECTS} redirects")
        try:
            declared = int(resp.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_response_bytes:
            resp.close()
            raise SourceError(f"GET {resp.url}: {declared:,} bytes announced, more than http_max_response_bytes "
                              f"({self.max_response_bytes:,})")
        body = bytearray()
        try:
            while chunk := resp.raw.read1(self.CHUNK_BYTES, decode_content=True):
                body += chunk
                if len(body) > self.max_response_bytes:
                    raise SourceError(f"GET {resp.url}: the answer is larger than http_max_response_bytes "
                                      f"({self.max_response_bytes:,})")
                if time.monotonic() > deadline:
                    raise SourceError(f"GET {resp.url}: not received within http_deadline_s ({self.deadline_s} s)",
                                      retryable=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
        finally:
            resp.close()
        resp._content = bytes(body)
        return resp

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
        answer) is asked for again like a 5xx, then reported as a SourceError: never taken for data. Damage
        one record can hold (bytes that are not UTF-8, values nested too deeply) is read as U+FFFD, which
        quarantines that record alone (see :func:`loads_json`)."""
        attempt = 0
        while True:
            resp = self.get(url, params=params, headers={"Accept": "application/json"})
            try:
                return loads_json(resp.content)
            except ValueError as exc:
                kind = resp.headers.get("Content-Type", "?")
                start = resp.content[:80].decode("utf-8", "replace")
                problem = f"GET {resp.url}: not JSON ({kind}; {exc}); body starts {start!r}"
            if attempt >= self.retries:
                raise SourceError(f"{problem} (after {attempt + 1} attempts)")
            log.warning("%s; retrying", problem)
            self.sleep(self.backoff_s * (2 ** attempt) * (0.5 + random.random()))  # noqa: S311 - jitter
            attempt += 1


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def _unresolvable(exc: BaseException) -> bool:
    """Whether a connection error is a name that does not resolve (DNS), somewhere in its chain of causes."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen or e is None:
            continue
        seen.add(id(e))
        if isinstance(e, urllib3.exceptions.NameResolutionError):
            return True
        if isinstance(e, BaseException):
            stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *e.args])
    return False


_JSON_LEXEMES = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
MAX_JSON_DEPTH = 64  # deeper than this a value of a source's answer is damage, not metadata


def loads_json(data: bytes) -> Any:
    """A source's JSON document; bytes that are not UTF-8 become U+FFFD, and so does any value nested deeper
    than ``MAX_JSON_DEPTH`` (Python's parser gives up on a few thousand levels, failing the whole page)."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except RecursionError:
        return json.loads(_flatten_json(text, MAX_JSON_DEPTH))


def _flatten_json(text: str, max_depth: int) -> str:
    out: list[str] = []
    depth, last, cut_from = 0, 0, None
    for m in _JSON_LEXEMES.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth == max_depth + 1 and cut_from is None:
                cut_from = m.start()
        elif token in "]}":
            depth -= 1
            if cut_from is not None and depth == max_depth:
                out.append(text[last:cut_from] + '"\ufffd"')
                last, cut_from = m.end(), None
    out.append(text[last:])
    return "".join(out)

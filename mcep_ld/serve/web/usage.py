"""Usage analytics that need no consent banner: what the service is used for, counted in daily aggregates.

No cookie is set and no address, user agent or query string is written anywhere. The middleware counts each
answer under its route's template (never the raw path, except a record's own path for "records viewed");
handlers add what only they know with :func:`note` (a search's words and whether it found anything, that a
request to ``/sparql`` carried a query, an OAI-PMH harvest's format and set). Counts are kept in memory
(:class:`Tally`) and added to the catalog every ``usage_flush_interval_s`` and at shutdown
(:class:`UsageWriter`); ``mcep report usage`` and ``GET /admin/usage`` read them back.

Distinct visitors: a reader is a hash of the address and user agent with a salt drawn at random each UTC
day; the hashes and the salt live in memory only and are dropped with the day, so a visitor cannot be
followed from one day to the next, and only the day's number reaches the catalog.

What is counted, by metric (the keys the report reads):

- ``page_view`` ``{kind}|{lang}``: HTML pages answered 200 (or 304), by kind (the route's first segment:
  ``id`` record, ``vocab``, ``search``, ``insights``…; ``home`` for ``/``) and the page's language;
  ``robot_view`` ``{kind}``: the same asked by a self-declared crawler (its user agent says bot, crawler…);
- ``record_view`` ``/id/{kind}/{key}``: a record asked for, in any format; ``data_request`` ``{route}``:
  the other non-HTML answers (RDF, JSON), by route template;
- ``download`` ``{path}``: dumps, the DCAT catalog and VoID files, the insights' CSV and JSON;
- ``search`` / ``search_empty`` ``{words}``: first pages of searches (page or API), and those with no result;
- ``sparql`` ``ok`` | ``error`` | ``timeout`` with the milliseconds; ``sparql_text`` only with
  ``usage_keep_sparql_text``;
- ``oai`` ``{verb} {metadataPrefix} {set}``: list requests that begin a harvest; ``oai_request`` ``{verb}``;
- ``referrer`` ``{domain}``: the host of another site a page view came from;
- ``visitors`` ``""``: the day's distinct visitors of pages.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcep_ld.config import Settings
from mcep_ld.serve.web.layout import page_language
from mcep_ld.serve.web.metrics import route_of

log = logging.getLogger(__name__)
NOTES = "mcep.usage"  # the request scope's key for what handlers note
KEY_MAX_CHARS = 200  # a longer key (a search's words, a set) is cut
OTHER = "(other)"  # past usage_max_keys_per_day, values of a metric are counted under this key
VISITORS_MAX = 1_000_000  # distinct visitors a day held in memory (hashes of 8 bytes); past it not counted
ROBOTS = re.compile(r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|preview", re.IGNORECASE)
UNCOUNTED = ("/admin", "/metrics", "/health", "/static", "/feedback", "/openapi.json", "/docs", "unmatched")
DOWNLOADS = ("/dumps/{name}", "/catalog.{suffix}", "/void", "/api/insights")
RDF_SUFFIX = re.compile(r"\.(ttl|jsonld|nt|rdf)$")


def note(request: Request, metric: str, key: str, value: float = 0.0) -> None:
    """Count *key* under *metric* once this request is answered (when usage analytics are on)."""
    request.scope.setdefault(NOTES, []).append((metric, key, value))


def search_words(text: str) -> str:
    """A search as counted: lower case, spaces collapsed, cut at ``KEY_MAX_CHARS``."""
    return " ".join(text.lower().split())[:KEY_MAX_CHARS]


class Tally:
    """The counts since the last write, and the day's visitors, in memory; safe to use from any thread."""

    def __init__(self, *, max_keys_per_day: int) -> None:
        self.max_keys = max_keys_per_day
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
        self._keys: dict[tuple[str, str], set[str]] = defaultdict(set)  # the day's keys per metric
        self._day = ""
        self._salt = b""
        self._visitors: set[bytes] = set()

    def count(self, metric: str, key: str, value: float = 0.0, *, day: str | None = None) -> None:
        day = day or _today()
        key = key[:KEY_MAX_CHARS]
        with self._lock:
            self._roll(day)
            seen = self._keys[(day, metric)]
            if key not in seen:
                if len(seen) >= self.max_keys:
                    key = OTHER
                else:
                    seen.add(key)
            cell = self._counts[(day, metric, key)]
            cell[0] += 1
            cell[1] += value

    def visitor(self, client: str, agent: str, *, day: str | None = None) -> None:
        """Count a distinct visitor of the day: only the salted hash is held, and only until the day ends."""
        day = day or _today()
        with self._lock:
            self._roll(day)
            if len(self._visitors) < VISITORS_MAX:
                digest = hashlib.blake2b(f"{client}\0{agent}".encode(), key=self._salt, digest_size=8).digest()
                self._visitors.add(digest)
            self._counts[(day, "visitors", "")] = [len(self._visitors), 0.0]

    def _roll(self, day: str) -> None:
        """A new UTC day: a new salt; the last day's hashes and keys are dropped (its figures stay counted)."""
        if day != self._day:
            self._day, self._salt = day, secrets.token_bytes(32)
            self._visitors = set()
            self._keys = defaultdict(set, {k: v for k, v in self._keys.items() if k[0] == day})

    def take(self) -> dict[tuple[str, str, str], tuple[int, float]]:
        """The counts since the last take, for the catalog; the tally starts again from nothing."""
        with self._lock:
            taken, self._counts = self._counts, defaultdict(lambda: [0, 0.0])
        return {k: (int(n), float(t)) for k, (n, t) in taken.items()}


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class UsageCounter:
    """ASGI middleware: once an answer is sent, counts it (and what its handler noted) in the tally."""

    def __init__(self, app: ASGIApp, *, tally: Tally, settings: Settings) -> None:
        self.app = app
        self.tally = tally
        self.own_hosts = {h for h in (urlsplit(settings.public_url).hostname, urlsplit(settings.base_uri).hostname)
                          if h}
        self.keep_sparql_text = settings.usage_keep_sparql_text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict = {"status": 0, "type": b""}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["type"] = dict(message.get("headers") or []).get(b"content-type", b"")
            await send(message)

        await self.app(scope, receive, sending)
        try:
            self.observe(scope, answer["status"], answer["type"], (time.perf_counter() - started) * 1000)
        except Exception:  # counting must never cost a reader an answer
            log.exception("usage not counted")

    def observe(self, scope: Scope, status: int, content_type: bytes, ms: float) -> None:
        """Count one answered request."""
        route = route_of(scope)
        for metric, key, value in scope.get(NOTES, ()):
            if metric == "sparql_text" and not self.keep_sparql_text:
                continue
            self.tally.count(metric, key, value)
        if route == "/sparql" and any(m == "sparql_text" for m, _, _ in scope.get(NOTES, ())):
            outcome = "ok" if status < 400 else "timeout" if status == 503 else "error"
            self.tally.count("sparql", outcome, ms)
        if route.startswith(UNCOUNTED) or scope["method"] != "GET" or status not in (200, 206, 304):
            return
        request = Request(scope)
        headers = request.headers
        html = content_type.startswith(b"text/html") or (status == 304 and "text/html" in headers.get("accept", ""))
        robot = bool(ROBOTS.search(headers.get("user-agent", "")))
        if route == "/id/{kind}/{key}" and not robot:
            self.tally.count("record_view", RDF_SUFFIX.sub("", scope["path"]))
        if status == 206 and not headers.get("range", "").replace(" ", "").startswith("bytes=0-"):
            return  # the rest of a download already counted
        if route in DOWNLOADS or (route == "/insights/{key}" and "." in scope["path"].rsplit("/", 1)[-1]):
            self.tally.count("download", scope["path"])
            return
        kind = route.strip("/").split("/")[0].split(".")[0] or "home"
        if not html:
            self.tally.count("data_request", route)
            return
        if robot:
            self.tally.count("robot_view", kind)
            return
        self.tally.count("page_view", f"{kind}|{page_language(request)}")
        client = request.client.host if request.client else ""
        self.tally.visitor(client, headers.get("user-agent", ""))
        referrer = (urlsplit(headers.get("referer", "")).hostname or "").lower()
        if referrer and referrer not in self.own_hosts and referrer != (request.url.hostname or "").lower():
            self.tally.count("referrer", referrer)


class UsageWriter:
    """Adds the tally to the catalog every *interval_s* seconds, in a thread of its own, and once more when
    stopped."""

    def __init__(self, tally: Tally, catalog, *, interval_s: float, keep_days: int) -> None:  # noqa: ANN001
        self.tally, self.catalog = tally, catalog
        self.interval_s, self.keep_days = interval_s, keep_days
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)

    def start(self) -> UsageWriter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.flush()

    def flush(self) -> None:
        counts = self.tally.take()
        try:
            self.catalog.add_usage(counts, keep_days=self.keep_days, today=datetime.now(UTC).date())
        except Exception:  # a busy or broken catalog: these counts are lost, the service goes on
            log.exception("usage counts not written")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.flush()

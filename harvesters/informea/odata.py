"""The InforMEA OData client: paging (``__next`` links or ``$skip``), the watermark filter and its newest-first
fallback, deferred navigation properties, and resumable page positions. It knows OData, not RDF.

Protocol notes (shared/reference/sources.md §1): ``$format=json`` gives verbose JSON; a page is
``{"d": {"results": [...], "__next": url}}`` or, from old WCF services, ``{"d": [...]}``; navigation
collections come as ``{"results": [...]}``, as plain arrays (CBD), or as ``{"__deferred": ...}`` when not
expanded; dates are ``/Date(ms)/`` in UTC.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote

from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.dates import as_utc
from mcep_ld.mapping.records import MappingError

log = logging.getLogger(__name__)

#: Entity set → (record kind, navigation properties to $expand, the field a treaty filter tests, or None
#: where the server cannot filter by treaty and the harvester keeps the entities linked to one).
ENTITY_SETS: dict[str, tuple[str, str, str | None]] = {
    "Treaties": ("treaty", "title,description", "id"),
    "Decisions": ("decision", "title,longTitle,summary,content,keywords,files", "treaty"),
    "Meetings": ("meeting", "title,description", "treaty"),
    "Contacts": ("focal-point", "treaties", None),
    "CountryReports": ("national-report", "title,files", "treaty"),
    "NationalPlans": ("national-plan", "title,files", "treaty"),
    "Documents": ("document", "title,description,files,keywords,identifiers,authors,treaties,types", "treaty"),
}


def collection(value: Any) -> list[Any]:
    """A navigation collection in any of the shapes providers send; deferred or absent ones are empty."""
    if isinstance(value, dict):
        if "results" in value and isinstance(value["results"], list):
            return value["results"]
        return []  # {"__deferred": ...}
    if isinstance(value, list):
        return value
    return []


@dataclass(frozen=True)
class Page:
    """The request of one page: what a record's position holds, so a stopped run can fetch it again."""

    entity_set: str
    url: str
    params: dict[str, str] | None  # None for a __next link, which carries its own query
    skip: int
    order: str | None  # None, "asc" (watermark filter) or "desc" (newest first, stopping at the watermark)

    @cached_property
    def _encoded(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def encode(self) -> str:
        """The page as a record's position: made once per page, not once per row."""
        return self._encoded

    @classmethod
    def decode(cls, text: str) -> Page | None:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            log.warning("ignoring an unreadable checkpoint position: %.200s", text)
            return None


class ODataClient:
    """Reads the entity sets of one InforMEA-style OData service."""

    def __init__(self, endpoint: str, client: HttpClient, *, treaties: list[str], page_size: int) -> None:
        self.endpoint = endpoint
        self.client = client
        self.treaties = treaties
        self._wanted = {t.casefold() for t in treaties}
        self.page_size = page_size
        self._unserved: set[tuple[str, str]] = set()  # (entity set, property) whose deferred links 404

    def _params(self, entity_set: str, skip: int, since: datetime | None, order: str | None) -> dict[str, str]:
        """Query options of one page. *since* adds the watermark filter; *order* is ``asc`` or ``desc``."""
        _, expand, treaty_field = ENTITY_SETS[entity_set]
        params = {"$format": "json", "$top": str(self.page_size), "$skip": str(skip), "$expand": expand}
        clauses = []
        if treaty_field and self.treaties:
            clauses.append("(" + " or ".join(f"{treaty_field} eq '{t}'" for t in self.treaties) + ")")
        if since is not None:
            clauses.append(f"updated gt datetime'{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S}'")
        if clauses:
            params["$filter"] = " and ".join(clauses)
        if order:
            params["$orderby"] = f"updated {order}"
        return params

    def _pages(self, entity_set: str, since: datetime | None = None, order: str | None = None, *,
               start: Page | None = None) -> Iterator[tuple[Page, list[Any]]]:
        """The pages of one listing, each with the request that fetched it (from *start* when resuming)."""
        page = start or Page(entity_set, f"{self.endpoint}/{entity_set}",
                              self._params(entity_set, 0, since, order), 0, order)
        seen_urls: set[str] = set()
        while page is not None:
            doc = self.client.get_json(page.url, params=page.params)
            if not isinstance(doc, dict) or "d" not in doc:
                raise SourceError(f"{page.url}: not an OData JSON page (no 'd' member)")
            body = doc["d"]
            if isinstance(body, list):
                rows, next_url = body, None
            elif isinstance(body, dict) and isinstance(body.get("results"), list):
                rows, next_url = body["results"], body.get("__next")
            else:
                raise SourceError(f"{page.url}: 'd' is neither a list nor an object with 'results'")
            yield page, rows
            if next_url:
                next_url = self.on_endpoint(next_url, entity_set) or next_url
                if next_url in seen_urls:
                    raise SourceError(f"{page.url}: __next points back to a page already read: {next_url}")
                seen_urls.add(next_url)
                page = Page(entity_set, next_url, None, page.skip + len(rows), order)
            elif len(rows) >= self.page_size and page.params is not None:
                skip = page.skip + len(rows)
                page = Page(entity_set, page.url, self._params(entity_set, skip, since, order), skip, order)
            else:
                page = None

    def rows(self, entity_set: str, since: datetime | None, start: Page | None) -> Iterator[tuple[Page, Any]]:
        if since is None:
            for page, rows in self._pages(entity_set, start=start):
                yield from ((page, row) for row in rows)
            return
        if start is not None and start.order == "desc":  # the run had fallen back to newest first
            yield from self._newest_first(entity_set, since, start)
            return
        pages = self._pages(entity_set, since, "asc", start=start)
        try:
            first = next(pages, None)
        except SourceError as exc:
            if exc.status not in (400, 404, 500, 501):
                raise
            log.warning("%s/%s refuses the updated filter (%s); reading newest first instead",
                        self.endpoint, entity_set, exc)
            yield from self._newest_first(entity_set, since)
            return
        if first is not None and not first[1] and self._newer_than(entity_set, since):
            log.warning("%s/%s answers the updated filter with nothing while newer entities are listed; reading "
                        "newest first instead", self.endpoint, entity_set)
            yield from self._newest_first(entity_set, since)
            return
        if first is not None:
            yield from ((first[0], row) for row in first[1])
            for page, rows in pages:
                yield from ((page, row) for row in rows)

    def _newer_than(self, entity_set: str, since: datetime) -> bool:
        """Whether the newest entity of the set (one request, ``$top=1``) was updated after *since*: asked when
        the updated filter answered nothing, which some providers do silently instead of refusing it."""
        params = dict(self._params(entity_set, 0, None, "desc"), **{"$top": "1"})
        doc = self.client.get_json(f"{self.endpoint}/{entity_set}", params=params)
        body = doc.get("d") if isinstance(doc, dict) else None
        for row in collection(body):
            updated = row.get("updated") if isinstance(row, dict) else None
            try:
                if isinstance(updated, str) and as_utc(updated) > since:
                    return True
            except MappingError:
                continue
        return False

    def _newest_first(self, entity_set: str, since: datetime,
                      start: Page | None = None) -> Iterator[tuple[Page, Any]]:
        for page, rows in self._pages(entity_set, None, "desc", start=start):
            for row in rows:
                updated = row.get("updated") if isinstance(row, dict) else None
                try:
                    moment = as_utc(updated) if isinstance(updated, str) else None
                except MappingError:
                    moment = None  # yielded: the mapping quarantines it with its report
                if moment is not None and moment <= since:
                    return
                yield page, row

    def on_endpoint(self, url: str, entity_set: str) -> str | None:
        """*url* (a ``__next`` or ``__deferred`` link) moved onto the configured endpoint: providers behind
        proxies write their internal host name in links. None when it does not name *entity_set*."""
        match = re.search(rf"/{re.escape(entity_set)}(?=[(?/]|$)", url)
        return self.endpoint + url[match.start():] if match else None

    def follow_deferred(self, entity_set: str, row: Any) -> Any:
        """The navigation properties the mapping reads, fetched where they came as ``__deferred`` links
        (a provider that ignores ``$expand``) and put in place as ``{"results": [...]}``, so the stored payload
        is the one an expanding provider sends.

        A deferred URI is followed on the configured endpoint (providers behind proxies publish their
        internal host name in it). A provider that does not serve navigation links (404, 501) leaves the
        property deferred, and is not asked for it again in this run: records map without it (a missing
        title then quarantines them).
        """
        if not isinstance(row, dict):
            return row
        resolved: dict[str, Any] | None = None
        for prop in ENTITY_SETS[entity_set][1].split(","):
            value = row.get(prop)
            link = value.get("__deferred") if isinstance(value, dict) else None
            uri = link.get("uri") if isinstance(link, dict) else None
            url = self.on_endpoint(uri, entity_set) if isinstance(uri, str) else None
            if url is None or (entity_set, prop) in self._unserved:
                continue
            try:
                doc = self.client.get_json(url, params={"$format": "json"})
            except SourceError as exc:
                if exc.status not in (404, 501):
                    raise
                self._unserved.add((entity_set, prop))  # not asked again in this run
                log.warning("%s: %s/%s comes deferred and its link is not served (%s); records are mapped "
                            "without it", self.endpoint, entity_set, prop, exc)
                continue
            body = doc.get("d") if isinstance(doc, dict) else None
            if isinstance(body, dict) and isinstance(body.get("results"), list):
                items = body["results"]
            elif isinstance(body, list):
                items = body
            elif isinstance(body, dict):  # a single-valued navigation property
                items = [body]
            else:
                raise SourceError(f"{url}: not an OData JSON answer (no 'd' member)")
            resolved = resolved if resolved is not None else dict(row)
            resolved[prop] = {"results": items}
        return resolved if resolved is not None else row

    @staticmethod
    def linked_treaties(entity_set: str, row: Any) -> set[str]:
        """The treaty ids (case-folded) *row* names: a Treaties entity its own id, any other its ``treaty``
        field and its ``treaties`` links (follow deferred links first)."""
        if not isinstance(row, dict):
            return set()
        own = row.get("id" if entity_set == "Treaties" else "treaty")
        linked = {own} | {t.get("value") for t in collection(row.get("treaties")) if isinstance(t, dict)}
        return {t.strip().casefold() for t in linked if isinstance(t, str) and t.strip()}

    def concerns_treaties(self, row: Any, linked: set[str], *, keep_unlinked: bool = False) -> bool:
        """Whether *row*, linked to the treaties *linked* (``linked_treaties``), belongs to a configured treaty:
        checked here whatever the server did with ``$filter`` (some providers ignore it, or apply it after
        ``$expand``). An entity linked to no treaty (links absent, or deferred and not served) is not ours unless
        *keep_unlinked*."""
        if not self.treaties or not isinstance(row, dict):
            return True  # no filter configured; a damaged entity is the mapping's to quarantine
        if not linked:
            return keep_unlinked
        return bool(linked & self._wanted)

    def known_treaties(self) -> list[str]:
        """The ids of every treaty the service lists (``Treaties``, unfiltered): what an operator may configure."""
        start = Page("Treaties", f"{self.endpoint}/Treaties",
                     {"$format": "json", "$top": str(self.page_size), "$skip": "0"}, 0, None)
        return sorted({str(row["id"]) for _, rows in self._pages("Treaties", start=start) for row in rows
                       if isinstance(row, dict) and row.get("id") is not None})

    def exists(self, entity_set: str, entity_id: str) -> bool:
        """Whether the entity is still served (404 and 410 say it is not); SourceError when the source cannot
        answer now."""
        try:
            self.client.get_json(f"{self.endpoint}/{entity_set}('{quote(entity_id, safe='')}')",
                                 params={"$format": "json"})
        except SourceError as exc:
            if exc.status in (404, 410):
                return False
            raise
        return True

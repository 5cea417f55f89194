"""InforMEA OData (v1–v3 JSON): Treaties, Decisions, Meetings, Contacts (national focal points),
CountryReports (national reports), NationalPlans (national action plans) and Documents.

The client (``odata.py``) reads the service; the mapping (``mapping.py``) turns one entity into RDF. This
harvester joins them to the contract: it turns entities into ``SourceRecord``s.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from mcep_ld.harvesters.informea.mapping import map_record
from mcep_ld.harvesters.informea.odata import ENTITY_SETS, ODataClient, Page

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.dates import as_utc
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, json_payload

__all__ = ["ENTITY_SETS", "InforMEAHarvester"]

log = logging.getLogger(__name__)


class InforMEAHarvester(Harvester):
    """Reads InforMEA-style OData services: the central odata.informea.org and the MEA toolkits."""

    name: str = "informea"
    mapping_version: ClassVar[str] = "informea-2"  # 2: bare decision numbers "MC-"; symbols only when named

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint.rstrip("/"), settings=settings, client=client, name=name)
        conf = settings.source(self.name)
        self.entity_sets: list[str] = conf["entity_sets"]
        self.keep_without_treaty: bool = conf["keep_without_treaty"]
        unknown = [s for s in self.entity_sets if s not in ENTITY_SETS]
        if unknown:
            raise ValueError(f"sources.informea.entity_sets: unknown entity set(s) {unknown}; "
                             f"known: {', '.join(ENTITY_SETS)}")
        self.odata = ODataClient(self.endpoint, client, treaties=conf["treaties"], page_size=conf["page_size_records"])

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The entities of the configured sets; with *since*, those updated after it.

        The watermark goes to the server as ``$filter=updated gt datetime'…'``. A provider that refuses
        that filter (some do, sources.md §1.1) is read newest first instead (``$orderby=updated desc``),
        stopping at the first entity older than the watermark. Each record's position is the request of
        its page; *resume* (such a position) starts the listing again at that page.
        """
        start = Page.decode(resume) if resume else None
        sets = self.entity_sets
        if start is not None and start.entity_set in sets:
            sets = sets[sets.index(start.entity_set):]
        else:
            start = None
        complete = since is None and start is None
        other, found = 0, set()
        for entity_set in sets:
            kind, _, _ = ENTITY_SETS[entity_set]
            for page, row in self.odata.rows(entity_set, since, start):
                row = self.odata.follow_deferred(entity_set, row)
                linked = self.odata.linked_treaties(entity_set, row)
                if not self.odata.concerns_treaties(row, linked, keep_unlinked=self.keep_without_treaty):
                    other += 1
                    continue
                found |= linked
                yield self._record(entity_set, kind, page, row, datetime.now(UTC))
            start = None  # only the set where the run stopped resumes mid-way
        if other:
            log.info("%s: %d entities of other treaties (or of none) left out", self.name, other)
        if complete and (missing := [t for t in self.odata.treaties if t.casefold() not in found]):
            try:
                known = f"The service knows {', '.join(self.odata.known_treaties()) or 'no treaty'}"
            except SourceError as exc:  # the message says what is missing even when the list cannot be read
                known = f"The service's list of treaties could not be read: {exc}"
            raise SourceError(f"{self.name}: no record for treaty {', '.join(map(repr, missing))} in a full listing "
                              f"of {', '.join(self.entity_sets)}: is the id right? {known}")

    def still_exists(self, key: str) -> bool:
        """Whether the entity *key* (``Set/id``) is still served: asked before a deletion is believed."""
        entity_set, _, entity_id = key.partition("/")
        if entity_set not in ENTITY_SETS or not entity_id or entity_id.startswith("unidentified-"):
            return False
        return self.odata.exists(entity_set, entity_id)  # a source that cannot answer fails the run

    def _record(self, entity_set: str, kind: str, page: Page, row: Any, fetched: datetime) -> SourceRecord:
        payload = json_payload(row)
        if isinstance(row, dict) and isinstance(row.get("id"), str | int) and str(row["id"]).strip():
            key = f"{entity_set}/{str(row['id']).strip()}"
            meta = row.get("__metadata") if isinstance(row.get("__metadata"), dict) else {}
            url = meta.get("uri") or f"{self.endpoint}/{entity_set}('{quote(str(row['id']), safe='')}')"
            try:
                modified = as_utc(row.get("updated")) if isinstance(row.get("updated"), str) else None
            except MappingError:
                modified = None  # the mapping reports the bad date; fetching goes on
        else:
            # No usable id: keep it under a content key so the mapping quarantines it with a report.
            key = f"{entity_set}/unidentified-{hashlib.sha256(payload).hexdigest()[:16]}"
            url, modified = page.url, None
        return SourceRecord(source=self.name, key=key, kind=kind, payload=payload, url=url,
                            fetched_at=fetched, modified=modified, position=page.encode())

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        return map_record(record, ctx)

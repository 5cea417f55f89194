"""The CBD clearing-house index API (Solr, shared/reference/sources.md §4): decisions, meetings, focal
points and national reports, with their per-language fields (``title_EN_t``…).

Pages with ``start``/``rows`` over a stable sort; only current versions (``NOT version_s:*``);
incremental runs add ``updatedDate_dt:[since TO *]``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from rdflib import Literal, URIRef

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.concepts import add_country, add_treaty
from mcep_ld.mapping.dates import date_literal, day_literal
from mcep_ld.mapping.iris import distribution_iri, record_iri, slug
from mcep_ld.mapping.languages import text_literal
from mcep_ld.mapping.namespaces import DCAT, DCT, FOAF, MCEP, RDF, SCHEMA
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples, json_payload
from mcep_ld.mapping.relevance import about_mercury

#: The schemas harvested, and the record kind each becomes.
SCHEMAS = {"decision": "decision", "meeting": "meeting", "focalPoint": "focal-point", "contact": "focal-point",
           "nationalReport": "national-report", "nationalReport6": "national-report",
           "nationalReport7": "national-report"}
LANGS = ("EN", "FR", "ES", "AR", "RU", "ZH")
PAGE_ROWS = 100


def _texts(doc: dict[str, Any], field: str) -> list[Literal]:
    """``title_EN_t``, ``title_FR_s``… as language-tagged literals; ``title_t`` when there are none."""
    out = []
    for lang in LANGS:
        value = doc.get(f"{field}_{lang}_t") or doc.get(f"{field}_{lang}_s")
        if isinstance(value, str) and (lit := text_literal(value, lang.lower())) is not None:
            out.append(lit)
    if not out:
        value = doc.get(f"{field}_t") or doc.get(f"{field}_s")
        if isinstance(value, str) and (lit := text_literal(value, None)) is not None:
            out.append(lit)
    return out


def _one(doc: dict[str, Any], field: str) -> str | None:
    value = doc.get(field)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value not in (None, "") else None


def _about_mercury(doc: dict[str, Any]) -> bool:
    """Whether a document's titles, descriptions or summaries, in any language and either realm's field names
    (``title_EN_t``, ``title_s``…), are about mercury."""
    texts = [value for field, value in doc.items()
             if field.split("_", 1)[0] in ("title", "description", "summary") for value in
             (value if isinstance(value, list) else [value])]
    return about_mercury(texts)


def _solr_escape(text: str) -> str:
    """*text* inside a quoted Solr term."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


class CBDHarvester(Harvester):
    """Reads the CBD clearing-house index API (the endpoint is the API root, ``…/api/v2013``)."""

    name: str = "cbd"
    mapping_version: ClassVar[str] = "cbd-2"  # 2: the country also from government_EN_s

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint.rstrip("/"), settings=settings, client=client, name=name)
        #: The index holds every CBD record, nearly all off the Convention's subject: by default only those whose
        #: titles or descriptions, in any language, are about mercury are listed (``relevant_only``).
        self.relevant_only = bool(settings.source(self.name)["relevant_only"])

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """Index documents of the harvested schemas, by ``id``; with *since*, those updated since then.

        A record's position is the first id of its page; *resume* restricts the listing to ids from there
        (a key, not an offset, so documents removed meanwhile do not make the resumed run skip others).
        """
        q = f"schema_s:({' OR '.join(SCHEMAS)}) AND NOT version_s:*"
        if since is not None:
            q += f" AND updatedDate_dt:[{since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} TO *]"
        if resume:
            q += f' AND id:["{_solr_escape(resume)}" TO *]'
        start = 0
        while True:
            doc = self.client.get_json(f"{self.endpoint}/index", params={
                "q": q, "sort": "id asc", "start": str(start), "rows": str(PAGE_ROWS), "wt": "json"})
            try:
                response = doc["response"]
                docs, found = response["docs"], int(response["numFound"])
            except (KeyError, TypeError, ValueError):
                raise SourceError(f"{self.endpoint}/index: not a Solr response") from None
            fetched = datetime.now(UTC)
            first = next((_one(d, "id") for d in docs if isinstance(d, dict) and _one(d, "id")), None)
            for d in docs:
                if self.relevant_only and isinstance(d, dict) and _one(d, "id") and not _about_mercury(d):
                    continue  # not a record of this hub: never listed, so tombstoned if it was published before
                yield self._record(d, fetched, first)
            start += len(docs)
            if not docs or start >= found:
                return

    def _record(self, d: Any, fetched: datetime, position: str | None) -> SourceRecord:
        payload = json_payload(d)
        if isinstance(d, dict) and _one(d, "id"):
            key, kind = _one(d, "id"), SCHEMAS.get(str(d.get("schema_s")), "unknown")
            url = _one(d, "url_ss") or f"{self.endpoint}/index?q=id:{key}"
        else:
            key, kind, url = f"unidentified-{hashlib.sha256(payload).hexdigest()[:16]}", "unknown", self.endpoint
        return SourceRecord(source=self.name, key=key, kind=kind, payload=payload, url=url, fetched_at=fetched,
                            position=position)

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        d = json.loads(record.payload)
        if record.kind == "unknown":
            schema = d.get("schema_s") if isinstance(d, dict) else d
            raise MappingError(f"not a harvested schema, or no id: {str(schema)!r}")
        key = _one(d, "identifier_s") or _one(d, "id")
        code = _one(d, "code_s")
        if record.kind == "decision" and code:
            key = f"cbd-{code}"  # CBD decision codes (14/4) are paired with their treaty
        iri = record_iri(ctx.base_uri, record.kind, slug(key))
        cls = {"decision": MCEP.Decision, "meeting": MCEP.Meeting, "focal-point": MCEP.FocalPoint,
               "national-report": MCEP.NationalReport}[record.kind]
        g = Triples()
        g.add((iri, RDF.type, cls))
        g.add((iri, DCT.source, URIRef(record.url)))
        if record.kind == "focal-point":
            if name := _one(d, "title_EN_s") or _one(d, "title_s"):
                g.add((iri, FOAF.name, Literal(name)))
            for category in d.get("ctgList_ss") or []:
                g.add((iri, MCEP.focalPointType, Literal(str(category))))
        else:
            for lit in _texts(d, "title"):
                g.add((iri, DCT.title, lit))
            for lit in _texts(d, "description"):
                g.add((iri, DCT.description, lit))
        if code:
            g.add((iri, DCT.identifier, Literal(code)))
        if symbol := _one(d, "symbol_s"):
            g.add((iri, DCT.identifier, Literal(symbol)))
        if lit := date_literal(_one(d, "updatedDate_dt")):
            g.add((iri, DCT.modified, lit))
        if record.kind in ("decision", "national-report") and (lit := date_literal(_one(d, "createdDate_dt"))):
            g.add((iri, DCT.issued, lit))
        if record.kind == "meeting":
            for field, prop in (("startDate_dt", SCHEMA.startDate), ("endDate_dt", SCHEMA.endDate)):
                if lit := day_literal(_one(d, field)):
                    g.add((iri, prop, lit))
            if city := _one(d, "eventCity_t"):
                g.add((iri, MCEP.city, Literal(city)))
        for url in d.get("url_ss") or []:
            g.add((iri, FOAF.page, URIRef(str(url))))
        self._files(g, iri, d)
        sets = [f"kind:{record.kind}", f"source:{self.name}"]
        # The CBD clearing-house speaks for the CBD unless a record says otherwise.
        sets += add_treaty(g, iri, _one(d, "treaty_s") or "cbd", ctx.vocab)
        # realms name the country differently: a code (government_s) or an English name (government_EN_s)
        country = _one(d, "government_s") or _one(d, "government_EN_s") or _one(d, "eventCountry_s")
        sets += add_country(g, iri, country, ctx.vocab)
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

    def _files(self, g: Triples, iri: URIRef, d: dict[str, Any]) -> None:
        raw = d.get("documentLinks_s")
        if not raw:
            return
        try:
            links = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise MappingError(f"documentLinks_s is not JSON: {str(raw)[:80]!r}") from None
        for link in links if isinstance(links, list) else []:
            if isinstance(link, dict) and (url := str(link.get("url") or "").strip()):
                dist = distribution_iri(iri, url)
                g.add((iri, DCAT.distribution, dist))
                g.add((dist, RDF.type, DCAT.Distribution))
                g.add((dist, DCAT.downloadURL, URIRef(url)))

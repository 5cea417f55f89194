"""InforMEA OData (v1–v3 JSON): Treaties, Decisions, Meetings, Contacts (national focal points),
CountryReports (national reports), NationalPlans (national action plans) and Documents.

Protocol notes (shared/reference/sources.md §1): ``$format=json`` gives verbose JSON; a page is
``{"d": {"results": [...], "__next": url}}`` or, from old WCF services, ``{"d": [...]}``; navigation
collections come as ``{"results": [...]}``, as plain arrays (CBD), or as ``{"__deferred": ...}`` when not
expanded; dates are ``/Date(ms)/`` in UTC; translatable text is a collection of ``{language, value}``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.namespace import DC, XSD

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.concepts import add_country, add_subject, add_treaty
from mcep_ld.mapping.dates import as_utc, date_literal, day_literal
from mcep_ld.mapping.iris import concept_iri, distribution_iri, record_iri, slug
from mcep_ld.mapping.languages import normalise_language, text_literal
from mcep_ld.mapping.namespaces import DCAT, DCT, FOAF, LEO, MCEP, RDF, SCHEMA, SKOS
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples

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


def _collection(value: Any) -> list[Any]:
    """A navigation collection in any of the shapes providers send; deferred or absent ones are empty."""
    if isinstance(value, dict):
        if "results" in value and isinstance(value["results"], list):
            return value["results"]
        return []  # {"__deferred": ...}
    if isinstance(value, list):
        return value
    return []


def _texts(entity: dict, field: str) -> list[Literal]:
    """The multilingual values of *field*: ``{language, value}`` rows, D8 ``{lang: text}`` or a plain string."""
    value = entity.get(field)
    out: list[Literal] = []
    if isinstance(value, str):
        lit = text_literal(value, None)
        return [lit] if lit is not None else []
    if isinstance(value, dict) and "results" not in value and "__deferred" not in value:
        rows = [{"language": k, "value": v} for k, v in value.items()]
    else:
        rows = _collection(value)
    for row in rows:
        if isinstance(row, dict):
            lit = text_literal(row.get("value"), row.get("language"))
            if lit is not None:
                out.append(lit)
    return out


def _add_texts(g: Triples, iri: URIRef, entity: dict, *fields: tuple[str, URIRef]) -> None:
    """Each multilingual *field* of the entity as its property, one literal per language value."""
    for field, prop in fields:
        for lit in _texts(entity, field):
            g.add((iri, prop, lit))


def _scalar(entity: dict, field: str) -> str | None:
    value = entity.get(field)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _number(entity: dict, field: str) -> Literal | None:
    value = _scalar(entity, field)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise MappingError(f"{field}: not a number: {value!r}") from None
    if field == "latitude" and not -90 <= number <= 90 or field == "longitude" and not -180 <= number <= 180:
        raise MappingError(f"{field}: out of range: {value!r}")
    return Literal(value, datatype=XSD.decimal)


@dataclass(frozen=True)
class _Page:
    """The request of one page: what a record's position holds, so a stopped run can fetch it again."""

    entity_set: str
    url: str
    params: dict[str, str] | None  # None for a __next link, which carries its own query
    skip: int
    order: str | None  # None, "asc" (watermark filter) or "desc" (newest first, stopping at the watermark)

    def encode(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def decode(cls, text: str) -> _Page | None:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            log.warning("ignoring an unreadable checkpoint position: %.200s", text)
            return None


class InforMEAHarvester(Harvester):
    """Reads InforMEA-style OData services: the central odata.informea.org and the MEA toolkits."""

    name: str = "informea"
    mapping_version: ClassVar[str] = "informea-1"

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint.rstrip("/"), settings=settings, client=client, name=name)
        conf = settings.source(self.name)
        self.treaties: list[str] = conf["treaties"]
        self.entity_sets: list[str] = conf["entity_sets"]
        self.page_size: int = conf["page_size_records"]
        self._unserved: set[tuple[str, str]] = set()  # (entity set, property) whose deferred links 404
        unknown = [s for s in self.entity_sets if s not in ENTITY_SETS]
        if unknown:
            raise ValueError(f"sources.informea.entity_sets: unknown entity set(s) {unknown}; "
                             f"known: {', '.join(ENTITY_SETS)}")

    # -- fetching -------------------------------------------------------------------------------

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
               start: _Page | None = None) -> Iterator[tuple[_Page, list[Any]]]:
        """The pages of one listing, each with the request that fetched it (from *start* when resuming)."""
        page = start or _Page(entity_set, f"{self.endpoint}/{entity_set}",
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
                next_url = self._on_endpoint(next_url, entity_set) or next_url
                if next_url in seen_urls:
                    raise SourceError(f"{page.url}: __next points back to a page already read: {next_url}")
                seen_urls.add(next_url)
                page = _Page(entity_set, next_url, None, page.skip + len(rows), order)
            elif len(rows) >= self.page_size and page.params is not None:
                skip = page.skip + len(rows)
                page = _Page(entity_set, page.url, self._params(entity_set, skip, since, order), skip, order)
            else:
                page = None

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The entities of the configured sets; with *since*, those updated after it.

        The watermark goes to the server as ``$filter=updated gt datetime'…'``. A provider that refuses
        that filter (some do, sources.md §1.1) is read newest first instead (``$orderby=updated desc``),
        stopping at the first entity older than the watermark. Each record's position is the request of
        its page; *resume* (such a position) starts the listing again at that page.
        """
        start = _Page.decode(resume) if resume else None
        sets = self.entity_sets
        if start is not None and start.entity_set in sets:
            sets = sets[sets.index(start.entity_set):]
        else:
            start = None
        for entity_set in sets:
            kind, _, _ = ENTITY_SETS[entity_set]
            for page, row in self._rows(entity_set, since, start):
                if ENTITY_SETS[entity_set][2] is None and not self._concerns_treaties(row):
                    continue
                row = self._follow_deferred(entity_set, row)
                yield self._record(entity_set, kind, page, row, datetime.now(UTC))
            start = None  # only the set where the run stopped resumes mid-way

    def _rows(self, entity_set: str, since: datetime | None, start: _Page | None) -> Iterator[tuple[_Page, Any]]:
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
        if first is not None:
            yield from ((first[0], row) for row in first[1])
            for page, rows in pages:
                yield from ((page, row) for row in rows)

    def _newest_first(self, entity_set: str, since: datetime,
                      start: _Page | None = None) -> Iterator[tuple[_Page, Any]]:
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

    def _on_endpoint(self, url: str, entity_set: str) -> str | None:
        """*url* (a ``__next`` or ``__deferred`` link) moved onto the configured endpoint: providers behind
        proxies write their internal host name in links. None when it does not name *entity_set*."""
        match = re.search(rf"/{re.escape(entity_set)}(?=[(?/]|$)", url)
        return self.endpoint + url[match.start():] if match else None

    def _follow_deferred(self, entity_set: str, row: Any) -> Any:
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
            url = self._on_endpoint(uri, entity_set) if isinstance(uri, str) else None
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

    def still_exists(self, key: str) -> bool:
        """Whether the entity *key* (``Set/id``) is still served: asked before a deletion is believed."""
        entity_set, _, entity_id = key.partition("/")
        if entity_set not in ENTITY_SETS or not entity_id or entity_id.startswith("unidentified-"):
            return False
        try:
            self.client.get_json(f"{self.endpoint}/{entity_set}('{quote(entity_id, safe='')}')",
                                 params={"$format": "json"})
        except SourceError as exc:
            if exc.status in (404, 410):
                return False
            raise  # the source cannot answer now: the run fails and deletes nothing
        return True

    def _concerns_treaties(self, row: Any) -> bool:
        """Contacts cannot be filtered by treaty on the server: keep those linked to a configured treaty."""
        if not self.treaties or not isinstance(row, dict):
            return True
        linked = {t.get("value") for t in _collection(row.get("treaties")) if isinstance(t, dict)}
        return not linked or bool(linked & set(self.treaties))

    def _record(self, entity_set: str, kind: str, page: _Page, row: Any, fetched: datetime) -> SourceRecord:
        payload = json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8")
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

    # -- mapping --------------------------------------------------------------------------------

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        try:
            entity = json.loads(record.payload)
        except ValueError as exc:
            raise MappingError(f"payload is not JSON: {exc}") from None
        if not isinstance(entity, dict):
            raise MappingError(f"expected a JSON object, got {type(entity).__name__}")
        if not _scalar(entity, "id"):
            raise MappingError("record has no 'id'")
        mapper = {"decision": self._decision, "meeting": self._meeting, "focal-point": self._contact,
                  "treaty": self._treaty_record, "national-report": self._national_report,
                  "national-plan": self._national_plan, "document": self._document}[record.kind]
        g = Triples()
        iri, sets = mapper(g, entity, ctx)
        g.add((iri, DCT.source, URIRef(record.url)))
        sets = [f"kind:{record.kind}", f"source:{self.name}", *sets]
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

    def _decision(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        number, treaty = _scalar(e, "number"), _scalar(e, "treaty")
        if number:
            # Numbers such as "SC-3/7" carry their treaty; bare ones ("1/13") are paired with it.
            natural = number if not number[0].isdigit() else f"{treaty or 'x'}-{number}"
            key = slug(natural)
        else:
            key = slug(_scalar(e, "id") or "")
        iri = record_iri(ctx.base_uri, "decision", key)
        g.add((iri, RDF.type, MCEP.Decision))
        if number:
            g.add((iri, DCT.identifier, Literal(number)))
        _add_texts(g, iri, e, ("title", DCT.title), ("longTitle", DCT.alternative), ("summary", DCT.abstract),
                   ("content", DCT.description))
        for field, prop in (("published", DCT.issued), ("updated", DCT.modified)):
            lit = date_literal(_scalar(e, field))
            if lit is not None:
                g.add((iri, prop, lit))
        for field, prop in (("status", MCEP.status), ("type", MCEP.decisionType)):
            if value := _scalar(e, field):
                g.add((iri, prop, Literal(value.lower())))
        if link := _scalar(e, "link"):
            g.add((iri, FOAF.page, URIRef(link)))
        if meeting := _scalar(e, "meetingId"):
            g.add((iri, MCEP.meeting, record_iri(ctx.base_uri, "meeting", slug(meeting))))
        sets = self._keywords(g, iri, e, ctx)
        self._files(g, iri, e, ctx)
        return iri, sets + add_treaty(g, iri, treaty, ctx.vocab)

    def _keywords(self, g: Triples, iri: URIRef, e: dict, ctx: MappingContext) -> list[str]:
        """Keywords as LEO concepts (a ``termURI``, else the term's label made a LEO IRI), with the themes
        aligned to them; returns the theme sets."""
        sets: list[str] = []
        for kw in _collection(e.get("keywords")):
            if not isinstance(kw, dict):
                continue
            if uri := kw.get("termURI") or kw.get("uri"):
                concept = URIRef(str(uri))
            elif form := str(kw.get("literalForm") or kw.get("term") or "").strip():
                concept = LEO[slug(form)]
            else:
                continue
            sets += add_subject(g, iri, concept, ctx.vocab)
        return sets

    def _files(self, g: Triples, iri: URIRef, e: dict, ctx: MappingContext) -> None:
        for f in _collection(e.get("files")):
            if not isinstance(f, dict) or not _scalar(f, "url"):
                continue
            dist = distribution_iri(iri, _scalar(f, "url"))
            g.add((iri, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.downloadURL, URIRef(_scalar(f, "url"))))
            if name := _scalar(f, "filename"):
                g.add((dist, DCT.title, Literal(name)))
            lang = normalise_language(_scalar(f, "language"))
            if lang and lang != "und":
                g.add((dist, DCT.language, concept_iri(ctx.base_uri, "language", lang)))
            if mime := _scalar(f, "mimeType"):
                if "/" not in mime:  # the D8 API sends the file extension
                    mime = mimetypes.types_map.get(f".{mime.lower()}", "application/octet-stream")
                g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{mime}")))

    def _meeting(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        iri = record_iri(ctx.base_uri, "meeting", slug(_scalar(e, "id") or ""))
        g.add((iri, RDF.type, MCEP.Meeting))
        _add_texts(g, iri, e, ("title", DCT.title), ("description", DCT.description))
        for field, prop in (("start", SCHEMA.startDate), ("end", SCHEMA.endDate)):
            lit = day_literal(_scalar(e, field))
            if lit is not None:
                g.add((iri, prop, lit))
        if lit := date_literal(_scalar(e, "updated")):
            g.add((iri, DCT.modified, lit))
        for field, prop in (("status", MCEP.status), ("type", MCEP.meetingType), ("kind", MCEP.meetingKind)):
            if value := _scalar(e, field):
                g.add((iri, prop, Literal(value.lower())))
        for field in ("location", "city"):
            if value := _scalar(e, field):
                g.add((iri, SCHEMA.location if field == "location" else MCEP.city, Literal(value)))
        for field, prop in (("latitude", SCHEMA.latitude), ("longitude", SCHEMA.longitude)):
            if (lit := _number(e, field)) is not None:
                g.add((iri, prop, lit))
        if url := _scalar(e, "url"):
            g.add((iri, FOAF.page, URIRef(url)))
        sets = add_treaty(g, iri, _scalar(e, "treaty"), ctx.vocab)
        sets += add_country(g, iri, _scalar(e, "country"), ctx.vocab)
        return iri, sets

    def _contact(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        iri = record_iri(ctx.base_uri, "focal-point", slug(_scalar(e, "id") or ""))
        g.add((iri, RDF.type, MCEP.FocalPoint))
        parts = [p for p in (_scalar(e, "prefix"), _scalar(e, "firstName"), _scalar(e, "lastName")) if p]
        if parts:
            g.add((iri, FOAF.name, Literal(" ".join(parts))))
        for field, prop in (("firstName", FOAF.givenName), ("lastName", FOAF.familyName),
                            ("prefix", SCHEMA.honorificPrefix), ("position", SCHEMA.jobTitle),
                            ("institution", MCEP.institution), ("department", MCEP.department),
                            ("type", MCEP.focalPointType),
                            # restricted by default (restricted_predicates): never published
                            ("email", SCHEMA.email), ("phoneNumber", SCHEMA.telephone),
                            ("fax", SCHEMA.faxNumber), ("address", SCHEMA.address)):
            if value := _scalar(e, field):
                g.add((iri, prop, Literal(value)))
        if (primary := e.get("primary")) is not None:
            g.add((iri, MCEP.primaryFocalPoint, Literal(str(primary).strip().lower() in {"1", "true"})))
        if lit := date_literal(_scalar(e, "updated")):
            g.add((iri, DCT.modified, lit))
        sets = add_country(g, iri, _scalar(e, "country"), ctx.vocab)
        treaties = [t.get("value") for t in _collection(e.get("treaties")) if isinstance(t, dict)]
        for code in [t for t in treaties if isinstance(t, str)]:
            sets += add_treaty(g, iri, code.strip(), ctx.vocab)
        return iri, sets

    def _treaty_record(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        code = _scalar(e, "id") or ""
        iri = record_iri(ctx.base_uri, "treaty", slug(code))
        g.add((iri, RDF.type, MCEP.Treaty))
        g.add((iri, DCT.identifier, Literal(code)))
        titles = _texts(e, "title") or [lit for lit in [text_literal(_scalar(e, "titleEnglish"), "en")] if lit]
        for lit in titles:
            g.add((iri, DCT.title, lit))
        _add_texts(g, iri, e, ("description", DCT.description))
        for field in ("url", "treatyWebsiteURL"):
            if url := _scalar(e, field):
                g.add((iri, FOAF.page, URIRef(url)))
        if concept := ctx.vocab.lookup("treaty", code):
            g.add((iri, SKOS.exactMatch, URIRef(concept)))
        return iri, [f"treaty:{slug(code)}"]

    def _report_like(self, g: Triples, e: dict, ctx: MappingContext, kind: str, cls: URIRef) -> tuple[URIRef, list]:
        """National reports and national plans: a country's submission under a treaty, with files."""
        iri = record_iri(ctx.base_uri, kind, slug(_scalar(e, "id") or ""))
        g.add((iri, RDF.type, cls))
        _add_texts(g, iri, e, ("title", DCT.title))
        if lit := date_literal(_scalar(e, "submission")):
            g.add((iri, DCT.issued, lit))
        if lit := date_literal(_scalar(e, "updated")):
            g.add((iri, DCT.modified, lit))
        if url := _scalar(e, "url"):
            g.add((iri, FOAF.page, URIRef(url)))
        self._files(g, iri, e, ctx)
        sets = add_treaty(g, iri, _scalar(e, "treaty"), ctx.vocab)
        sets += add_country(g, iri, _scalar(e, "country"), ctx.vocab)
        return iri, sets

    def _national_report(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        return self._report_like(g, e, ctx, "national-report", MCEP.NationalReport)

    def _national_plan(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        iri, sets = self._report_like(g, e, ctx, "national-plan", MCEP.NationalPlan)
        if ptype := _scalar(e, "type"):
            g.add((iri, MCEP.planType, Literal(ptype.lower())))
            sets.append(f"plan-type:{slug(ptype)}")
        return iri, sets

    def _document(self, g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
        identifiers = [(str(i.get("name", "")).lower(), str(i.get("value", "")).strip())
                       for i in _collection(e.get("identifiers")) if isinstance(i, dict)]
        symbols = [v for n, v in identifiers if v and n in ("symbol", "document symbol", "")]
        # A document symbol (UNEP/MC/COP.5/19) is the natural key: the same document seen on the
        # Convention's website maps to the same hub IRI.
        iri = record_iri(ctx.base_uri, "document", slug(symbols[0] if symbols else _scalar(e, "id") or ""))
        g.add((iri, RDF.type, MCEP.Document))
        for _, value in identifiers:
            if value:
                g.add((iri, DCT.identifier, Literal(value)))
        _add_texts(g, iri, e, ("title", DCT.title), ("description", DCT.description))
        for field, prop in (("published", DCT.issued), ("updated", DCT.modified)):
            if lit := date_literal(_scalar(e, field)):
                g.add((iri, prop, lit))
        for author in _collection(e.get("authors")):
            if isinstance(author, dict) and (name := str(author.get("name") or "").strip()):
                g.add((iri, DC.creator, Literal(name)))
        for t in _collection(e.get("types")):
            if isinstance(t, dict) and (value := str(t.get("value") or "").strip()):
                g.add((iri, DC.type, Literal(value)))
        sets = self._keywords(g, iri, e, ctx)
        self._files(g, iri, e, ctx)
        sets += add_country(g, iri, _scalar(e, "country"), ctx.vocab)
        codes = {_scalar(e, "treaty")} | {t.get("value") for t in _collection(e.get("treaties")) if isinstance(t, dict)}
        for code in sorted(c for c in codes if isinstance(c, str) and c.strip()):
            sets += add_treaty(g, iri, code.strip(), ctx.vocab)
        return iri, sets

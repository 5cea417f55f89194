"""The hub's records in InforMEA's OData format (verbose JSON, OData v2 as odata.informea.org serves it), so
that InforMEA can harvest the hub as it harvests other MEAs' services.

Each entity set holds the live records of one kind, whichever source they came from, built from what the
public store says of them: the shapes are those ``harvesters/informea`` reads (``title`` as ``{"results":
[{"language", "value"}]}``, dates as ``/Date(ms)/``, files, keywords and treaties expanded inline), and an
entity's ``id`` is the record's key, so harvesting this service gives back the same IRIs. Nothing restricted is
in the public store, so nothing restricted can reach an entity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox

from mcep_ld.mapping.dates import parse_datetime
from mcep_ld.mapping.records import MappingError

DCT = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
MCEP = "https://w3id.org/mcep/ontology#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"

#: Entity set → the record kind it holds (the sets and names of InforMEA's service)
ENTITY_SETS = {"Treaties": "treaty", "Decisions": "decision", "Meetings": "meeting", "Contacts": "focal-point",
               "CountryReports": "national-report", "NationalPlans": "national-plan", "Documents": "document"}
#: Entity set → its entity type's name in ``__metadata``
TYPES = {"Treaties": "Treaty", "Decisions": "Decision", "Meetings": "Meeting", "Contacts": "Contact",
         "CountryReports": "CountryReport", "NationalPlans": "NationalPlan", "Documents": "Document"}


def odata_date(value: str | None) -> str | None:
    """An ``xsd:date`` or ``xsd:dateTime`` as OData v2 writes a DateTime: ``/Date(ms)/`` (UTC)."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except MappingError:
        return None
    if isinstance(parsed, int):  # a year alone: no day to write
        return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)})/"


class Statements:
    """What the store says of one record: the values of each predicate, in a stable order."""

    def __init__(self, iri: str, triples: list[ox.Triple]) -> None:
        self.iri = iri
        self.by_subject: dict[str, dict[str, list[ox.Term]]] = {}
        for t in triples:
            self.by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
        for values in self.by_subject.values():
            for key in values:
                values[key].sort(key=str)

    def all(self, predicate: str, subject: str | None = None) -> list[ox.Term]:
        return self.by_subject.get(subject or self.iri, {}).get(predicate, [])

    def one(self, predicate: str, subject: str | None = None) -> str | None:
        values = self.all(predicate, subject)
        return values[0].value if values else None

    def texts(self, predicate: str) -> dict[str, list[dict[str, str]]] | None:
        """A multilingual property as InforMEA sends it expanded: ``{"results": [{"language", "value"}]}``."""
        rows = [{"language": v.language or "en", "value": v.value} for v in self.all(predicate)
                if isinstance(v, ox.Literal)]
        return {"results": rows} if rows else None

    def code(self, predicate: str) -> str | None:
        """The last segment of a concept IRI (a country's ISO code, a treaty's id), or a literal code."""
        value = self.one(predicate)
        return value.rstrip("/").rsplit("/", 1)[-1] if value else None


def entity(entity_set: str, iri: str, stamp: str, triples: list[ox.Triple], *, base_uri: str,
           service: str) -> dict[str, Any]:
    """One record as an entity of *entity_set*, with the ``__metadata`` of *service* (the provider's URL)."""
    s = Statements(iri, triples)
    key = iri.rstrip("/").rsplit("/", 1)[-1]
    out: dict[str, Any] = {"__metadata": {"uri": f"{service}/{entity_set}('{key}')",
                                          "type": f"informea.{TYPES[entity_set]}"},
                           "id": key, "updated": odata_date(stamp)}
    treaty = s.code(f"{MCEP}treaty") or s.one(f"{MCEP}treatyCode")
    country = s.code(f"{MCEP}country") or s.one(f"{MCEP}countryCode")
    build = {"Decisions": _decision, "Meetings": _meeting, "Contacts": _contact, "Treaties": _treaty,
             "CountryReports": _report, "NationalPlans": _plan, "Documents": _document}[entity_set]
    build(out, s, base_uri)
    if entity_set != "Treaties" and treaty:
        out["treaty"] = treaty
    if entity_set in ("Meetings", "Contacts", "CountryReports", "NationalPlans", "Documents") and country:
        out["country"] = country
    return {k: v for k, v in out.items() if v is not None}


def _decision(out: dict, s: Statements, base_uri: str) -> None:
    out.update(number=s.one(f"{DCT}identifier"), title=s.texts(f"{DCT}title"), longTitle=s.texts(f"{DCT}alternative"),
               summary=s.texts(f"{DCT}abstract"), content=s.texts(f"{DCT}description"),
               published=odata_date(s.one(f"{DCT}issued")), status=s.one(f"{MCEP}status"),
               type=s.one(f"{MCEP}decisionType"), link=s.one(f"{FOAF}page"),
               meetingId=s.code(f"{MCEP}meeting"), keywords=_keywords(s, base_uri), files=_files(s))


def _meeting(out: dict, s: Statements, base_uri: str) -> None:
    out.update(title=s.texts(f"{DCT}title"), description=s.texts(f"{DCT}description"),
               start=odata_date(s.one(f"{SCHEMA}startDate")), end=odata_date(s.one(f"{SCHEMA}endDate")),
               status=s.one(f"{MCEP}status"), type=s.one(f"{MCEP}meetingType"), kind=s.one(f"{MCEP}meetingKind"),
               location=s.one(f"{SCHEMA}location"), city=s.one(f"{MCEP}city"),
               latitude=s.one(f"{SCHEMA}latitude"), longitude=s.one(f"{SCHEMA}longitude"), url=s.one(f"{FOAF}page"))


def _contact(out: dict, s: Statements, base_uri: str) -> None:
    primary = s.one(f"{MCEP}primaryFocalPoint")
    treaties = [t.value.rstrip("/").rsplit("/", 1)[-1] for t in s.all(f"{MCEP}treaty")]
    treaties += [t.value for t in s.all(f"{MCEP}treatyCode")]
    out.update(prefix=s.one(f"{SCHEMA}honorificPrefix"), firstName=s.one(f"{FOAF}givenName"),
               lastName=s.one(f"{FOAF}familyName"), position=s.one(f"{SCHEMA}jobTitle"),
               institution=s.one(f"{MCEP}institution"), department=s.one(f"{MCEP}department"),
               type=s.one(f"{MCEP}focalPointType"), primary=None if primary is None else primary == "true",
               treaties={"results": [{"value": t} for t in sorted(set(treaties))]})
    if not out.get("firstName") and not out.get("lastName") and (name := s.one(f"{FOAF}name")):
        out["lastName"] = name


def _treaty(out: dict, s: Statements, base_uri: str) -> None:
    out.update(id=s.one(f"{DCT}identifier") or out["id"], title=s.texts(f"{DCT}title"),
               description=s.texts(f"{DCT}description"), url=s.one(f"{FOAF}page"))


def _report(out: dict, s: Statements, base_uri: str) -> None:
    out.update(title=s.texts(f"{DCT}title"), submission=odata_date(s.one(f"{DCT}issued")), url=s.one(f"{FOAF}page"),
               files=_files(s))


def _plan(out: dict, s: Statements, base_uri: str) -> None:
    _report(out, s, base_uri)
    out["type"] = s.one(f"{MCEP}planType")


def _document(out: dict, s: Statements, base_uri: str) -> None:
    out.update(title=s.texts(f"{DCT}title"), description=s.texts(f"{DCT}description"),
               published=odata_date(s.one(f"{DCT}issued")),
               identifiers={"results": [{"name": "symbol", "value": i.value} for i in s.all(f"{DCT}identifier")]},
               authors={"results": [{"name": a.value} for a in s.all(f"{DC}creator")]},
               types={"results": [{"value": t.value} for t in s.all(f"{DC}type")]},
               keywords=_keywords(s, base_uri), files=_files(s))


def _keywords(s: Statements, base_uri: str) -> dict:
    """The source's own keywords (LEO terms): the hub's concepts, which follow from them, are left out."""
    terms = [t.value for t in s.all(f"{DCT}subject") if not t.value.startswith(f"{base_uri}vocab/")]
    return {"results": [{"termURI": t} for t in terms]}


def _files(s: Statements) -> dict:
    rows = []
    for dist in s.all(f"{DCAT}distribution"):
        url = s.one(f"{DCAT}downloadURL", dist.value)
        if not url:
            continue
        row = {"url": url, "filename": s.one(f"{DCT}title", dist.value)}
        if language := s.one(f"{DCT}language", dist.value):
            row["language"] = language.rstrip("/").rsplit("/", 1)[-1]
        if media := s.one(f"{DCAT}mediaType", dist.value):
            row["mimeType"] = media.split("/media-types/", 1)[-1]
        rows.append({k: v for k, v in row.items() if v})
    return {"results": rows}

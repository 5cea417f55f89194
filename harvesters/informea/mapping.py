"""InforMEA entities mapped to RDF: functions of a record's payload and the mapping context, testable
without HTTP. The payload is the entity as the provider sent it, deferred navigation properties put in place
(``odata.py``): ``{"id", "title": [{"language", "value"}], "files": {"results": [...]}, ...}``.
"""

from __future__ import annotations

import json
import mimetypes

from mcep_ld.harvesters.informea.odata import collection
from rdflib import Literal, URIRef
from rdflib.namespace import DC, XSD

from mcep_ld.fetch.contract import MappingContext
from mcep_ld.mapping.concepts import add_country, add_subject, add_treaty
from mcep_ld.mapping.dates import date_literal, day_literal
from mcep_ld.mapping.iris import concept_iri, decision_key, distribution_iri, record_iri, slug
from mcep_ld.mapping.languages import normalise_language, text_literal
from mcep_ld.mapping.namespaces import DCAT, DCT, FOAF, LEO, MCEP, RDF, SCHEMA, SKOS
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples


def texts(entity: dict, field: str) -> list[Literal]:
    """The multilingual values of *field*: ``{language, value}`` rows, D8 ``{lang: text}`` or a plain string."""
    value = entity.get(field)
    out: list[Literal] = []
    if isinstance(value, str):
        lit = text_literal(value, None)
        return [lit] if lit is not None else []
    if isinstance(value, dict) and "results" not in value and "__deferred" not in value:
        rows = [{"language": k, "value": v} for k, v in value.items()]
    else:
        rows = collection(value)
    for row in rows:
        if isinstance(row, dict):
            lit = text_literal(row.get("value"), row.get("language"))
            if lit is not None:
                out.append(lit)
    return out


def add_texts(g: Triples, iri: URIRef, entity: dict, *fields: tuple[str, URIRef]) -> None:
    """Each multilingual *field* of the entity as its property, one literal per language value."""
    for field, prop in fields:
        for lit in texts(entity, field):
            g.add((iri, prop, lit))


def scalar(entity: dict, field: str) -> str | None:
    value = entity.get(field)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def number(entity: dict, field: str) -> Literal | None:
    value = scalar(entity, field)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise MappingError(f"{field}: not a number: {value!r}") from None
    if field == "latitude" and not -90 <= number <= 90 or field == "longitude" and not -180 <= number <= 180:
        raise MappingError(f"{field}: out of range: {value!r}")
    return Literal(value, datatype=XSD.decimal)



def map_record(record: SourceRecord, ctx: MappingContext) -> MappedRecord:
    """One InforMEA entity (a record's JSON payload) as a graph; MappingError when it cannot be mapped."""
    try:
        entity = json.loads(record.payload)
    except ValueError as exc:
        raise MappingError(f"payload is not JSON: {exc}") from None
    if not isinstance(entity, dict):
        raise MappingError(f"expected a JSON object, got {type(entity).__name__}")
    if not scalar(entity, "id"):
        raise MappingError("record has no 'id'")
    mapper = {"decision": decision, "meeting": meeting, "focal-point": contact,
              "treaty": treaty_record, "national-report": national_report,
              "national-plan": national_plan, "document": document}[record.kind]
    g = Triples()
    iri, sets = mapper(g, entity, ctx)
    g.add((iri, DCT.source, URIRef(record.url)))
    sets = [f"kind:{record.kind}", f"source:{record.source}", *sets]
    return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

def decision(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    number, treaty = scalar(e, "number"), scalar(e, "treaty")
    if number:  # "SC-3/7" carries its treaty; a bare "5/16" is paired with it (MC-5/16)
        key = slug(decision_key(number, treaty))
    else:
        key = slug(scalar(e, "id") or "")
    iri = record_iri(ctx.base_uri, "decision", key)
    g.add((iri, RDF.type, MCEP.Decision))
    if number:
        g.add((iri, DCT.identifier, Literal(number)))
    add_texts(g, iri, e, ("title", DCT.title), ("longTitle", DCT.alternative), ("summary", DCT.abstract),
               ("content", DCT.description))
    for field, prop in (("published", DCT.issued), ("updated", DCT.modified)):
        lit = date_literal(scalar(e, field))
        if lit is not None:
            g.add((iri, prop, lit))
    for field, prop in (("status", MCEP.status), ("type", MCEP.decisionType)):
        if value := scalar(e, field):
            g.add((iri, prop, Literal(value.lower())))
    if link := scalar(e, "link"):
        g.add((iri, FOAF.page, URIRef(link)))
    if meeting := scalar(e, "meetingId"):
        g.add((iri, MCEP.meeting, record_iri(ctx.base_uri, "meeting", slug(meeting))))
    sets = keywords(g, iri, e, ctx)
    files(g, iri, e, ctx)
    return iri, sets + add_treaty(g, iri, treaty, ctx.vocab)

def keywords(g: Triples, iri: URIRef, e: dict, ctx: MappingContext) -> list[str]:
    """Keywords as LEO concepts (a ``termURI``, else the term's label made a LEO IRI), with the themes
    aligned to them; returns the theme sets."""
    sets: list[str] = []
    for kw in collection(e.get("keywords")):
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

def files(g: Triples, iri: URIRef, e: dict, ctx: MappingContext) -> None:
    for f in collection(e.get("files")):
        if not isinstance(f, dict) or not scalar(f, "url"):
            continue
        dist = distribution_iri(iri, scalar(f, "url"))
        g.add((iri, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, URIRef(scalar(f, "url"))))
        if name := scalar(f, "filename"):
            g.add((dist, DCT.title, Literal(name)))
        lang = normalise_language(scalar(f, "language"))
        if lang and lang != "und":
            g.add((dist, DCT.language, concept_iri(ctx.base_uri, "language", lang)))
        if mime := scalar(f, "mimeType"):
            if "/" not in mime:  # the D8 API sends the file extension
                mime = mimetypes.types_map.get(f".{mime.lower()}", "application/octet-stream")
            g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{mime}")))

def meeting(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    iri = record_iri(ctx.base_uri, "meeting", slug(scalar(e, "id") or ""))
    g.add((iri, RDF.type, MCEP.Meeting))
    add_texts(g, iri, e, ("title", DCT.title), ("description", DCT.description))
    for field, prop in (("start", SCHEMA.startDate), ("end", SCHEMA.endDate)):
        lit = day_literal(scalar(e, field))
        if lit is not None:
            g.add((iri, prop, lit))
    if lit := date_literal(scalar(e, "updated")):
        g.add((iri, DCT.modified, lit))
    for field, prop in (("status", MCEP.status), ("type", MCEP.meetingType), ("kind", MCEP.meetingKind)):
        if value := scalar(e, field):
            g.add((iri, prop, Literal(value.lower())))
    for field in ("location", "city"):
        if value := scalar(e, field):
            g.add((iri, SCHEMA.location if field == "location" else MCEP.city, Literal(value)))
    for field, prop in (("latitude", SCHEMA.latitude), ("longitude", SCHEMA.longitude)):
        if (lit := number(e, field)) is not None:
            g.add((iri, prop, lit))
    if url := scalar(e, "url"):
        g.add((iri, FOAF.page, URIRef(url)))
    sets = add_treaty(g, iri, scalar(e, "treaty"), ctx.vocab)
    sets += add_country(g, iri, scalar(e, "country"), ctx.vocab)
    return iri, sets

def contact(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    iri = record_iri(ctx.base_uri, "focal-point", slug(scalar(e, "id") or ""))
    g.add((iri, RDF.type, MCEP.FocalPoint))
    parts = [p for p in (scalar(e, "prefix"), scalar(e, "firstName"), scalar(e, "lastName")) if p]
    if parts:
        g.add((iri, FOAF.name, Literal(" ".join(parts))))
    for field, prop in (("firstName", FOAF.givenName), ("lastName", FOAF.familyName),
                        ("prefix", SCHEMA.honorificPrefix), ("position", SCHEMA.jobTitle),
                        ("institution", MCEP.institution), ("department", MCEP.department),
                        ("type", MCEP.focalPointType),
                        # restricted by default (restricted_predicates): never published
                        ("email", SCHEMA.email), ("phoneNumber", SCHEMA.telephone),
                        ("fax", SCHEMA.faxNumber), ("address", SCHEMA.address)):
        if value := scalar(e, field):
            g.add((iri, prop, Literal(value)))
    if (primary := e.get("primary")) is not None:
        g.add((iri, MCEP.primaryFocalPoint, Literal(str(primary).strip().lower() in {"1", "true"})))
    if lit := date_literal(scalar(e, "updated")):
        g.add((iri, DCT.modified, lit))
    sets = add_country(g, iri, scalar(e, "country"), ctx.vocab)
    treaties = [t.get("value") for t in collection(e.get("treaties")) if isinstance(t, dict)]
    for code in [t for t in treaties if isinstance(t, str)]:
        sets += add_treaty(g, iri, code.strip(), ctx.vocab)
    return iri, sets

def treaty_record(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    code = scalar(e, "id") or ""
    iri = record_iri(ctx.base_uri, "treaty", slug(code))
    g.add((iri, RDF.type, MCEP.Treaty))
    g.add((iri, DCT.identifier, Literal(code)))
    titles = texts(e, "title") or [lit for lit in [text_literal(scalar(e, "titleEnglish"), "en")] if lit]
    for lit in titles:
        g.add((iri, DCT.title, lit))
    add_texts(g, iri, e, ("description", DCT.description))
    for field in ("url", "treatyWebsiteURL"):
        if url := scalar(e, field):
            g.add((iri, FOAF.page, URIRef(url)))
    if concept := ctx.vocab.lookup("treaty", code):
        g.add((iri, SKOS.exactMatch, URIRef(concept)))
    return iri, [f"treaty:{slug(code)}"]

def report_like(g: Triples, e: dict, ctx: MappingContext, kind: str, cls: URIRef) -> tuple[URIRef, list]:
    """National reports and national plans: a country's submission under a treaty, with files."""
    iri = record_iri(ctx.base_uri, kind, slug(scalar(e, "id") or ""))
    g.add((iri, RDF.type, cls))
    add_texts(g, iri, e, ("title", DCT.title))
    if lit := date_literal(scalar(e, "submission")):
        g.add((iri, DCT.issued, lit))
    if lit := date_literal(scalar(e, "updated")):
        g.add((iri, DCT.modified, lit))
    if url := scalar(e, "url"):
        g.add((iri, FOAF.page, URIRef(url)))
    files(g, iri, e, ctx)
    sets = add_treaty(g, iri, scalar(e, "treaty"), ctx.vocab)
    sets += add_country(g, iri, scalar(e, "country"), ctx.vocab)
    return iri, sets

def national_report(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    return report_like(g, e, ctx, "national-report", MCEP.NationalReport)

def national_plan(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    iri, sets = report_like(g, e, ctx, "national-plan", MCEP.NationalPlan)
    if ptype := scalar(e, "type"):
        g.add((iri, MCEP.planType, Literal(ptype.lower())))
        sets.append(f"plan-type:{slug(ptype)}")
    return iri, sets

def document(g: Triples, e: dict, ctx: MappingContext) -> tuple[URIRef, list[str]]:
    identifiers = [(str(i.get("name", "")).lower(), str(i.get("value", "")).strip())
                   for i in collection(e.get("identifiers")) if isinstance(i, dict)]
    symbols = [v for n, v in identifiers if v and n in ("symbol", "document symbol")]  # not an ISBN or a number
    # A document symbol (UNEP/MC/COP.5/19) is the natural key: the same document seen on the
    # Convention's website maps to the same hub IRI.
    iri = record_iri(ctx.base_uri, "document", slug(symbols[0] if symbols else scalar(e, "id") or ""))
    g.add((iri, RDF.type, MCEP.Document))
    for _, value in identifiers:
        if value:
            g.add((iri, DCT.identifier, Literal(value)))
    add_texts(g, iri, e, ("title", DCT.title), ("description", DCT.description))
    for field, prop in (("published", DCT.issued), ("updated", DCT.modified)):
        if lit := date_literal(scalar(e, field)):
            g.add((iri, prop, lit))
    for author in collection(e.get("authors")):
        if isinstance(author, dict) and (name := str(author.get("name") or "").strip()):
            g.add((iri, DC.creator, Literal(name)))
    for t in collection(e.get("types")):
        if isinstance(t, dict) and (value := str(t.get("value") or "").strip()):
            g.add((iri, DC.type, Literal(value)))
    sets = keywords(g, iri, e, ctx)
    files(g, iri, e, ctx)
    sets += add_country(g, iri, scalar(e, "country"), ctx.vocab)
    codes = {scalar(e, "treaty")} | {t.get("value") for t in collection(e.get("treaties")) if isinstance(t, dict)}
    for code in sorted(c for c in codes if isinstance(c, str) and c.strip()):
        sets += add_treaty(g, iri, code.strip(), ctx.vocab)
    return iri, sets

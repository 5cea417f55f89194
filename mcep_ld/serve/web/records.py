"""Record IRIs (``/id/{kind}/{key}``) dereference: HTML for browsers, RDF for machines, by content negotiation.

A record is what every source says of its IRI (the union of its record graphs: InforMEA's and the website's
descriptions of one document together), with the record's files. Conditional requests (ETag,
Last-Modified) answer 304; an IRI the catalog never had is 404, one whose every source deleted it 410.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from markupsafe import Markup

from mcep_ld.classify.assign import graph_of
from mcep_ld.messages import message_or
from mcep_ld.publish import rights
from mcep_ld.serve.formats import RESOURCE_FORMATS
from mcep_ld.serve.web.jsonld import curie
from mcep_ld.serve.web.layout import (
    Link,
    esc,
    lang_attr,
    literal_text,
    local,
    page_language,
    render,
    text_in,
    to,
    web_address,
)
from mcep_ld.serve.web.negotiation import (
    languages,
    media_type,
    no_format,
    not_modified,
    serialize,
    validators,
)
from mcep_ld.serve.web.search import facet_label

router = APIRouter()

@router.get("/id/{kind}/{key}")
async def record(request: Request, kind: str, key: str, lang: str | None = None) -> Response:
    name, _, suffix = key.partition(".")
    hub = request.app.state.hub
    iri = f"{hub.settings.base_uri}id/{kind}/{name}"
    rows = hub.catalog.rows_of_iri(iri)
    live = [r for r in rows if r["published"] and not r["deleted"]]
    if not rows:
        return PlainTextResponse(f"no record {iri}", status_code=404)
    if not live:
        return PlainTextResponse(f"{iri} was deleted at its source", status_code=410)
    media = media_type(request, suffix)
    if not media:
        return no_format(suffix)
    modified = max(r["datestamp"] for r in live)
    state = "|".join(sorted(f"{r['graph']}={r['graph_hash']}" for r in live)) + hub.rules_digest
    state += f"|{hub.catalog.classified_hashes_of(iri)}"  # the classifier's placements are part of the record
    if media == "text/html":  # the page also names related records by their titles, read from the index
        state += f"|{hub.search.generation()}|{hub.settings.data_license}|{hub.settings.data_publisher}"
        state += "|" + ",".join(rights.terms_digest(hub.settings, r["source"]) for r in live)  # shown per source
    headers = validators(iri, state, modified, media, page_language(request))
    if not_modified(request, headers["ETag"], modified):
        return Response(status_code=304, headers=headers)
    triples = await run_in_threadpool(hub.store.record_triples, iri)
    if media == "text/html":
        placed = await run_in_threadpool(placements, hub, iri)
        return HTMLResponse(_page(request, hub, iri, kind, triples, live, lang, placed), headers=headers)
    body = serialize(triples, media, public_url=hub.settings.public_url)
    return Response(body, media_type=media, headers=headers)


SCHEMA_TYPES = {"decision": "Legislation", "meeting": "Event", "focal-point": "Person", "treaty": "Legislation",
                "national-report": "Report", "national-plan": "Report", "project": "Project",
                "document": "CreativeWork", "case-study": "CreativeWork", "resource": "CreativeWork"}
FACTS = {"http://purl.org/dc/terms/identifier": "identifier", "http://purl.org/dc/terms/issued": "issued",
         "http://purl.org/dc/terms/date": "date", "https://w3id.org/mcep/ontology#country": "country",
         "http://purl.org/dc/terms/subject": "subject", "https://w3id.org/mcep/ontology#meeting": "meeting",
         "http://schema.org/startDate": "start", "http://schema.org/endDate": "end"}


def placements(hub, iri: str) -> list[dict]:  # noqa: ANN001 - the Hub
    """The classifier's placements of *iri*, from its placements graph: concept, score, status, rules, evidence."""
    found: dict[str, dict] = {}
    for q in hub.store.public.quads(graph_of(hub.settings.base_uri, iri)):
        if q.subject.value == iri:
            continue
        entry = found.setdefault(q.subject.value, {"rule": [], "evidence": []})
        name = q.predicate.value.rsplit("#", 1)[-1]
        if name in ("concept", "score", "reviewStatus", "reviewedBy"):
            entry[name] = q.object.value
        elif name in ("rule", "evidence"):
            entry[name].append(q.object.value)
    return sorted((e for e in found.values() if "concept" in e),
                  key=lambda e: (-float(e.get("score", 0)), e["concept"]))


def _page(request: Request, hub, iri: str, kind: str, triples: list[ox.Triple], live: list,  # noqa: ANN001
          lang_param: str | None, placed: list[dict]) -> str:
    """The record for people: title and description in the reader's language, key facts, related records and
    concepts, provenance (which source, when harvested, validation status), every statement, and schema.org
    JSON-LD for general search engines."""
    from mcep_ld.search.documents import build

    lang = page_language(request)
    order = languages(request, lang_param)
    doc = build(iri, kind, [r["source"] for r in live], triples, hub.vocab)
    title, title_lang = text_in(doc.titles, order)
    description, description_lang = text_in(doc.descriptions, order)
    concepts = f"{hub.settings.base_uri}vocab/"
    records = f"{hub.settings.base_uri}id/"

    own = sorted((t for t in triples if t.subject.value == iri),
                 key=lambda t: (t.predicate.value, str(t.object)))
    related = sorted({t.object.value for t in own if isinstance(t.object, ox.NamedNode)
                      and t.object.value.startswith(records) and not t.object.value.startswith(iri)})
    named = sorted({t.object.value for t in own if isinstance(t.object, ox.NamedNode)
                    and t.object.value.startswith(concepts)})
    record_titles = hub.search.titles(related)

    def show(term: ox.Term) -> Link | Markup:
        """A value as a reader reads it: a labelled link, a date in the reader's language, or marked text."""
        if isinstance(term, ox.NamedNode):
            label = (hub.vocab.label(term.value, order) or text_in(record_titles.get(term.value, {}), order)
                     or next((hub.vocab.label(c, order) for c in hub.vocab.aligned_anywhere(term.value)), None))
            text, code = label if label and label[0] else (_readable(term.value), "")
            return to(request, term.value, text, lang, text_lang=code)
        if isinstance(term, ox.Literal) and term.datatype is not None and not term.language:
            return literal_text(term.value, term.datatype.value, lang)
        code = term.language if isinstance(term, ox.Literal) else ""
        return Link("", term.value, Markup(lang_attr(code, lang)))

    machine = {p["concept"] for p in placed}
    named = [n for n in named if n not in machine]
    context = {
        "iri": iri, "title_attrs": Markup(lang_attr(title_lang, lang)),
        "kind_label": facet_label(hub, "kind", kind, lang),
        "description": description, "description_attrs": Markup(lang_attr(description_lang, lang)),
        "other_languages": sorted(c for c in doc.titles if c),
        "facts": [(name, show(t.object)) for t in own if (name := FACTS.get(t.predicate.value))
                  and not (name == "subject" and t.object.value in machine)],
        "placed": [{"concept": show(ox.NamedNode(p["concept"])), "score": float(p.get("score", 0)),
                    "accepted": p.get("reviewStatus", "").endswith("Accepted"), "evidence": sorted(p["evidence"])}
                   for p in placed],
        "related": [show(ox.NamedNode(r)) for r in [*related, *named]],
        "files": _files(triples, iri, hub, order),
        "sources": [{"source": r["source"], "datestamp": r["datestamp"],
                     "status": message_or(f"status_{r['status']}", lang, r["status"]),
                     "raw_url": r["raw_url"] if r["raw_url"].startswith(("http://", "https://")) else "",
                     "licence": hub.settings.source(r["source"])["license"],
                     "rights": hub.settings.source(r["source"])["rights"]}
                    for r in live],
        "rights": {"licence": hub.settings.data_license, "publisher": hub.settings.data_publisher},
        "statements": [(t.predicate.value, curie(t.predicate.value), show(t.object)) for t in own],
        "formats": [{"href": f"{local(request, iri)}.{f.file_extension}", "media": f.media_type,
                     "ext": f.file_extension} for f in RESOURCE_FORMATS],
    }
    licence = next((s["licence"] for s in context["sources"] if s["licence"]), hub.settings.data_license)
    return render(request, "record.html", lang, title or iri,
                  head=_schema_org(iri, kind, doc, triples, licence), **context)


def _readable(iri: str) -> str:
    """The last segment of an IRI no vocabulary labels, as words: ``…/terms/hazardous-waste`` → hazardous waste."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    words = unquote(tail).replace("-", " ").replace("_", " ").strip()
    return words or iri


DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


def _files(triples: list[ox.Triple], iri: str, hub, order: list[str]) -> list[tuple[Link, str]]:  # noqa: ANN001
    """The record's files (its ``dcat:distribution``s): a download link each, with its language's name."""
    about: dict[str, dict[str, str]] = {}
    for t in triples:
        if t.subject.value.startswith(f"{iri}#") and t.predicate.value in (f"{DCAT}downloadURL", f"{DCT}title",
                                                                         f"{DCT}language"):
            about.setdefault(t.subject.value, {})[t.predicate.value] = t.object.value
    files = []
    for node in sorted(about.values(), key=lambda n: (n.get(f"{DCT}title", ""), n.get(f"{DCAT}downloadURL", ""))):
        if not (url := node.get(f"{DCAT}downloadURL")):
            continue
        language = node.get(f"{DCT}language", "")
        code = language.rsplit("/", 1)[-1] if language else ""
        label = (hub.vocab.label(language, order) or ("", ""))[0] if language else ""
        hreflang = Markup(f' hreflang="{esc(code)}"') if code else Markup("")
        files.append((Link(url if web_address(url) else "", node.get(f"{DCT}title") or url, hreflang), label))
    return files


def _schema_org(iri: str, kind: str, doc, triples: list[ox.Triple],  # noqa: ANN001 - doc: a SearchDocument
                licence: str = "") -> str:
    """schema.org JSON-LD of the record, in a script element of the page, for general search engines."""
    data: dict = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(kind, "CreativeWork"), "@id": iri,
                  "url": iri, "name": [{"@value": t, "@language": c} if c else t for c, t in doc.titles.items()]}
    if doc.descriptions:
        data["description"] = [{"@value": t, "@language": c} if c else t for c, t in doc.descriptions.items()]
    if doc.identifiers:
        data["identifier"] = doc.identifiers
    if doc.year:
        data["temporalCoverage" if kind == "meeting" else "datePublished"] = str(doc.year)
    if languages_ := sorted(doc.facets.get("language", ())):
        data["inLanguage"] = languages_
    # sorted: the store gives triples in its own order (Virtuoso's is not Oxigraph's); the page must not vary
    files = sorted({t.object.value for t in triples if t.predicate.value == "http://www.w3.org/ns/dcat#downloadURL"})
    if files:
        data["encoding"] = [{"@type": "MediaObject", "contentUrl": url} for url in files]
    if licence:
        data["license"] = licence
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit per file
SITEMAP_MAX_PAGES = 50_000  # the sitemap protocol's limit of files per index


@router.get("/sitemap.xml")
def sitemap(request: Request, page: int = Query(1, ge=1, le=SITEMAP_MAX_PAGES)) -> Response:
    """The record pages, each with the newest datestamp of its sources as ``lastmod``; past 50,000 URLs a
    sitemap index of pages (``?page=N``), as the sitemap protocol requires."""
    from lxml import etree

    hub = request.app.state.hub
    total = hub.catalog.live_iri_count()
    pages = max(1, -(-total // SITEMAP_MAX_URLS))
    base, site = hub.settings.base_uri, hub.settings.public_url
    if pages > 1 and "page" not in request.query_params:
        root = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})
        for n in range(1, pages + 1):
            etree.SubElement(etree.SubElement(root, f"{{{SITEMAP}}}sitemap"), f"{{{SITEMAP}}}loc").text = \
                f"{site}sitemap.xml?page={n}"
    else:
        root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
        rows = hub.catalog.live_iris(limit=SITEMAP_MAX_URLS, offset=(page - 1) * SITEMAP_MAX_URLS)
        for iri, stamp in rows:
            url = etree.SubElement(root, f"{{{SITEMAP}}}url")
            # the page's address (the IRI itself where the hub is served at its base)
            etree.SubElement(url, f"{{{SITEMAP}}}loc").text = site + iri[len(base):] if iri.startswith(base) else iri
            etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = stamp
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")
    return Response(body, media_type="application/xml")

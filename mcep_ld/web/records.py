"""Record IRIs (``/id/{kind}/{key}``) dereference: HTML for browsers, RDF for machines, by content negotiation.

A record is what every source says of its IRI (the union of its record graphs: InforMEA's and the website's
descriptions of one document together), with the record's files. Conditional requests (ETag,
Last-Modified) answer 304; an IRI the catalog never had is 404, one whose every source deleted it 410.
"""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from mcep_ld.web.negotiation import RDF_TYPES, languages, media_type, serialize

router = APIRouter()

_PREFIXES = {"dct": "http://purl.org/dc/terms/", "mcep": "https://w3id.org/mcep/ontology#",
             "dcat": "http://www.w3.org/ns/dcat#", "foaf": "http://xmlns.com/foaf/0.1/",
             "schema": "http://schema.org/", "skos": "http://www.w3.org/2004/02/skos/core#"}
DCAT_DISTRIBUTION = "http://www.w3.org/ns/dcat#distribution"
TITLE = "http://purl.org/dc/terms/title"


def _triples(hub, iri: str) -> list[ox.Triple]:  # noqa: ANN001 - the Hub
    """What every source says of *iri*, and of its files; each statement once."""
    store = hub.store.public
    seen: dict[ox.Triple, None] = {}
    subjects = [iri]
    while subjects:
        subject = subjects.pop()
        for q in store.quads(None, subject=subject):
            seen.setdefault(ox.Triple(q.subject, q.predicate, q.object))
            if q.predicate.value == DCAT_DISTRIBUTION and isinstance(q.object, ox.NamedNode):
                subjects.append(q.object.value)
    return list(seen)


@router.get("/id/{kind}/{key}")
async def record(request: Request, kind: str, key: str, lang: str | None = None) -> Response:
    name, _, suffix = key.partition(".")
    hub = request.app.state.hub
    iri = f"{hub.settings.base_uri}id/{kind}/{name}"
    rows = hub.catalog.db.execute("SELECT source, graph, graph_hash, datestamp, deleted, published, status "
                                  "FROM records WHERE iri=?", (iri,)).fetchall()
    live = [r for r in rows if r["published"] and not r["deleted"]]
    if not rows:
        return PlainTextResponse(f"no record {iri}", status_code=404)
    if not live:
        return PlainTextResponse(f"{iri} was deleted at its source", status_code=410)
    media = media_type(request, suffix)
    if not media:
        return PlainTextResponse(f"no format .{suffix}: one of .ttl, .jsonld, .nt, .rdf", status_code=404)
    modified = max(r["datestamp"] for r in live)
    tag = hashlib.sha256("|".join(sorted(f"{r['graph']}={r['graph_hash']}" for r in live)).encode()
                         + hub.rules_digest.encode() + media.encode()).hexdigest()[:32]
    headers = {"ETag": f'"{tag}"', "Vary": "Accept, Accept-Language",
               "Last-Modified": format_datetime(datetime.strptime(modified, "%Y-%m-%dT%H:%M:%SZ")
                                                .replace(tzinfo=UTC), usegmt=True),
               "Link": ", ".join(f'<{iri}.{ext}>; rel="alternate"; type="{m}"' for m, (_, ext) in RDF_TYPES.items())}
    if _not_modified(request, tag, modified):
        return Response(status_code=304, headers=headers)
    triples = await run_in_threadpool(_triples, hub, iri)
    if media == "text/html":
        return HTMLResponse(_page(hub, iri, triples, live, languages(request, lang)), headers=headers)
    body = serialize(triples, media, _PREFIXES)
    return Response(body, media_type=media, headers=headers)


def _not_modified(request: Request, tag: str, modified: str) -> bool:
    if (match := request.headers.get("if-none-match")) is not None:
        return f'"{tag}"' in [t.strip() for t in match.split(",")] or match.strip() == "*"
    if since := request.headers.get("if-modified-since"):
        try:
            return datetime.strptime(modified, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _page(hub, iri: str, triples: list[ox.Triple], live: list, languages: list[str]) -> str:  # noqa: ANN001
    """A plain page: the title in the reader's language, every statement, and where the record came from."""
    titles = {t.object.language: t.object.value for t in triples
              if t.subject.value == iri and t.predicate.value == TITLE and isinstance(t.object, ox.Literal)}
    lang = next((code for code in languages if code in titles), next(iter(titles), "en"))
    title = titles.get(lang, iri)

    def show(term: ox.Term) -> str:
        if isinstance(term, ox.NamedNode):
            label = hub.vocab.label(term.value, languages)
            text = label[0] if label else term.value
            return f'<a href="{html.escape(term.value)}">{html.escape(text)}</a>'
        attr = f' lang="{html.escape(term.language)}"' if isinstance(term, ox.Literal) and term.language else ""
        return f"<span{attr}>{html.escape(term.value)}</span>"

    rows = "".join(f"<tr><th scope=\"row\">{show(t.predicate)}</th><td>{show(t.object)}</td></tr>"
                   for t in sorted(triples, key=lambda t: (t.subject.value != iri, t.predicate.value, str(t.object)))
                   if t.subject.value == iri)
    sources = "".join(f"<li>{html.escape(r['source'])}: updated {html.escape(r['datestamp'])}, "
                      f"{html.escape(r['status'])}</li>" for r in live)
    other = "".join(f'<a href="?lang={code}" hreflang="{code}" lang="{code}">{code}</a> ' for code in sorted(titles))
    return (f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
            f"<p>{other}</p><p><code>{html.escape(iri)}</code></p><table>{rows}</table>"
            f"<h2>Sources</h2><ul>{sources}</ul></main></body></html>")


SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit per file


@router.get("/sitemap.xml")
def sitemap(request: Request, page: int = 1) -> Response:
    """The record pages, each with the newest datestamp of its sources as ``lastmod``; past 50,000 URLs a
    sitemap index of pages (``?page=N``), as the sitemap protocol requires."""
    from lxml import etree

    hub = request.app.state.hub
    total = hub.catalog.db.execute("SELECT COUNT(DISTINCT iri) FROM records WHERE published=1 AND deleted=0 "
                                   "AND iri IS NOT NULL").fetchone()[0]
    pages = max(1, -(-total // SITEMAP_MAX_URLS))
    base = hub.settings.base_uri
    if pages > 1 and "page" not in request.query_params:
        root = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})
        for n in range(1, pages + 1):
            etree.SubElement(etree.SubElement(root, f"{{{SITEMAP}}}sitemap"), f"{{{SITEMAP}}}loc").text = \
                f"{base}sitemap.xml?page={n}"
    else:
        root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
        rows = hub.catalog.db.execute(
            "SELECT iri, MAX(datestamp) FROM records WHERE published=1 AND deleted=0 AND iri IS NOT NULL "
            "GROUP BY iri ORDER BY iri LIMIT ? OFFSET ?", (SITEMAP_MAX_URLS, (page - 1) * SITEMAP_MAX_URLS))
        for iri, stamp in rows:
            url = etree.SubElement(root, f"{{{SITEMAP}}}url")
            etree.SubElement(url, f"{{{SITEMAP}}}loc").text = iri
            etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = stamp
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")
    return Response(body, media_type="application/xml")

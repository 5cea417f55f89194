"""The vocabularies on the web: label lookup, scheme listings, and concepts by content negotiation.

``/api/vocab/lookup`` answers with ``Vocabulary.find``, the lookup harvesters map codes and names with, so
a curator's new spelling works for both at once. Concepts are served from the vocabulary files the hub
published at start-up; the pages of records come with their own issue.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mcep_ld.messages import LANGUAGE_NAMES, message
from mcep_ld.serve.web.countries import profile
from mcep_ld.serve.web.layout import link, page_language, record_links, render, to
from mcep_ld.serve.web.negotiation import languages, media_type, no_format, not_modified, serialize, validators
from mcep_ld.serve.web.products import entry
from mcep_ld.vocab import SKOS, Vocabulary

router = APIRouter()
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"



def _vocab(request: Request) -> Vocabulary:
    return request.app.state.hub.vocab


@router.get("/api/vocab/lookup")
def lookup(request: Request, label: str = Query(..., min_length=1), lang: str | None = None,
           scheme: str | None = None) -> JSONResponse:
    """Concepts with this label in any of the six languages (or this notation), case- and accent-insensitive."""
    vocab = _vocab(request)
    langs = languages(request, lang)
    prefix = f"{vocab.base_uri}vocab/"
    results = []
    for iri in vocab.find(label, scheme=scheme):
        shown = vocab.label(iri, langs)
        results.append({"iri": iri, "scheme": iri[len(prefix):].split("/", 1)[0],
                        "prefLabel": shown[0] if shown else None, "lang": shown[1] if shown else None,
                        "prefLabels": vocab.pref_labels.get(iri, {})})
    return JSONResponse({"label": label, "results": results})


def _triples(vocab: Vocabulary, subjects: set[str]) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in vocab.quads
            if isinstance(q.subject, ox.NamedNode) and q.subject.value in subjects]


#: What a scheme or concept page shows: its template, its title and the template's data, in the page's language.
Page = Callable[[str], tuple[str, str, dict]]


def _respond(request: Request, iri: str, triples: list[ox.Triple], media: str, page: Page, *,
             with_records: bool = False) -> Response:
    """A scheme or concept in the negotiated *media*, with validators: 304 when the client's copy is current.

    The answer is made from the vocabulary files as loaded and, on theme, country, region and product pages
    (*with_records*), the records the search index lists: its tag follows both, its date is the files' or the
    newest record's."""
    hub = request.app.state.hub
    lang = page_language(request)
    modified = hub.vocab.modified
    if with_records:
        modified = max(modified, hub.catalog.newest_datestamp() or "")
    headers = validators(iri, f"{hub.rules_digest}|{hub.search.generation() if with_records else ''}", modified,
                         media, lang)
    if not_modified(request, headers["ETag"], modified):
        return Response(status_code=304, headers=headers)
    if media == "text/html":
        template, title, context = page(lang)
        return HTMLResponse(render(request, template, lang, title, **context), headers=headers)
    body = serialize(triples, media, public_url=hub.settings.public_url)
    return Response(body, media_type=media, headers=headers)


#: Schemes whose concept pages list the records naming them: facet → scheme.
BROWSED = {"theme": "theme", "country": "country", "region": "region"}
#: Records a theme, region or country page lists (search lists them all).
CONCEPT_RECORDS = 20


def _records_naming(request: Request, facet: str, iri: str, lang: str) -> dict | None:
    """The first records of this theme or region, and a link to all of them in search."""
    result = request.app.state.hub.search.search("", filters={facet: [iri]}, limit=CONCEPT_RECORDS)
    if not result.total:
        return None
    return {"links": record_links(request, result.hits, lang), "total": result.total,
            "href": link("/search", lang, **{facet: iri})}


@router.get("/vocab")
@router.get("/vocab.{suffix}")
def schemes_page(request: Request, suffix: str = "", lang: str | None = None) -> Response:
    """The vocabulary browser's entry: every concept scheme, with its label in the reader's language."""
    if not (media := media_type(request, suffix)):
        return no_format(suffix)
    vocab = _vocab(request)
    langs = languages(request, lang)
    schemes = sorted({q.subject.value for q in vocab.quads if q.predicate.value == RDF_TYPE
                      and q.object.value == f"{SKOS}ConceptScheme"})

    def page(lang: str) -> tuple[str, str, dict]:
        links = sorted((to(request, iri, (vocab.label(iri, langs) or (iri, ""))[0], lang) for iri in schemes),
                       key=lambda link: link.text)
        return "schemes.html", message("vocabularies", lang), {"links": links}

    return _respond(request, f"{vocab.base_uri}vocab", _triples(vocab, set(schemes)), media, page)


@router.get("/vocab/{scheme}")
def scheme_page(request: Request, scheme: str, lang: str | None = None) -> Response:
    """A concept scheme and its concepts (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf`` suffixes for links)."""
    name, _, suffix = scheme.partition(".")
    if not (media := media_type(request, suffix)):
        return no_format(suffix)
    vocab = _vocab(request)
    iri = f"{vocab.base_uri}vocab/{name}"
    members = {q.subject.value for q in vocab.quads if q.predicate.value == f"{SKOS}inScheme"
               and q.object.value == iri}
    if not members and iri not in vocab.pref_labels:
        return JSONResponse({"error": f"no concept scheme {name!r}"}, status_code=404)
    langs = languages(request, lang)
    order = _order(vocab, members)

    def page(lang: str) -> tuple[str, str, dict]:
        rows = sorted(((m, (vocab.label(m, langs) or (m, ""))[0]) for m in members),
                      key=lambda r: (order.get(r[0], (2, 0, "")), r[1]))
        return ("schemes.html", (vocab.label(iri, langs) or (name, ""))[0],
                {"links": [to(request, m, text, lang) for m, text in rows]})

    return _respond(request, iri, _triples(vocab, {iri, *members}), media, page)


def _order(vocab: Vocabulary, members: set[str]) -> dict[str, tuple]:
    """Articles in the Convention's order, then annexes by letter (other concepts follow, by label)."""
    order = {}
    notations = vocab.objects(f"{SKOS}notation")
    for concept in members:
        for o in notations.get(concept, ()):
            kind = o.datatype.value.rsplit("#", 1)[-1] if o.datatype is not None else ""
            if kind == "ArticleNumber" and o.value.isdigit():
                order[concept] = (0, int(o.value), "")
            elif kind == "AnnexLetter":
                order[concept] = (1, 0, o.value)
    return order


@router.get("/vocab/{scheme}/{concept}")
def concept_page(request: Request, scheme: str, concept: str, lang: str | None = None) -> Response:
    """One concept by content negotiation: HTML for browsers, Turtle, JSON-LD, N-Triples or RDF/XML."""
    name, _, suffix = concept.partition(".")
    if not (media := media_type(request, suffix)):
        return no_format(suffix)
    vocab = _vocab(request)
    iri = f"{vocab.base_uri}vocab/{scheme}/{name}"
    triples = _triples(vocab, {iri})
    if not triples:
        return JSONResponse({"error": f"no concept {scheme}/{name}"}, status_code=404)
    langs = languages(request, lang)

    def page(lang: str) -> tuple[str, str, dict]:
        """The concept's names; a country's profile, a product's entry, or the records of a theme or region."""
        context: dict = {"records": None, "names": [(code, LANGUAGE_NAMES.get(code, code), name)
                                                     for code, name in sorted(vocab.pref_labels.get(iri, {}).items())]}
        template = "concept.html"
        if scheme == "country":
            template, context["profile"] = "country.html", profile(request, iri, lang)
        elif scheme in ("product", "process"):
            template, context["entry"] = "product.html", entry(request, iri, lang)
        elif scheme in BROWSED:
            context["records"] = _records_naming(request, scheme, iri, lang)
        return template, (vocab.label(iri, langs) or (iri, ""))[0], context

    return _respond(request, iri, triples, media, page,
                    with_records=media == "text/html" and (scheme in BROWSED or scheme in ("product", "process")))

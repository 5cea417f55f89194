"""JSON-LD with the hub's published ``@context`` (``/context.jsonld``).

pyoxigraph writes JSON-LD with full IRIs only; consumers want short keys and language maps
(``"title": {"en": …, "fr": …}``). rdflib compacts a record's few dozen triples against the context in a few
milliseconds, and the document then names the context by its URL, which the hub serves, so any JSON-LD
processor expands it back to exactly the triples Turtle gives.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")
CONTEXT_PATH = "context.jsonld"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

router = APIRouter()


@cache
def _document() -> bytes:
    return CONTEXT_FILE.read_bytes()


@cache
def context() -> dict:
    """The context object (the value of ``@context`` in ``context.jsonld``)."""
    return json.loads(_document())["@context"]


@cache
def prefixes() -> dict[str, str]:
    """The context's namespace prefixes, also the prefixes of the hub's Turtle and RDF/XML."""
    return {k: v for k, v in context().items() if isinstance(v, str) and v.endswith(("/", "#"))}


def curie(iri: str) -> str:
    """*iri* as ``prefix:name`` with the context's prefixes (for people reading statements), else as it is."""
    for prefix, namespace in prefixes().items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def compact(triples: list[ox.Triple], public_url: str) -> bytes:
    """The triples as compacted JSON-LD whose ``@context`` is the URL of the context the service at
    *public_url* publishes.

    Terms cross to rdflib one by one with the literal trap in mind (shared/reference/sparql-shacl-skos.md):
    pyoxigraph's ``xsd:string`` is rdflib's plain literal, and lexical forms are kept as written (rdflib's
    parsers would rewrite ``2019-03-15T00:00:00Z`` as ``…+00:00``)."""
    import rdflib

    graph = rdflib.Graph()
    for triple in triples:
        graph.add((_term(triple.subject), rdflib.URIRef(triple.predicate.value), _term(triple.object)))
    document = json.loads(graph.serialize(format="json-ld", context=context(), auto_compact=True))
    if isinstance(document, list):  # nothing to say: an empty graph
        document = {"@graph": document}
    document["@context"] = f"{public_url}{CONTEXT_PATH}"
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal):  # noqa: ANN202 (an rdflib term)
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language, normalize=False)
    datatype = None if term.datatype.value == XSD_STRING else rdflib.URIRef(term.datatype.value)
    return rdflib.Literal(term.value, datatype=datatype, normalize=False)


@router.get(f"/{CONTEXT_PATH}")
def published_context(request: Request) -> Response:
    """The JSON-LD context the hub's JSON-LD names; open to every origin, as JSON-LD processors in browsers
    fetch it cross-origin."""
    return Response(_document(), media_type="application/ld+json",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"})

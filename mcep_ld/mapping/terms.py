"""The one place where rdflib terms become pyoxigraph terms and back.

The trap (shared/reference/sparql-shacl-skos.md §4): Oxigraph gives every plain literal the datatype
``xsd:string``, while rdflib keeps ``Literal("x")`` and ``Literal("x", datatype=XSD.string)`` apart and
unequal. Going to rdflib, ``xsd:string`` is dropped, so graphs read back compare equal to the ones we wrote.

A second trap: the store keeps typed literals in their canonical form ("0.800"^^xsd:decimal is read back
as "0.8", "+00:00" as "Z"). Every typed literal is made canonical here, so what we hash, stage in the
dumps and derive is what the store gives back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = str(XSD.string)
_CANON_STORE = ox.Store()  # in memory; holds one quad at a time, under _CANON_LOCK
_CANON_LOCK = threading.Lock()
_CANON_S = ox.NamedNode("urn:mcep:canonical")


@lru_cache(maxsize=65536)
def named_node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@lru_cache(maxsize=65536)
def canonical(lit: ox.Literal) -> ox.Literal:
    """A typed literal in the form the store reads it back (the store, not us, decides what is canonical)."""
    with _CANON_LOCK:
        quad = ox.Quad(_CANON_S, _CANON_S, lit)
        _CANON_STORE.add(quad)
        try:
            return next(iter(_CANON_STORE.quads_for_pattern(_CANON_S, _CANON_S, None))).object
        finally:
            _CANON_STORE.remove(quad)


def to_ox(term: URIRef | BNode | Literal) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return named_node(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return canonical(ox.Literal(str(term), datatype=named_node(str(term.datatype))))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
    """A pyoxigraph term as an rdflib term, with ``xsd:string`` literals made plain."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"not an RDF term: {term!r}")


@lru_cache(maxsize=65536)
def _iri_statement_form(iri: str) -> str:
    return str(ox.NamedNode(iri))  # validates the IRI once per distinct IRI


def ntriples(term: URIRef | BNode | Literal) -> str:
    """A term in N-Triples syntax, as Oxigraph writes it (IRIs validated; predicates and classes cached)."""
    if isinstance(term, URIRef):
        return _iri_statement_form(str(term))
    return str(to_ox(term))


def graph_to_quads(graph: Iterable[tuple], graph_name: str) -> list[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the named graph *graph_name*."""
    g = named_node(graph_name)
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph]


def quads_to_graph(quads: Iterator[ox.Quad]) -> Graph:
    """pyoxigraph quads as an rdflib graph (graph names dropped)."""
    g = Graph()
    for q in quads:
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g

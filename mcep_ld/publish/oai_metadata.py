"""The OAI-PMH metadata formats: ``oai_dc`` mapped from a record's public graph, and ``rdf``, the graph itself.

oai_dc copies in the labels of the concepts a record names (subjects, countries, kinds) in every language
with ``xml:lang``: that is why a relabelled concept moves the datestamps of its records (Hub.publish_vocabularies).

A record's oai_dc is made when its batch is committed (by the preparing worker, from the statements it
wrote) and kept in the catalog, compressed, with the version it was made from; the provider serves the kept
copy while the version holds and otherwise makes it again from the store. Both ways give the same bytes:
objects are written in a fixed order, whatever order the statements come in.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from lxml import etree

from mcep_ld.fetch.xmlchars import INVALID_XML_CHARS
from mcep_ld.vocab import Vocabulary

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
MCEP = "https://w3id.org/mcep/ontology#"
#: Bumped whenever this module would write a record's metadata differently: the kept copies are then remade.
CROSSWALK = "3"  # 3: dct:license as dc:rights


def version(graph_hash: str, rules: str) -> str:
    """What a record's kept metadata was made from: its public graph, the vocabularies and shapes, the crosswalk."""
    return f"{graph_hash}/{rules}/{CROSSWALK}"


def pack(xml: bytes) -> bytes:
    """Metadata as the catalog keeps it (about a quarter of its size)."""
    return zlib.compress(xml, 6)


def unpack(kept: bytes) -> bytes:
    return zlib.decompress(kept)


def xml_text(text: str) -> str:
    """*text* without the characters XML 1.0 forbids (one would spoil a whole page)."""
    return INVALID_XML_CHARS.sub("", text)


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    "rdf": MetadataFormat("rdf", "http://www.openarchives.org/OAI/2.0/rdf.xsd", RDF),
}

# record graph predicate → Dublin Core element, for literals (in this order in the output)
_LITERALS = [
    (f"{DCT}title", "title"), (f"{DC}creator", "creator"), (f"{DC}subject", "subject"),
    (f"{DCT}description", "description"), (f"{DCT}abstract", "description"), (f"{DC}publisher", "publisher"),
    (f"{DC}contributor", "contributor"), (f"{DCT}issued", "date"), (f"{DCT}date", "date"), (f"{DC}type", "type"),
    (f"{DC}format", "format"), (f"{DCT}identifier", "identifier"), (f"{DC}relation", "relation"),
    (f"{DC}coverage", "coverage"), (f"{DC}rights", "rights"),
]
# record graph predicate → Dublin Core element, for concepts (their labels, in every language)
_CONCEPTS = [(f"{DCT}subject", "subject"), (f"{MCEP}country", "coverage"), (f"{MCEP}region", "coverage"),
             (f"{MCEP}treaty", "relation")]


def oai_dc(iri: str, quads: Iterable[ox.Quad | ox.Triple], vocab: Vocabulary, kind: str) -> etree._Element:
    """The ``oai_dc:dc`` element of a record: its own statements about its IRI, with concept labels."""
    by_predicate: dict[str, list[ox.Term]] = {}
    for q in quads:
        if q.subject.value == iri:
            by_predicate.setdefault(q.predicate.value, []).append(q.object)
    for objects in by_predicate.values():  # the store's order and the worker's differ
        objects.sort(key=_order)
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {FORMATS['oai_dc'].schema}")

    def add(element: str, text: str, lang: str | None = None) -> None:
        text = xml_text(text).strip()
        if text:
            e = etree.SubElement(root, f"{{{DC}}}{element}")
            e.text = text
            if lang:
                e.set(XML_LANG, lang)

    add("identifier", iri)
    for predicate, element in _LITERALS:
        for o in by_predicate.get(predicate, []):
            if isinstance(o, ox.Literal):
                add(element, o.value, o.language)
    for lang, label in sorted(vocab.pref_labels.get(f"{vocab.base_uri}vocab/kind/{kind}", {}).items()):
        add("type", label, lang)
    for predicate, element in _CONCEPTS:
        for o in by_predicate.get(predicate, []):
            if isinstance(o, ox.NamedNode):
                labels = vocab.pref_labels.get(o.value)
                if labels:
                    for lang, label in sorted(labels.items()):
                        add(element, label, lang)
                else:
                    add(element, o.value)
    for o in by_predicate.get(f"{DCT}language", []):
        if isinstance(o, ox.NamedNode):
            add("language", o.value.rsplit("/", 1)[-1])
    for predicate, element in ((f"{FOAF}page", "relation"), (f"{DCT}source", "source"), (f"{DCT}license", "rights")):
        for o in by_predicate.get(predicate, []):
            if isinstance(o, ox.NamedNode):
                add(element, o.value)
    return root


def _order(term: ox.Term) -> tuple[str, str]:
    return (term.language or "", term.value) if isinstance(term, ox.Literal) else ("", term.value)


def rdf(quads: Iterable[ox.Quad]) -> etree._Element:
    """The record's whole public graph as an ``rdf:RDF`` element (OAI's rdf.xsd wraps it laxly)."""
    triples = [ox.Triple(q.subject, q.predicate, _clean(q.object)) for q in quads]
    data = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    root = etree.fromstring(data)
    root.set(f"{{{XSI}}}schemaLocation", f"{RDF} {FORMATS['rdf'].schema}")
    return root


def _clean(term: ox.Term) -> ox.Term:
    if isinstance(term, ox.Literal) and INVALID_XML_CHARS.search(term.value):
        value = xml_text(term.value)
        return ox.Literal(value, language=term.language) if term.language else ox.Literal(value, datatype=term.datatype)
    return term

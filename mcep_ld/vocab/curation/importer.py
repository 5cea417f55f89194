"""``mcep vocab import FILE``: an outside SKOS vocabulary made into a scheme the hub can check and publish.

Takes RDF/XML, Turtle, N-Triples and JSON-LD, and the JSON that XML-to-JSON converters make of an
RDF/XML export (``{"Description": [{"@about": …, "prefLabel": {"@resource": …}}]}``, the form of
InforMEA's LEO sample). SKOS-XL labels become SKOS labels; definitions given as resources (``rdf:value``)
become literals; stray whitespace and the ``/n`` some exports leave at the end of definitions are cleaned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from mcep_ld.errors import MCEPError

SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
LABEL_SOURCE = URIRef("https://w3id.org/mcep/ontology#labelSource")
_XL_LABELS = {f"{SKOSXL}prefLabel": SKOS.prefLabel, f"{SKOSXL}altLabel": SKOS.altLabel,
              f"{SKOSXL}hiddenLabel": SKOS.hiddenLabel}
_NOTES = (SKOS.definition, SKOS.scopeNote, SKOS.note, SKOS.example, SKOS.historyNote, SKOS.editorialNote,
          SKOS.changeNote)
_LITERAL_END = re.compile(r"(\s*/n\s*)+$")


class VocabularyImportError(MCEPError, ValueError):
    """The file cannot be read as a SKOS vocabulary."""


def read_any(path: Path) -> Graph:
    """The file as an rdflib graph, whatever of the accepted forms it is in."""
    suffix = path.suffix.lower()
    g = Graph()
    try:
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "Description" in data:
                return _from_xml_json(data)
            g.parse(data=json.dumps(data), format="json-ld")
            return g
        fmt = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml", ".xml": "xml",
               ".owl": "xml"}.get(suffix, "turtle")
        g.parse(path, format=fmt)
    except VocabularyImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - the parser's message is the user's answer
        raise VocabularyImportError(f"{path}: cannot be read as RDF: {exc}") from None
    return g


def _from_xml_json(data: dict) -> Graph:
    """RDF/XML turned into JSON by an XML-to-JSON converter, back into RDF.

    Property names lost their namespaces: ``type`` and ``value`` are RDF's, ``literalForm`` SKOS-XL's,
    labels pointing at a resource are SKOS-XL labels, and every other name is taken from SKOS.
    """
    g = Graph()

    def node(item: dict) -> URIRef | BNode:
        about = item.get("@about")
        return URIRef(about) if about else BNode()

    def add(subject: URIRef | BNode, item: dict) -> None:
        for key, values in item.items():
            if key.startswith("@"):
                continue
            for value in values if isinstance(values, list) else [values]:
                if key == "Description" and isinstance(value, dict):
                    add(node(value), value)
                    continue
                obj = _object(value, add, node)
                if obj is None:
                    continue
                g.add((subject, _predicate(key, obj), obj))

    descriptions = data["Description"]
    for item in descriptions if isinstance(descriptions, list) else [descriptions]:
        if isinstance(item, dict):
            add(node(item), item)
    return g


def _object(value: Any, add, node) -> URIRef | Literal | BNode | None:  # noqa: ANN001 - local callables
    if isinstance(value, str):
        return Literal(value)
    if not isinstance(value, dict):
        return None
    if "@resource" in value:
        return URIRef(value["@resource"])
    if "#text" in value:
        return Literal(value["#text"], lang=value.get("@lang"))
    if "Description" in value and isinstance(value["Description"], dict):
        inner = node(value["Description"])
        add(inner, value["Description"])
        return inner
    return None


def _predicate(key: str, obj: object) -> URIRef:
    if key == "type":
        return RDF.type
    if key == "value":
        return RDF.value
    if key == "literalForm":
        return URIRef(f"{SKOSXL}literalForm")
    if key in ("prefLabel", "altLabel", "hiddenLabel") and isinstance(obj, URIRef | BNode):
        return URIRef(f"{SKOSXL}{key}")
    return SKOS[key]


def to_skos(g: Graph) -> Graph:
    """SKOS-XL labels as plain SKOS labels, resource notes as literals, texts cleaned; the rest kept."""
    out = Graph()
    label_resources = set()
    for s, p, o in g:
        if str(p) in _XL_LABELS:
            label_resources.add(o)
            for form in g.objects(o, URIRef(f"{SKOSXL}literalForm")):
                if isinstance(form, Literal):
                    out.add((s, _XL_LABELS[str(p)], _clean(form)))
            continue
        if p in _NOTES and not isinstance(o, Literal):
            for value in g.objects(o, RDF.value):
                if isinstance(value, Literal):
                    out.add((s, p, _clean(value)))
            label_resources.add(o)
            continue
        if isinstance(o, Literal):
            o = _clean(o)
        out.add((s, p, o))
    for resource in label_resources:  # the label and note resources themselves are not kept
        out.remove((resource, None, None))
    for prefix, ns in (("skos", str(SKOS)), ("dct", "http://purl.org/dc/terms/")):
        out.bind(prefix, ns)
    return out


def _clean(literal: Literal) -> Literal:
    text = " ".join(_LITERAL_END.sub("", str(literal)).split())
    return Literal(text, lang=literal.language, datatype=literal.datatype)


def import_file(path: Path) -> Graph:
    """*path* as a SKOS graph ready to be written to ``vocabularies/``; raises VocabularyImportError when it holds
    no SKOS concept (the check then reports the rest)."""
    g = to_skos(read_any(path))
    if (None, RDF.type, SKOS.Concept) not in g:
        raise VocabularyImportError(f"{path}: no skos:Concept in the file")
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    source = f"imported from {path.name}"
    for concept in set(g.subjects(RDF.type, SKOS.Concept)):
        if len(schemes) == 1 and not list(g.objects(concept, SKOS.inScheme)):
            g.add((concept, SKOS.inScheme, next(iter(schemes))))
        # each label says where it comes from (the label policy of mcep vocab check)
        languages = {getattr(label, "language", None) for label in g.objects(concept, SKOS.prefLabel)}
        for lang in languages - {None}:
            g.add((concept, LABEL_SOURCE, Literal(source, lang=lang)))
    return g

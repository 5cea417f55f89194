"""What the search index holds of one record: its texts by language, its identifiers, the labels of the
concepts it names, and its facet values — read from the record's triples (every source's graph of its IRI).

Facets, as a SPARQL query over the public dataset would find them (``tests/test_search.py`` checks that):

- ``kind`` and ``source``: the catalog's kind of the record and the sources that publish it;
- ``theme``: ``dct:subject`` concepts of the themes scheme; ``country``: ``mcep:country`` concepts;
- ``region``: ``mcep:region`` concepts, and the continents (regions whose ``skos:broader`` is the World,
  ``region/001``) reached through ``skos:broader+`` from its countries and regions;
- ``year``: the year of the first of ``dct:issued``, ``dct:date``, ``dct:created``, ``schema:startDate``,
  ``mcep:approvalFiscalYear`` it has (the earliest value of that property);
- ``language``: the language tags of its ``dct:title``, and the ``dct:language`` of it or its files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from mcep_ld.search.text import identifier_key
from mcep_ld.vocab import SKOS, Vocabulary

DCT = "http://purl.org/dc/terms/"
MCEP = "https://w3id.org/mcep/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TITLES = (f"{DCT}title", "http://xmlns.com/foaf/0.1/name", "http://schema.org/name", f"{RDFS}label",
          f"{SKOS}prefLabel")
DESCRIPTIONS = (f"{DCT}description", f"{DCT}abstract", f"{RDFS}comment", f"{SKOS}definition")
IDENTIFIERS = (f"{DCT}identifier", f"{SKOS}notation")
SUBJECTS = ("http://purl.org/dc/elements/1.1/subject", "http://purl.org/dc/elements/1.1/type")
DATES = (f"{DCT}issued", f"{DCT}date", f"{DCT}created", "http://schema.org/startDate", f"{MCEP}approvalFiscalYear")
FACETS = ("kind", "source", "theme", "country", "region", "year", "language")
WORLD = "region/001"
#: Concepts whose labels are not searched as the record's words: nearly every record names the Minamata
#: Convention, and the language facet already says which languages a record is in.
UNINDEXED_SCHEMES = ("treaty", "language", "kind")


@dataclass
class SearchDocument:
    iri: str
    kind: str
    titles: dict[str, str] = field(default_factory=dict)  # language ('' untagged) → title
    descriptions: dict[str, str] = field(default_factory=dict)
    identifiers: list[str] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)  # (text, language) of named concepts
    facets: dict[str, set[str]] = field(default_factory=dict)

    @property
    def identifier_keys(self) -> set[str]:
        """Keys a reader's identifier is matched against: each identifier's, the IRI's own key, and the
        number of a ``PREFIX-number`` identifier (``GEF-10011`` is found as ``10011``)."""
        keys = {identifier_key(i) for i in [*self.identifiers, self.iri.rsplit("/", 1)[-1]]}
        keys |= {m.group(1) for k in keys if (m := re.fullmatch(r"[a-z]+-(\d+)", k))}
        return {k for k in keys if k}

    @property
    def year(self) -> int | None:
        years = self.facets.get("year")
        return int(next(iter(years))) if years else None


def build(iri: str, kind: str, sources: Iterable[str], triples: Iterable[ox.Triple],
          vocab: Vocabulary) -> SearchDocument:
    """The search document of the record *iri* from its triples (those of its files included)."""
    doc = SearchDocument(iri=iri, kind=kind)
    facets: dict[str, set[str]] = {name: set() for name in FACETS}
    facets["kind"].add(kind)
    facets["source"].update(sources)
    concept_prefix = f"{vocab.base_uri}vocab/"
    _unindexed = tuple(f"{concept_prefix}{scheme}/" for scheme in UNINDEXED_SCHEMES)
    dates: dict[str, list[str]] = {}
    named: set[str] = set()
    # one order whatever order the triples come in (the store's, or a batch's in the preparing workers)
    for t in sorted(triples, key=lambda t: (t.subject.value, t.predicate.value, str(t.object))):
        p, o = t.predicate.value, t.object
        own = t.subject.value == iri
        if isinstance(o, ox.Literal):
            lang = o.language or ""
            if own and p in TITLES:
                doc.titles.setdefault(lang, o.value)
                if p == TITLES[0] and lang:
                    facets["language"].add(lang)
            elif own and p in DESCRIPTIONS:
                doc.descriptions.setdefault(lang, o.value)
            elif own and p in IDENTIFIERS:
                doc.identifiers.append(o.value)
            elif own and p in SUBJECTS:
                doc.labels.append((o.value, lang))
            elif own and p in DATES:
                dates.setdefault(p, []).append(o.value)
        elif isinstance(o, ox.NamedNode) and o.value.startswith(concept_prefix):
            concept = o.value[len(concept_prefix):]
            named.add(o.value)
            if p == f"{DCT}language":
                facets["language"].add(concept.rsplit("/", 1)[-1])
            elif own and p == f"{DCT}subject" and concept.startswith("theme/"):
                facets["theme"].add(o.value)
            elif own and p == f"{MCEP}country":
                facets["country"].add(o.value)
            elif own and p == f"{MCEP}region" and concept != WORLD:
                facets["region"].add(o.value)
    facets["region"] |= _continents(facets["country"] | facets["region"], vocab)
    for p in DATES:
        if years := sorted(v[:4] for v in dates.get(p, ()) if v[:4].isdigit()):
            facets["year"].add(years[0])
            break
    for concept in sorted(named):
        if concept.startswith(_unindexed):
            continue
        doc.labels.extend((text, lang) for lang, text in vocab.pref_labels.get(concept, {}).items())
    doc.facets = {name: values for name, values in facets.items() if values}
    return doc


def _continents(concepts: set[str], vocab: Vocabulary) -> set[str]:
    """The regions directly below the World reached by ``skos:broader+`` from *concepts*."""
    world = f"{vocab.base_uri}vocab/{WORLD}"
    found: set[str] = set()
    seen: set[str] = set()
    todo = list(concepts)
    while todo:
        concept = todo.pop()
        for up in vocab.broader.get(concept, ()):
            if up == world:
                found.add(concept)
            elif up not in seen:
                seen.add(up)
                todo.append(up)
    return found

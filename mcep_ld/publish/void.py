"""The VoID description of the hub's public dataset: counts per source, per record kind and per vocabulary.

Kept as the graph ``{base_uri}graph/hub/void`` in the store (so SPARQL can read it) and served at ``/void``;
remade after every harvest run and when the service starts.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from mcep_ld.hub import Hub
from mcep_ld.mapping.iris import void_graph_iri
from mcep_ld.mapping.terms import ntriples
from mcep_ld.publish import dumps, rights

VOID = "http://rdfs.org/ns/void#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
MCEP = "https://w3id.org/mcep/ontology#"


def statements(hub: Hub) -> list[str]:
    """The description, as N-Triples statements (the form the store takes)."""
    base = hub.settings.base_uri  # the IRIs of what is described
    site = hub.settings.public_url  # where the service answers
    dataset = URIRef(f"{base}void#dataset")
    v = lambda term: URIRef(f"{VOID}{term}")  # noqa: E731 - a local shorthand
    count = lambda n: Literal(n, datatype=XSD.integer)  # noqa: E731
    rows = hub.catalog.live_counts()
    by_source: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for source, kind, n in rows:
        by_source[source] += n
        by_kind[kind] += n
    triples = [
        (dataset, RDF.type, v("Dataset")),
        (dataset, DCTERMS.title, Literal("Minamata Convention Exchange Platform hub", lang="en")),
        (dataset, v("sparqlEndpoint"), URIRef(f"{site}sparql")),
        (dataset, v("uriSpace"), Literal(f"{base}id/")),
        (dataset, v("dataDump"), URIRef(f"{site}dumps/{dumps.file_name(dumps.FULL)}")),
        (dataset, v("entities"), count(sum(by_source.values()))),
        (dataset, v("vocabulary"), URIRef(MCEP)),
        (dataset, v("vocabulary"), URIRef(SKOS)),
    ]
    withheld = rights.withheld(hub.settings)
    terms: list[ox.Triple] = []
    for source, n in sorted(by_source.items()):
        subset = URIRef(f"{base}void#source-{source}")
        triples += [(dataset, v("subset"), subset), (subset, RDF.type, v("Dataset")),
                    (subset, DCTERMS.title, Literal(f"Records harvested from {source}", lang="en")),
                    (subset, v("entities"), count(n))]
        if source not in withheld:  # a withheld source has no dump
            triples.append((subset, v("dataDump"), URIRef(f"{site}dumps/{dumps.file_name(source)}")))
        terms += rights.source_triples(hub.settings, source, ox.NamedNode(str(subset)), [])
    # A kind's class, as the record-kinds vocabulary says (mcep:recordClass).
    classes = {q.subject.value.rsplit("/", 1)[-1]: q.object.value for q in hub.vocab.quads
               if q.predicate.value == f"{MCEP}recordClass"}
    for kind, n in sorted(by_kind.items()):
        partition = URIRef(f"{base}void#kind-{kind}")
        triples += [(dataset, v("classPartition"), partition),
                    (partition, v("class"), URIRef(classes.get(kind, f"{MCEP}Record"))),
                    (partition, v("entities"), count(n))]
    concepts: Counter[str] = Counter()
    for name, quads in hub.vocab.graphs().items():
        concepts[name] = sum(1 for q in quads if q.predicate.value == str(RDF.type)
                             and q.object.value == f"{SKOS}Concept")
    for name, n in sorted(concepts.items()):
        if not n:
            continue
        subset = URIRef(f"{base}void#vocabulary-{name}")
        triples += [(dataset, v("subset"), subset), (subset, RDF.type, v("Dataset")),
                    (subset, DCTERMS.title, Literal(f"Vocabulary {name}", lang="en")),
                    (subset, v("entities"), count(n))]
    stated = [f"{ntriples(s)} {ntriples(p)} {ntriples(o)}" for s, p, o in triples]
    return stated + [str(t) for t in rights.triples(hub.settings, [ox.NamedNode(str(dataset))]) + terms]


def publish(hub: Hub) -> None:
    hub.store.public.replace_graphs({void_graph_iri(hub.settings.base_uri): statements(hub)})

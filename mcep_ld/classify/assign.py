"""Keeping the classifier's placements level with the catalog: a step after each harvest run (``DERIVED``).

A record's placements are published in a named graph of their own, ``{base_uri}graph/classified/{kind}/{key}``,
never in a source's graph: ``GRAPH ?g { ?record dct:subject ?theme }`` tells a data manager who said it.
The graph holds ``?record dct:subject ?concept`` for each placement and, beside it, a
``mcep:SubjectAssignment`` (its graph IRI with a fragment) with the rules, the evidence, the score and the review
status; the graph itself carries the PROV provenance of them all (attributed to the classifier, generated at a
time).

Curators' reviews live in the catalog (``subject_reviews``) keyed by record IRI, so they outlive any
re-harvest: a rejected placement is never published again for that record; an accepted one stays, with the
curator's name, even when the record's new text no longer leads the classifier to it. A record is
classified again only when its graphs, the vocabularies or shapes, the classifier's version or its reviews
changed (its signature).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from mcep_ld.catalog import Review, utc_now
from mcep_ld.classify.cues import Cues
from mcep_ld.classify.rules import Assignment, Evidence, classify, in_scope
from mcep_ld.hub import Hub
from mcep_ld.mapping.terms import canonical
from mcep_ld.search.documents import DESCRIPTIONS, TITLES
from mcep_ld.vocab import Vocabulary

log = logging.getLogger(__name__)

#: Part of every signature: bump it when the rules change, so every record is classified again.
CLASSIFIER_VERSION = "1"
#: The kinds of record placed on themes (people, parties and treaties are not about a theme; an exemption is
#: about Article 6, an alternative about Article 4, by their kinds).
CLASSIFIED_KINDS = ("decision", "document", "meeting", "national-report", "national-plan", "project", "resource",
                    "case-study", "alternative", "exemption", "answer")
BATCH = 500
#: Where the catalog keeps what the placements were last level with (``refresh``).
LEVEL = "level:classification"
#: The pieces of evidence published per placement (the strongest first); the score counts them all.
EVIDENCE_SHOWN = 5

DCT = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
MCEP = "https://w3id.org/mcep/ontology#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
SUBJECT = ox.NamedNode(f"{DCT}subject")
#: The predicates the rules read of a record.
_SUBJECT, _TREATY, _RELEVANT = f"{DCT}subject", f"{MCEP}treaty", f"{MCEP}minamataRelevant"
_READ = (*TITLES, *DESCRIPTIONS, f"{DC}subject", _SUBJECT, _TREATY, _RELEVANT)


@dataclass
class ClassifyCounts:
    classified: int = 0
    removed: int = 0
    unchanged: int = 0
    placed: int = 0  # records with at least one placement among those classified


def graph_of(base_uri: str, iri: str) -> str:
    """The graph of a record's placements: ``…/id/decision/mc-4-3`` → ``…/graph/classified/decision/mc-4-3``."""
    own = f"{base_uri}id/"
    key = iri[len(own):] if iri.startswith(own) else f"other/{hashlib.sha1(iri.encode()).hexdigest()[:16]}"
    return f"{base_uri}graph/classified/{key}"


def evidence_from(iri: str, kind: str, triples: list[ox.Triple]) -> Evidence:
    """What the rules read of *iri* in *triples* (the record's statements in the sources' graphs), in one order
    whatever order they come in: from the store after a run, or from a batch in the preparing workers."""
    ev = Evidence(iri=iri, kind=kind)
    rank = {p: i for i, p in enumerate(_READ)}
    said = sorted((t for t in triples if t.subject.value == iri and t.predicate.value in rank),
                  key=lambda t: (rank[t.predicate.value], str(t.object)))
    for t in said:
        p, o = t.predicate.value, t.object
        if isinstance(o, ox.Literal):
            if p in TITLES:
                ev.texts.append(("title", o.value, o.language or ""))
            elif p in DESCRIPTIONS:
                ev.texts.append(("description", o.value, o.language or ""))
            elif p == _RELEVANT:
                ev.relevant = o.value == "true"
            else:  # a keyword as text
                ev.texts.append(("keyword", o.value, o.language or ""))
        elif p == _SUBJECT:
            ev.subjects.add(o.value)
        elif p == _TREATY:
            ev.treaties.add(o.value)
    return ev


def classifier_version(rules_digest: str) -> str:
    """The classifier's version with the digest of the vocabularies and shapes it reads."""
    return f"{CLASSIFIER_VERSION}|{rules_digest}"


def signature(graphs: str, version: str, reviews: list[Review]) -> str:
    """What a record's placements were made from: its graphs with their hashes (``graph=hash`` space-separated,
    as ``Catalog.live_documents`` gives them), the classifier's version and the vocabularies and shapes
    (*version*), and its curators' reviews. A record is classified again when it changes."""
    said = ";".join(f"{r.concept}={r.decision}" for r in reviews)
    return hashlib.sha256(f"{graphs}|{version}|{said}".encode()).hexdigest()[:24]


def digest(found: dict[str, Assignment]) -> str:
    """The hash of a record's placements (what the search index and dumps follow)."""
    return hashlib.sha256("\n".join(sorted(f"{c}={a.score}|{sorted(a.rules)}" for c, a in found.items()))
                          .encode()).hexdigest()[:24]


class Placer:
    """Placing one record, from its evidence, with no store: the classifier's rules and cues, read once from the
    vocabularies. Used after a run (``Classifier``) and in the preparing workers (``ingest/derive.py``)."""

    def __init__(self, vocab: Vocabulary, base_uri: str) -> None:
        self.vocab = vocab
        self.base_uri = base_uri
        self.treaty = f"{base_uri}vocab/treaty/minamata"
        self.agent = ox.NamedNode(f"{base_uri}id/agent/classifier")

    @cached_property
    def cues(self) -> Cues:
        return Cues.from_vocab(self.vocab)

    def place(self, ev: Evidence, reviews: list[Review]) -> dict[str, Assignment]:
        """The machine's assignments for *ev*, with its curators' reviews applied."""
        found = classify(ev, self.cues, base_uri=self.base_uri) if in_scope(ev, self.treaty) else {}
        for review in reviews:
            if review.decision == "rejected":
                found.pop(review.concept, None)
            elif review.concept not in ev.subjects:
                a = found.get(review.concept) or Assignment(review.concept, 1.0, [], set())
                a.rules.add("curator")
                found[review.concept] = a
        return found

    def statements(self, iri: str, graph: str, found: dict[str, Assignment], reviews: list[Review]) -> list[str]:
        """The N-Triples of a record's placements graph."""
        record, at = ox.NamedNode(iri), canonical(ox.Literal(utc_now(), datatype=ox.NamedNode(f"{XSD}dateTime")))
        accepted = {r.concept: r for r in reviews if r.decision == "accepted"}
        triples: list[tuple] = []
        if found:  # the graph's provenance: who made its statements, and when
            name = ox.NamedNode(graph)
            triples += [(name, RDF_TYPE, ox.NamedNode(f"{PROV}Entity")),
                        (name, ox.NamedNode(f"{PROV}wasAttributedTo"), self.agent),
                        (name, ox.NamedNode(f"{PROV}generatedAtTime"), at)]
        for concept, a in found.items():
            node = ox.NamedNode(f"{graph}#{concept[len(self.base_uri):].replace('/', '-')}")
            review = accepted.get(concept)
            score = canonical(ox.Literal(f"{a.score:.3f}", datatype=ox.NamedNode(f"{XSD}decimal")))
            status = ox.NamedNode(f"{MCEP}{'Accepted' if review else 'Unreviewed'}")
            triples += [
                (record, SUBJECT, ox.NamedNode(concept)),
                (node, RDF_TYPE, ox.NamedNode(f"{MCEP}SubjectAssignment")),
                (node, ox.NamedNode(f"{MCEP}assignedTo"), record),
                (node, ox.NamedNode(f"{MCEP}concept"), ox.NamedNode(concept)),
                (node, ox.NamedNode(f"{MCEP}score"), score),
                (node, ox.NamedNode(f"{MCEP}reviewStatus"), status),
            ]
            triples += [(node, ox.NamedNode(f"{MCEP}rule"), ox.Literal(rule)) for rule in sorted(a.rules)]
            triples += [(node, ox.NamedNode(f"{MCEP}evidence"), ox.Literal(reason))
                        for reason in a.reasons[:EVIDENCE_SHOWN]]
            if review:
                triples.append((node, ox.NamedNode(f"{MCEP}reviewedBy"), ox.Literal(review.curator)))
        return [f"{s} {p} {o}" for s, p, o in triples]



class Classifier:
    """The classifier of one hub: placements kept level with its catalog, read from and written to its store."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.base_uri = hub.settings.base_uri
        self.placer = Placer(hub.vocab, self.base_uri)
        self._classified_prefix = f"{self.base_uri}graph/classified/"

    @property
    def cues(self) -> Cues:
        return self.placer.cues

    def place(self, ev: Evidence, reviews: list[Review]) -> dict[str, Assignment]:
        return self.placer.place(ev, reviews)

    # -- one record ------------------------------------------------------------------------------

    def evidence(self, iri: str, kind: str) -> Evidence:
        """What the sources say of *iri* (every graph but the classifier's own)."""
        return self.evidences([(iri, kind)])[iri]

    def evidences(self, records: list[tuple[str, str]]) -> dict[str, Evidence]:
        """The evidence of each (record, kind): the statements the rules read, predicate by predicate, from every
        graph but the classifier's own. (One SPARQL query for a batch is slower: Oxigraph scans for ``GRAPH ?g``;
        reading all of a record's statements is slower too.)"""
        found = {}
        for iri, kind in records:
            said = [ox.Triple(q.subject, q.predicate, q.object) for p in _READ
                    for q in self.hub.store.public.quads(None, subject=iri, predicate=p)
                    if not q.graph_name.value.startswith(self._classified_prefix)]
            found[iri] = evidence_from(iri, kind, said)
        return found

    def forget(self) -> None:
        """Drop every placement (graphs and rows), so that the next sync classifies every record again."""
        graphs = [graph for graph, _ in self.hub.catalog.classified_graphs()]
        self.hub.store.public.drop_graphs(graphs)
        self.hub.catalog.forget_classified(list(self.hub.catalog.classified()))

    # -- level with the catalog ----------------------------------------------------------------------

    def sync(self, *, progress: Callable[[int, int], None] | None = None) -> ClassifyCounts:
        """Classify the records whose signature changed; drop the placements of records no longer published."""
        hub, counts = self.hub, ClassifyCounts()
        by_record: dict[str, list[Review]] = {}
        for review in hub.catalog.reviews():
            by_record.setdefault(review.iri, []).append(review)
        version = classifier_version(hub.rules_digest)
        wanted = {}
        for iri, kind, _, graphs in hub.catalog.live_documents():
            if kind in CLASSIFIED_KINDS:
                wanted[iri] = (kind, signature(graphs, version, by_record.get(iri, [])))
        have = hub.catalog.classified()
        gone = [iri for iri in have if iri not in wanted]
        todo = [iri for iri, (_, sig) in wanted.items() if have.get(iri) != sig]
        counts.unchanged = len(wanted) - len(todo)
        placed_graphs = {graph for graph, _ in hub.catalog.classified_graphs()}

        def have_graph(graph: str) -> bool:
            return graph in placed_graphs

        if gone:
            hub.store.public.drop_graphs(graph_of(self.base_uri, iri) for iri in gone)
            hub.catalog.forget_classified(gone)
            counts.removed = len(gone)
        for i in range(0, len(todo), BATCH):
            graphs, rows = {}, []
            batch = todo[i:i + BATCH]
            evidence = self.evidences([(iri, wanted[iri][0]) for iri in batch])
            for iri in batch:
                made_from = wanted[iri][1]
                reviews = by_record.get(iri, [])
                found = self.place(evidence[iri], reviews)
                graph = graph_of(self.base_uri, iri)
                graphs[graph] = self.placer.statements(iri, graph, found, reviews)
                rows.append((iri, made_from, graph, digest(found), {c: a.score for c, a in found.items()}))
                counts.placed += bool(found)
            # derived data, remade whole: dropped, then loaded as new graphs (a bulk load; replacing graph by
            # graph through SPARQL Update is ten times slower)
            hub.store.public.drop_graphs([g for g in graphs if have_graph(g)])
            hub.store.public.replace_graphs(graphs)
            hub.catalog.save_classified(rows)
            counts.classified += len(rows)
            if progress:
                progress(min(i + BATCH, len(todo)), len(todo))
        return counts


def refresh(hub: Hub) -> ClassifyCounts:
    """The derived step: bring the placements level with the catalog. Skipped when nothing it reads changed
    since it was last level (the catalog's change counts, the rules): a run that changed nothing does not read
    every record's signature again. Its own writes move the mark, so a run after one that placed records
    checks once more."""
    mark = f"{hub.catalog.changes('records', 'classified', 'subject_reviews')}|{classifier_version(hub.rules_digest)}"
    if hub.catalog.get_meta(LEVEL) == mark:
        return ClassifyCounts()
    counts = Classifier(hub).sync()
    hub.catalog.set_meta(LEVEL, mark)
    return counts

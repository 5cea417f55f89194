"""What the hub derives from a record, made where the record's triples are already in memory: in the preparing
workers, published with the record when its batch is committed.

After a run, the derived steps (``publish/derived.py``) bring the classifier's placements and the search index
level with the catalog by reading every changed record back from the store, about 3 ms of CPU per record. A
record that only one source describes (nearly all of them) needs nothing but its own graph, which the worker
has just made: the worker places it on themes (``classify.assign.Placer``) and builds its search document from
the same statements the store will hold, and the commit writes both with the very signatures the derived steps
compute. Those steps then find the record level and skip it. A record that several sources describe, or whose
reviews changed during the run, is left to them: they remain the one place that is always right.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyoxigraph as ox

from mcep_ld.catalog import Review
from mcep_ld.classify.assign import CLASSIFIED_KINDS, SUBJECT, Placer, digest, evidence_from, graph_of
from mcep_ld.search.documents import build
from mcep_ld.search.index import Entry
from mcep_ld.store import DCAT_DISTRIBUTION
from mcep_ld.vocab import Vocabulary

log = logging.getLogger(__name__)


@dataclass
class Derived:
    """A record's placements and search document, as the derived steps would make them from its one graph."""

    iri: str
    kind: str
    #: N-Triples of its placements graph; None when records of its kind are not placed on themes
    placements: list[str] | None
    placed: dict[str, float]  # concept → score
    placed_hash: str  # '' when not placed
    entry: Entry  # its search document, as the index stores it


class Deriver:
    """Everything a worker needs to derive records: the vocabularies, and the curators' reviews as the run
    found them (the commit signs with the same reviews; a later review makes the derived steps redo it)."""

    def __init__(self, vocab: Vocabulary, base_uri: str, reviews: list[Review]) -> None:
        self.vocab = vocab
        self.base_uri = base_uri
        self.placer = Placer(vocab, base_uri)
        self.reviews: dict[str, list[Review]] = {}
        for review in reviews:
            self.reviews.setdefault(review.iri, []).append(review)

    def __call__(self, iri: str, kind: str, source: str, statements: list[str]) -> Derived | None:
        """*statements*: the record's public graph as N-Triples statements (no final dot), as committed; None
        when something went wrong (the derived steps make it after the run)."""
        try:
            return self._derive(iri, kind, source, statements)
        except Exception:  # noqa: BLE001 - an optimisation only: the derived steps make it all the same
            log.exception("could not derive %s in the worker; made after the run", iri)
            return None

    def _derive(self, iri: str, kind: str, source: str, statements: list[str]) -> Derived:
        triples = list(ox.parse(input=(" .\n".join(statements) + " .\n").encode(), format=ox.RdfFormat.N_TRIPLES))
        placements, found = None, {}
        if kind in CLASSIFIED_KINDS:
            reviews = self.reviews.get(iri, [])
            found = self.placer.place(evidence_from(iri, kind, triples), reviews)
            placements = self.placer.statements(iri, graph_of(self.base_uri, iri), found, reviews)
        record = ox.NamedNode(iri)
        placed = [ox.Triple(record, SUBJECT, ox.NamedNode(concept)) for concept in found]
        document = build(iri, kind, [source], list(dict.fromkeys([*about(iri, triples), *placed])), self.vocab)
        return Derived(iri, kind, placements, {c: a.score for c, a in found.items()},
                       digest(found) if placements is not None else "", Entry.of(document))


def about(iri: str, triples: list[ox.Triple]) -> list[ox.Triple]:
    """The statements of *iri* and of its files (``dcat:distribution``): what ``HubStore.record_triples`` reads
    of a record from the store."""
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, []).append(t)
    out, todo, seen = [], [iri], {iri}
    while todo:
        for t in by_subject.get(todo.pop(), []):
            out.append(t)
            if t.predicate.value == DCAT_DISTRIBUTION and isinstance(t.object, ox.NamedNode) \
                    and t.object.value not in seen:
                seen.add(t.object.value)
                todo.append(t.object.value)
    return out

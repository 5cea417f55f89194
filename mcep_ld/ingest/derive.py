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
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from lxml import etree

from mcep_ld.catalog import Catalog, Review
from mcep_ld.classify.assign import (
    CLASSIFIED_KINDS,
    SUBJECT,
    Placer,
    classifier_version,
    digest,
    evidence_from,
    graph_of,
    signature,
)
from mcep_ld.publish import dumps
from mcep_ld.publish.oai_metadata import oai_dc, pack
from mcep_ld.search.documents import build
from mcep_ld.search.index import Entry, SearchIndex
from mcep_ld.store import DCAT_DISTRIBUTION
from mcep_ld.vocab import Vocabulary

if TYPE_CHECKING:
    from mcep_ld.hub import Hub

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
    oai_dc: bytes  # its OAI-PMH oai_dc metadata, packed as the catalog keeps it (publish/oai_metadata.py)


class Deriver:
    """Everything a worker needs to derive records: the vocabularies, and the curators' reviews as the run
    found them (the commit signs with the same reviews; a later review makes the derived steps redo it)."""

    def __init__(self, vocab: Vocabulary, base_uri: str, reviews: list[Review], *, rules: str) -> None:
        self.vocab = vocab
        self.rules = rules  # the digest of the vocabularies and shapes made with: the kept metadata's version
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
                       digest(found) if placements is not None else "", Entry.of(document),
                       pack(etree.tostring(oai_dc(iri, triples, self.vocab, kind))))


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


#: what a commit hands on of one record: (what its worker derived, the record's graph, that graph's hash)
Made = tuple[Derived, str, str]


def own_graph_only(catalog: Catalog, made: list[Made]) -> list[Made]:
    """What the workers derived of records that their one graph describes whole: not of a record another live
    graph describes too, nor of one that two records of the batch describe (left to the derived steps after the
    run, which read every graph of it)."""
    if not made:
        return made
    twice = {iri for iri, n in Counter(d.iri for d, _, _ in made).items() if n > 1}
    elsewhere = catalog.described_elsewhere({d.iri: graph for d, graph, _ in made if d.iri not in twice})
    return [(d, graph, h) for d, graph, h in made if d.iri not in twice and d.iri not in elsewhere]


def publish(hub: Hub, made: list[Made], deriver: Deriver | None) -> int:
    """Write the placements' rows and the search documents of records committed with their placements, signed as
    the derived steps sign them (``classify.assign.sync``, ``SearchIndex.sync``) so that those steps find them
    level after the run, and stage the placements for the dumps. Called with ``hub.derived_lock`` held; returns
    how many records it published."""
    if not made:
        return 0
    base = hub.settings.base_uri
    reviews = deriver.reviews if deriver else {}
    version = classifier_version(hub.rules_digest)
    placed = [(d, graph, h) for d, graph, h in made if d.placements is not None]
    hub.catalog.save_classified([
        (d.iri, signature(f"{graph}={h}", version, reviews.get(d.iri, [])), graph_of(base, d.iri),
         d.placed_hash, d.placed) for d, graph, h in placed])
    hub.search.put_many([(d.entry, SearchIndex.signature(f"{graph}={h}", d.placed_hash, hub.rules_digest))
                         for d, graph, h in made])
    dumps.stage(hub, dumps.CLASSIFIED_PART,
                {graph_of(base, d.iri): (d.placed_hash, d.placements) for d, _, _ in placed})
    return len(made)

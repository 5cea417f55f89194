"""Preparing a batch of records for commit: map, validate, split off restricted fields, serialise, and derive
what can be derived from the record's own graph (its placements and search document: ``ingest/derive.py``).

This is the CPU-bound part of a run (pyshacl above all), so the pipeline runs it in worker processes
while the main process fetches and commits. Everything a worker returns is plain text: each triple as an
N-Triples statement (``<s> <p> "o"``, no final dot), ready for the store without another conversion.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from mcep_ld.fetch.contract import Harvester, MappingContext
from mcep_ld.ingest.derive import Derived, Deriver
from mcep_ld.mapping.iris import graph_iri
from mcep_ld.mapping.namespaces import DC, DCT, FOAF, MCEP, PROV, RDF, XSD
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord
from mcep_ld.mapping.terms import ntriples
from mcep_ld.publish.restricted import split
from mcep_ld.validate.gate import ShaclGate
from mcep_ld.watchdog import end_with_parent


@dataclass
class Prepared:
    """One record, ready to commit (or to quarantine)."""

    key: str
    status: str  # valid | warning | quarantined | failed
    reports: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, stage, text)
    iri: str | None = None
    sets: list[str] = field(default_factory=list)
    public: list[str] = field(default_factory=list)  # N-Triples statements, provenance included
    restricted: list[str] = field(default_factory=list)
    graph_hash: str | None = None  # of the record's own public triples, provenance left out
    restricted_hash: str | None = None  # of its restricted triples: they change without the public ones
    derived: Derived | None = None  # its placements and search document, when made here (ingest/derive.py)

    @property
    def publishable(self) -> bool:
        return self.status in ("valid", "warning")


def graph_hash(statements: list[str]) -> str:
    """Order-independent hash of statements (mappings mint no blank nodes: this is canonical).

    Public and restricted statements are hashed apart: the public hash makes ETags, Last-Modified and OAI
    datestamps, and must not move, or confirm a guess, when only a restricted value changes.
    """
    return hashlib.sha256("\n".join(sorted(statements)).encode()).hexdigest()


DAMAGED = "\ufffd"  # what harvesters put where a source sent something unreadable (invalid UTF-8, a bomb…)


def damage(record: SourceRecord, max_bytes: int) -> None:
    """MappingError for a record that arrived damaged, whatever its source: too large to be metadata, or
    holding U+FFFD, which harvesters put in place of what could not be read (bytes that are not UTF-8,
    characters XML forbids, a value nested too deeply), so that only that record is lost."""
    if len(record.payload) > max_bytes:
        raise MappingError(f"the record is {len(record.payload):,} bytes, more than harvest_max_record_bytes "
                           f"({max_bytes:,})")
    if DAMAGED.encode() in record.payload:
        raise MappingError("the record holds something the harvester could not read (bytes that are not UTF-8, "
                           "characters XML forbids, or values nested too deeply), replaced by U+FFFD: correct "
                           "the record at the source")


@dataclass
class Preparer:
    """Everything a worker needs, fixed for one run."""

    harvester: Harvester
    ctx: MappingContext
    gate: ShaclGate
    restricted_predicates: frozenset[str]
    run_iri: str
    harvested_at: str  # xsd:dateTime lexical form
    max_record_bytes: int = 1 << 20
    deriver: Deriver | None = None
    rights: str = ""  # the source's terms (sources.NAME.rights), on each record as dc:rights
    license: str = ""  # the source's licence IRI (sources.NAME.license), on each record as dct:license

    def __call__(self, records: list[SourceRecord]) -> list[Prepared]:
        out = [Prepared(key=r.key, status="valid") for r in records]
        mapped: dict[int, MappedRecord] = {}
        for i, r in enumerate(records):
            try:
                damage(r, self.max_record_bytes)
                mapped[i] = self.harvester.map(r, self.ctx)
            except MappingError as exc:
                out[i].status, out[i].reports = "quarantined", [("Violation", "map", f"Violation: {exc}")]
            except Exception:  # noqa: BLE001 - a mapping bug quarantines the record, not the run
                out[i].status, out[i].reports = "failed", [("Error", "map", traceback.format_exc(limit=4))]

        for i, outcome in self.gate.validate_batch({i: m.triples for i, m in mapped.items()}).items():
            p = out[i]
            if outcome.violations:
                p.status = "quarantined"
                p.reports.append(("Violation", "validate", outcome.report("Violation")))
            if outcome.warnings:
                p.status = "warning" if p.status == "valid" else p.status
                p.reports.append(("Warning", "validate", outcome.report("Warning")))

        for i, m in mapped.items():
            p = out[i]
            p.iri, p.sets = str(m.iri), m.sets
            if not p.publishable:
                continue
            try:
                self._serialise(p, m, records[i])
            except ValueError as exc:  # an IRI or language tag Oxigraph will not store
                p.status, p.public, p.restricted = "quarantined", [], []
                p.reports.append(("Violation", "map", f"Violation: not valid RDF: {exc}"))
                continue
            if self.deriver is not None:
                p.derived = self.deriver(p.iri, records[i].kind, records[i].source, p.public)
        return out

    def _serialise(self, p: Prepared, m: MappedRecord, record: SourceRecord) -> None:
        p.public, p.restricted = split(((str(pred), f"{ntriples(s)} {ntriples(pred)} {ntriples(o)}")
                                        for s, pred, o in dict.fromkeys(m.triples)),  # repeated triples once
                                       self.restricted_predicates)
        # the source's terms are part of the record as published: a change of terms moves its datestamp
        if self.rights:
            p.public.append(f"{ntriples(m.iri)} {ntriples(DC.rights)} {ntriples(Literal(self.rights))}")
        if self.license:
            p.public.append(f"{ntriples(m.iri)} {ntriples(DCT.license)} {ntriples(URIRef(self.license))}")
        p.graph_hash, p.restricted_hash = graph_hash(p.public), graph_hash(p.restricted)
        graph = URIRef(graph_iri(self.ctx.base_uri, record.source, record.key))
        provenance = [
            (graph, RDF.type, PROV.Entity),
            (graph, FOAF.primaryTopic, m.iri),
            (graph, PROV.wasGeneratedBy, URIRef(self.run_iri)),
            (graph, PROV.generatedAtTime, Literal(self.harvested_at, datatype=XSD.dateTime)),
            (graph, DCT.source, URIRef(record.url)),
            (graph, MCEP.sourceName, Literal(record.source)),
        ]
        p.public.extend(f"{ntriples(s)} {ntriples(pred)} {ntriples(o)}" for s, pred, o in provenance)


# -- worker processes ---------------------------------------------------------------------------------

_PREPARER: Preparer | None = None


def install(preparer: Preparer) -> None:
    """Pool initializer: with the fork start method the preparer is inherited, never pickled.

    A worker whose harvest process is killed (SIGKILL leaves no time to stop the pool) would wait on
    its queue forever; a watchdog ends it once its parent is gone.
    """
    global _PREPARER
    _PREPARER = preparer
    end_with_parent()


def prepare_in_worker(records: list[SourceRecord]) -> list[Prepared]:
    assert _PREPARER is not None, "worker started without install()"
    return _PREPARER(records)

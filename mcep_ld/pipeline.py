"""fetch → fingerprint → map → validate → commit, a batch at a time, and tombstones after a complete listing.

Crash safety comes from the order of writes: the store is written first, the catalog second. A process
killed between the two leaves the catalog with the old fingerprint, so the next run processes the record
again and writes the same graph: harmless. Tombstones are written only after the listing was read to its
end; a failed or killed run deletes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from harvesters.base import Harvester
from mcep_ld.catalog import KnownRecord, RecordRow, RunCounters
from mcep_ld.http import SourceError
from mcep_ld.hub import Hub
from mcep_ld.mapping.iris import graph_iri, hub_graph_iri, restricted_graph_iri, run_iri
from mcep_ld.mapping.namespaces import DCT, FOAF, MCEP, PROV, RDF
from mcep_ld.records import MappedRecord, MappingError, SourceRecord
from mcep_ld.terms import named_node, to_ox

log = logging.getLogger(__name__)

Progress = Callable[[RunCounters], None]


@dataclass
class RunResult:
    run_id: int
    source: str
    status: str  # completed | failed | aborted
    complete: bool
    counters: RunCounters
    duration_s: float
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "completed"


@dataclass
class _Work:
    """One record being processed in a batch."""

    record: SourceRecord
    fingerprint: str
    known: KnownRecord | None
    mapped: MappedRecord | None = None
    reports: list[tuple[str, str, str]] = field(default_factory=list)
    status: str = "valid"


class _Clock:
    """Seconds spent per stage of a run: kept with the run, so an operator sees where time goes."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.spent[stage] += now - self._last
        self._last = now


def _batches(items: Iterable[SourceRecord], size: int, clock: _Clock) -> Iterator[list[SourceRecord]]:
    it = iter(items)
    while True:
        clock.lap("other")
        batch = list(islice(it, size))
        clock.lap("fetch")
        if not batch:
            return
        yield batch


def _graph_hash(public: list[ox.Quad], restricted: list[ox.Quad]) -> str:
    """Order-independent hash of a record's triples (mappings mint no blank nodes, so this is canonical)."""
    lines = sorted(f"{q.subject} {q.predicate} {q.object}" for q in public)
    lines += ["#restricted"] + sorted(f"{q.subject} {q.predicate} {q.object}" for q in restricted)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class Pipeline:
    """Runs harvesters into one hub."""

    def __init__(self, hub: Hub, *, progress: Progress | None = None) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.progress = progress
        self.restricted = {named_node(p) for p in self.settings.restricted_predicates}

    # -- entry points ---------------------------------------------------------------------------

    def harvest(self, harvester: Harvester) -> RunResult:
        """A full run: read the complete listing, process what changed, tombstone what disappeared."""
        return self._run(harvester, harvester.records(), listing=True)

    def remap(self, harvester: Harvester) -> RunResult:
        """Re-map stored payloads whose fingerprint changed (new mapping, shapes or vocabularies): no network."""
        rows = self.hub.catalog.raw_records(harvester.name)
        records = (SourceRecord(source=r["source"], key=r["source_key"], kind=r["kind"], payload=r["raw"],
                                url=r["raw_url"], fetched_at=datetime.now(UTC)) for r in rows)
        return self._run(harvester, records, listing=False)

    # -- the run --------------------------------------------------------------------------------

    def _run(self, harvester: Harvester, records: Iterable[SourceRecord], *, listing: bool) -> RunResult:
        catalog = self.hub.catalog
        self.hub.publish_vocabularies()
        run_id = catalog.start_run(harvester.name, harvester.endpoint if listing else "remap")
        counters = RunCounters()
        started = time.monotonic()
        started_at = datetime.now(UTC)
        status, complete, error = "failed", False, None
        seen: set[str] = set()
        clock = self.clock = _Clock()
        try:
            for batch in _batches(records, self.settings.harvest_batch_records, clock):
                fresh = [r for r in batch if r.key not in seen]  # duplicates across pages: first one wins
                seen.update(r.key for r in fresh)
                self._process(harvester, fresh, run_id, counters)
                if self.progress:
                    self.progress(counters)
            complete = True
            if listing:
                self._tombstone(harvester.name, run_id, counters)
                clock.lap("tombstone")
            status = "completed"
        except SourceError as exc:
            error = str(exc)
            log.error("%s: run %d failed: %s", harvester.name, run_id, exc)
        except KeyboardInterrupt:
            status, error = "aborted", "interrupted"
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must still close the run with its reason
            error = f"{type(exc).__name__}: {exc}"
            log.exception("%s: run %d failed", harvester.name, run_id)
        finally:
            duration = time.monotonic() - started
            clock.lap("other")
            catalog.finish_run(run_id, status=status, complete=complete, counters=counters,
                               duration_s=duration, timings=clock.spent, error=error)
            self._record_run(run_id, harvester, started_at, status, counters)
        return RunResult(run_id, harvester.name, status, complete, counters, duration, error, dict(clock.spent))

    def _process(self, harvester: Harvester, batch: list[SourceRecord], run_id: int,
                 counters: RunCounters) -> None:
        catalog = self.hub.catalog
        source = harvester.name
        counters.seen += len(batch)
        known = catalog.known(source, (r.key for r in batch))
        version = f"{harvester.mapping_version}/{self.hub.rules_digest}"
        todo: list[_Work] = []
        unchanged: list[str] = []
        for r in batch:
            fp = r.fingerprint(version)
            k = known.get(r.key)
            if k is not None and k.content_hash == fp and not k.deleted:
                unchanged.append(r.key)
            else:
                todo.append(_Work(r, fp, k))
        clock = self.clock
        clock.lap("fingerprint")
        if unchanged:
            catalog.mark_seen(source, unchanged, run_id)
            counters.unchanged += len(unchanged)
        clock.lap("catalog")
        if not todo:
            return

        ctx = self.hub.mapping_context
        for w in todo:
            try:
                w.mapped = harvester.map(w.record, ctx)
            except MappingError as exc:
                w.status, w.reports = "quarantined", [("Violation", "map", f"Violation: {exc}")]
            except Exception:  # noqa: BLE001 - a mapping bug quarantines the record, not the run
                w.status, w.reports = "failed", [("Error", "map", traceback.format_exc(limit=4))]

        clock.lap("map")
        mapped = {i: w.mapped.triples for i, w in enumerate(todo) if w.mapped is not None}
        for i, outcome in self.hub.gate.validate_batch(mapped).items():
            w = todo[i]
            if outcome.violations:
                w.status = "quarantined"
                w.reports.append(("Violation", "validate", outcome.report("Violation")))
            if outcome.warnings:
                w.status = "warning" if w.status == "valid" else w.status
                w.reports.append(("Warning", "validate", outcome.report("Warning")))

        clock.lap("validate")
        public: dict[str, list[ox.Quad]] = {}
        restricted: dict[str, list[ox.Quad]] = {}
        rows: list[RecordRow] = []
        base = self.settings.base_uri
        harvested = Literal(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
        for w in todo:
            r = w.record
            graph = graph_iri(base, source, r.key)
            publish = w.status in ("valid", "warning")
            moves, ghash = False, None
            if publish:
                pub_q, res_q = self._split(w.mapped, graph, base, r.key, source)
                ghash = _graph_hash(pub_q, res_q)
                was_live = w.known is not None and w.known.published and not w.known.deleted
                if was_live and w.known.graph_hash == ghash:
                    counters.unchanged += 1  # re-mapped to the very same triples: nothing to write
                else:
                    moves = True
                    pub_q.extend(self._provenance(graph, w.mapped.iri, r, run_id, harvested))
                    public[graph] = pub_q
                    restricted[restricted_graph_iri(base, source, r.key)] = res_q
                    if was_live:
                        counters.updated += 1
                    else:
                        counters.added += 1
            elif w.status == "failed":
                counters.failed += 1
            else:
                counters.quarantined += 1
            rows.append(RecordRow(
                source=source, source_key=r.key, kind=r.kind,
                iri=str(w.mapped.iri) if w.mapped is not None else None, graph=graph,
                content_hash=w.fingerprint, raw=r.payload, raw_url=r.url,
                source_modified=r.modified.strftime("%Y-%m-%dT%H:%M:%SZ") if r.modified else None,
                sets=w.mapped.sets if w.mapped is not None else [], published=publish,
                status=w.status, datestamp_moves=moves, graph_hash=ghash, reports=w.reports))
        clock.lap("prepare")
        # Store first, catalog second: see the module docstring.
        if public:
            self.hub.store.public.replace_graphs(public)
            self.hub.store.restricted.replace_graphs(restricted)
        clock.lap("store")
        catalog.save(rows, run_id)
        clock.lap("catalog")

    def _split(self, mapped: MappedRecord, graph: str, base: str, key: str,
               source: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """The record's quads: public ones in its graph, restricted predicates in its restricted graph."""
        g_pub = named_node(graph)
        g_res = named_node(restricted_graph_iri(base, source, key))
        pub: list[ox.Quad] = []
        res: list[ox.Quad] = []
        for s, p, o in dict.fromkeys(mapped.triples):  # drop repeated triples, keep order
            pred = to_ox(p)
            if pred in self.restricted:
                res.append(ox.Quad(to_ox(s), pred, to_ox(o), g_res))
            else:
                pub.append(ox.Quad(to_ox(s), pred, to_ox(o), g_pub))
        return pub, res

    def _provenance(self, graph: str, iri: URIRef, record: SourceRecord, run_id: int,
                    harvested: Literal) -> list[ox.Quad]:
        """Who, when and from where: stated about the record's graph, inside the graph."""
        g = named_node(graph)
        base = self.settings.base_uri
        triples = [
            (URIRef(graph), RDF.type, PROV.Entity),
            (URIRef(graph), FOAF.primaryTopic, iri),
            (URIRef(graph), PROV.wasGeneratedBy, run_iri(base, run_id)),
            (URIRef(graph), PROV.generatedAtTime, harvested),
            (URIRef(graph), DCT.source, URIRef(record.url)),
            (URIRef(graph), MCEP.sourceName, Literal(record.source)),
        ]
        return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples]

    def _tombstone(self, source: str, run_id: int, counters: RunCounters) -> None:
        gone = self.hub.catalog.unseen(source, run_id)
        if not gone:
            return
        base = self.settings.base_uri
        # Store first: a crash here leaves catalog rows that the next complete run tombstones again.
        self.hub.store.public.drop_graphs(k.graph for k in gone)
        self.hub.store.restricted.drop_graphs(
            k.graph.replace(f"{base}graph/", f"{base}graph/restricted/", 1) for k in gone)
        self.hub.catalog.tombstone(k.id for k in gone)
        counters.deleted += len(gone)

    def _record_run(self, run_id: int, harvester: Harvester, started_at: datetime, status: str,
                    counters: RunCounters) -> None:
        """The run as a PROV activity in the hub graph, so runs can be queried like everything else."""
        base = self.settings.base_uri
        run = run_iri(base, run_id)
        g = named_node(hub_graph_iri(base))
        now = Literal(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
        start = Literal(started_at.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
        triples = [
            (run, RDF.type, PROV.Activity),
            (run, PROV.startedAtTime, start),
            (run, PROV.endedAtTime, now),
            (run, MCEP.sourceName, Literal(harvester.name)),
            (run, MCEP.status, Literal(status)),
        ]
        if harvester.endpoint.startswith(("http://", "https://")):
            triples.append((run, PROV.used, URIRef(harvester.endpoint)))
        for name, value in counters.as_dict().items():
            triples.append((run, MCEP[f"records{name.title()}"], Literal(value)))
        try:
            self.hub.store.public.add_quads([ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples])
        except Exception:  # noqa: BLE001 - the catalog already holds the run; this copy is a convenience
            log.exception("could not record run %d in the store", run_id)

"""One harvest run's state and its steps: triage a batch, prepare it in the workers, commit it in listing order,
and after a complete listing, tombstone what the source no longer has.

Crash safety comes from the order of writes: the store is written first, the catalog second. A process
killed between the two leaves the catalog with the old fingerprint, so the next run processes the record
again and writes the same graph: harmless. Tombstones are written only after the listing was read to its
end; a failed or killed run deletes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from mcep_ld.catalog import Checkpoint, KnownRecord, RecordRow, RunCounters
from mcep_ld.classify.assign import graph_of
from mcep_ld.fetch.contract import Harvester
from mcep_ld.fetch.http import SourceError
from mcep_ld.hub import Hub
from mcep_ld.ingest.derive import Derived, own_graph_only, publish
from mcep_ld.ingest.guards import deletion_refusal, resume_point
from mcep_ld.ingest.prepare import Prepared, Preparer, prepare_in_worker
from mcep_ld.mapping.iris import graph_iri, restricted_graph_iri
from mcep_ld.mapping.records import SourceRecord
from mcep_ld.publish import dumps
from mcep_ld.publish.oai_metadata import version as oai_version

log = logging.getLogger(__name__)

Progress = Callable[[RunCounters], None]
LISTED_EVERY = 25


class DeletionRefused(SourceError):
    """A complete listing that would delete too much of what the source published: the run fails instead."""


@dataclass
class Work:
    """One record to prepare, with what the catalog knew of it."""

    record: SourceRecord
    fingerprint: str
    known: KnownRecord | None


class Clock:
    """Seconds spent per stage of a run: kept with the run, so an operator sees where time goes."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.spent[stage] += now - self._last
        self._last = now


def batches(items: Iterable[SourceRecord], size: int, clock: Clock,
            listed: Callable[[int], None] | None = None) -> Iterator[list[SourceRecord]]:
    """*items* in lists of *size*. When the listing fails, what was fetched before still comes as a last,
    shorter batch, then the error: written and checkpointed, it need not be fetched again on resuming.
    *listed* is told how many records have been fetched, every ``LISTED_EVERY``."""
    it = iter(items)
    count = 0
    while True:
        clock.lap("other")
        batch: list[SourceRecord] = []
        failure: SourceError | None = None
        try:
            for record in it:
                batch.append(record)
                count += 1
                if listed and count % LISTED_EVERY == 0:
                    listed(count)
                if len(batch) >= size:
                    break
        except SourceError as exc:
            failure = exc
        clock.lap("fetch")
        if batch:
            yield batch
        if failure is not None:
            raise failure
        if len(batch) < size:
            return


@dataclass
class Run:
    """What one run reads and moves, in one place: its id, harvester, counters, clock, the batches in the
    workers and the keys not yet committed."""

    hub: Hub
    id: int
    harvester: Harvester
    counters: RunCounters
    preparer: Preparer
    #: part of every record's fingerprint (pipeline, mapping, shapes and vocabularies, restricted predicates)
    version: str
    pool: ProcessPoolExecutor | None = None
    progress: Progress | None = None
    #: told how many records the listing has given so far (a batch fills before its records are counted)
    listed: Callable[[int], None] | None = None
    clock: Clock = field(default_factory=Clock)
    #: keys of batches not yet committed; the catalog (seen_run) remembers the rest, so memory stays flat
    pending: set[str] = field(default_factory=set)
    in_flight: deque[tuple[list[Work], Future]] = field(default_factory=deque)
    #: the position of the last record listed
    listed_to: str | None = None
    #: records whose placements and search document the workers made (the rest: the derived steps)
    derived: int = 0

    @property
    def source(self) -> str:
        return self.harvester.name

    def first_unwritten(self) -> str | None:
        """Where a resumed listing must start: at the oldest batch still in the workers, else after what
        was listed (the last record's page, listed again and skipped)."""
        return resume_point(self.in_flight[0][0][0].record.position if self.in_flight else None,
                            in_workers=bool(self.in_flight), listed_to=self.listed_to)

    def stream(self, records: Iterable[SourceRecord]) -> None:
        """Triage each batch here, prepare it in a worker, commit in listing order.

        At most ``ingest_workers`` batches are in the workers at once, so memory does not grow with the
        corpus, and fetching and committing in this process overlap with mapping and validation there.

        Every catalog write carries a checkpoint: the listing position of the first record not yet
        written (the first record of the oldest batch still in a worker), and the counters of what was.
        A resumed run lists again from there; what it already wrote is skipped without being counted twice.
        """
        settings = self.hub.settings
        try:
            for batch in batches(records, settings.harvest_batch_records, self.clock, self.listed):
                self.listed_to = batch[-1].position
                todo = self.triage(batch, self.first_unwritten())
                if not todo:
                    continue
                if self.pool is None:
                    self.commit(todo, self.preparer([w.record for w in todo]), self.listed_to)
                    continue
                self.pending.update(w.record.key for w in todo)
                self.in_flight.append((todo, self.pool.submit(prepare_in_worker, [w.record for w in todo])))
                while len(self.in_flight) > settings.ingest_workers:
                    self.commit_next()
        except SourceError:  # what the source gave before failing is written all the same; the checkpoint moves
            while self.in_flight:
                self.commit_next()
            raise
        while self.in_flight:
            self.commit_next()

    def commit_next(self) -> None:
        todo, future = self.in_flight.popleft()
        prepared = future.result()
        self.clock.lap("wait for workers")
        self.commit(todo, prepared, self.first_unwritten())
        self.pending.difference_update(w.record.key for w in todo)

    def triage(self, batch: list[SourceRecord], resume_at: str | None) -> list[Work]:
        """Skip duplicates and what is unchanged (same payload, mapping, shapes, vocabularies); return the rest.

        A key listed twice in one run (pages that shift under the harvester, a resumed run listing a page
        again) counts once: the first wins. Records to prepare are counted as seen when committed.
        """
        catalog, counters = self.hub.catalog, self.counters
        known = catalog.known(self.source, (r.key for r in batch))
        todo: list[Work] = []
        unchanged: list[int] = []
        deleted: list[KnownRecord] = []
        gone_already: list[int] = []
        in_batch: set[str] = set()
        for r in batch:
            k = known.get(r.key)
            if r.key in in_batch or r.key in self.pending or (k is not None and k.seen_run == self.id):
                continue
            in_batch.add(r.key)
            if r.deleted:  # a deletion of a record the hub never held is no news: not counted
                if k is not None:
                    counters.seen += 1
                    if k.deleted:
                        gone_already.append(k.id)
                    else:
                        deleted.append(k)
                continue
            fp = r.fingerprint(self.version)
            if k is not None and k.content_hash == fp and not k.deleted:
                counters.seen += 1
                unchanged.append(k.id)
            else:
                todo.append(Work(r, fp, k))
        self.clock.lap("fingerprint")
        # The resume point must come before this batch's records that are about to go to the workers.
        if todo and resume_at == batch[-1].position:
            resume_at = todo[0].record.position
        self.drop_graphs(deleted)  # the store first, as in commit
        counters.unchanged += len(unchanged)
        counters.deleted += len(deleted)
        catalog.mark_listed(self.id, unchanged=unchanged + gone_already, deleted=[k.id for k in deleted],
                            checkpoint=Checkpoint(resume_at, counters))
        self.clock.lap("catalog")
        if self.progress:
            self.progress(counters)
        return todo

    def commit(self, todo: list[Work], prepared: list[Prepared], resume_at: str | None) -> None:
        """Write prepared records: the store first, the catalog second (see the module docstring)."""
        public: dict[str, list[str]] = {}
        restricted: dict[str, list[str]] = {}
        rows: list[RecordRow] = []
        derived: list[tuple[Derived, str, str]] = []  # (made in the worker, the record's graph, its hash)
        written: dict[str, tuple[str, list[str]]] = {}  # the records' graphs written: graph → (hash, statements)
        base, source, counters = self.hub.settings.base_uri, self.source, self.counters
        rules = self.preparer.deriver.rules if self.preparer.deriver else ""
        for w, p in zip(todo, prepared, strict=True):
            r = w.record
            counters.seen += 1
            graph = graph_iri(base, source, r.key)
            moves = False
            kept: list[tuple[str, str, bytes]] = []
            if p.publishable:
                was_live = w.known is not None and w.known.published and not w.known.deleted
                if was_live and w.known.graph_hash == p.graph_hash:
                    # the very same public triples: unchanged to everyone outside (no datestamp moves, and
                    # the counters are public); restricted values that changed are written all the same
                    counters.unchanged += 1
                    if w.known.restricted_hash != p.restricted_hash:
                        restricted[restricted_graph_iri(base, source, r.key)] = p.restricted
                else:
                    moves = True
                    public[graph] = p.public
                    written[graph] = (p.graph_hash, p.public)
                    if p.derived is not None:
                        derived.append((p.derived, graph, p.graph_hash))
                        kept.append(("oai_dc", oai_version(p.graph_hash, rules), p.derived.oai_dc))
                    restricted[restricted_graph_iri(base, source, r.key)] = p.restricted
                    if was_live:
                        counters.updated += 1
                    else:
                        counters.added += 1
            elif p.status == "failed":
                counters.failed += 1
            else:
                counters.quarantined += 1
            rows.append(RecordRow(
                source=source, source_key=r.key, kind=r.kind, iri=p.iri, graph=graph,
                content_hash=w.fingerprint, raw=r.payload, raw_url=r.url,
                source_modified=r.modified.strftime("%Y-%m-%dT%H:%M:%SZ") if r.modified else None,
                sets=p.sets, published=p.publishable, status=p.status, datestamp_moves=moves,
                graph_hash=p.graph_hash if p.publishable else None, reports=p.reports,
                restricted_hash=p.restricted_hash if p.publishable else None, disseminations=kept))
        self.clock.lap("prepare")
        derived = own_graph_only(self.hub.catalog, derived)
        for d, _, _ in derived:  # placements go to the store with the records (one bulk load)
            if d.placements is not None:
                public[graph_of(base, d.iri)] = d.placements
        self.clock.lap("derive")
        if public:
            self.hub.store.public.replace_graphs(public)
        if restricted:
            self.hub.store.restricted.replace_graphs(restricted)
        self.clock.lap("store")
        self.hub.catalog.save(rows, self.id, checkpoint=Checkpoint(resume_at, counters))
        self.clock.lap("catalog")
        with self.hub.derived_lock:  # not while the derived steps run (a curator's review in the service)
            self.derived += publish(self.hub, derived, self.preparer.deriver)
            dumps.stage(self.hub, source, written)
        self.clock.lap("derive")
        if self.progress:
            self.progress(counters)

    def delete_unlisted(self, *, allow_deletions: bool) -> None:
        """After a complete listing: tombstone the records it did not hold and the source confirms gone."""
        gone = self.confirm_gone(self.hub.catalog.unseen(self.source, self.id))
        if not allow_deletions:
            self.check_deletions(len(gone))
        self.tombstone(gone)
        self.clock.lap("tombstone")

    def confirm_gone(self, unseen: list[KnownRecord]) -> list[KnownRecord]:
        """Ask the source about each record its listing missed (``Harvester.still_exists``).

        A listing paged by offset misses a record when the source changes between two pages; without
        this check that record would be tombstoned. What the source still has is kept and marked seen.
        """
        if not unseen:
            return unseen
        keys = self.hub.catalog.source_keys(k.id for k in unseen)
        present = [record_id for record_id, key in keys.items() if self.harvester.still_exists(key)]
        if present:
            self.hub.catalog.mark_seen(present, self.id)
            log.warning("%s: %d record(s) missing from the listing still exist at the source; kept",
                        self.source, len(present))
        return [k for k in unseen if k.id not in set(present)]

    def check_deletions(self, gone: int) -> None:
        """DeletionRefused when a listing would tombstone more than ``max_delete_fraction`` of the source's
        live records, or all of them: what a truncated export, an error page taken for an empty listing or a
        misconfigured set looks like. The operator allows it for one run (``--allow-deletions``)."""
        if gone and (why := deletion_refusal(gone, self.hub.catalog.live_count(self.source), source=self.source,
                                             max_fraction=self.hub.settings.max_delete_fraction)):
            raise DeletionRefused(why)

    def tombstone(self, gone: list[KnownRecord]) -> None:
        if not gone:
            return
        # Store first: a crash here leaves catalog rows that the next complete run tombstones again.
        self.drop_graphs(gone)
        self.counters.deleted += len(gone)
        self.hub.catalog.tombstone((k.id for k in gone), self.id)

    def drop_graphs(self, gone: list[KnownRecord]) -> None:
        if not gone:
            return
        base = self.hub.settings.base_uri
        self.hub.store.public.drop_graphs(k.graph for k in gone)
        self.hub.store.restricted.drop_graphs(
            k.graph.replace(f"{base}graph/", f"{base}graph/restricted/", 1) for k in gone)

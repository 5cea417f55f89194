"""fetch → fingerprint → prepare → commit, a batch at a time, and tombstones after a complete listing.

Preparing (map, validate, serialise: ``prepare.py``) runs in worker processes; this process fetches,
skips what is unchanged and commits, in listing order.

Crash safety comes from the order of writes: the store is written first, the catalog second. A process
killed between the two leaves the catalog with the old fingerprint, so the next run processes the record
again and writes the same graph: harmless. Tombstones are written only after the listing was read to its
end; a failed or killed run deletes nothing.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from harvesters.base import Harvester
from mcep_ld.catalog import KnownRecord, RecordRow, RunCounters
from mcep_ld.http import SourceError
from mcep_ld.hub import Hub
from mcep_ld.mapping.iris import graph_iri, hub_graph_iri, restricted_graph_iri, run_iri
from mcep_ld.mapping.namespaces import MCEP, PROV, RDF
from mcep_ld.prepare import Prepared, Preparer, install, prepare_in_worker
from mcep_ld.records import SourceRecord
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
    """One record to prepare, with what the catalog knew of it."""

    record: SourceRecord
    fingerprint: str
    known: KnownRecord | None


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


class Pipeline:
    """Runs harvesters into one hub."""

    def __init__(self, hub: Hub, *, progress: Progress | None = None) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.progress = progress

    # -- entry points ---------------------------------------------------------------------------

    def harvest(self, harvester: Harvester, *, full: bool = False) -> RunResult:
        """A run: read the listing (since the last completed run, where the source can say), process what
        changed, tombstone what the source deleted and, after a complete listing, what disappeared."""
        since = None if full else self.hub.catalog.last_complete_run_start(harvester.name)
        if since is not None:  # an overlap absorbs clock skew; fingerprints skip what comes twice
            since -= timedelta(seconds=self.settings.incremental_overlap_s)
        complete = getattr(harvester, "listing_is_complete", lambda since: True)(since)
        if hasattr(harvester, "validators"):  # a source that answers conditional requests
            harvester.validators = self.hub.catalog.validators(harvester.name)
        return self._run(harvester, harvester.records(since=since), listing=complete)

    def remap(self, harvester: Harvester) -> RunResult:
        """Re-map stored payloads whose fingerprint changed (new mapping, shapes or vocabularies): no network."""
        rows = self.hub.catalog.raw_records(harvester.name)
        records = (SourceRecord(source=r["source"], key=r["source_key"], kind=r["kind"], payload=r["raw"],
                                url=r["raw_url"], fetched_at=datetime.now(UTC)) for r in rows)
        return self._run(harvester, records, listing=False)

    # -- the run --------------------------------------------------------------------------------

    def _run(self, harvester: Harvester, records: Iterable[SourceRecord], *, listing: bool) -> RunResult:
        catalog = self.hub.catalog
        self.hub.store  # noqa: B018 - open it now: a store held by `mcep serve` stops us before any fetching
        self.hub.publish_vocabularies()
        run_id = catalog.start_run(harvester.name, harvester.endpoint if listing else "remap")
        counters = RunCounters()
        started = time.monotonic()
        started_at = datetime.now(UTC)
        status, complete, error = "failed", False, None
        clock = self.clock = _Clock()
        preparer = Preparer(
            harvester=harvester, ctx=self.hub.mapping_context, gate=self.hub.gate,
            restricted_predicates=frozenset(self.settings.restricted_predicates),
            run_iri=str(run_iri(self.settings.base_uri, run_id)),
            harvested_at=started_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        workers = self.settings.ingest_workers
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                   initializer=install, initargs=(preparer,)) if workers else None
        try:
            self._stream(harvester, records, run_id, counters, preparer, pool)
            complete = True
            unseen = self.hub.catalog.unseen(harvester.name, run_id)
            if getattr(harvester, "not_modified", False):
                listing = False  # "304 Not Modified": nothing was listed because nothing changed
            if listing:
                self._tombstone(harvester.name, self._confirm_gone(harvester, unseen, run_id), counters)
                clock.lap("tombstone")
            else:  # an incremental listing: what the source did not list has not changed, by its word
                counters.unchanged += len(unseen)
            status = "completed"
            if getattr(harvester, "validators", None) is not None:
                self.hub.catalog.save_validators(harvester.name, harvester.validators)
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
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            duration = time.monotonic() - started
            clock.lap("other")
            catalog.finish_run(run_id, status=status, complete=complete, counters=counters,
                               duration_s=duration, timings=clock.spent, error=error)
            self._record_run(run_id, harvester, started_at, status, counters)
        return RunResult(run_id, harvester.name, status, complete, counters, duration, error, dict(clock.spent))

    def _stream(self, harvester: Harvester, records: Iterable[SourceRecord], run_id: int,
                counters: RunCounters, preparer: Preparer, pool: ProcessPoolExecutor | None) -> None:
        """Triage each batch here, prepare it in a worker, commit in listing order.

        At most ``ingest_workers`` batches are in the workers at once, so memory does not grow with the
        corpus, and fetching and committing in this process overlap with mapping and validation there.
        """
        # Keys of batches not yet committed; the catalog (seen_run) remembers the rest, so memory stays flat.
        pending: set[str] = set()
        in_flight: deque[tuple[list[_Work], Future | None]] = deque()
        for batch in _batches(records, self.settings.harvest_batch_records, self.clock):
            todo = self._triage(harvester, batch, run_id, counters, pending)
            if not todo:
                continue
            if pool is None:
                self._commit(harvester.name, todo, preparer([w.record for w in todo]), run_id, counters)
                continue
            pending.update(w.record.key for w in todo)
            in_flight.append((todo, pool.submit(prepare_in_worker, [w.record for w in todo])))
            while len(in_flight) > self.settings.ingest_workers:
                self._commit_next(harvester.name, in_flight, run_id, counters, pending)
        while in_flight:
            self._commit_next(harvester.name, in_flight, run_id, counters, pending)

    def _commit_next(self, source: str, in_flight: deque, run_id: int, counters: RunCounters,
                     pending: set[str]) -> None:
        todo, future = in_flight.popleft()
        prepared = future.result()
        self.clock.lap("wait for workers")
        self._commit(source, todo, prepared, run_id, counters)
        pending.difference_update(w.record.key for w in todo)

    def _triage(self, harvester: Harvester, batch: list[SourceRecord], run_id: int,
                counters: RunCounters, pending: set[str]) -> list[_Work]:
        """Skip duplicates and what is unchanged (same payload, mapping, shapes, vocabularies); return the rest.

        A key listed twice in one run (pages that shift under the harvester) counts once: the first wins.
        """
        catalog = self.hub.catalog
        known = catalog.known(harvester.name, (r.key for r in batch))
        version = f"{harvester.mapping_version}/{self.hub.rules_digest}"
        todo: list[_Work] = []
        unchanged: list[int] = []
        deleted: list[KnownRecord] = []
        in_batch: set[str] = set()
        for r in batch:
            k = known.get(r.key)
            if r.key in in_batch or r.key in pending or (k is not None and k.seen_run == run_id):
                continue
            in_batch.add(r.key)
            counters.seen += 1
            if r.deleted:
                if k is not None and not k.deleted:
                    deleted.append(k)
                continue
            fp = r.fingerprint(version)
            if k is not None and k.content_hash == fp and not k.deleted:
                unchanged.append(k.id)
            else:
                todo.append(_Work(r, fp, k))
        self.clock.lap("fingerprint")
        self._tombstone(harvester.name, deleted, counters)
        if unchanged:
            catalog.mark_seen(unchanged, run_id)
            counters.unchanged += len(unchanged)
        self.clock.lap("catalog")
        if self.progress:
            self.progress(counters)
        return todo

    def _commit(self, source: str, todo: list[_Work], prepared: list[Prepared], run_id: int,
                counters: RunCounters) -> None:
        """Write prepared records: the store first, the catalog second (see the module docstring)."""
        public: dict[str, list[str]] = {}
        restricted: dict[str, list[str]] = {}
        rows: list[RecordRow] = []
        base = self.settings.base_uri
        for w, p in zip(todo, prepared, strict=True):
            r = w.record
            graph = graph_iri(base, source, r.key)
            moves = False
            if p.publishable:
                was_live = w.known is not None and w.known.published and not w.known.deleted
                if was_live and w.known.graph_hash == p.graph_hash:
                    counters.unchanged += 1  # re-mapped to the very same triples: nothing to write
                else:
                    moves = True
                    public[graph] = p.public
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
                graph_hash=p.graph_hash if p.publishable else None, reports=p.reports))
        self.clock.lap("prepare")
        if public:
            self.hub.store.public.replace_graphs(public)
            self.hub.store.restricted.replace_graphs(restricted)
        self.clock.lap("store")
        self.hub.catalog.save(rows, run_id)
        self.clock.lap("catalog")
        if self.progress:
            self.progress(counters)

    def _confirm_gone(self, harvester: Harvester, unseen: list[KnownRecord], run_id: int) -> list[KnownRecord]:
        """Ask the source about each record its listing missed, where it can say (``still_exists``).

        A listing paged by offset misses a record when the source changes between two pages; without
        this check that record would be tombstoned. What the source still has is kept and marked seen.
        """
        ask = getattr(harvester, "still_exists", None)
        if ask is None or not unseen:
            return unseen
        keys = {k.id: k for k in unseen}
        rows = self.hub.catalog.db.execute(
            f"SELECT id, source_key FROM records WHERE id IN ({','.join('?' * len(keys))})", tuple(keys))
        present = [record_id for record_id, key in rows if ask(key)]
        self.hub.catalog.mark_seen(present, run_id)
        if present:
            log.warning("%s: %d record(s) missing from the listing still exist at the source; kept",
                        harvester.name, len(present))
        return [k for k in unseen if k.id not in set(present)]

    def _tombstone(self, source: str, gone: list[KnownRecord], counters: RunCounters) -> None:
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

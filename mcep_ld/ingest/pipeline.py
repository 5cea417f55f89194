"""fetch → fingerprint → prepare → commit, a batch at a time, and tombstones after a complete listing.

Preparing (map, validate, serialise: ``prepare.py``) runs in worker processes; this process fetches,
skips what is unchanged and commits, in listing order.

Crash safety comes from the order of writes: the store is written first, the catalog second. A process
killed between the two leaves the catalog with the old fingerprint, so the next run processes the record
again and writes the same graph: harmless. Tombstones are written only after the listing was read to its
end; a failed or killed run deletes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.catalog import Checkpoint, KnownRecord, RecordRow, RunCounters
from mcep_ld.config import restricted_predicates
from mcep_ld.fetch.contract import Harvester
from mcep_ld.fetch.http import SourceError
from mcep_ld.hub import Hub
from mcep_ld.ingest.runs import RunCancelled
from mcep_ld.mapping.iris import graph_iri, restricted_graph_iri, run_graph_iri, run_iri
from mcep_ld.mapping.namespaces import MCEP, PROV, RDF
from mcep_ld.mapping.records import SourceRecord
from mcep_ld.mapping.terms import ntriples
from mcep_ld.publish.derived import DERIVED
from mcep_ld.validate.prepare import Prepared, Preparer, install, prepare_in_worker

log = logging.getLogger(__name__)

Progress = Callable[[RunCounters], None]

#: Part of every record's fingerprint: bump it when what the pipeline makes of a mapped record changes, so
#: that every record is prepared again (2: public and restricted statements hashed apart).
PIPELINE_VERSION = "2"


class DeletionRefused(SourceError):
    """A complete listing that would delete too much of what the source published: the run fails instead."""


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
    resumed: bool = False  # the run went on from the checkpoint of an earlier, stopped attempt

    @property
    def ok(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class _Resume:
    """A stopped run to go on with."""

    run_id: int
    checkpoint: Checkpoint
    started_at: datetime
    duration_s: float


def _parse_utc(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if text else None


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


def _first_unwritten(in_flight: deque, listed_to: str | None) -> str | None:
    """Where a resumed listing must start: at the oldest batch still in the workers, else after what
    was listed (the last record's page, listed again and skipped)."""
    return in_flight[0][0][0].record.position if in_flight else listed_to


def _batches(items: Iterable[SourceRecord], size: int, clock: _Clock) -> Iterator[list[SourceRecord]]:
    """*items* in lists of *size*. When the listing fails, what was fetched before still comes as a last,
    shorter batch, then the error: written and checkpointed, it need not be fetched again on resuming."""
    it = iter(items)
    while True:
        clock.lap("other")
        batch: list[SourceRecord] = []
        failure: SourceError | None = None
        try:
            for record in it:
                batch.append(record)
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


class Pipeline:
    """Runs harvesters into one hub."""

    def __init__(self, hub: Hub, *, progress: Progress | None = None) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.progress = progress
        # which predicates are held back decides what a record publishes: a change prepares every record again
        self._restricted_digest = hashlib.sha256(
            " ".join(sorted(restricted_predicates(self.settings))).encode()).hexdigest()[:12]

    # -- entry points ---------------------------------------------------------------------------

    def harvest(self, harvester: Harvester, *, full: bool = False, restart: bool = False,
                allow_deletions: bool = False) -> RunResult:
        """A run: read the listing (since the last completed run, where the source can say), process what
        changed, tombstone what the source deleted and, after a complete listing, what disappeared.

        A run of this source that stopped before its end (killed, interrupted, failed) is resumed from its
        checkpoint, under its own id, unless *restart* is given or it is older than ``resume_max_age_h``;
        ``full`` resumes only a run that was itself a full listing. A complete listing that would delete more
        than ``max_delete_fraction`` of the source's live records fails the run unless *allow_deletions*.
        """
        catalog = self.hub.catalog
        self.hub.store  # noqa: B018 - held by a live process? Then stop here, before reading its runs
        stopped = None if restart else catalog.resumable_run(harvester.name, harvester.endpoint,
                                                             max_age_h=self.settings.resume_max_age_h)
        if stopped is not None and full and stopped["since"] is not None:
            stopped = None  # an incremental run cannot finish as a full one
        if stopped is not None:
            since = _parse_utc(stopped["since"])
            resume = _Resume(stopped["id"], Checkpoint.from_json(stopped["checkpoint"]),
                             _parse_utc(stopped["started"]), stopped["duration_s"] or 0.0)
            log.info("%s: resuming run %d from its checkpoint", harvester.name, resume.run_id)
        else:
            since = None if full else catalog.last_complete_run_start(harvester.name)
            if since is not None:  # an overlap absorbs clock skew; fingerprints skip what comes twice
                since -= timedelta(seconds=self.settings.incremental_overlap_s)
            resume = None
        complete = getattr(harvester, "listing_is_complete", lambda since: True)(since)
        if hasattr(harvester, "validators"):  # a source that answers conditional requests
            harvester.validators = catalog.validators(harvester.name)
        records = harvester.records(since=since, resume=resume.checkpoint.position if resume else None)
        return self._run(harvester, records, listing=complete, since=since, resume=resume,
                         allow_deletions=allow_deletions)

    def remap(self, harvester: Harvester) -> RunResult:
        """Re-map stored payloads whose fingerprint changed (new mapping, shapes or vocabularies): no network."""
        rows = self.hub.catalog.raw_records(harvester.name)
        records = (SourceRecord(source=r["source"], key=r["source_key"], kind=r["kind"], payload=r["raw"],
                                url=r["raw_url"], fetched_at=datetime.now(UTC)) for r in rows)
        return self._run(harvester, records, listing=False)

    # -- the run --------------------------------------------------------------------------------

    def _run(self, harvester: Harvester, records: Iterable[SourceRecord], *, listing: bool,
             since: datetime | None = None, resume: _Resume | None = None, allow_deletions: bool = False) -> RunResult:
        catalog = self.hub.catalog
        self.hub.store  # noqa: B018 - open it now: a store held by `mcep serve` stops us before any fetching
        self.hub.publish_vocabularies()
        if resume is not None:
            run_id, counters, started_at = resume.run_id, resume.checkpoint.counters, resume.started_at
            catalog.resume_run(run_id)
        else:
            run_id = catalog.start_run(harvester.name, harvester.endpoint if listing else "remap", since=since)
            counters, started_at = RunCounters(), datetime.now(UTC)
        started = time.monotonic()
        status, complete, error = "failed", False, None
        clock = self.clock = _Clock()
        preparer = Preparer(
            harvester=harvester, ctx=self.hub.mapping_context, gate=self.hub.gate,
            restricted_predicates=restricted_predicates(self.settings),
            run_iri=str(run_iri(self.settings.base_uri, run_id)),
            harvested_at=started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            max_record_bytes=self.settings.harvest_max_record_bytes)
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
                gone = self._confirm_gone(harvester, unseen, run_id)
                if not allow_deletions:
                    self._check_deletions(harvester.name, len(gone))
                self._tombstone(harvester.name, gone, counters, run_id)
                clock.lap("tombstone")
            else:  # an incremental listing: what the source did not list has not changed, by its word
                counters.unchanged += len(unseen)
            status = "completed"
            if getattr(harvester, "validators", None) is not None:
                self.hub.catalog.save_validators(harvester.name, harvester.validators)
        except SourceError as exc:
            error = str(exc)  # said once, by whoever reads the RunResult (the command line, the scheduler)
            log.info("%s: run %d failed: %s", harvester.name, run_id, exc)
        except RunCancelled:  # an operator's cancel (admin API): stopped after its last commit
            status, error = "aborted", "cancelled by an operator"
        except KeyboardInterrupt:
            status, error = "aborted", "interrupted"
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must still close the run with its reason
            error = f"{type(exc).__name__}: {exc}"
            log.exception("%s: run %d failed", harvester.name, run_id)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            duration = time.monotonic() - started + (resume.duration_s if resume else 0.0)
            clock.lap("other")
            catalog.finish_run(run_id, status=status, complete=complete, counters=counters,
                               duration_s=duration, timings=clock.spent, error=error)
            self._record_run(run_id, harvester, started_at, status, counters)
            for name, remake in DERIVED:
                try:
                    remake(self.hub)
                    clock.lap(name)
                except Exception:  # noqa: BLE001 - remade at the next run or start-up
                    log.exception("could not remake the %s after run %d", name, run_id)
        return RunResult(run_id, harvester.name, status, complete, counters, duration, error, dict(clock.spent),
                         resumed=resume is not None)

    def _stream(self, harvester: Harvester, records: Iterable[SourceRecord], run_id: int,
                counters: RunCounters, preparer: Preparer, pool: ProcessPoolExecutor | None) -> None:
        """Triage each batch here, prepare it in a worker, commit in listing order.

        At most ``ingest_workers`` batches are in the workers at once, so memory does not grow with the
        corpus, and fetching and committing in this process overlap with mapping and validation there.

        Every catalog write carries a checkpoint: the listing position of the first record not yet
        written (the first record of the oldest batch still in a worker), and the counters of what was.
        A resumed run lists again from there; what it already wrote is skipped without being counted twice.
        """
        # Keys of batches not yet committed; the catalog (seen_run) remembers the rest, so memory stays flat.
        pending: set[str] = set()
        in_flight: deque[tuple[list[_Work], Future | None]] = deque()
        listed_to: str | None = None  # the position of the last record listed
        try:
            for batch in _batches(records, self.settings.harvest_batch_records, self.clock):
                listed_to = batch[-1].position
                todo = self._triage(harvester, batch, run_id, counters, pending,
                                    _first_unwritten(in_flight, listed_to))
                if not todo:
                    continue
                if pool is None:
                    prepared = preparer([w.record for w in todo])
                    self._commit(harvester.name, todo, prepared, run_id, counters, listed_to)
                    continue
                pending.update(w.record.key for w in todo)
                in_flight.append((todo, pool.submit(prepare_in_worker, [w.record for w in todo])))
                while len(in_flight) > self.settings.ingest_workers:
                    self._commit_next(harvester.name, in_flight, run_id, counters, pending, listed_to)
        except SourceError:  # what the source gave before failing is written all the same; the checkpoint moves
            while in_flight:
                self._commit_next(harvester.name, in_flight, run_id, counters, pending, listed_to)
            raise
        while in_flight:
            self._commit_next(harvester.name, in_flight, run_id, counters, pending, listed_to)

    def _commit_next(self, source: str, in_flight: deque, run_id: int, counters: RunCounters,
                     pending: set[str], listed_to: str | None) -> None:
        todo, future = in_flight.popleft()
        prepared = future.result()
        self.clock.lap("wait for workers")
        self._commit(source, todo, prepared, run_id, counters, _first_unwritten(in_flight, listed_to))
        pending.difference_update(w.record.key for w in todo)

    def _triage(self, harvester: Harvester, batch: list[SourceRecord], run_id: int,
                counters: RunCounters, pending: set[str], resume_at: str | None) -> list[_Work]:
        """Skip duplicates and what is unchanged (same payload, mapping, shapes, vocabularies); return the rest.

        A key listed twice in one run (pages that shift under the harvester, a resumed run listing a page
        again) counts once: the first wins. Records to prepare are counted as seen when committed.
        """
        catalog = self.hub.catalog
        known = catalog.known(harvester.name, (r.key for r in batch))
        version = f"{PIPELINE_VERSION}/{harvester.mapping_version}/{self.hub.rules_digest}/{self._restricted_digest}"
        todo: list[_Work] = []
        unchanged: list[int] = []
        deleted: list[KnownRecord] = []
        gone_already: list[int] = []
        in_batch: set[str] = set()
        for r in batch:
            k = known.get(r.key)
            if r.key in in_batch or r.key in pending or (k is not None and k.seen_run == run_id):
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
            fp = r.fingerprint(version)
            if k is not None and k.content_hash == fp and not k.deleted:
                counters.seen += 1
                unchanged.append(k.id)
            else:
                todo.append(_Work(r, fp, k))
        self.clock.lap("fingerprint")
        # The resume point must come before this batch's records that are about to go to the workers.
        if todo and resume_at == batch[-1].position:
            resume_at = todo[0].record.position
        self._drop_graphs(harvester.name, deleted)  # the store first, as in _commit
        counters.unchanged += len(unchanged)
        counters.deleted += len(deleted)
        catalog.mark_listed(run_id, unchanged=unchanged + gone_already, deleted=[k.id for k in deleted],
                            checkpoint=Checkpoint(resume_at, counters))
        self.clock.lap("catalog")
        if self.progress:
            self.progress(counters)
        return todo

    def _commit(self, source: str, todo: list[_Work], prepared: list[Prepared], run_id: int,
                counters: RunCounters, resume_at: str | None) -> None:
        """Write prepared records: the store first, the catalog second (see the module docstring)."""
        public: dict[str, list[str]] = {}
        restricted: dict[str, list[str]] = {}
        rows: list[RecordRow] = []
        base = self.settings.base_uri
        for w, p in zip(todo, prepared, strict=True):
            r = w.record
            counters.seen += 1
            graph = graph_iri(base, source, r.key)
            moves = False
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
                restricted_hash=p.restricted_hash if p.publishable else None))
        self.clock.lap("prepare")
        if public:
            self.hub.store.public.replace_graphs(public)
        if restricted:
            self.hub.store.restricted.replace_graphs(restricted)
        self.clock.lap("store")
        self.hub.catalog.save(rows, run_id, checkpoint=Checkpoint(resume_at, counters))
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

    def _check_deletions(self, source: str, gone: int) -> None:
        """DeletionRefused when a listing would tombstone more than ``max_delete_fraction`` of the source's
        live records, or all of them: what a truncated export, an error page taken for an empty listing or a
        misconfigured set looks like. The operator allows it for one run (``--allow-deletions``)."""
        if not gone:
            return
        live = self.hub.catalog.live_count(source)
        limit = self.settings.max_delete_fraction
        if gone >= live:
            raise DeletionRefused(f"the listing held none of the {live} live records of {source}: nothing was "
                                  "deleted (if the source really is empty now, run again with --allow-deletions)")
        if gone > limit * live:
            raise DeletionRefused(f"the listing would delete {gone} of the {live} live records of {source} "
                                  f"({gone / live:.0%}, more than max_delete_fraction {limit:.0%}): nothing was "
                                  "deleted (if the source really dropped them, run again with --allow-deletions)")

    def _tombstone(self, source: str, gone: list[KnownRecord], counters: RunCounters, run_id: int) -> None:
        if not gone:
            return
        # Store first: a crash here leaves catalog rows that the next complete run tombstones again.
        self._drop_graphs(source, gone)
        counters.deleted += len(gone)
        self.hub.catalog.tombstone((k.id for k in gone), run_id)

    def _drop_graphs(self, source: str, gone: list[KnownRecord]) -> None:
        if not gone:
            return
        base = self.settings.base_uri
        self.hub.store.public.drop_graphs(k.graph for k in gone)
        self.hub.store.restricted.drop_graphs(
            k.graph.replace(f"{base}graph/", f"{base}graph/restricted/", 1) for k in gone)

    def _record_run(self, run_id: int, harvester: Harvester, started_at: datetime, status: str,
                    counters: RunCounters) -> None:
        """The run as a PROV activity in its own graph, so runs can be queried like everything else; a resumed
        run replaces what its earlier attempt wrote."""
        base = self.settings.base_uri
        run = run_iri(base, run_id)
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
            self.hub.store.public.replace_graphs(
                {run_graph_iri(base, run_id): [f"{ntriples(s)} {ntriples(p)} {ntriples(o)}" for s, p, o in triples]})
        except Exception:  # noqa: BLE001 - the catalog already holds the run; this copy is a convenience
            log.exception("could not record run %d in the store", run_id)

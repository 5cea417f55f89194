"""Harvest runs into one hub: fetch → fingerprint → prepare → commit, a batch at a time, tombstones after a
complete listing, then what is derived from the data (VoID, search index, dumps).

Preparing (map, validate, serialise: ``ingest/prepare.py``) runs in worker processes; this process fetches,
skips what is unchanged and commits, in listing order (``ingest/run.py`` holds one run's steps and state).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.catalog import Checkpoint, RunCounters
from mcep_ld.fetch.contract import Harvester, Listing
from mcep_ld.fetch.http import SourceError
from mcep_ld.hub import Hub
from mcep_ld.ingest.derive import Deriver
from mcep_ld.ingest.prepare import Preparer, install
from mcep_ld.ingest.run import Progress, Run
from mcep_ld.ingest.runs import RunCancelled
from mcep_ld.mapping.iris import run_graph_iri, run_iri
from mcep_ld.mapping.namespaces import MCEP, PROV, RDF
from mcep_ld.mapping.records import SourceRecord
from mcep_ld.mapping.terms import ntriples
from mcep_ld.publish import rights
from mcep_ld.publish.derived import remake
from mcep_ld.publish.restricted import restricted_predicates

log = logging.getLogger(__name__)

#: Part of every record's fingerprint: bump it when what the pipeline makes of a mapped record changes, so
#: that every record is prepared again (2: public and restricted statements hashed apart).
PIPELINE_VERSION = "2"


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
    derived: int = 0  # records placed and indexed as they were committed (ingest/derive.py)

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


class Pipeline:
    """Runs harvesters into one hub."""

    def __init__(self, hub: Hub, *, progress: Progress | None = None, listed: Callable[[int], None] | None = None,
                 stage: Callable[[str], None] | None = None) -> None:
        """*progress* is told the counters as they move, *listed* how many records the listing gave so far,
        *stage* the name of each step after the listing (VoID description, search index, dumps) as it begins."""
        self.hub = hub
        self.settings = hub.settings
        self.progress = progress
        self.listed = listed
        self.stage = stage
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
        listing = harvester.records(since=since, resume=resume.checkpoint.position if resume else None,
                                    validators=catalog.validators(harvester.name) if harvester.conditional else None)
        return self._run(harvester, listing, since=since, resume=resume, allow_deletions=allow_deletions)

    def remap(self, harvester: Harvester) -> RunResult:
        """Re-map stored payloads whose fingerprint changed (new mapping, shapes or vocabularies): no network."""
        rows = self.hub.catalog.raw_records(harvester.name)
        records = (SourceRecord(source=r["source"], key=r["source_key"], kind=r["kind"], payload=r["raw"],
                                url=r["raw_url"], fetched_at=datetime.now(UTC)) for r in rows)
        return self._run(harvester, Listing(complete=False, records=records), remap=True)

    # -- the run --------------------------------------------------------------------------------

    def _version(self, harvester: Harvester) -> str:
        """What a record's fingerprint holds beside its payload: a change in any part prepares it again."""
        return (f"{PIPELINE_VERSION}/{harvester.mapping_version}/{self.hub.rules_digest}/{self._restricted_digest}"
                f"/{rights.terms_digest(self.settings, harvester.name)}")

    def _run(self, harvester: Harvester, listing: Listing, *, since: datetime | None = None,
             resume: _Resume | None = None, allow_deletions: bool = False, remap: bool = False) -> RunResult:
        catalog = self.hub.catalog
        self.hub.store  # noqa: B018 - open it now: a store held by `mcep serve` stops us before any fetching
        self.hub.publish_vocabularies()
        if resume is not None:
            run_id, counters, started_at = resume.run_id, resume.checkpoint.counters, resume.started_at
            catalog.resume_run(run_id)
        else:
            run_id = catalog.start_run(harvester.name, "remap" if remap else harvester.endpoint, since=since)
            counters, started_at = RunCounters(), datetime.now(UTC)
        started = time.monotonic()
        status, complete, error = "failed", False, None
        preparer = Preparer(
            harvester=harvester, ctx=self.hub.mapping_context, gate=self.hub.gate,
            restricted_predicates=restricted_predicates(self.settings),
            run_iri=str(run_iri(self.settings.base_uri, run_id)),
            harvested_at=started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            max_record_bytes=self.settings.harvest_max_record_bytes,
            deriver=Deriver(self.hub.vocab, self.settings.base_uri, catalog.reviews(),
                            rules=self.hub.rules_digest),
            rights=self.settings.source(harvester.name)["rights"],
            license=self.settings.source(harvester.name)["license"])
        workers = self.settings.ingest_workers
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                   initializer=install, initargs=(preparer,)) if workers else None
        run = Run(self.hub, run_id, harvester, counters, preparer, version=self._version(harvester), pool=pool,
                  progress=self.progress, listed=self.listed)
        clock = run.clock
        try:
            run.stream(listing)
            complete = True
            # "304 Not Modified": nothing was listed because nothing changed
            if listing.complete and not listing.not_modified:
                run.delete_unlisted(allow_deletions=allow_deletions)
            else:  # an incremental listing: what the source did not list has not changed, by its word
                counters.unchanged += len(catalog.unseen(harvester.name, run_id))
            status = "completed"
            if listing.validators is not None:
                catalog.save_validators(harvester.name, listing.validators)
            if not listing.not_modified:
                catalog.save_unmapped_fields(harvester.name, listing.unmapped)
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
            earlier = resume.duration_s if resume else 0.0
            clock.lap("other")
            catalog.finish_run(run_id, status=status, complete=complete, counters=counters,
                               duration_s=time.monotonic() - started + earlier, timings=clock.spent, error=error)
            self._record_run(run_id, harvester, started_at, status, counters)
            clock.lap("run provenance")
            # part of the run: said as they begin, counted in its duration
            remake(self.hub, stage=self.stage, lap=clock.lap)
            duration = time.monotonic() - started + earlier
            catalog.time_run(run_id, duration_s=duration, timings=clock.spent)
        return RunResult(run_id, harvester.name, status, complete, counters, duration, error, dict(clock.spent),
                         resumed=resume is not None, derived=run.derived)

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

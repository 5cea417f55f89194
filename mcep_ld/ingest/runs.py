"""Harvest runs asked for by name, and the queue that runs them inside ``mcep serve``.

The service owns the store (one writer per directory), so while it runs, every harvest is one of its own:
started by a schedule (``[sources.NAME] schedule``, a cron expression), by the admin API, or by
``mcep harvest`` on the same data directory, which hands its run to the service (:mod:`mcep_ld.ingest.handoff`).
Runs go one at a time, in the order asked; pages, search, SPARQL and OAI-PMH keep answering meanwhile
(the SPARQL workers read checkpoints, the catalog is SQLite in WAL mode).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

from mcep_ld.catalog import COUNTERS, RunCounters, utc_now
from mcep_ld.errors import MCEPError
from mcep_ld.fetch.registry import make_harvester

log = logging.getLogger(__name__)


class RunCancelled(MCEPError):
    """Raised into a run by its progress callback once an operator cancelled it."""


@dataclass
class HarvestRequest:
    """A run asked of the service, and what became of it (what the admin API shows)."""

    id: int
    source: str
    endpoint: str | None = None
    full: bool = False
    restart: bool = False
    allow_deletions: bool = False
    options: dict[str, str] = field(default_factory=dict)
    asked_by: str = "api"  # api | schedule | command line
    state: str = "queued"  # queued | running | completed | failed | aborted | cancelled
    asked: str = field(default_factory=utc_now)
    started: str | None = None
    ended: str | None = None
    run_id: int | None = None
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    error: str | None = None
    duration_s: float | None = None
    resumed: bool = False
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cancel"}

    @property
    def finished(self) -> bool:
        return self.state not in ("queued", "running")


class HarvestQueue:
    """Runs requested harvests one at a time on a thread of their own, with a hub of their own (its own
    catalog and search connections; the store, vocabularies and shapes shared with the service)."""

    KEEP_FINISHED = 100  # finished requests the admin API still shows

    def __init__(self, hub: Any, *, on_finished: Any = None) -> None:  # noqa: ANN401 - the service's Hub
        self.hub = hub
        self.on_finished = on_finished  # called with each finished request (the service refreshes what it shows)
        self._ids = itertools.count(1)
        self._requests: dict[int, HarvestRequest] = {}
        self._waiting: deque[HarvestRequest] = deque()
        self._lock = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="mcep-harvests", daemon=True)
        self._thread.start()

    def submit(self, source: str, *, endpoint: str | None = None, full: bool = False, restart: bool = False,
               allow_deletions: bool = False, options: dict[str, str] | None = None,
               asked_by: str = "api") -> HarvestRequest:
        """Queue a run; UsageError at once when the source cannot be harvested as asked."""
        make_harvester(self.hub.settings, source, endpoint, options=options)  # refuse now, not in the queue
        with self._lock:
            request = HarvestRequest(next(self._ids), source, endpoint, full, restart, allow_deletions,
                                     dict(options or {}), asked_by)
            self._requests[request.id] = request
            self._waiting.append(request)
            self._forget_old()
            self._lock.notify()
        log.info("harvest %d of %s queued (%s)", request.id, source, asked_by)
        return request

    def get(self, request_id: int) -> HarvestRequest | None:
        return self._requests.get(request_id)

    def all(self) -> list[HarvestRequest]:
        return sorted(self._requests.values(), key=lambda r: r.id, reverse=True)

    def cancel(self, request_id: int) -> HarvestRequest | None:
        """Cancel a queued request, or stop a running one at its next commit (nothing half-written stays)."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None or request.finished:
                return request
            request.cancel.set()
            if request.state == "queued":
                self._waiting.remove(request)
                request.state, request.ended = "cancelled", utc_now()
        return request

    def busy(self) -> bool:
        return any(not r.finished for r in self._requests.values())

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            for request in self._waiting:
                request.cancel.set()
            self._lock.notify()
        running = [r for r in self._requests.values() if r.state == "running"]
        for r in running:
            r.cancel.set()
        self._thread.join(timeout=30)

    def _forget_old(self) -> None:
        finished = [r for r in sorted(self._requests.values(), key=lambda r: r.id) if r.finished]
        for r in finished[: max(0, len(finished) - self.KEEP_FINISHED)]:
            del self._requests[r.id]

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                request = self._waiting.popleft()
                request.state, request.started = "running", utc_now()
            try:
                self._run(request)
            except Exception as exc:  # noqa: BLE001 - the queue outlives any one run
                log.exception("harvest %d of %s failed", request.id, request.source)
                request.state, request.error = "failed", f"{type(exc).__name__}: {exc}"
            request.ended = utc_now()
            if request.error:
                log.error("harvest %d of %s: %s: %s", request.id, request.source, request.state, request.error)
            else:
                log.info("harvest %d of %s: %s: %s", request.id, request.source, request.state, request.counters)
            if self.on_finished is not None:
                try:
                    self.on_finished(request)
                except Exception:  # noqa: BLE001
                    log.exception("after harvest %d", request.id)

    def _run(self, request: HarvestRequest) -> None:
        from mcep_ld.ingest.pipeline import Pipeline

        harvester = make_harvester(self.hub.settings, request.source, request.endpoint, options=request.options)

        def progress(counters: RunCounters) -> None:
            request.counters = counters.as_dict()
            if request.cancel.is_set():
                raise RunCancelled

        with self.hub.with_own_connections() as hub:
            result = Pipeline(hub, progress=progress).harvest(
                harvester, full=request.full, restart=request.restart, allow_deletions=request.allow_deletions)
        request.run_id, request.counters = result.run_id, result.counters.as_dict()
        request.duration_s, request.resumed, request.error = result.duration_s, result.resumed, result.error
        request.state = "cancelled" if request.cancel.is_set() and not result.ok else result.status

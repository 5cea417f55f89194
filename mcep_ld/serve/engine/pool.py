"""The query workers, supervised: a deadline per query that kills the worker past it, a crash survived,
and a fair share of the workers per client.

Called from the web service's threads (:meth:`QueryPool.run` blocks); nothing here knows about HTTP.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from mcep_ld.errors import MCEPError
from mcep_ld.serve.engine.worker import Answer, Job, Refused, StoreSpec, main

log = logging.getLogger(__name__)


class EngineTimeout(MCEPError):
    """The query was not answered by its deadline (its worker, if it had one, was killed)."""


class EngineCrashed(MCEPError):
    """The worker evaluating the query died (a stack overflow in the engine, say); it has been replaced."""


class ClientBusy(MCEPError):
    """The client already has its share of the workers."""


class _Worker:
    """One worker process and the pipe to it; restarted in place when it dies or is killed."""

    def __init__(self, number: int, spool_root: Path) -> None:
        self.spool = spool_root / f"worker-{number}"
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn = None
        self.reads: Path | None = None  # the checkpoint it has open

    READY_S = 60.0  # how long a new worker may take to import what it needs

    def launch(self) -> None:
        """Start the process; it says "ready" once it has imported what it needs (see :meth:`wait_ready`)."""
        shutil.rmtree(self.spool, ignore_errors=True)  # answers a killed worker was writing
        self.spool.mkdir(parents=True)
        ctx = multiprocessing.get_context("spawn")
        here, there = ctx.Pipe()
        self.process = ctx.Process(target=main, args=(there, str(self.spool)), name="mcep-sparql", daemon=True)
        self.process.start()
        there.close()
        self.conn = here

    def wait_ready(self) -> None:
        """Wait for the new process to be ready: a query never waits for a worker's imports (half a second
        of CPU each, eight at start-up on two cores)."""
        if not self.conn.poll(self.READY_S) or self.conn.recv() != "ready":
            raise RuntimeError("a query worker did not start")

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
            self.process.close()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.reads = None


class QueryPool:
    """``size`` worker processes; :meth:`run` answers one query on one of them within its deadline.

    *store_spec* names the store a query should read now (the newest checkpoint, or the remote store).
    """

    POLL_S = 0.05  # how often a waiting thread looks at whether the client left

    def __init__(self, *, size: int, per_client: int, spool_dir: Path,
                 store_spec: Callable[[], StoreSpec]) -> None:
        self.per_client = per_client
        self._store_spec = store_spec
        self._workers = [_Worker(n, spool_dir) for n in range(size)]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._clients: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.crashes = 0
        self.kills = 0
        for w in self._workers:  # all launched first: they import in parallel
            w.launch()
        for w in self._workers:
            w.wait_ready()
            self._idle.put(w)

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Count a query of *client* while it runs or waits; ClientBusy past its share."""
        with self._lock:
            if self._clients[client] >= self.per_client:
                raise ClientBusy(client)
            self._clients[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]

    def run(self, job: Job, *, deadline: float, gave_up: threading.Event) -> Answer | Refused:
        """*job*'s answer from a worker, by *deadline* (``time.monotonic()``); EngineTimeout past it or once
        *gave_up* is set (the client left), EngineCrashed when the worker died on it."""
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise EngineTimeout("every worker was busy until the deadline") from None
        healthy = False
        try:
            if not worker.alive:
                worker.stop()
                worker.start()
            spec = self._store_spec()
            worker.reads = Path(spec.snapshot) if spec.snapshot else None
            worker.conn.send(replace(job, store=spec))
            while not worker.conn.poll(self.POLL_S):
                if gave_up.is_set() or time.monotonic() >= deadline:
                    self.kills += 1
                    raise EngineTimeout("the query ran past its deadline")
            reply = worker.conn.recv()
            healthy = True
            return reply
        except (EOFError, OSError) as exc:
            self.crashes += 1
            log.warning("a query worker died (exit code %s) on a query; restarting it",
                        worker.process.exitcode if worker.process else "?")
            raise EngineCrashed(str(exc)) from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:  # killed now (its CPU is free at once); a fresh one takes its place, without making this
                # request wait for it
                if worker.process is not None:
                    worker.process.kill()
                threading.Thread(target=self._replace, args=(worker,), name="mcep-sparql-restart",
                                 daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        try:
            worker.start()
        finally:
            self._idle.put(worker)  # a start that failed is tried again by the next query

    def in_use(self) -> set[Path]:
        """The checkpoints workers read now."""
        return {w.reads for w in self._workers if w.reads is not None}

    def close(self) -> None:
        for w in self._workers:
            w.stop()

"""A query worker: a process of its own that evaluates one query at a time and sends back its answer.

Started by :class:`mcep_ld.serve.engine.pool.QueryPool` (``spawn``: nothing of the serving process is inherited)
and killed by it at the query's deadline, so everything here may stop at any instruction. It imports only
pyoxigraph and the hub's query helpers.

An answer is serialised by pyoxigraph as it evaluates, into memory up to ``MEMORY_BYTES`` and then into a
file in the worker's own spool folder; limits on rows and bytes are checked as it is written, and raising
there stops the evaluation at its next chunk (about 8 KiB). The serving process sends the answer whole with
its length, never a 200 with a cut body.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from mcep_ld.serve.queries import Dataset, QueryError, ResultFormat, RowCounter, evaluate, write
from mcep_ld.watchdog import end_with_parent


@dataclass(frozen=True)
class StoreSpec:
    """Which store a worker reads: a checkpoint directory, or a remote SPARQL server."""

    snapshot: str = ""
    remote_url: str = ""
    query_url: str = ""
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Job:
    query: str
    dataset: Dataset
    results_format: str  # the format for SELECT and ASK
    graph_format: str  # the format for CONSTRUCT and DESCRIBE
    max_rows: int
    max_bytes: int
    store: StoreSpec = field(default_factory=StoreSpec)


@dataclass(frozen=True)
class Answer:
    """A complete answer: its bytes, or the file holding them (the receiver removes it)."""

    format: str
    media_type: str
    size: int
    body: bytes | None = None
    path: str | None = None


@dataclass(frozen=True)
class Refused:
    """A query the engine would not or could not answer, with the HTTP status it deserves."""

    status: int
    message: str
    #: for the operator's figures: answer_limit, malformed, evaluation or store
    reason: str = "answer_limit"


class _Refuse(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.refused = Refused(status, message)


class Sink:
    """Where pyoxigraph writes an answer: memory, then a file; the limits are checked on every chunk."""

    MEMORY_BYTES = 8 << 20  # sent whole through the pipe; larger answers go through a file
    CHUNK_BYTES = 1 << 18

    def __init__(self, fmt: ResultFormat, *, max_rows: int, max_bytes: int, spool_dir: Path) -> None:
        self.fmt = fmt
        self.size = 0
        self._memory: bytearray | None = bytearray()
        self._file: tempfile._TemporaryFileWrapper | None = None
        self._rows = RowCounter(fmt) if fmt.results is not None else None
        self._max_rows, self._max_bytes, self._spool_dir = max_rows, max_bytes, spool_dir

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise _Refuse(400, f"the answer is larger than sparql_max_answer_bytes ({self._max_bytes}): "
                               "add a LIMIT (and page with OFFSET)")
        if self._memory is not None and len(self._memory) + len(chunk) > self.MEMORY_BYTES:
            self._file = tempfile.NamedTemporaryFile(dir=self._spool_dir, prefix="answer-", delete=False)  # noqa: SIM115
            self._file.write(self._memory)
            self._memory = None
        if self._memory is not None:
            self._memory += chunk
        else:
            self._file.write(chunk)
        if self._rows is not None:
            self._rows.feed(chunk)
            if self._rows.total > self._max_rows and not self._rows.exact:  # a quick count: make sure
                self._rows.recount(self._written())
            if self._rows.total > self._max_rows:
                raise _Refuse(400, f"the answer has more than sparql_max_rows ({self._max_rows}) rows: "
                                   "add a LIMIT (and page with OFFSET)")
        return len(chunk)

    def _written(self) -> Iterator[bytes]:
        if self._memory is not None:
            yield bytes(self._memory)
            return
        self._file.flush()
        with open(self._file.name, "rb") as f:
            while chunk := f.read(self.CHUNK_BYTES):
                yield chunk

    def flush(self) -> None:
        """pyoxigraph flushes its output at the end; there is nothing to flush before :meth:`answer`."""

    def answer(self) -> Answer:
        if self._memory is not None:
            return Answer(self.fmt.name, self.fmt.media_type, self.size, body=bytes(self._memory))
        self._file.close()
        return Answer(self.fmt.name, self.fmt.media_type, self.size, path=self._file.name)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            os.unlink(self._file.name)


def _open(spec: StoreSpec) -> object:
    if spec.snapshot:
        from mcep_ld.store.embedded import EmbeddedStore

        return EmbeddedStore.read_only(Path(spec.snapshot))
    from mcep_ld.store.remote import RemoteStore

    return RemoteStore.from_url(spec.remote_url, query_url=spec.query_url, timeout_s=spec.timeout_s)


def answer(store: object, job: Job, spool_dir: Path) -> Answer | Refused:
    """Evaluate *job* on *store*: its answer, or why there is none."""
    try:
        result, fmt = evaluate(store, job.query, lambda graph: job.graph_format if graph else job.results_format,
                               job.dataset)
        sink = Sink(fmt, max_rows=job.max_rows, max_bytes=job.max_bytes, spool_dir=spool_dir)
        try:
            write(result, fmt, sink)
        except BaseException:
            sink.discard()
            raise
        return sink.answer()
    except _Refuse as exc:
        return exc.refused
    except QueryError as exc:
        return Refused(400, str(exc), "malformed")
    except Exception as exc:  # noqa: BLE001 - an evaluation error (a SERVICE that failed, a type error…)
        return Refused(400, f"the query could not be evaluated: {type(exc).__name__}: {str(exc)[:500]}",
                       "evaluation")


def main(conn: Connection, spool_dir: str) -> None:
    """Answer jobs from *conn* until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the service; it ends the workers
    end_with_parent()
    conn.send("ready")  # imports done: the pool gives it queries from now on
    spool = Path(spool_dir)
    opened: StoreSpec | None = None
    store: object = None
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        if job.store != opened:
            if store is not None:
                store.close()
            store = opened = None
            try:
                store, opened = _open(job.store), job.store
            except Exception as exc:  # noqa: BLE001 - said to the caller; the next job tries again
                conn.send(Refused(503, f"the query engine could not open the store: {exc}", "store"))
                continue
        conn.send(answer(store, job, spool))

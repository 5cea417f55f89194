"""Checkpoints of the public store for the query workers to read.

A checkpoint (``Store.backup``: RocksDB hard-links its table files) is a consistent copy: a record's graph
is in it whole or not at all. It takes milliseconds, but it waits for a write in progress (a harvest's batch
being loaded), so no query ever makes one: a thread of the service makes a new checkpoint when the store has
been written since the last, at most once per ``MIN_INTERVAL_S``, and queries read the newest there is, at
most that much behind the store. :meth:`Snapshots.refresh` makes one at once (after an update through
``/sparql``). A checkpoint is removed once it is neither the newest, nor the one before (a query may just
have been given it), nor read by a worker.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from mcep_ld.store.embedded import EmbeddedStore

log = logging.getLogger(__name__)


class Snapshots:
    MIN_INTERVAL_S = 1.0

    def __init__(self, store: EmbeddedStore, directory: Path) -> None:
        self.store = store
        self.directory = directory
        shutil.rmtree(directory, ignore_errors=True)  # left by an earlier run: nobody reads them now
        directory.mkdir(parents=True)
        self._lock = threading.Lock()  # one checkpoint made at a time
        self._count = 0
        self._current: Path | None = None
        self._previous: Path | None = None
        self._generation = -1
        self._in_use: Callable[[], set[Path]] = set
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refresh()

    def current(self) -> Path:
        """The newest checkpoint: never waits for a write."""
        assert self._current is not None
        return self._current

    def refresh(self) -> Path:
        """A checkpoint of the store as it is now, if it moved since the last one (waits for a write)."""
        with self._lock:
            if self._current is None or self.store.generation != self._generation:
                self._make()
            return self._current

    def follow(self, in_use: Callable[[], set[Path]]) -> None:
        """Keep making checkpoints as the store is written, on a thread, sparing those *in_use* names."""
        self._in_use = in_use

        def loop() -> None:
            while not self._stop.wait(self.MIN_INTERVAL_S):
                try:
                    self.refresh()
                except Exception:  # noqa: BLE001 - queries go on reading the last checkpoint; tried again
                    log.exception("could not make a checkpoint of the store for the query workers")

        self._thread = threading.Thread(target=loop, name="mcep-snapshots", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _make(self) -> None:
        self._count += 1
        path = self.directory / f"{self._count:06d}"
        generation = self.store.generation  # read first: a write during the backup makes the next one stale
        self.store.backup(path)
        self._previous, self._current, self._generation = self._current, path, generation
        keep = {self._current, self._previous, *self._in_use()}
        for old in self.directory.iterdir():
            if old not in keep:
                shutil.rmtree(old, ignore_errors=True)

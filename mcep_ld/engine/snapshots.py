"""Checkpoints of the public store for the query workers to read.

A checkpoint (``Store.backup``: RocksDB hard-links its table files) takes a few milliseconds and is a
consistent copy: a record's graph is in it whole or not at all. A new one is made when a query comes and
the store has been written since the last, at most once per ``MIN_INTERVAL_S`` while writes go on (a
harvest commits a batch every second or so), and at once after :meth:`Snapshots.refresh` (the end of a
harvest run, an update through ``/sparql``). A checkpoint is removed once no worker reads it.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from mcep_ld.store.embedded import EmbeddedStore


class Snapshots:
    MIN_INTERVAL_S = 1.0

    def __init__(self, store: EmbeddedStore, directory: Path) -> None:
        self.store = store
        self.directory = directory
        shutil.rmtree(directory, ignore_errors=True)  # left by an earlier run: nobody reads them now
        directory.mkdir(parents=True)
        self._lock = threading.Lock()
        self._count = 0
        self._current: Path | None = None
        self._generation = -1
        self._made = 0.0

    def current(self, *, in_use: set[Path] | frozenset[Path] = frozenset()) -> Path:
        """The checkpoint a query should read now: the newest, or a new one when the store moved on."""
        with self._lock:
            stale = self._current is None or self.store.generation != self._generation
            if stale and (self._current is None or time.monotonic() - self._made >= self.MIN_INTERVAL_S):
                self._make(in_use)
            assert self._current is not None
            return self._current

    def refresh(self, *, in_use: set[Path] | frozenset[Path] = frozenset()) -> Path:
        """A checkpoint of the store as it is now, for the next queries (after a run or an update)."""
        with self._lock:
            if self._current is None or self.store.generation != self._generation:
                self._make(in_use)
            assert self._current is not None
            return self._current

    def _make(self, in_use: set[Path] | frozenset[Path]) -> None:
        self._count += 1
        path = self.directory / f"{self._count:06d}"
        generation = self.store.generation  # read first: a write during the backup makes the next one stale
        self.store.backup(path)
        self._current, self._generation, self._made = path, generation, time.monotonic()
        for old in self.directory.iterdir():
            if old != path and old not in in_use:
                shutil.rmtree(old, ignore_errors=True)

    def prune(self, in_use: set[Path] | frozenset[Path]) -> None:
        """Remove the checkpoints nobody reads any more (the newest stays)."""
        with self._lock:
            for old in self.directory.iterdir():
                if old != self._current and old not in in_use:
                    shutil.rmtree(old, ignore_errors=True)

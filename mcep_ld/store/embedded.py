"""The embedded on-disk Oxigraph store."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from mcep_ld.store import StoreBusyError, nquads

#: ``bulk_load`` writes and ingests files: 30–110 ms whatever it loads (measured: 15 statements 32–111 ms, a
#: transactional ``load`` of them 0.3 ms; 50,000 statements 0.6–1.1 s against 0.9–1.2 s). Fewer statements than
#: this go through ``load``: a run's provenance, the VoID description, a small batch.
BULK_LOAD_MIN_STATEMENTS = 5_000


class EmbeddedStore:
    """A ``pyoxigraph.Store`` in a directory.

    New graphs are written with ``bulk_load`` (atomic since Oxigraph 0.5, and faster per statement than a
    transactional load) when they hold at least ``BULK_LOAD_MIN_STATEMENTS``; a graph that already exists
    is replaced with one SPARQL update (``DROP`` then ``INSERT DATA``), which Oxigraph applies atomically, so
    readers never see it half done.
    """

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.generation = 0  # moves once each write has ended: a checkpoint taken before that is stale
        self.is_read_only = False
        try:
            self._store: ox.Store | None = ox.Store(str(path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(
                    f"the store in {path} is in use by another process (is `mcep serve` running?)"
                ) from None
            raise

    @classmethod
    def read_only(cls, path: Path) -> EmbeddedStore:
        """A store nobody else writes (a checkpoint), opened for reading only: any number of processes may.

        Oxigraph calls reading a directory that another process writes undefined behaviour: read checkpoints.
        """
        self = cls.__new__(cls)
        self.path, self.generation, self.is_read_only = path, 0, True
        self._store = ox.Store.read_only(str(path))
        return self

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            raise RuntimeError(f"store {self.path} is closed")
        return self._store

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write; the generation moves when it has ended (or failed part-way), never before: a checkpoint
        taken while it runs must not count as taken after it."""
        try:
            yield
        finally:
            self.generation += 1

    def replace_graphs(self, graphs: Mapping[str, Sequence[str]]) -> None:
        with self._writing():
            self._replace_graphs(graphs)

    def _replace_graphs(self, graphs: Mapping[str, Sequence[str]]) -> None:
        fresh: list[str] = []
        count = 0  # statements in the fresh graphs
        updates: list[str] = []
        for name, statements in graphs.items():
            node = ox.NamedNode(name)  # validates the graph name
            if not self.store.contains_named_graph(node):
                fresh.append(nquads(statements, str(node)))
                count += len(statements)
                continue
            body = " .\n".join(statements)
            updates.append(f"DROP SILENT GRAPH {node} ;\nINSERT DATA {{ GRAPH {node} {{ {body} . }} }}"
                           if statements else f"DROP SILENT GRAPH {node}")
        if fresh:
            load = self.store.bulk_load if count >= BULK_LOAD_MIN_STATEMENTS else self.store.load
            load(input="".join(fresh).encode(), format=ox.RdfFormat.N_QUADS, lenient=True)
        if updates:
            self.store.update(" ;\n".join(updates))

    def drop_graphs(self, names: Iterable[str]) -> None:
        with self._writing():
            for name in names:
                node = ox.NamedNode(name)
                if self.store.contains_named_graph(node):
                    self.store.remove_graph(node)

    def query(self, sparql: str, **options: object) -> object:
        options.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **options)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        with self._writing():
            self.store.update(sparql, base_iri=base_iri)

    def quads(self, graph: str | None = None, *, subject: str | None = None,
              predicate: str | None = None) -> Iterator[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return self.store.quads_for_pattern(ox.NamedNode(subject) if subject else None,
                                            ox.NamedNode(predicate) if predicate else None, None, g)

    def graph_names(self) -> Iterator[str]:
        for g in self.store.named_graphs():
            yield g.value

    def dump(self, output: IO[bytes] | str | Path, *, format: ox.RdfFormat) -> None:
        self.store.dump(output, format=format)

    def backup(self, directory: Path) -> None:
        self.store.backup(str(directory))

    def flush(self) -> None:
        self.store.flush()

    def close(self) -> None:
        if self._store is not None:
            if not self.is_read_only:
                self._store.flush()
            self._store = None
            gc.collect()  # the RocksDB lock goes with the last reference

"""The hub opened on a data directory: settings, catalog, store, vocabularies and shapes together."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mcep_ld.catalog import Catalog, utc_now
from mcep_ld.config import BASE_URI_FILE, Settings
from mcep_ld.fetch.contract import MappingContext
from mcep_ld.mapping.iris import run_graph_iri, vocab_graph_iri, void_graph_iri
from mcep_ld.mapping.terms import quads_to_graph
from mcep_ld.resources import shapes_dir, vocabularies_dir
from mcep_ld.store import HubStore, open_hub_store
from mcep_ld.validate.gate import ShaclGate
from mcep_ld.vocab import Vocabulary
from mcep_ld.vocab.curation.diff import diff_graphs

if TYPE_CHECKING:
    from mcep_ld.search.index import SearchIndex

log = logging.getLogger(__name__)


def digest_files(directory: Path) -> str:
    """One hash over the Turtle files of a folder: it changes when any of them does."""
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.ttl")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class VocabPublication:
    changed: list[str]  # vocabulary files (re)loaded into their graphs
    relabelled: list[str]  # concepts whose prefLabels changed
    records_moved: int  # records whose datestamp moved because they name one of those concepts


class Hub:
    """Opens what a command needs, lazily: ``status`` never opens the store, ``query`` never the shapes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: held while what is derived is remade (publish/derived.py): by one harvest run or review at a time
        self.derived_lock = threading.RLock()
        self.data_dir = settings.data_path
        self.data_dir.mkdir(parents=True, exist_ok=True)
        recorded = self.data_dir / BASE_URI_FILE
        if not recorded.exists():  # the base this data directory's IRIs are minted with, from now on
            recorded.write_text(settings.base_uri + "\n", encoding="utf-8")
        elif (kept := recorded.read_text(encoding="utf-8").strip()) != settings.base_uri:
            log.warning("base_uri is %s but the records of %s were minted under %s: their IRIs and pages keep "
                        "the old base until the data directory is built again", settings.base_uri, self.data_dir,
                        kept)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.data_dir / "catalog.sqlite")

    @cached_property
    def store(self) -> HubStore:
        remote = None
        if self.settings.store:
            from mcep_ld.store.remote import RemoteStore

            remote = RemoteStore.from_settings(self.settings)
        return open_hub_store(self.data_dir, remote=remote)

    @cached_property
    def vocab(self) -> Vocabulary:
        return Vocabulary.load(vocabularies_dir(self.settings), self.settings.base_uri)

    @cached_property
    def search(self) -> SearchIndex:
        """The search index (``search.sqlite``), derived from catalog and store; see ``mcep_ld.search``."""
        from mcep_ld.search.index import SearchIndex  # numpy and the stemmers only for commands that search

        return SearchIndex(self.data_dir / "search.sqlite")

    @cached_property
    def gate(self) -> ShaclGate:
        return ShaclGate(shapes_dir(self.settings), base_uri=self.settings.base_uri)

    @cached_property
    def rules_digest(self) -> str:
        """What besides the payload decides a record's graph: the shapes and the vocabularies."""
        return digest_files(shapes_dir(self.settings)) + digest_files(vocabularies_dir(self.settings))

    @property
    def mapping_context(self) -> MappingContext:
        return MappingContext(base_uri=self.settings.base_uri, vocab=self.vocab)

    def publish_vocabularies(self) -> VocabPublication:
        """Load each vocabulary file into its own graph when it changed since it was last published.

        A concept whose prefLabels changed moves the datestamp of every live record whose graph names it:
        what harvesters of our OAI-PMH provider receive carries those labels.
        """
        changed = []
        relabelled: set[str] = set()
        for name, quads in self.vocab.graphs().items():
            digest = hashlib.sha256("\n".join(sorted(str(q) for q in quads)).encode()).hexdigest()
            if self.catalog.get_meta(f"vocab:{name}") == digest:
                continue
            graph = vocab_graph_iri(self.settings.base_uri, name)
            before = quads_to_graph(self.store.public.quads(graph))
            self.store.public.replace_graphs({graph: [f"{q.subject} {q.predicate} {q.object}" for q in quads]})
            if len(before):  # a first publication relabels nothing
                relabelled.update(diff_graphs(before, quads_to_graph(iter(quads))).relabelled)
            self.catalog.set_meta(f"vocab:{name}", digest)
            self.catalog.set_meta(f"vocab-published:{name}", utc_now())
            changed.append(name)
        moved = self.catalog.touch_graphs(self._graphs_naming(sorted(relabelled))) if relabelled else 0
        return VocabPublication(changed, sorted(relabelled), moved)

    def own_graphs(self) -> list[str]:
        """The hub's own graphs in the public store: the vocabularies, the VoID description, the harvest runs
        (named from what the hub knows, not by listing every graph of the store: 1 s at 100,000 records)."""
        base = self.settings.base_uri
        runs = [run_graph_iri(base, run_id) for run_id in self.catalog.run_ids()]
        return sorted([*(vocab_graph_iri(base, name) for name in self.vocab.graphs()), void_graph_iri(base), *runs])

    def _graphs_naming(self, concepts: list[str]) -> list[str]:
        """The record graphs (not the vocabularies') in which any of *concepts* appears as an object."""
        vocab_graphs = f"{self.settings.base_uri}graph/vocab/"
        found: set[str] = set()
        for i in range(0, len(concepts), 200):
            values = " ".join(f"<{c}>" for c in concepts[i:i + 200])
            for row in self.store.public.query(
                    f"SELECT DISTINCT ?g WHERE {{ VALUES ?c {{ {values} }} GRAPH ?g {{ ?s ?p ?c }} }}"):
                if not row[0].value.startswith(vocab_graphs):
                    found.add(row[0].value)
        return sorted(found)

    @contextmanager
    def with_own_connections(self) -> Iterator[Hub]:
        """This hub for another thread (a harvest inside the service): its own catalog and search
        connections, since a SQLite connection's transaction is everyone's who uses it; the same store (one
        writer per directory), vocabularies and shapes. Closing it leaves the store open."""
        other = Hub(self.settings)
        for name in ("store", "vocab", "gate", "rules_digest"):
            other.__dict__[name] = getattr(self, name)
        try:
            yield other
        finally:
            del other.__dict__["store"]  # the service's own: it closes it
            other.close()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]
        if "search" in self.__dict__:
            self.search.close()
            del self.__dict__["search"]
        if "catalog" in self.__dict__:
            self.catalog.close()
            del self.__dict__["catalog"]

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

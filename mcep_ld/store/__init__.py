"""The knowledge-graph store: an interface, and the hub's pair of stores (public and restricted).

Restricted fields (a focal point's e-mail, phone…) live in a *separate store*, one named graph per
record, so that no query of the public store, whatever its ``GRAPH`` or ``FROM NAMED`` clauses, can
reach them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import pyoxigraph as ox

from mcep_ld.errors import MCEPError


class StoreBusyError(MCEPError, RuntimeError):
    """Another process holds the store (Oxigraph allows one writer per directory)."""


class GraphStore(Protocol):
    """What the hub needs of a quad store; the embedded Oxigraph store is the first implementation."""

    def replace_graphs(self, graphs: Mapping[str, Sequence[str]]) -> None:
        """Make each named graph hold exactly the given triples, replacing each graph atomically.

        Triples come as N-Triples statements without the final dot (``<s> <p> "o"@en``): the form
        workers produce, that Oxigraph parses fastest, and that a remote store can take as a request body.
        """

    def drop_graphs(self, names: Iterable[str]) -> None:
        """Remove named graphs (absent ones are ignored)."""

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL 1.1 update."""

    def query(self, sparql: str, **options: object) -> object:
        """Run a SPARQL query; the default graph is the union of the named graphs."""

    def quads(self, graph: str | None = None, *, subject: str | None = None,
              predicate: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph; of one subject and one predicate if given."""

    def graph_names(self) -> Iterator[str]:
        """The names of the named graphs."""

    def dump(self, output: IO[bytes] | str | Path, *, format: ox.RdfFormat) -> None:
        """Serialise the whole dataset."""

    def backup(self, directory: Path) -> None:
        """Write a consistent copy usable as a store of its own."""

    def close(self) -> None:
        """Release the store."""


DCAT_DISTRIBUTION = "http://www.w3.org/ns/dcat#distribution"


def nquads(statements: Sequence[str], graph: str) -> str:
    """N-Triples statements (no final dot) as N-Quads lines in *graph* (``<iri>``): one join, not a string
    made per statement (a batch holds about 50,000 of them)."""
    if not statements:
        return ""
    end = f" {graph} .\n"
    return end.join(statements) + end


@dataclass
class HubStore:
    """The public store (published data and vocabularies) and the restricted store beside it."""

    public: GraphStore
    restricted: GraphStore

    def record_triples(self, iri: str, *, leave_out: Collection[str] = ()) -> list[ox.Triple]:
        """What every source says publicly of the record *iri* and of its files (``dcat:distribution``),
        each statement once: the record as pages, dumps of one record and the search index see it; the
        graphs in *leave_out* left out (those of sources not republished, for the OData provider)."""
        seen: dict[ox.Triple, None] = {}
        subjects = [iri]
        while subjects:
            subject = subjects.pop()
            for q in self.public.quads(None, subject=subject):
                if leave_out and q.graph_name.value in leave_out:
                    continue
                seen.setdefault(ox.Triple(q.subject, q.predicate, q.object))
                if q.predicate.value == DCAT_DISTRIBUTION and isinstance(q.object, ox.NamedNode):
                    subjects.append(q.object.value)
        return list(seen)

    def close(self) -> None:
        self.public.close()
        self.restricted.close()


def open_hub_store(data_dir: Path, *, remote: GraphStore | None = None) -> HubStore:
    """The public store (the embedded one under *data_dir*, or *remote*) and the restricted store, always
    embedded under *data_dir*: restricted data never leaves the hub's machine."""
    from mcep_ld.store.embedded import EmbeddedStore

    public = remote or EmbeddedStore(data_dir / "store")
    try:
        restricted = EmbeddedStore(data_dir / "restricted-store")
    except Exception:
        public.close()
        raise
    return HubStore(public=public, restricted=restricted)

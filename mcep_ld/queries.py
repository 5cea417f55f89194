"""Running a SPARQL query on the public store and serialising its results with pyoxigraph.

Shared by ``mcep query`` and the ``/sparql`` endpoint so both answer the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from mcep_ld.store import GraphStore


class QueryError(ValueError):
    """The query could not be parsed or cannot be answered in the format asked for."""


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str
    results: ox.QueryResultsFormat | None  # for SELECT and ASK
    graph: ox.RdfFormat | None  # for CONSTRUCT and DESCRIBE


FORMATS = {
    "json": ResultFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, None),
    "xml": ResultFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, ox.RdfFormat.RDF_XML),
    "csv": ResultFormat("csv", "text/csv; charset=utf-8", ox.QueryResultsFormat.CSV, None),
    "tsv": ResultFormat("tsv", "text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV, None),
    "ttl": ResultFormat("ttl", "text/turtle; charset=utf-8", None, ox.RdfFormat.TURTLE),
    "nt": ResultFormat("nt", "application/n-triples", None, ox.RdfFormat.N_TRIPLES),
    "jsonld": ResultFormat("jsonld", "application/ld+json", None, ox.RdfFormat.JSON_LD),
}


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (SPARQL 1.1 Protocol ``default-graph-uri`` and ``named-graph-uri``);
    empty: the default graph is the union of the public graphs, and every graph is a named graph."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None  # what relative IRIs in the query resolve against (the endpoint's own URL)

    def options(self) -> dict[str, object]:
        options: dict[str, object] = {"base_iri": self.base_iri} if self.base_iri else {}
        try:
            if self.default_graphs:
                options["default_graph"] = [ox.NamedNode(g) for g in self.default_graphs]
                options["use_default_graph_as_union"] = False
            if self.named_graphs:
                options["named_graphs"] = [ox.NamedNode(g) for g in self.named_graphs]
        except ValueError as exc:
            raise QueryError(f"not a graph IRI: {exc}") from None
        return options


def run_query(store: GraphStore, sparql: str, dataset: Dataset = Dataset()) -> object:
    """Execute *sparql* over the union of the public graphs (or the request's dataset, which wins over the
    query's own FROM and FROM NAMED, as the protocol says); a syntax error becomes QueryError."""
    try:
        return store.query(sparql, **dataset.options())
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc}") from None


def is_graph_result(result: object) -> bool:
    return isinstance(result, ox.QueryTriples)


def answer(store: GraphStore, sparql: str, choose: Callable[[bool], str],
           dataset: Dataset = Dataset()) -> tuple[bytes, ResultFormat]:
    """Run *sparql* and serialise its result in the format ``choose(is_graph)`` names, in one call.

    pyoxigraph's results belong to the thread that made them: running the query, reading the result
    and dropping it must happen on one thread (a web server's thread pool would otherwise move it).
    """
    result = run_query(store, sparql, dataset)
    name = choose(is_graph_result(result))
    if name not in FORMATS:
        raise QueryError(f"unknown format {name!r}; one of {', '.join(FORMATS)}")
    fmt = FORMATS[name]
    body = serialize(result, fmt)
    del result  # dropped here, on this thread
    return body, fmt


def serialize(result: object, fmt: ResultFormat) -> bytes:
    """The result in *fmt*; QueryError when the format does not fit the query form."""
    if isinstance(result, ox.QueryTriples):
        if fmt.graph is None:
            raise QueryError(f"format {fmt.name!r} is for SELECT/ASK results; CONSTRUCT gives a graph (try ttl)")
        return result.serialize(format=fmt.graph)
    if fmt.results is None:
        raise QueryError(f"format {fmt.name!r} is for graphs; SELECT/ASK give results (try json)")
    return result.serialize(format=fmt.results)


# -- updates ------------------------------------------------------------------------------------------

_TOKENS = re.compile(r"""
    (?P<skip> "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*' | <[^<>"{}|^`\\\s]*> | \#[^\n]* )
  | (?P<word> [A-Za-z_][A-Za-z0-9_]* )
""", re.VERBOSE | re.DOTALL)


def with_using(update: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    """*update* with the protocol's ``using-graph-uri``/``using-named-graph-uri`` made ``USING`` clauses
    before each ``WHERE`` of a DELETE/INSERT operation (pyoxigraph takes no dataset for updates).

    Strings, IRIs and comments are skipped when looking for keywords. An update that has its own USING or
    WITH clause cannot be given a dataset as well (SPARQL 1.1 Protocol §2.2.3): QueryError.
    """
    if not default_graphs and not named_graphs:
        return update
    clauses = " ".join([*(f"USING <{g}>" for g in default_graphs), *(f"USING NAMED <{g}>" for g in named_graphs)])
    words = [(m.start("word"), m.group("word").upper()) for m in _TOKENS.finditer(update) if m.group("word")]
    if any(w in ("USING", "WITH") for _, w in words):
        raise QueryError("the update has USING or WITH clauses and the request names a dataset: one or the other")
    out, last = [], 0
    for i, (at, word) in enumerate(words):
        if word == "WHERE" and not (i and words[i - 1][1] == "DELETE"):  # DELETE WHERE takes no USING
            out.append(update[last:at])
            out.append(f"{clauses} ")
            last = at
    out.append(update[last:])
    return "".join(out)


def run_update(store: GraphStore, update: str, dataset: Dataset = Dataset()) -> None:
    """Apply a SPARQL update to *store*; a syntax error becomes QueryError."""
    try:
        store.update(with_using(update, dataset.default_graphs, dataset.named_graphs), base_iri=dataset.base_iri)
    except SyntaxError as exc:
        raise QueryError(f"malformed update: {exc}") from None


def count_rows(body: bytes, fmt: ResultFormat) -> int | None:
    """Rows of a serialised SELECT answer (None for ASK and graphs): exact for JSON, XML and TSV, whose
    values cannot hold a row separator; CSV quotes values that do, so its count may run high."""
    if fmt.name == "json":
        data = json.loads(body)
        return len(data["results"]["bindings"]) if "results" in data else None
    if fmt.name == "xml":
        return body.count(b"<result>") if b"<results" in body else None
    if fmt.name in ("csv", "tsv"):
        return max(0, body.count(b"\n") - 1)
    return None

"""Running a SPARQL query on the public store and serialising its results with pyoxigraph.

Shared by ``mcep query`` and the ``/sparql`` endpoint so both answer the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

import pyoxigraph as ox

from mcep_ld.errors import MCEPError
from mcep_ld.serve.formats import FORMATS, ResultFormat
from mcep_ld.store import GraphStore
from mcep_ld.store.remote import RemoteTriples


class QueryError(MCEPError, ValueError):
    """The query could not be parsed or cannot be answered in the format asked for."""


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
    """A CONSTRUCT or DESCRIBE answer, from the embedded store or a remote one."""
    return isinstance(result, ox.QueryTriples | RemoteTriples)


def evaluate(store: GraphStore, sparql: str, choose: Callable[[bool], str],
             dataset: Dataset = Dataset()) -> tuple[object, ResultFormat]:
    """Run *sparql* and pick the format ``choose(is_graph)`` names for its result; QueryError when the
    format is unknown or does not fit the query form.

    pyoxigraph's results belong to the thread that made them, and most are lazy: the evaluation happens
    while :func:`write` reads them. Evaluate, write and drop a result on one thread.
    """
    result = run_query(store, sparql, dataset)
    name = choose(is_graph_result(result))
    if name not in FORMATS:
        raise QueryError(f"unknown format {name!r}; one of {', '.join(FORMATS)}")
    fmt = FORMATS[name]
    if is_graph_result(result) and fmt.graph is None:
        raise QueryError(f"format {fmt.name!r} is for SELECT/ASK results; CONSTRUCT gives a graph (try ttl)")
    if not is_graph_result(result) and fmt.results is None:
        raise QueryError(f"format {fmt.name!r} is for graphs; SELECT/ASK give results (try json)")
    return result, fmt.answering(graph=is_graph_result(result))


def write(result: object, fmt: ResultFormat, output: BinaryIO) -> None:
    """Serialise *result* into *output* as pyoxigraph evaluates it, in chunks of about 8 KiB; an exception
    raised by ``output.write`` stops the evaluation."""
    result.serialize(output, format=fmt.graph if is_graph_result(result) else fmt.results)


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


class RowCounter:
    """Rows of a SELECT answer counted as its serialisation is written, chunk by chunk, without parsing it.

    XML and TSV are exact (values cannot hold ``<result>`` or a line break). CSV quotes values holding a
    line break, whose breaks count as rows: high, never low. JSON is counted quickly first: row objects
    open right after ``[`` or ``,``, and bindings after ``:``; a value holding ``[{`` or ``,{`` counts too,
    so the quick count runs high, never low. A caller about to refuse an
    answer on a quick count calls :meth:`recount`, which counts exactly what was written (skipping strings)
    and goes on exactly.
    """

    def __init__(self, fmt: ResultFormat) -> None:
        self.rows = 0
        self._name = fmt.name
        self._tail = b""  # bytes held back: a pattern may go on in the next chunk
        self._exact: _JsonRows | None = None

    @property
    def exact(self) -> bool:
        return self._name != "json" or self._exact is not None

    def feed(self, chunk: bytes) -> None:
        if self._name == "xml":
            data = self._tail + chunk
            self.rows += data.count(b"<result>")
            self._tail = data[-7:]  # one byte less than the pattern: none is counted twice
        elif self._name in ("tsv", "csv"):
            self.rows += chunk.count(b"\n")
        elif self._exact is not None:
            self._exact.feed(chunk)
            self.rows = self._exact.rows
        elif self._name == "json":
            data = self._tail + chunk
            self.rows += data.count(b"[{") + data.count(b",{")
            self._tail = data[-1:]  # one byte less than the patterns: none is counted twice

    def recount(self, written: Iterable[bytes]) -> None:
        """Count *written* (everything fed so far) exactly, and every later chunk (JSON only)."""
        if self.exact:
            return
        self._exact = _JsonRows()
        for chunk in written:
            self._exact.feed(chunk)
        self.rows = self._exact.rows

    @property
    def total(self) -> int:
        """Rows of the whole answer (TSV and CSV have a header line)."""
        return max(0, self.rows - 1) if self._name in ("tsv", "csv") else self.rows


class _JsonRows:
    """Rows of SPARQL JSON exactly: ``[{`` and ``,{`` outside strings, which are found by their quotes once
    escaped backslashes and quotes are blanked out. Several times slower than the quick count."""

    def __init__(self) -> None:
        self.rows = 0
        self._tail = b""  # a trailing run of backslashes waits for what it escapes
        self._in_string = False
        self._before = b""  # the last byte outside strings, for a `[{` or `,{` cut by a chunk

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        cut = len(data)
        while cut and data[cut - 1] == 0x5C:
            cut -= 1
        data, self._tail = data[:cut], data[cut:]
        parts = data.replace(b"\\\\", b"__").replace(b'\\"', b"__").split(b'"')
        outside = parts[1::2] if self._in_string else parts[0::2]
        starts_outside = not self._in_string
        if len(parts) % 2 == 0:
            self._in_string = not self._in_string
        text = (self._before if starts_outside else b"") + b'"'.join(outside)
        self.rows += text.count(b"[{") + text.count(b",{")
        self._before = text[-1:] if not self._in_string else b""

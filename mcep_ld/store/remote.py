"""A store behind the SPARQL 1.1 Protocol (queries, updates) and the Graph Store Protocol (whole graphs):
Oxigraph's server, Fuseki, GraphDB or Virtuoso, for when one machine is no longer enough.

Every response is read to its end and checked before it is believed: Oxigraph's server, for one, can answer
200 with a truncated body when its own timeout strikes. A check that fails raises RemoteStoreError; the
pipeline then fails the run (nothing is half-believed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from mcep_ld.errors import MCEPError

if TYPE_CHECKING:
    from mcep_ld.config import Settings

#: The query form after the prologue (BASE and PREFIX declarations, comments): which answer to ask for.
_FORM = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*(SELECT|CONSTRUCT|DESCRIBE|ASK)\b",
                   re.IGNORECASE)
GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}
AUTH_SCHEMES = {"digest": HTTPDigestAuth, "basic": HTTPBasicAuth}


class RemoteStoreError(MCEPError, RuntimeError):
    """The remote store refused a request or answered something incomplete."""


class RemoteTriples:
    """A CONSTRUCT or DESCRIBE answer, serialisable like pyoxigraph's own."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def serialize(self, output: IO[bytes] | None = None, *, format: ox.RdfFormat) -> bytes | None:  # noqa: A002
        return ox.serialize(self.triples, output, format=format)


class RemoteStore:
    """Reads are anonymous; writes (updates, Graph Store requests) carry *write_auth*: on Virtuoso the
    anonymous reader sees only the public graphs, and its own system graphs stay out of every answer."""

    def __init__(self, *, query_url: str, update_url: str, graph_store_url: str, timeout_s: float = 60.0,
                 write_auth: AuthBase | None = None, session: requests.Session | None = None) -> None:
        self.query_url, self.update_url, self.graph_store_url = query_url, update_url, graph_store_url
        self.timeout_s = timeout_s
        self.write_auth = write_auth
        self.session = session or requests.Session()

    @classmethod
    def from_url(cls, url: str, *, query_url: str = "", update_url: str = "", graph_store_url: str = "",
                 user: str = "", password: str = "", auth: str = "digest", timeout_s: float = 60.0) -> RemoteStore:
        """``sparql+http://host:port[/prefix]`` with Oxigraph's layout (``/query``, ``/update``, ``/store``),
        each URL overridable (Fuseki: ``/ds/query``, ``/ds/update``, ``/ds/data``; Virtuoso: ``/sparql``,
        ``/sparql-auth``, ``/sparql-graph-crud-auth``); *user* and *password* sign the writes (*auth*: digest or
        basic, as the server asks)."""
        if not url.startswith(("sparql+http://", "sparql+https://")):
            raise ValueError(f"store {url!r}: a remote store is sparql+http://host:port")
        if auth not in AUTH_SCHEMES:
            raise ValueError(f"store_auth {auth!r}: one of {', '.join(AUTH_SCHEMES)}")
        root = url.removeprefix("sparql+").rstrip("/")
        return cls(query_url=query_url or f"{root}/query", update_url=update_url or f"{root}/update",
                   graph_store_url=graph_store_url or f"{root}/store", timeout_s=timeout_s,
                   write_auth=AUTH_SCHEMES[auth](user, password) if user else None)

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout_s: float = 60.0) -> RemoteStore:
        """The remote store the settings name (``store``, its three URLs and the writer's credentials)."""
        return cls.from_url(settings.store, query_url=settings.store_query_url,
                            update_url=settings.store_update_url, graph_store_url=settings.store_graph_store_url,
                            user=settings.store_user, password=settings.store_password, auth=settings.store_auth,
                            timeout_s=timeout_s)

    # -- the wire ---------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kw: object) -> requests.Response:
        try:
            resp = self.session.request(method, url, timeout=self.timeout_s, **kw)
        except requests.RequestException as exc:
            raise RemoteStoreError(f"{method} {url}: {exc}") from None
        expected = resp.headers.get("Content-Length")
        if expected is not None and int(expected) != len(resp.content):
            raise RemoteStoreError(f"{method} {url}: {len(resp.content)} bytes of the {expected} announced")
        if resp.headers.get("X-SQL-State"):  # Virtuoso's "anytime" answer: what it found before its time limit
            raise RemoteStoreError(f"{method} {url}: an incomplete answer ({resp.headers['X-SQL-State']}: "
                                   f"{resp.headers.get('X-SQL-Message', '')})")
        if resp.headers.get("X-SPARQL-MaxRows"):  # Virtuoso reached its ResultSetMaxRows: the rest left out
            raise RemoteStoreError(f"{method} {url}: an incomplete answer, cut at the server's ResultSetMaxRows "
                                   f"({resp.headers['X-SPARQL-MaxRows']} rows)")
        return resp

    def _check(self, resp: requests.Response, *allowed: int) -> None:
        if resp.status_code not in allowed and not (200 <= resp.status_code < 300):
            raise RemoteStoreError(f"{resp.request.method} {resp.url}: HTTP {resp.status_code}: {resp.text[:300]}")

    # -- the GraphStore interface -----------------------------------------------------------------

    def replace_graphs(self, graphs: Mapping[str, Sequence[str]]) -> None:
        for name, statements in graphs.items():
            if not statements:
                self.drop_graphs([name])
                continue
            body = "".join(f"{s} .\n" for s in statements).encode("utf-8")
            resp = self._send("PUT", self.graph_store_url, params={"graph": name}, data=body,
                              headers={"Content-Type": "application/n-triples"}, auth=self.write_auth)
            self._check(resp)

    def drop_graphs(self, names: Iterable[str]) -> None:
        for name in names:
            self._check(self._send("DELETE", self.graph_store_url, params={"graph": name}, auth=self.write_auth),
                        404)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        # a form, not an application/sparql-update body: every server takes one (Virtuoso 7 hangs on the body)
        resp = self._send("POST", self.update_url, data={"update": sparql}, auth=self.write_auth)
        if resp.status_code == 400:
            raise SyntaxError(resp.text[:500])
        self._check(resp)

    def query(self, sparql: str, **options: object) -> object:
        """The answer as pyoxigraph objects; the server must use the union of its graphs as default graph
        (Oxigraph: ``serve --union-default-graph``; Fuseki: ``tdb2:unionDefaultGraph true``; Virtuoso: so by
        default, its own graphs made private: ``deploy/virtuoso/setup.sql``)."""
        params: list[tuple[str, str]] = []
        for graph in _as_list(options.get("default_graph")):
            params.append(("default-graph-uri", graph.value))
        for graph in _as_list(options.get("named_graphs")):
            params.append(("named-graph-uri", graph.value))
        if options.get("base_iri"):
            sparql = f"BASE <{options['base_iri']}>\n{sparql}"
        form = query_form(sparql)
        # one format asked for per form: asked for both, Virtuoso answers a CONSTRUCT as a table
        accept = "application/n-triples" if form in GRAPH_FORMS else "application/sparql-results+json"
        resp = self._send("POST", self.query_url, params=params, data={"query": sparql}, headers={"Accept": accept})
        if resp.status_code == 400:
            raise SyntaxError(resp.text[:500])
        self._check(resp)
        ctype = resp.headers.get("Content-Type", "")
        if form in GRAPH_FORMS:
            fmt = ox.RdfFormat.TURTLE if "turtle" in ctype else ox.RdfFormat.N_TRIPLES
            try:
                return RemoteTriples(list(ox.parse(resp.content, format=fmt)))
            except SyntaxError as exc:
                raise RemoteStoreError(f"{self.query_url}: an incomplete or broken graph: {exc}") from None
        try:
            document = json.loads(resp.content)  # the whole document, before any of it is believed
        except ValueError as exc:
            raise RemoteStoreError(f"{self.query_url}: an incomplete or broken answer: {exc}") from None
        return ox.parse_query_results(json.dumps(standard_results(document)).encode("utf-8"),
                                      format=ox.QueryResultsFormat.JSON)

    def quads(self, graph: str | None = None, *, subject: str | None = None,
              predicate: str | None = None) -> Iterator[ox.Quad]:
        s = f"<{subject}>" if subject else "?s"
        p = f"<{predicate}>" if predicate else "?p"
        where = f"GRAPH <{graph}> {{ {s} {p} ?o }}" if graph else f"GRAPH ?g {{ {s} {p} ?o }}"
        for row in self.query(f"SELECT * WHERE {{ {where} }}"):
            g = ox.NamedNode(graph) if graph else row["g"]
            yield ox.Quad(ox.NamedNode(subject) if subject else row["s"],
                          ox.NamedNode(predicate) if predicate else row["p"], row["o"], g)

    def graph_names(self) -> Iterator[str]:
        for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            yield row["g"].value

    def dump(self, output: IO[bytes] | str | Path, *, format: ox.RdfFormat) -> None:  # noqa: A002
        ox.serialize(self.quads(), output, format=format)

    def backup(self, directory: Path) -> None:
        raise RemoteStoreError("a remote store is backed up with its own server's tools (Oxigraph: `oxigraph "
                               "backup`; Fuseki: its backup endpoint), not by `mcep backup`")

    def close(self) -> None:
        self.session.close()


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def query_form(sparql: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK; empty when the query does not start as one (the server says why)."""
    match = _FORM.match(sparql)
    return match.group(1).upper() if match else ""


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEANS = {"1": "true", "0": "false"}


def standard_results(document: dict) -> dict:
    """A SPARQL JSON results document as the W3C Recommendation writes it. Virtuoso 7 answers an ASK as a
    one-column table (``__ASK_RETVAL``, a row with 1 when true) and names blank nodes ``nodeID://b10000``:
    pyoxigraph refuses both (its ``typed-literal`` terms, the 2007 draft's, pyoxigraph reads). It also writes
    every ``xsd:boolean`` as ``1`` or ``0`` in tables (``true`` in graphs): read as the canonical ``true`` and
    ``false`` the hub writes and compares (the same value, and what the embedded store gives back)."""
    head = document.get("head", {})
    if "boolean" not in document and head.get("vars") == ["__ASK_RETVAL"]:
        rows = document.get("results", {}).get("bindings", [])
        return {"head": {}, "boolean": any(row.get("__ASK_RETVAL", {}).get("value") not in (None, "0")
                                           for row in rows)}
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
                term["value"] = term["value"].removeprefix("nodeID://")
            elif term.get("datatype") == XSD_BOOLEAN and term.get("value") in _BOOLEANS:
                term["value"] = _BOOLEANS[term["value"]]
    return document

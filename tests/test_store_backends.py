"""The store interface on both backends: the embedded Oxigraph store, and a remote one spoken to over the
SPARQL 1.1 Protocol and the Graph Store Protocol — a real `oxigraph serve` (PyPI `oxigraph`) on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline
from mcep_ld.store import GraphStore, nquads
from mcep_ld.store.embedded import EmbeddedStore
from mcep_ld.store.remote import RemoteStore, RemoteStoreError
from tests.conftest import make_settings, running_oxigraph

G1, G2 = "http://example.org/graph/1", "http://example.org/graph/2"


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    with running_oxigraph(tmp_path / "remote") as url:
        yield url


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(tmp_path / "embedded")
    else:
        s = RemoteStore.from_url(request.getfixturevalue("oxigraph_server"))
    yield s
    s.close()


def test_the_graph_store_contract(store: GraphStore) -> None:
    store.replace_graphs({G1: ['<http://e/s> <http://e/p> "un"@fr', "<http://e/s> <http://e/q> <http://e/o>"],
                          G2: ['<http://e/t> <http://e/p> "2"^^<http://www.w3.org/2001/XMLSchema#integer>']})
    assert sorted(n for n in store.graph_names() if n.startswith("http://example.org/")) == [G1, G2]
    assert {(q.predicate.value, q.object.value) for q in store.quads(G1)} == {("http://e/p", "un"),
                                                                          ("http://e/q", "http://e/o")}
    assert [q.object.value for q in store.quads(G1, subject="http://e/s") if q.predicate.value == "http://e/q"] \
        == ["http://e/o"]
    store.replace_graphs({G1: ['<http://e/s> <http://e/p> "deux"@fr']})  # replaced, not added to
    assert [q.object.value for q in store.quads(G1)] == ["deux"]
    # The default graph is the union of the named graphs.
    rows = list(store.query("SELECT ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o"))
    assert [r["o"].value for r in rows] == ["2", "deux"]
    assert bool(store.query("ASK { <http://e/t> ?p ?o }"))
    graph = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }" % G2)  # noqa: UP031
    assert b"http://e/t" in graph.serialize(format=ox.RdfFormat.N_TRIPLES)
    named = list(store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[ox.NamedNode(G2)]))
    assert [r["g"].value for r in named] == [G2]
    store.update("INSERT DATA { GRAPH <%s> { <http://e/u> <http://e/p> 3 } }" % G2)  # noqa: UP031
    assert len(list(store.quads(G2))) == 2
    store.drop_graphs([G1, "http://example.org/never-there"])
    assert G1 not in set(store.graph_names())
    with pytest.raises(SyntaxError):
        store.query("SELEKT")


def test_a_harvest_into_a_remote_store_equals_one_into_the_embedded_store(oxigraph_server: str, tmp_path: Path,
                                                                          samples: Path) -> None:
    counts = {}
    for name, store_url in (("embedded", ""), ("remote", oxigraph_server)):
        settings = make_settings(tmp_path / name, store=store_url)
        settings.sources["informea"] = {"entity_sets": ["Decisions", "Contacts"]}
        with SampleServer(samples) as srv, Hub(settings) as hub:
            result = Pipeline(hub).harvest(InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                                             client=HttpClient.from_settings(settings)))
            assert result.ok, result.error
            query = ("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <https://w3id.org/mcep/ontology#Decision> ; "
                     "<http://purl.org/dc/terms/title> ?t }")
            counts[name] = (result.counters.as_dict(), int(next(iter(hub.store.public.query(query)))["n"].value))
            emails = list(hub.store.public.query("SELECT ?o { ?s <http://schema.org/email> ?o }"))
            assert emails == [], "restricted fields stay in the local restricted store"
    assert counts["embedded"] == counts["remote"]


class _Truncating(BaseHTTPRequestHandler):
    """A server that answers 200 with half a body: what Oxigraph's server does when its timeout strikes."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_truncated_remote_answer_is_never_believed() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Truncating)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = RemoteStore.from_url(f"sparql+http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(RemoteStoreError, match="incomplete"):
            store.query("SELECT ?s WHERE { ?s ?p ?o }")
    finally:
        server.shutdown()


def test_statements_become_quads_in_their_graph() -> None:
    statements = ['<http://e/s> <http://e/p> "a . b"@fr', "<http://e/s> <http://e/q> <http://e/o>"]
    text = nquads(statements, f"<{G1}>")
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
    assert [(q.predicate.value, q.object.value, q.graph_name.value) for q in quads] == [
        ("http://e/p", "a . b", G1), ("http://e/q", "http://e/o", G1)]
    assert nquads([], f"<{G1}>") == ""

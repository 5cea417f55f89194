"""The store interface on every backend: the embedded Oxigraph store, and remote ones spoken to over the
SPARQL 1.1 Protocol and the Graph Store Protocol: a real `oxigraph serve` (PyPI `oxigraph`) and a real
Virtuoso 7 (Debian's), each on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.classify.assign import evidence_from
from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline
from mcep_ld.serve.queries import is_graph_result
from mcep_ld.store import GraphStore, nquads
from mcep_ld.store.embedded import EmbeddedStore
from mcep_ld.store.remote import RemoteStore, RemoteStoreError
from tests.conftest import make_settings, running_oxigraph

G1, G2 = "http://example.org/graph/1", "http://example.org/graph/2"


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    with running_oxigraph(tmp_path / "remote") as url:
        yield url


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(tmp_path / "embedded")
    elif request.param == "oxigraph":
        s = RemoteStore.from_url(request.getfixturevalue("oxigraph_server"))
    else:
        s = request.getfixturevalue("virtuoso").store()
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
    # (ordered by the text: SPARQL leaves the order of a number and a tagged string to the engine)
    rows = list(store.query("SELECT ?o WHERE { ?s <http://e/p> ?o } ORDER BY STR(?o)"))
    assert [r["o"].value for r in rows] == ["2", "deux"]
    assert bool(store.query("ASK { <http://e/t> ?p ?o }"))
    graph = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }" % G2)  # noqa: UP031
    assert b"http://e/t" in graph.serialize(format=ox.RdfFormat.N_TRIPLES)
    assert is_graph_result(graph)  # /sparql picks a graph format for it
    named = list(store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[ox.NamedNode(G2)]))
    assert [r["g"].value for r in named] == [G2]
    store.update("INSERT DATA { GRAPH <%s> { <http://e/u> <http://e/p> 3 } }" % G2)  # noqa: UP031
    assert len(list(store.quads(G2))) == 2
    store.drop_graphs([G1, "http://example.org/never-there"])
    assert G1 not in set(store.graph_names())
    with pytest.raises(SyntaxError):
        store.query("SELEKT")
    assert not bool(store.query("ASK { <http://e/nothing> ?p ?o }"))
    # (INSERT … WHERE: Virtuoso refuses a blank node in INSERT DATA)
    store.update("INSERT { GRAPH <%s> { <http://e/u> <http://e/b> [ <http://e/p> 5 ] } } WHERE {}" % G2)  # noqa: UP031
    [row] = store.query("SELECT ?b ?n WHERE { <http://e/u> <http://e/b> ?b . ?b ?p ?n }")
    assert isinstance(row["b"], ox.BlankNode) and row["n"] == ox.Literal("5", datatype=ox.NamedNode(f"{XSD}integer"))


XSD = "http://www.w3.org/2001/XMLSchema#"
#: What the hub writes: language tags (region and script subtags), its datatypes, characters outside the BMP.
LITERALS = ['"un"@fr', '"x"@zh-hans', '"a"@en-gb', '"plain"', '"été ☃ 𝄞 \\"q\\" \\n"',
            f'"2"^^<{XSD}integer>', f'"2024-01-02"^^<{XSD}date>', f'"2024-01-02T03:04:05Z"^^<{XSD}dateTime>',
            f'"2024-01-02T03:04:05+02:00"^^<{XSD}dateTime>', f'"2024"^^<{XSD}gYear>', f'"2024-05"^^<{XSD}gYearMonth>',
            f'"0.5"^^<{XSD}decimal>', '"v"^^<http://example.org/type>',
            f'"true"^^<{XSD}boolean>', f'"false"^^<{XSD}boolean>']  # (Virtuoso's tables say 1 and 0)
#: Numbers come back with their value, not always their text: Virtuoso keeps "1.50" as 1.5.
VALUES = {f'"1.50"^^<{XSD}decimal>': "1.5", f'"007"^^<{XSD}integer>': "7"}


def test_literals_come_back_as_they_went_in(store: GraphStore) -> None:
    store.replace_graphs({G1: [f"<http://e/s> <http://e/p{i}> {literal}" for i, literal in enumerate(LITERALS)]
                          + [f"<http://e/s> <http://e/v{i}> {literal}" for i, literal in enumerate(VALUES)]})
    back = {q.predicate.value: str(q.object) for q in store.quads(G1)}
    assert [back[f"http://e/p{i}"] for i in range(len(LITERALS))] == LITERALS
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert {str(t.object) for t in triples} >= set(LITERALS)
    rows = store.query(f'SELECT ?p WHERE {{ ?s ?p "x"@zh-Hans ; ?q "2024-01-02"^^<{XSD}date> }}')
    assert [r["p"].value for r in rows] == ["http://e/p1"]
    for i, value in enumerate(VALUES.values()):
        assert bool(store.query(f"ASK {{ <http://e/s> <http://e/v{i}> ?o FILTER(?o = {value}) }}")), value


def graph_sizes(store: GraphStore) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"].value: int(r["n"].value) for r in rows}


@pytest.mark.parametrize("remote", ["oxigraph", "virtuoso"])
def test_a_harvest_into_a_remote_store_equals_one_into_the_embedded_store(remote: str, tmp_path: Path,
                                                                          samples: Path,
                                                                          request: pytest.FixtureRequest) -> None:
    remote_settings = ({"store": request.getfixturevalue("oxigraph_server")} if remote == "oxigraph"
                       else request.getfixturevalue("virtuoso").settings())
    found = {}
    for name, overrides in (("embedded", {}), (remote, remote_settings)):
        settings = make_settings(tmp_path / name, **overrides)
        settings.sources["informea"] = {"entity_sets": ["Decisions", "Contacts"]}
        with SampleServer(samples) as srv, Hub(settings) as hub:
            harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                          client=HttpClient.from_settings(settings))
            result = Pipeline(hub).harvest(harvester)
            assert result.ok, result.error
            query = ("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <https://w3id.org/mcep/ontology#Decision> ; "
                     "<http://purl.org/dc/terms/title> ?t }")
            sizes = graph_sizes(hub.store.public)
            found[name] = (result.counters.as_dict(), int(next(iter(hub.store.public.query(query)))["n"].value),
                           sizes)
            emails = list(hub.store.public.query("SELECT ?o { ?s <http://schema.org/email> ?o }"))
            assert emails == [], "restricted fields stay in the local restricted store"
            again = Pipeline(hub).harvest(harvester)  # nothing changed at the source: nothing changes here
            assert again.ok and (again.counters.added, again.counters.updated, again.counters.unchanged) == \
                (0, 0, result.counters.seen), again.counters.as_dict()
            assert {g: n for g, n in graph_sizes(hub.store.public).items() if "/run/" not in g} == \
                {g: n for g, n in sizes.items() if "/run/" not in g}
    assert found["embedded"] == found[remote]


class _Answering(BaseHTTPRequestHandler):
    """A server that answers every query 200 with ``body`` and ``headers``: an answer not to be believed."""

    body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/s"}}]}}'
    headers_out: dict[str, str] = {}

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(self.body)))
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


class _Truncating(_Answering):
    """Half a body: what Oxigraph's server does when its timeout strikes."""

    body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/'


class _Anytime(_Answering):
    """Virtuoso's "anytime" answer: complete JSON, and a header saying it holds only what was found in time."""

    headers_out = {"X-SQL-State": "S1TAT",
                   "X-SQL-Message": "RC...: Returning incomplete results, query interrupted by result timeout."}


class _MaxRows(_Answering):
    """Virtuoso at its ResultSetMaxRows: complete JSON, the rows up to the limit and a header naming it."""

    headers_out = {"X-SPARQL-MaxRows": "1"}


@pytest.mark.parametrize("handler", [_Truncating, _Anytime, _MaxRows],
                         ids=["truncated", "virtuoso-anytime", "virtuoso-max-rows"])
def test_an_incomplete_remote_answer_is_never_believed(handler: type[BaseHTTPRequestHandler]) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


def test_the_classifier_reads_a_records_evidence_back(store: GraphStore) -> None:
    """The classifier reads what the sources said from the store: a record marked relevant must stay relevant
    (Virtuoso's tables say 1 for true; read as false, every GEF project on mercury lost its themes)."""
    relevant = "https://w3id.org/mcep/ontology#minamataRelevant"
    store.replace_graphs({G1: [f'<http://e/r> <{relevant}> "true"^^<{XSD}boolean>',
                               '<http://e/r> <http://purl.org/dc/terms/title> "x"']})
    said = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(None, subject="http://e/r")]
    assert evidence_from("http://e/r", "project", said).relevant is True

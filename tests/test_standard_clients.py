"""The public surface as standard clients take it, with their defaults: SPARQLWrapper in every return format it
has and rdflib's SPARQLStore, for SELECT, ASK, CONSTRUCT and DESCRIBE; q-values in Accept on records and
/sparql; HEAD on every GET route, with the headers GET gives and no body."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.conftest import demo_copy, running_service

RECORD = "http://localhost:8000/id/decision/mc-2-4"
QUERIES = {
    "SELECT": f"SELECT ?t WHERE {{ <{RECORD}> <http://purl.org/dc/terms/title> ?t }} LIMIT 3",
    "ASK": f"ASK {{ <{RECORD}> ?p ?o }}",
    "CONSTRUCT": f"CONSTRUCT {{ <{RECORD}> ?p ?o }} WHERE {{ <{RECORD}> ?p ?o }}",
    "DESCRIBE": f"DESCRIBE <{RECORD}>",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "clients")) as url:
        yield url


@pytest.mark.parametrize("form", list(QUERIES))
def test_rdflib_sparqlstore_with_its_defaults(service: str, form: str) -> None:
    result = Graph(store=SPARQLStore(f"{service}/sparql")).query(QUERIES[form])
    if form == "ASK":
        assert result.askAnswer is True
    else:
        assert len(list(result)) >= 1


#: SPARQLWrapper's return formats, each for the query forms it is meant for (its documentation's table)
FOR_RESULTS = [None, JSON, XML, CSV, TSV]
FOR_GRAPHS = [None, XML, TURTLE, N3, JSONLD, RDFXML]


@pytest.mark.parametrize("form, fmt", [(f, r) for f in ("SELECT", "ASK") for r in FOR_RESULTS]
                         + [(f, r) for f in ("CONSTRUCT", "DESCRIBE") for r in FOR_GRAPHS])
def test_sparqlwrapper_in_each_of_its_formats(service: str, form: str, fmt: str | None) -> None:
    sw = SPARQLWrapper(f"{service}/sparql")  # its defaults: GET, format= and output= parameters beside Accept
    if fmt:
        sw.setReturnFormat(fmt)
    sw.setQuery(QUERIES[form])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # SPARQLWrapper's warning of an answer it cannot read
        converted = sw.query().convert()
    if form == "ASK" and fmt == JSON:
        assert converted["boolean"] is True
    elif form == "ASK" and fmt in (None, XML):
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    elif form in ("CONSTRUCT", "DESCRIBE"):
        graph = converted if isinstance(converted, Graph) else Graph().parse(
            data=converted, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}[fmt])
        assert len(graph) >= 3
    else:
        assert converted


def test_q_values_are_honoured_on_records_and_sparql(service: str) -> None:
    path = RECORD.replace("http://localhost:8000", service)
    turtle = requests.get(path, headers={"Accept": "text/html;q=0.1, text/turtle"}, timeout=30)
    assert turtle.headers["content-type"].startswith("text/turtle")
    page = requests.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=30)
    assert page.headers["content-type"].startswith("text/html")
    assert requests.get(path, headers={"Accept": "*/*"}, timeout=30).headers["content-type"].startswith("text/turtle")
    csv = requests.get(f"{service}/sparql", params={"query": QUERIES["SELECT"]}, timeout=30,
                       headers={"Accept": "application/sparql-results+json;q=0, text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    rdfxml = requests.get(f"{service}/sparql", params={"query": QUERIES["CONSTRUCT"]}, timeout=30,
                          headers={"Accept": "application/sparql-results+xml, application/rdf+xml"})
    assert rdfxml.headers["content-type"].startswith("application/rdf+xml")
    unknown = requests.get(f"{service}/sparql", params={"query": QUERIES["SELECT"], "format": "yaml"}, timeout=30)
    assert unknown.status_code == 400 and "unknown format" in unknown.text


def get_routes(service: str) -> list[str]:
    """Every GET route of the OpenAPI description with its parameters filled from the demo, and /sparql."""
    fill = {"{kind}": "decision", "{key}": "mc-2-4", "{scheme}": "theme", "{concept}": "art-17", "{name}": "all.nq.gz",
            "{suffix}": "ttl", "{code}": "FR", "{run}": "1"}
    paths = []
    for path, operations in requests.get(f"{service}/openapi.json", timeout=30).json()["paths"].items():
        if "get" in operations and not path.startswith("/admin"):
            for placeholder, value in fill.items():
                path = path.replace(placeholder, value)
            paths.append(path)
    return paths


def test_head_on_every_get_route_gives_gets_headers_without_a_body(service: str) -> None:
    paths = get_routes(service)
    assert len(paths) > 20 and "/" in paths and "/dumps/{name}".replace("{name}", "all.nq.gz") in paths
    for path in paths:
        got = requests.get(f"{service}{path}", timeout=60)
        head = requests.head(f"{service}{path}", timeout=60)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        for header in ("content-type", "etag"):
            if header in got.headers:
                assert head.headers.get(header) == got.headers[header], (path, header)
    dump = requests.head(f"{service}/dumps/all.nq.gz", timeout=30)  # a file: its length, and none of it read
    assert int(dump.headers["content-length"]) == len(requests.get(f"{service}/dumps/all.nq.gz", timeout=60).content)
    assert requests.head(f"{service}/health", timeout=30).status_code == 200

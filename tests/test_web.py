"""The service over HTTP, with real clients: SPARQLWrapper, rdflib's SPARQLStore and requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.conftest import demo_copy, mcep, rdf_of, running_service


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "web")


@pytest.fixture(scope="module")
def service(web_data: Path) -> Iterator[str]:
    """The service; when the module's tests are done and it has stopped (its log complete, whatever order the
    tests ran in), its log must hold no error (see test_query_results_cross_threads_without_a_logged_error)."""
    with running_service(web_data) as url:
        yield url
    log = (web_data.parent / "serve.log").read_text()
    assert "Traceback" not in log and "unsendable" not in log, log


def test_health(service: str) -> None:
    body = requests.get(f"{service}/health", timeout=30).json()
    # InforMEA, GEF projects about mercury, the repository, the website, curated submissions, 720 national-report
    # answers and their 80 reports
    assert body["status"] == "ok" and body["published_records"] == 107 + 20 + 14 + 8 + 18 + 800


def test_sparqlwrapper_select(service: str) -> None:
    sw = SPARQLWrapper(f"{service}/sparql")
    sw.setQuery("PREFIX mcep: <https://w3id.org/mcep/ontology#> "
                "SELECT (COUNT(DISTINCT ?d) AS ?n) { ?d a mcep:Decision }")
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    # 32 from InforMEA and MC-4/6 from the website (its MC-5/1 is InforMEA's too)
    assert result["results"]["bindings"][0]["n"]["value"] == "33"


def test_rdflib_sparqlstore(service: str) -> None:
    graph = Graph(store=SPARQLStore(f"{service}/sparql"))
    rows = list(graph.query("SELECT ?t { <http://localhost:8000/id/decision/mc-5-2> "
                            "<http://purl.org/dc/terms/title> ?t FILTER(lang(?t) = 'zh') }"))
    assert [str(r[0]) for r in rows] == ["关于手工和小规模采金的指导意见"]


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
])
def test_select_formats_by_accept(service: str, accept: str, media: str) -> None:
    r = requests.get(f"{service}/sparql", params={"query": "ASK { ?s ?p ?o }" if "csv" not in accept
                                                  and "tab" not in accept else "SELECT ?s { ?s ?p ?o } LIMIT 1"},
                     headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


def test_construct_as_turtle_by_post_direct(service: str) -> None:
    r = requests.post(f"{service}/sparql", data="CONSTRUCT WHERE { ?s a ?c } LIMIT 5",
                      headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=r.text, format="turtle")) == 5


def test_a_large_answer_is_sent_whole_with_its_length(service: str) -> None:
    """Answers over the worker's memory (8 MiB) are streamed from its spool file with a Content-Length:
    complete, not chunked."""
    from mcep_ld.serve.engine.worker import Sink

    query = "SELECT * WHERE { ?s ?p ?o . ?a a ?c } LIMIT 40000"  # about 24 MB of JSON
    resp = requests.get(f"{service}/sparql", params={"query": query}, timeout=60)
    assert resp.status_code == 200 and len(resp.content) > Sink.MEMORY_BYTES
    assert int(resp.headers["content-length"]) == len(resp.content) and "transfer-encoding" not in resp.headers
    assert len(resp.json()["results"]["bindings"]) == 40000


def test_post_form(service: str) -> None:
    r = requests.post(f"{service}/sparql", data={"query": "ASK { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.json()["boolean"] is True


@pytest.mark.parametrize("params", [{"query": "SELEKT nothing"}, {"query": ["ASK {}", "ASK {}"]}])
def test_bad_requests_get_400_not_a_trace(service: str, params: dict) -> None:
    r = requests.get(f"{service}/sparql", params=params, timeout=30)
    assert r.status_code == 400
    assert "Traceback" not in r.text


def test_no_restricted_field_through_any_query_form(service: str) -> None:
    restricted = "http://localhost:8000/graph/restricted/informea/"
    for query, extra in [
        ("SELECT ?o { ?s <http://schema.org/email> ?o }", {}),
        ("SELECT ?o { GRAPH ?g { ?s <http://schema.org/telephone> ?o } }", {}),
        ("SELECT ?o { ?s ?p ?o FILTER(CONTAINS(STR(?o), '@example.org')) }", {}),
        (f"SELECT ?o FROM NAMED <{restricted}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT ?o { GRAPH ?g { ?s <http://schema.org/email> ?o } }", {"named-graph-uri": restricted}),
        ("SELECT ?o { ?s <http://schema.org/email> ?o }", {"default-graph-uri": restricted}),
        ("DESCRIBE ?s { ?s a <https://w3id.org/mcep/ontology#FocalPoint> }", {}),
    ]:
        r = requests.get(f"{service}/sparql", params={"query": query, **extra},
                         headers={"Accept": "application/sparql-results+json, application/n-triples"}, timeout=10)
        assert r.status_code == 200, r.text
        assert "schema.org/email" not in r.text and "schema.org/telephone" not in r.text, query
        if "json" in r.headers["content-type"]:
            assert r.json()["results"]["bindings"] == [], query


def test_a_command_that_needs_the_store_while_serving_says_it_is_busy(service: str, web_data: Path) -> None:
    """A harvest is handed to the service (tests/test_service_harvests.py); other commands that open the
    store say that the service holds it."""
    proc = mcep("dump", "--data-dir", str(web_data))
    assert proc.returncode == 3
    assert "in use by another process" in proc.stderr and "Traceback" not in proc.stderr
    assert requests.get(f"{service}/health", timeout=30).ok  # and the service carries on


def test_query_results_cross_threads_without_a_logged_error(service: str) -> None:
    """Regression: query results moved between threads logged "unsendable … dropped on another thread". The
    log is read by the ``service`` fixture once the service has stopped: no sleep, no test order."""
    for accept in ("application/sparql-results+json", "text/turtle"):
        query = "SELECT * { ?s ?p ?o } LIMIT 3" if "json" in accept else "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"
        resp = requests.get(f"{service}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=30)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(accept)


def test_with_no_update_token_no_update_is_taken(service: str) -> None:
    """sparql_update_token unset (the default): every update is refused, with or without a token, and the store
    is left as it was."""
    insert = "INSERT DATA { GRAPH <http://example.org/anon> { <http://example.org/s> <http://example.org/p> 1 } }"
    ask = {"query": "ASK { GRAPH <http://example.org/anon> { ?s ?p ?o } }"}
    for headers in ({}, {"Authorization": "Bearer anything"}, {"Authorization": "Bearer "}):
        resp = requests.post(f"{service}/sparql", data=insert.encode(), timeout=10,
                             headers={"Content-Type": "application/sparql-update", **headers})
        assert resp.status_code == 403, (headers, resp.status_code)
        form = requests.post(f"{service}/sparql", data={"update": insert}, headers=headers, timeout=10)
        assert form.status_code == 403
    assert requests.get(f"{service}/sparql", params=ask, timeout=10).json()["boolean"] is False


@pytest.mark.parametrize("accept, media, fmt", [
    ("text/turtle;q=0.9", "text/turtle", "turtle"),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', "application/ld+json", "json-ld"),
    ("application/rdf+xml; charset=utf-8", "application/rdf+xml", "xml"),
    ("text/html;q=0.1, application/n-triples;q=0.8", "application/n-triples", "nt"),
])
def test_media_type_parameters_do_not_hide_the_format(service: str, accept: str, media: str, fmt: str) -> None:
    resp = requests.get(f"{service}/id/decision/mc-4-6", headers={"Accept": accept}, timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(media)
    assert len(rdf_of(service, resp, fmt)) > 5


THERMOMETERS = "http://localhost:8000/vocab/product/thermometers"


@pytest.mark.parametrize("label", ["Termómetros", "termometros", "ТЕРМОМЕТРЫ", "термометры", "温度计",
                                   "thermometres", "Mercury thermometers"])
def test_lookup_finds_an_annex_a_concept_in_any_language_case_and_accents(service: str, label: str) -> None:
    body = requests.get(f"{service}/api/vocab/lookup", params={"label": label, "lang": "ru"}, timeout=30).json()
    assert [r["iri"] for r in body["results"]] == [THERMOMETERS]
    assert body["results"][0]["prefLabel"] == "Термометры" and body["results"][0]["lang"] == "ru"
    assert set(body["results"][0]["prefLabels"]) == {"en", "fr", "es", "ar", "ru", "zh"}


def test_lookup_falls_back_through_the_configured_languages(service: str) -> None:
    body = requests.get(f"{service}/api/vocab/lookup", params={"label": "BR", "lang": "xx"}, timeout=30).json()
    assert body["results"][0]["iri"].endswith("/vocab/country/BR") and body["results"][0]["lang"] == "en"
    assert requests.get(f"{service}/api/vocab/lookup", params={"label": "no such thing"}, timeout=30).json()[
        "results"] == []


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_concepts_dereference_by_content_negotiation(service: str, accept: str, fmt: str) -> None:
    resp = requests.get(f"{service}/vocab/product/thermometers", headers={"Accept": accept}, timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(accept)
    assert "Accept" in resp.headers["vary"]
    g = rdf_of(service, resp, fmt)
    labels = {(str(o), o.language) for o in g.objects(predicate=SKOS.prefLabel)}
    assert ("Термометры", "ru") in labels and ("温度计", "zh") in labels


def test_concept_pages_for_browsers_and_suffixes(service: str) -> None:
    page = requests.get(f"{service}/vocab/product/thermometers", headers={"Accept": "text/html",
                                                                            "Accept-Language": "es"}, timeout=30)
    assert page.headers["content-type"].startswith("text/html") and "<h1>Termómetros</h1>" in page.text
    assert "<title>Термометры · " in requests.get(f"{service}/vocab/product/thermometers?lang=ru",
                                                  headers={"Accept": "text/html"}, timeout=30).text
    ttl = requests.get(f"{service}/vocab/product/thermometers.ttl", headers={"Accept": "text/html"}, timeout=30)
    assert ttl.headers["content-type"].startswith("text/turtle")
    scheme = requests.get(f"{service}/vocab/theme", headers={"Accept": "text/turtle"}, timeout=30)
    assert len({s for s in Graph().parse(data=scheme.text, format="turtle").subjects()}) == 41  # scheme + 40
    assert requests.get(f"{service}/vocab/product/unicorns", timeout=30).status_code == 404
    assert requests.get(f"{service}/vocab/nothing", timeout=30).status_code == 404


def test_cors_for_browser_clients(service: str) -> None:
    pre = requests.options(f"{service}/sparql", headers={"Origin": "https://partner.example",
                                                          "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"}, timeout=30)
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    got = requests.get(f"{service}/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://partner.example"},
                       timeout=30)
    assert got.headers["access-control-allow-origin"] == "*"



def test_service_description_and_void(service: str) -> None:
    sd = requests.get(f"{service}/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert sd.status_code == 200 and sd.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=sd.text, format="turtle")
    SD = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(f"{SD}endpoint"), URIRef("http://localhost:8000/sparql")) in g
    assert (None, URIRef(f"{SD}feature"), URIRef(f"{SD}UnionDefaultGraph")) in g
    void = Graph().parse(data=requests.get(f"{service}/void", timeout=30).text, format="turtle")
    VOID = "http://rdfs.org/ns/void#"
    dataset = URIRef("http://localhost:8000/void#dataset")
    assert int(void.value(dataset, URIRef(f"{VOID}entities"))) == 107 + 20 + 14 + 8 + 18 + 800
    gef = URIRef("http://localhost:8000/void#source-gef")
    assert int(void.value(gef, URIRef(f"{VOID}entities"))) == 20
    # The same description is in the store, for SPARQL.
    rows = requests.get(f"{service}/sparql", params={"query": f"SELECT ?n {{ <{gef}> <{VOID}entities> ?n }}"},
                        timeout=30).json()["results"]["bindings"]
    assert [r["n"]["value"] for r in rows] == ["20"]


def test_the_query_page_runs_every_example(service: str) -> None:
    from mcep_ld.serve.web.query_page import examples

    page = requests.get(f"{service}/sparql", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "<textarea" in page.text and "cdn" not in page.text.lower()
    assert len(examples()) >= 5
    listed = lxml.html.fromstring(page.content).xpath("//main//li/a[1]/text()")
    for example in examples():
        assert example.title in listed
        prefilled = requests.get(f"{service}/sparql", params={"example": example.name},
                                 headers={"Accept": "text/html"}, timeout=30)
        assert lxml.html.fromstring(prefilled.content).xpath("string(//textarea[@id='query'])") == example.query
        rows = requests.get(f"{service}/sparql", params={"query": example.query}, timeout=10).json()
        assert rows["results"]["bindings"], f"{example.name} finds nothing in the demo hub"
        table = requests.get(f"{service}/sparql", params={"query": example.query, "format": "html"}, timeout=10)
        assert table.headers["content-type"].startswith("text/html") and "<table>" in table.text

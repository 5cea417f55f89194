"""The W3C SPARQL 1.1 Protocol manifest (shared/conformance/sparql11/protocol) run against `mcep serve`.

Every request of each case is sent as the manifest writes it (method, path, headers, body in its encoding);
the status class, result format and boolean are checked. Every request carries the update token the service
is given (queries ignore it); tests of their own check updates without it.
Choices the protocol leaves open, as the endpoint makes them: PUT and other methods get 405 (the resource
exists, the method does not); a POST with no or another media type, or a body not in UTF-8, gets 415.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from mcep_ld.hub import Hub
from tests.conftest import SHARED, make_settings, running_service

SUITE = SHARED / "conformance" / "sparql11" / "protocol"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
TOKEN = "protocol-suite-token"


def _cases() -> list[tuple[str, list[dict]]]:
    if not (SUITE / "manifest.ttl").is_file():
        return []
    g = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/")
    manifest = next(g.subjects(RDF.type, URIRef(f"{MF}Manifest")))
    out = []
    for entry in Collection(g, g.value(manifest, URIRef(f"{MF}entries"))):
        action = g.value(entry, URIRef(f"{MF}action"))
        steps = []
        for req in Collection(g, g.value(action, URIRef(f"{HT}requests"))):
            body = g.value(req, URIRef(f"{HT}body"))
            headers_list = g.value(req, URIRef(f"{HT}headers"))
            resp = g.value(req, URIRef(f"{HT}resp"))
            steps.append({
                "method": str(g.value(req, URIRef(f"{HT}methodName"))),
                "path": str(g.value(req, URIRef(f"{HT}absolutePath"))),
                "body": str(g.value(body, URIRef(f"{CNT}chars"))) if body is not None else None,
                "encoding": str(g.value(body, URIRef(f"{CNT}characterEncoding")) or "UTF-8") if body else "UTF-8",
                "headers": {str(g.value(h, URIRef(f"{HT}fieldName"))): str(g.value(h, URIRef(f"{HT}fieldValue")))
                            for h in (Collection(g, headers_list) if headers_list is not None else [])},
                "status": sorted(str(s).rsplit("StatusCode", 1)[-1] for s in
                                 g.objects(resp, URIRef(f"{MF}expectedStatus"))),
                "format": str(g.value(resp, URIRef(f"{MF}expectedFormat")) or ""),
                "boolean": g.value(resp, URIRef(f"{MF}expectedBoolean")),
            })
        out.append((str(entry).rsplit("#", 1)[-1], steps))
    return out


CASES = _cases()


def manifest_graphs() -> dict[str, Path]:
    """The graphs the manifest's cases read: each name with its N-Triples file."""
    g = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/")
    return {str(g.value(d, RDFS.label)): Path(str(g.value(d, URIRef(f"{UT}graph"))).removeprefix("file://"))
            for d in g.objects(None, URIRef(f"{UT}graphData"))}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hub holding the suite's three data files in the graphs the manifest names."""
    data = tmp_path_factory.mktemp("protocol") / "data"
    with Hub(make_settings(data)) as hub:
        hub.store.public.replace_graphs({
            name: [str(t).removesuffix(" .") for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
            for name, path in manifest_graphs().items()})
    with running_service(data, env={"MCEP_SPARQL_UPDATE_TOKEN": TOKEN}) as url:
        yield url


def _boolean(resp: requests.Response) -> bool:
    ctype = resp.headers["content-type"]
    if "json" in ctype:
        return json.loads(resp.content)["boolean"]
    return b"<boolean>true</boolean>" in resp.content


@pytest.mark.skipif(not CASES, reason=f"{SUITE} is absent (it comes with ../shared)")
@pytest.mark.parametrize("name, steps", CASES or [("none", [])], ids=[c[0] for c in CASES] or ["none"])
def test_protocol_case(endpoint: str, name: str, steps: list[dict]) -> None:
    run_case(endpoint, steps, token=TOKEN)


def run_case(endpoint: str, steps: list[dict], *, token: str) -> None:
    """Send a case's requests to the service at *endpoint* (with *token* for updates); check each answer."""
    for step in steps:
        path = step["path"].replace("/sparql/", "/sparql", 1)
        body = step["body"].encode(step["encoding"].lower()) if step["body"] is not None else None
        headers = {**step["headers"], "Authorization": f"Bearer {token}"}
        resp = requests.request(step["method"], endpoint + path, data=body, headers=headers, timeout=10)
        assert f"{str(resp.status_code)[0]}xx" in step["status"], (resp.status_code, resp.text[:300])
        if resp.status_code >= 400 or not step["format"]:  # an error, or an update's 204: nothing to read
            continue
        ctype = resp.headers["content-type"]
        if step["format"] == "boolean":
            assert "sparql-results" in ctype
        elif step["format"] == "tabular":
            assert any(t in ctype for t in ("sparql-results", "text/csv", "tab-separated"))
        elif step["format"] == "RDF":
            assert any(t in ctype for t in ("turtle", "n-triples", "rdf+xml"))
        if step["boolean"] is not None:
            assert _boolean(resp) is step["boolean"].toPython()


@pytest.mark.skipif(not CASES, reason=f"{SUITE} is absent (it comes with ../shared)")
def test_updates_need_the_token_and_change_nothing_without_it(endpoint: str) -> None:
    insert = "INSERT DATA { GRAPH <http://example.org/token-test> { <http://example.org/s> <http://example.org/p> 1 } }"
    ask = {"query": "ASK { GRAPH <http://example.org/token-test> { ?s ?p ?o } }"}
    sent = {"data": insert.encode(), "timeout": 10}
    none = requests.post(f"{endpoint}/sparql", headers={"Content-Type": "application/sparql-update"}, **sent)
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
    wrong = requests.post(f"{endpoint}/sparql", headers={"Content-Type": "application/sparql-update",
                                                         "Authorization": "Bearer guess"}, **sent)
    assert wrong.status_code == 403
    form = requests.post(f"{endpoint}/sparql", data={"update": insert}, timeout=10)
    assert form.status_code == 401
    assert requests.get(f"{endpoint}/sparql", params=ask, timeout=10).json()["boolean"] is False
    right = requests.post(f"{endpoint}/sparql", headers={"Content-Type": "application/sparql-update",
                                                         "Authorization": f"Bearer {TOKEN}"}, **sent)
    assert right.status_code == 204
    assert requests.get(f"{endpoint}/sparql", params=ask, timeout=10).json()["boolean"] is True


def test_using_clauses_are_added_where_the_protocol_puts_them() -> None:
    from mcep_ld.serve.queries import QueryError, with_using

    update = ('DELETE { ?s <p> "WHERE" } INSERT { ?s <p> 2 } WHERE { ?s <p> 1 } ; '
              'DELETE WHERE { ?s <q> ?o } ; INSERT { ?s <r> 1 } # WHERE in a comment\n WHERE { ?s <p> 2 }')
    out = with_using(update, ("http://g/1",), ("http://g/2",))
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert "DELETE WHERE { ?s <q> ?o }" in out and '"WHERE"' in out
    with pytest.raises(QueryError):
        with_using("WITH <http://g/1> INSERT { ?s <p> 1 } WHERE { ?s <p> 2 }", ("http://g/3",), ())

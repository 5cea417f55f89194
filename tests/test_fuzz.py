"""Fuzzing the public surface, bounded to stay quick (issue 14): schemathesis generates requests from the
service's own OpenAPI description (every documented route, /sparql included), and hypothesis generates
SPARQL-like queries and OAI-PMH arguments. Whatever comes, the answer is the protocol's own (2xx, 3xx, 4xx
or a 503 at a deadline), never a 500, and the service stays up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import demo_copy, running_service

EXAMPLES = 15  # per operation: enough to find a crash of the kinds seen (a type, a range, a shape), quick
CALLED: Counter[str] = Counter()  # operations the fuzzer reached, checked at the end of the module


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    data = demo_copy(demo_template, tmp_path_factory, "fuzz")
    env = {"MCEP_SPARQL_TIMEOUT_S": "2", "MCEP_SPARQL_MAX_PER_CLIENT": "8"}
    with running_service(data, env=env) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(service: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_documented_route_answers_500(case: schemathesis.Case) -> None:
    response = case.call(timeout=30)
    CALLED[f"{case.method.upper()} {case.path}"] += 1
    assert response.status_code < 500 or response.status_code == 503, (case.method, case.path, response.text[:300])


def test_the_openapi_description_documents_sparql(service: str) -> None:
    paths = requests.get(f"{service}/openapi.json", timeout=10).json()["paths"]
    assert {"get", "post"} <= set(paths["/sparql"])


_TOKENS = st.sampled_from([
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH", "SERVICE", "BIND",
    "VALUES", "MINUS", "EXISTS", "NOT", "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "COUNT", "DISTINCT", "AS",
    "?s", "?p", "?o", "*", "{", "}", "(", ")", "[", "]", ".", ";", ",", "/", "|", "^", "+", "!", "=", "<", ">",
    "<http://localhost:8000/id/decision/mc-2-3>", "<http://127.0.0.1:9/>", '"x"@en', "1", "1e999", "-0",
    "a", "rdf:type", "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>", "#", "\\", '"', "'''",
    "\u0000", "\ud7ff", "𝔘",
])


@given(parts=st.lists(_TOKENS, max_size=40), accept=st.sampled_from(
    ["application/sparql-results+json", "text/csv", "text/turtle", "application/rdf+xml", "*/*", "x/y", ""]))
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_queries_never_get_500(service: str, parts: list[str], accept: str) -> None:
    query = " ".join(parts)
    resp = requests.post(f"{service}/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)
    assert resp.status_code < 500 or resp.status_code == 503, (query, resp.status_code, resp.text[:300])


_OAI_VALUES = st.one_of(st.sampled_from(["oai_dc", "rdf", "Identify", "ListRecords", "ListIdentifiers", "GetRecord",
                                         "ListSets", "ListMetadataFormats", "2024-01-01", "2024-01-01T00:00:00Z",
                                         "kind:decision", "oai:localhost.localdomain:informea:x", "", "9" * 30]),
                        st.text(max_size=40))


@given(args=st.dictionaries(st.sampled_from(["verb", "metadataPrefix", "from", "until", "set", "identifier",
                                             "resumptionToken", "junk"]), _OAI_VALUES, max_size=5),
       post=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_oai_arguments_never_get_500(service: str, args: dict[str, str], post: bool) -> None:
    resp = (requests.post(f"{service}/oai", data=args, timeout=30) if post
            else requests.get(f"{service}/oai", params=args, timeout=30))
    assert resp.status_code < 500, (args, resp.status_code, resp.text[:300])
    if resp.status_code == 200:
        assert b"<OAI-PMH" in resp.content


def test_the_service_is_still_up_and_every_operation_was_fuzzed(service: str) -> None:
    assert requests.get(f"{service}/health", timeout=30).ok
    paths = requests.get(f"{service}/openapi.json", timeout=10).json()["paths"]
    operations = {f"{m.upper()} {p}" for p, item in paths.items() for m in item}
    assert operations - set(CALLED) == set(), "operations the fuzzer never reached"
    assert CALLED["GET /sparql"] >= EXAMPLES // 2 and CALLED["POST /sparql"] >= EXAMPLES // 2

"""The endpoint's limits: a runaway query is stopped with a clear error while other clients are answered;
oversized bodies are refused, and answers over a limit are refused, never cut."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import demo_copy, running_service

TIMEOUT_S = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # a cross join of everything, cubed


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    data = demo_copy(demo_template, tmp_path_factory, "limits")
    env = {"MCEP_SPARQL_TIMEOUT_S": str(TIMEOUT_S), "MCEP_SPARQL_MAX_BODY_BYTES": "2000",
           "MCEP_SPARQL_MAX_ROWS": "50", "MCEP_SPARQL_MAX_ANSWER_BYTES": "100000"}
    with running_service(data, env=env) as url:
        yield url


def test_a_runaway_query_is_stopped_while_others_are_answered(service: str) -> None:
    outcome: dict = {}

    def runaway() -> None:
        resp = requests.get(f"{service}/sparql", params={"query": RUNAWAY}, timeout=60)
        outcome.update(status=resp.status_code, text=resp.text)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway is evaluating (if not yet, the order below still holds)
    simple = requests.get(f"{service}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert simple.status_code == 200 and simple.json()["boolean"] is True
    # answered while the runaway still ran: by order of events, not by a time a loaded machine can miss
    assert thread.is_alive() and not outcome, "a simple query waited for the runaway"
    thread.join(timeout=60)
    assert outcome["status"] == 503 and "sparql_timeout_s" in outcome["text"]  # stopped at its deadline
    assert requests.get(f"{service}/health", timeout=30).ok


def test_oversized_bodies_get_413(service: str) -> None:
    query = "ASK { ?s ?p ?o } # " + "x" * 3000
    resp = requests.post(f"{service}/sparql", data=query.encode(),
                         headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert resp.status_code == 413 and "sparql_max_body_bytes" in resp.text


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/tab-separated-values", "text/csv"])
def test_answers_over_sparql_max_rows_are_refused_not_cut(service: str, accept: str) -> None:
    many = "SELECT ?s WHERE { ?s a ?class } LIMIT 51"
    resp = requests.get(f"{service}/sparql", params={"query": many}, headers={"Accept": accept}, timeout=10)
    assert resp.status_code == 400 and "more than sparql_max_rows (50) rows" in resp.text
    enough = requests.get(f"{service}/sparql", params={"query": many.replace("51", "50")}, headers={"Accept": accept},
                          timeout=10)
    assert enough.status_code == 200


def test_values_that_look_like_rows_do_not_make_an_answer_too_long(service: str) -> None:
    """30 rows whose values hold `,{}` three times: a quick JSON count says 120, the exact recount 30."""
    values = " ".join(f'"{i},{{}},{{}},{{}}"' for i in range(30))
    resp = requests.get(f"{service}/sparql", params={"query": f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert resp.status_code == 200 and len(resp.json()["results"]["bindings"]) == 30


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/sparql-results+json"])
def test_answers_over_sparql_max_answer_bytes_are_refused_not_cut(service: str, accept: str) -> None:
    query = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" if "json" not in accept
             else "SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { ?s ?p ?o }")  # one row, a large one
    resp = requests.get(f"{service}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=10)
    assert resp.status_code == 400 and "sparql_max_answer_bytes (100000)" in resp.text


@pytest.fixture(scope="module")
def one_thread(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    """One query thread, and limits on rows and bytes out of the way: only the deadline stops a query."""
    data = demo_copy(demo_template, tmp_path_factory, "one-thread")
    env = {"MCEP_SPARQL_TIMEOUT_S": str(TIMEOUT_S), "MCEP_SPARQL_MAX_CONCURRENT": "1",
           "MCEP_SPARQL_MAX_ROWS": str(10**12), "MCEP_SPARQL_MAX_ANSWER_BYTES": str(10**12)}
    with running_service(data, env=env) as url:
        yield url


def test_a_timed_out_evaluation_that_writes_rows_is_stopped_and_frees_its_thread(one_thread: str) -> None:
    """A lazy cross join writes rows for ever: past the deadline it is stopped at its next chunk, so the
    one query thread answers the next query (before, it ran on and every later query got 503)."""
    lazy = 'SELECT ?x WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i BIND("" AS ?x) }'
    resp = requests.get(f"{one_thread}/sparql", params={"query": lazy}, headers={"Accept": "text/tab-separated-values"},
                        timeout=60)
    assert resp.status_code == 503 and "sparql_timeout_s" in resp.text
    after = requests.get(f"{one_thread}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    # a thread still held would make this query wait out its own deadline and get 503: the answer tells
    assert after.status_code == 200 and after.json()["boolean"] is True

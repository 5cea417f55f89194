"""The endpoint's limits: a runaway query is stopped with a clear error while other clients are answered;
oversized bodies are refused."""

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
           "MCEP_SPARQL_MAX_ROWS": "50"}
    with running_service(data, env=env) as url:
        yield url


def test_a_runaway_query_is_stopped_while_others_are_answered(service: str) -> None:
    outcome: dict = {}

    def runaway() -> None:
        start = time.monotonic()
        resp = requests.get(f"{service}/sparql", params={"query": RUNAWAY}, timeout=30)
        outcome.update(status=resp.status_code, text=resp.text, seconds=time.monotonic() - start)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway is evaluating
    start = time.monotonic()
    simple = requests.get(f"{service}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert simple.status_code == 200 and simple.json()["boolean"] is True
    assert time.monotonic() - start < 1.0, "a simple query waited for the runaway"
    thread.join(timeout=30)
    assert outcome["status"] == 503 and "sparql_timeout_s" in outcome["text"]
    assert outcome["seconds"] <= TIMEOUT_S + 1
    assert requests.get(f"{service}/health", timeout=5).ok


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
    assert resp.status_code == 400 and "51 rows" in resp.text and "sparql_max_rows (50)" in resp.text
    enough = requests.get(f"{service}/sparql", params={"query": many.replace("51", "50")}, headers={"Accept": accept},
                          timeout=10)
    assert enough.status_code == 200

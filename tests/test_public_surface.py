"""The public surface against hostile requests and records (issue 14, rows 4, 8, 9, 10, 11): bodies and
arguments past their limits get the protocol's 4xx, never a 500 or a huge answer; only web addresses are
rendered as links; every answer carries the headers that keep a browser from misusing it."""

from __future__ import annotations

import http.client
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import demo_copy, mcep, running_service

HOSTILE_TURTLE = """@prefix mcep: <https://w3id.org/mcep/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<id/resource/hostile-links> a mcep:Resource ;
    dct:title "Hostile links"@en ;
    foaf:page <javascript:alert(1)> ;
    dct:relation <data:text/html,%3Cscript%3Ealert(2)%3C/script%3E> .
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    data = demo_copy(demo_template, tmp_path_factory, "public-surface")
    folder = data.parent / "submissions"
    shutil.copytree(SAMPLES_DIR / "files", folder)
    (folder / "hostile.ttl").write_text(HOSTILE_TURTLE, encoding="utf-8")
    mcep("harvest", "files", str(folder), "--data-dir", str(data), check=True)
    with running_service(data, env={"MCEP_HTTP_BODY_TIMEOUT_S": "1"}) as url:
        yield url


def test_an_oversized_oai_form_gets_413_without_being_read(service: str) -> None:
    form = {"verb": "Identify", "junk": "x" * 300_000}
    resp = requests.post(f"{service}/oai", data=form, timeout=30)
    assert resp.status_code == 413 and "http_max_body_bytes" in resp.text
    assert len(resp.content) < 1000


def test_an_oversized_body_without_a_length_gets_413(service: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"verb=Identify&junk=" + b"x" * 10_000

    resp = requests.post(f"{service}/oai", data=chunks(), timeout=30,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413


def test_a_body_that_trickles_in_gets_408(service: str) -> None:
    host, port = service.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /oai HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 100\r\n\r\nverb=")
        answer = b""
        while chunk := s.recv(4096):  # the service closes the connection after its answer (or the socket's 10 s)
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408") and b"http_body_timeout_s" in answer
    assert requests.get(f"{service}/health", timeout=30).ok


@pytest.mark.parametrize("path", ["/", "/search?q=mercury", "/dashboard", "/sparql", "/vocab",
                                  "/id/resource/hostile-links"])
def test_pages_carry_a_content_security_policy(service: str, path: str) -> None:
    resp = requests.get(f"{service}{path}", headers={"Accept": "text/html"}, timeout=10)
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "<style>" not in resp.text  # inline styles would need 'unsafe-inline'


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/void", "/oai?verb=Identify", "/api/search?q=x"])
def test_data_answers_are_not_sniffed(service: str, path: str) -> None:
    assert requests.get(f"{service}{path}", timeout=10).headers["X-Content-Type-Options"] == "nosniff"


def test_only_web_addresses_become_links(service: str) -> None:
    page = requests.get(f"{service}/id/resource/hostile-links", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "javascript:alert(1)" in page.text  # shown, as text
    assert 'href="javascript:' not in page.text and 'href="data:' not in page.text
    table = requests.get(f"{service}/sparql", params={"query": 'SELECT ?x { BIND(IRI("javascript:alert(1)") AS ?x) }',
                                                    "format": "html"}, timeout=10)
    assert table.status_code == 200 and "javascript:alert(1)" in table.text
    assert 'href="javascript:' not in table.text


@pytest.mark.parametrize("params, limit", [
    ({"q": "a* " * 12_000}, "search_max_query_chars"),
    ({"q": " ".join(f"w{n}" for n in range(40))}, "search_max_terms"),
    ({"q": "mercury", "page": str(10**18)}, "search_max_offset"),
    ({"q": "mercury", "page": "x"}, "whole numbers"),
    ({"q": "mercury", "country": [f"C{n}" for n in range(40)]}, "search_max_terms"),
])
def test_search_arguments_past_their_limits_get_400(service: str, params: dict, limit: str) -> None:
    resp = requests.get(f"{service}/api/search", params=params, timeout=30)
    assert resp.status_code == 400 and limit in resp.text  # refused on its arguments, before any search


@pytest.mark.parametrize("page", ["9223372036854775808", "0", "-1", "many"])
def test_sitemap_pages_out_of_range_get_400(service: str, page: str) -> None:
    resp = requests.get(f"{service}/sitemap.xml", params={"page": page}, timeout=10)
    assert resp.status_code == 400 and "page" in resp.text


def test_the_service_still_answers(service: str) -> None:
    conn = http.client.HTTPConnection(service.removeprefix("http://"), timeout=10)
    conn.request("GET", "/health")
    assert conn.getresponse().status == 200

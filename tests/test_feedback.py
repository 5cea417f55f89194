"""Readers' feedback over HTTP: the form on every page, kept in the catalog only, never on a public surface;
honeypot, rate limit and the curators' views (admin API, `mcep feedback`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests

from tests.conftest import demo_copy, mcep, running_service

EMAIL = "reader.feedback@example.org"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "feedback")


@pytest.fixture(scope="module")
def site(data: Path) -> Iterator[str]:
    with running_service(data, env={"MCEP_FEEDBACK_MAX_PER_CLIENT_PER_H": "4"}) as url:
        yield url


def listed(data: Path) -> list[dict]:
    return json.loads(mcep("feedback", "list", "--json", "--data-dir", str(data), check=True).stdout)


def test_every_page_has_the_form_in_its_language(site: str) -> None:
    for path in ("/?lang=fr", "/id/decision/mc-2-4?lang=ar", "/search?q=mercury&lang=zh", "/insights?lang=ru"):
        doc = lxml.html.fromstring(requests.get(f"{site}{path}", headers={"Accept": "text/html"}, timeout=30).content)
        (form,) = doc.xpath("//footer/form[@class='feedback']")
        assert form.get("method") == "post" and form.get("action") == "/feedback"
        assert form.xpath(".//input[@name='page']/@value")[0] == path.split("?")[0] + "?" + path.split("?")[1]
        assert form.xpath(".//legend")[0].text and form.xpath(".//textarea[@id='feedback-comment']")


def test_a_posted_form_is_kept_for_curators_and_never_published(site: str, data: Path) -> None:
    sent = requests.post(f"{site}/feedback", data={"page": "/id/decision/mc-2-4", "useful": "yes",
                                                    "comment": "Helpful summary", "email": EMAIL, "lang": "en"},
                         allow_redirects=False, timeout=30)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/feedback/thanks")
    assert requests.get(f"{site}{sent.headers['location']}", timeout=30).status_code == 200
    entries = [e for e in listed(data) if e["email"] == EMAIL]
    assert len(entries) == 1 and entries[0]["useful"] is True and entries[0]["page"] == "/id/decision/mc-2-4"
    # on no public surface: the store (SPARQL), the search, OAI-PMH, the dumps
    ask = requests.get(f"{site}/sparql", params={"query": f'ASK {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "{EMAIL}")) }}'},
                       headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    assert ask["boolean"] is False
    assert requests.get(f"{site}/api/search", params={"q": "reader.feedback"}, timeout=30).json()["total"] == 0
    assert EMAIL not in requests.get(f"{site}/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"},
                                     timeout=60).text
    assert EMAIL.encode() not in gzip.decompress(requests.get(f"{site}/dumps/all.nq.gz", timeout=60).content)
    # curators only
    assert requests.get(f"{site}/admin/feedback", timeout=30).status_code == 401
    token = (data / "admin-token").read_text().strip()
    admin = requests.get(f"{site}/admin/feedback", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert any(e["email"] == EMAIL for e in admin)
    export = mcep("feedback", "export", "--data-dir", str(data), check=True).stdout
    assert export.startswith("id,at,page,useful,comment,email,lang") and EMAIL in export


def test_robots_empty_forms_and_floods_are_turned_away(site: str, data: Path) -> None:
    before = len(listed(data))
    honeypot = requests.post(f"{site}/feedback", data={"page": "/", "useful": "no", "website": "http://spam"},
                             allow_redirects=False, timeout=30)
    assert honeypot.status_code == 303 and len(listed(data)) == before  # thanked, dropped
    assert requests.post(f"{site}/feedback", data={"page": "/"}, timeout=30).status_code == 400
    too_long = requests.post(f"{site}/feedback", data={"page": "/", "comment": "x" * 2001}, timeout=30)
    assert too_long.status_code == 400
    codes = [requests.post(f"{site}/feedback", data={"page": "//evil.example/", "useful": "yes"},
                           allow_redirects=False, timeout=30).status_code for _ in range(6)]
    assert 429 in codes  # four an hour per client (this module's setting), the earlier ones counted too
    assert all(e["page"] == "/" or not e["page"].startswith("//") for e in listed(data))


def test_an_oversized_form_is_refused_without_being_kept(site: str, data: Path) -> None:
    before = len(listed(data))
    resp = requests.post(f"{site}/feedback", data={"page": "/", "useful": "yes", "comment": "y" * 40_000},
                         timeout=30)
    assert resp.status_code == 413 and len(listed(data)) == before

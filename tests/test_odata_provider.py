"""/informea.svc/: the hub as an InforMEA-style OData service. The federation round trip: the hub's own InforMEA
harvester, pointed at the demo's service from a second data directory, publishes the same decisions, meetings
and focal points with the same titles and names; the query options InforMEA's client sends are answered, the
others refused in OData's error shape; nothing restricted is served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mcep_ld.hub import Hub
from tests.conftest import demo_copy, make_settings, mcep, running_service

BASE = "http://localhost:8000/"
DCT_TITLE = "http://purl.org/dc/terms/title"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "odata-first")


@pytest.fixture(scope="module")
def service(first: Path) -> Iterator[str]:
    with running_service(first) as url:
        yield url


def served(service: str, cls: str, predicate: str) -> dict[str, set[str]]:
    """Each resource of class *cls* the running hub publishes → the values of *predicate* (with languages)."""
    query = (f"SELECT ?s ?v WHERE {{ ?s a <https://w3id.org/mcep/ontology#{cls}> ; <{predicate}> ?v }}")
    rows = requests.post(f"{service}/sparql", data={"query": query}, timeout=60,
                         headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["s"]["value"], set()).add(f"{r['v']['value']}@{r['v'].get('xml:lang', '')}")
    return out


def described(data: Path, kind: str, predicate: str) -> dict[str, set[str]]:
    """Each live resource of *kind* in a hub not being served → the values of *predicate* (with languages)."""
    with Hub(make_settings(data, base_uri=BASE)) as hub:
        rows, _ = hub.catalog.live_of_kind(kind, limit=10_000)
        return {iri: {f"{t.object.value}@{getattr(t.object, 'language', '') or ''}"
                      for t in hub.store.record_triples(iri) if t.predicate.value == predicate
                      and t.subject.value == iri} for iri, _ in rows}


def test_the_informea_harvester_reproduces_the_hubs_records(service: str, first: Path,
                                                              tmp_path: Path) -> None:
    second = tmp_path / "second"
    run = mcep("harvest", "informea", "--endpoint", f"{service}/informea.svc", "--data-dir", str(second),
               env={"MCEP_BASE_URI": BASE}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "quarantined 0, failed 0" in run.stderr + run.stdout
    for kind, cls, predicate in (("decision", "Decision", DCT_TITLE), ("meeting", "Meeting", DCT_TITLE),
                                 ("focal-point", "FocalPoint", FOAF_NAME)):
        expected, found = served(service, cls, predicate), described(second, kind, predicate)
        assert expected and len(found) == len(expected) and found == expected, kind
    assert len(described(second, "decision", DCT_TITLE)) == 33  # InforMEA's 32 and the website's MC-4/6


def test_query_options_paging_and_errors(service: str) -> None:
    url = f"{service}/informea.svc"
    assert "Decisions" in requests.get(f"{url}/", timeout=10).json()["d"]["EntitySets"]
    page = requests.get(f"{url}/Decisions", params={"$top": "5", "$inlinecount": "allpages", "$format": "json",
                                                    "$filter": "(treaty eq 'minamata')"}, timeout=30).json()["d"]
    assert len(page["results"]) == 5 and page["__count"] == "33"
    assert parse_qs(urlsplit(page["__next"]).query)["$skip"] == ["5"]
    ids, next_url = [], f"{url}/Decisions?$top=10&$orderby=updated desc"
    while next_url:
        body = requests.get(next_url, timeout=30).json()["d"]
        ids += [e["id"] for e in body["results"]]
        next_url = body.get("__next", "").replace(BASE.rstrip("/"), service)  # the hub's own address is base_uri
    assert len(ids) == len(set(ids)) == 33
    later = requests.get(f"{url}/Decisions", params={"$filter": "updated gt datetime'2100-01-01T00:00:00'"},
                         timeout=30).json()["d"]["results"]
    assert later == []
    one = requests.get(f"{url}/Decisions('mc-1-1')", timeout=30).json()["d"]
    assert one["number"] == "MC-1/1" and one["title"]["results"]
    assert requests.get(f"{url}/Decisions('no-such')", timeout=30).status_code == 404
    for bad in ({"$filter": "substringof('x', title)"}, {"$top": "-1"}, {"$orderby": "title"}, {"$format": "xml"},
                {"$filter": "updated ge datetime'2026-13-45T99:99'"}, {"$filter": "treaty eq '%'"}):
        resp = requests.get(f"{url}/Decisions", params=bad, timeout=30)
        assert resp.status_code == 400 and resp.json()["error"]["message"]["value"], bad
    assert requests.get(f"{url}/Nothing", timeout=30).status_code == 404


def test_no_restricted_field_is_served(service: str) -> None:
    contacts = requests.get(f"{service}/informea.svc/Contacts", params={"$top": "1000"}, timeout=30).json()
    text = str(contacts)
    assert contacts["d"]["results"] and "@" not in text  # e-mail addresses live in the restricted store only
    assert not any(k in e for e in contacts["d"]["results"] for k in ("email", "phoneNumber", "fax", "address"))

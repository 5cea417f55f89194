"""Record IRIs dereference over HTTP: content negotiation, suffix URLs, conditional requests, 404 and 410."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from rdflib import Literal, URIRef

from mcep_ld.hub import Hub
from tests.conftest import demo_copy, make_settings, rdf_of, running_service

DECISION = "http://localhost:8000/id/decision/mc-5-2"
TITLE = URIRef("http://purl.org/dc/terms/title")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """The demo hub served, after one GEF project was deleted at its source (tombstoned)."""
    data = demo_copy(demo_template, tmp_path_factory, "linked-data")
    with Hub(make_settings(data)) as hub:
        gone = hub.catalog.db.execute("SELECT * FROM records WHERE kind='project' AND published=1 LIMIT 1").fetchone()
        hub.store.public.drop_graphs([gone["graph"]])
        hub.catalog.tombstone([gone["id"]], run_id=0)
    with running_service(data) as url:
        yield url, gone["iri"]


def local(url: str, iri: str) -> str:
    return iri.replace("http://localhost:8000", url)


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_content_negotiation(site: tuple[str, str], accept: str, fmt: str) -> None:
    url, _ = site
    resp = requests.get(local(url, DECISION), headers={"Accept": accept}, timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(accept)
    assert "Accept" in resp.headers["vary"] and resp.headers["etag"] and resp.headers["last-modified"]
    assert 'rel="alternate"' in resp.headers["link"]
    g = rdf_of(url, resp, fmt)
    titles = {o for o in g.objects(URIRef(DECISION), TITLE)}
    assert len({o.language for o in titles}) == 6 and all(isinstance(o, Literal) for o in titles)


def test_json_ld_names_the_published_context_and_holds_the_same_triples(site: tuple[str, str]) -> None:
    """Compacted JSON-LD expands, with the context the hub serves, to exactly the N-Triples statements: no
    lexical form rewritten on the way through rdflib (``…T00:00:00Z`` stays), no language lost."""
    url, _ = site
    context = requests.get(f"{url}/context.jsonld", timeout=30)
    assert context.headers["content-type"].startswith("application/ld+json")
    assert context.headers["access-control-allow-origin"] == "*"
    for iri in (DECISION, "http://localhost:8000/id/project/gef-9999", "http://localhost:8000/vocab/language/zh"):
        nt = requests.get(local(url, iri), headers={"Accept": "application/n-triples"}, timeout=30).content
        document = requests.get(local(url, iri) + ".jsonld", timeout=30).json()
        assert document["@context"] == "http://localhost:8000/context.jsonld"
        document["@context"] = context.json()["@context"]
        expanded = {(t.subject, t.predicate, t.object) for t in ox.parse(json.dumps(document).encode(),
                                                                         format=ox.RdfFormat.JSON_LD)}
        expected = {(t.subject, t.predicate, t.object) for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)}
        assert expanded == expected and len(expected) > 10
        node = next(n for n in document.get("@graph", [document]) if n["@id"] == iri)
        assert "title" in node or "prefLabel" in node  # short keys and language maps, not only full IRIs


def test_suffix_urls_and_html(site: tuple[str, str]) -> None:
    url, _ = site
    ttl = requests.get(local(url, DECISION) + ".ttl", headers={"Accept": "text/html"}, timeout=30)
    assert ttl.headers["content-type"].startswith("text/turtle")
    page = requests.get(local(url, DECISION), headers={"Accept": "text/html", "Accept-Language": "fr"}, timeout=30)
    assert page.headers["content-type"].startswith("text/html") and '<html lang="fr" dir="ltr">' in page.text
    assert "informea" in page.text  # where it came from
    ru = requests.get(local(url, DECISION) + "?lang=ru", headers={"Accept": "text/html"}, timeout=30)
    assert '<html lang="ru" dir="ltr">' in ru.text
    assert requests.get(local(url, DECISION) + ".xyz", timeout=30).status_code == 404


def test_conditional_requests(site: tuple[str, str]) -> None:
    url, _ = site
    first = requests.get(local(url, DECISION), headers={"Accept": "text/turtle"}, timeout=30)
    tag = first.headers["etag"]
    again = requests.get(local(url, DECISION), headers={"Accept": "text/turtle", "If-None-Match": tag}, timeout=30)
    assert again.status_code == 304 and not again.content
    since = requests.get(local(url, DECISION), timeout=30,
                         headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    other = requests.get(local(url, DECISION), headers={"Accept": "application/n-triples",
                                                        "If-None-Match": first.headers["etag"]}, timeout=30)
    assert other.status_code == 200  # another representation, another tag


MATRIX_IRIS = [DECISION, "http://localhost:8000/vocab/theme/art-7", "http://localhost:8000/vocab/product/thermometers",
               "http://localhost:8000/vocab/theme", "http://localhost:8000/vocab"]
RDF_MEDIA = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt",
             "application/rdf+xml": "rdf"}


@pytest.mark.parametrize("iri", MATRIX_IRIS)
def test_negotiation_matrix_for_records_and_concepts(site: tuple[str, str], iri: str) -> None:
    """Each representation by Accept and by suffix, with its own validators, and 304 on revalidation."""
    url, _ = site
    tags = set()
    for media, suffix in [*RDF_MEDIA.items(), ("text/html", "")]:
        resp = requests.get(local(url, iri), headers={"Accept": media}, timeout=30)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(media), (media, resp.text[:200])
        assert "Accept" in resp.headers["vary"] and resp.headers["last-modified"]
        assert f'<{iri}.ttl>; rel="alternate"; type="text/turtle"' in resp.headers["link"]
        tags.add(resp.headers["etag"])
        for condition in ({"If-None-Match": resp.headers["etag"]},
                          {"If-Modified-Since": resp.headers["last-modified"]}):
            again = requests.get(local(url, iri), headers={"Accept": media, **condition}, timeout=30)
            assert again.status_code == 304 and not again.content and again.headers["etag"] == resp.headers["etag"]
        if suffix:
            by_suffix = requests.get(f"{local(url, iri)}.{suffix}", headers={"Accept": "text/html"}, timeout=30)
            assert by_suffix.headers["content-type"].startswith(media) and by_suffix.content == resp.content
    assert len(tags) == 5  # one tag per representation
    french = requests.get(local(url, iri), headers={"Accept": "text/html", "Accept-Language": "fr"}, timeout=30)
    english = requests.get(local(url, iri), headers={"Accept": "text/html", "Accept-Language": "en",
                                                     "If-None-Match": french.headers["etag"]}, timeout=30)
    assert english.status_code == 200 and english.headers["etag"] != french.headers["etag"]
    assert requests.get(f"{local(url, iri)}.xyz", timeout=30).status_code == 404


def test_unknown_is_404_and_deleted_is_410(site: tuple[str, str]) -> None:
    url, gone = site
    assert requests.get(f"{url}/id/decision/no-such-thing", timeout=30).status_code == 404
    assert requests.get(local(url, gone), timeout=30).status_code == 410


def test_sitemap_lists_live_record_pages_with_lastmod(site: tuple[str, str]) -> None:
    from lxml import etree

    url, gone = site
    resp = requests.get(f"{url}/sitemap.xml", timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(resp.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.iterfind("s:url/s:loc", ns)]
    assert DECISION in locs and gone not in locs and len(locs) == len(set(locs))
    stamps = [e.text for e in root.iterfind("s:url/s:lastmod", ns)]
    assert len(stamps) == len(locs) and all(s.endswith("Z") for s in stamps)


def test_record_page_tag_follows_the_search_index(tmp_path_factory: pytest.TempPathFactory, demo_template) -> None:  # noqa: ANN001
    """The page names related records by their titles from the search index: when the index moves on (a
    harvest changed some record), the page's tag changes; the RDF's, made from the record alone, does not."""
    import sqlite3

    data = demo_copy(demo_template, tmp_path_factory, "linked-data-tags")
    with running_service(data) as url:
        def tags() -> tuple[str, str]:
            return tuple(requests.get(local(url, DECISION), headers={"Accept": media}, timeout=30).headers["etag"]
                         for media in ("text/html", "text/turtle"))
        html, turtle = tags()
        with sqlite3.connect(data / "search.sqlite") as db:  # what a sync that changed something does
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        assert tags()[0] != html and tags()[1] == turtle


def test_accept_weights_are_honoured(site: tuple[str, str]) -> None:
    """A browser-like header that prefers RDF by weight gets RDF, and a refused type (q=0) is not sent."""
    url, _ = site
    resp = requests.get(local(url, DECISION), headers={"Accept": "text/html;q=0.2, application/n-triples"},
                        timeout=30)
    assert resp.headers["content-type"].startswith("application/n-triples")
    resp = requests.get(local(url, DECISION), headers={"Accept": "text/html;q=0, application/ld+json;q=0.5"},
                        timeout=30)
    assert resp.headers["content-type"].startswith("application/ld+json")
    resp = requests.get(f"{url}/sparql", params={"query": "ASK {}"},
                        headers={"Accept": "application/sparql-results+json;q=0.1, text/csv"}, timeout=10)
    assert resp.headers["content-type"].startswith("text/csv")


def test_a_graph_asked_as_rdf_xml_is_labelled_rdf_xml(site: tuple[str, str]) -> None:
    """The ``xml`` answer format is SPARQL results XML for SELECT and RDF/XML for CONSTRUCT; the label follows."""
    url, _ = site
    resp = requests.get(f"{url}/sparql", params={"query": f"CONSTRUCT {{ <{DECISION}> ?p ?o }} "
                                                          f"WHERE {{ <{DECISION}> ?p ?o }}"},
                        headers={"Accept": "application/rdf+xml"}, timeout=10)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/rdf+xml")
    assert any(t.subject.value == DECISION for t in ox.parse(resp.content, format=ox.RdfFormat.RDF_XML))
    resp = requests.get(f"{url}/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/xml"},
                        timeout=10)
    assert resp.headers["content-type"].startswith("application/sparql-results+xml")

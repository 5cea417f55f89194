"""The Convention's website: robots.txt, the sitemap, language versions, natural keys shared with InforMEA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from mcep_ld.harvesters.convention import ConventionHarvester, natural_key, page_date, page_themes
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.mapping.iris import slug
from mcep_ld.mapping.languages import written_language

BASE = "http://localhost:8000/"
DCT = "http://purl.org/dc/terms/"
MC_1_3 = "/en/documents/guidance-relation-mercury-supply-sources-and-trade-relation-certification"
UNTRANSLATED = "/zh-hans/node/3905"  # MC-1/3's Chinese version: not translated, the site serves the English text


def harvest(hub: Hub, server: SampleServer, *, full: bool = False) -> RunResult:
    h = ConventionHarvester(endpoint=server.file_url("convention"), settings=hub.settings,
                            client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(h, full=full)


@pytest.mark.parametrize("title, expected", [
    ("UNEP/MC/COP.4/31 - Road map for …", ("document", "UNEP/MC/COP.4/31")),
    ("UNEP/MC/COP.5/INF/36 - Report", ("document", "UNEP/MC/COP.5/INF/36")),
    ("UNEP(DTIE)/Hg/INC.5/1/Add.1 - Agenda", ("document", "UNEP(DTIE)/Hg/INC.5/1/Add.1")),
    ("UNEP(DTIE)/Hg/INC.5/INF 3/Rev.2 - Note", ("document", "UNEP(DTIE)/Hg/INC.5/INF 3/Rev.2")),
    ("UNEP(DTIE)/Hg/CONF/4 - Final Act", ("document", "UNEP(DTIE)/Hg/CONF/4")),
    ("MC-5/16: Programme of work", ("decision", "MC-5/16")),
    ("MC-1/3 - Rules of procedure", ("decision", "MC-1/3")),
    ("Decision MC-4/3: Financial rules", ("decision", "MC-4/3")),
    # a COP document about a decision stays a document (it became decision MC-4/3, merged into it)
    ("UNEP/MC/COP.5/4 – Report on the implementation of decision MC-4/3", ("document", "UNEP/MC/COP.5/4")),
    ("Dates of COP-6 announced, as decision MC-5/16 says", None),
    ("Dates of COP-6 announced", None),
])
def test_natural_keys_from_titles(title: str, expected: tuple[str, str] | None) -> None:
    assert natural_key(title) == expected


def test_site_harvest_obeys_robots_and_reads_language_versions(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server)
    assert result.ok, result.error
    assert (result.counters.seen, result.counters.added) == (8, 8)
    assert not [r for r in server.requests if "private-draft" in r]  # Disallowed in robots.txt
    assert not [r for r in server.requests if "/news/" in r]  # not a record section: never fetched
    doc = f"{BASE}id/document/{slug('UNEP/MC/COP.5/19')}"
    titles = {(r[0].value, r[0].language) for r in hub.store.public.query(
        f"SELECT ?t {{ <{doc}> <http://purl.org/dc/terms/title> ?t }}")}
    assert titles == {("Guidance on the management of contaminated sites", "en"),
                      ("关于受污染场地管理的指导意见", "zh"),
                      ("Руководство по регулированию загрязненных участков", "ru"),
                      ("توجيهات بشأن إدارة المواقع الملوثة", "ar")}
    pages = {r[0].value for r in hub.store.public.query(
        f"SELECT ?p {{ <{doc}> <http://xmlns.com/foaf/0.1/page> ?p }}")}
    assert "https://mercuryconvention.org/zh-hans/documents/guidance-management-contaminated-sites" in pages
    files = list(hub.store.public.query(f"SELECT ?u {{ <{doc}> <http://www.w3.org/ns/dcat#distribution> ?d . "
                                        f"?d <http://www.w3.org/ns/dcat#downloadURL> ?u }}"))
    assert len(files) == 4 and all(f[0].value.startswith("https://mercuryconvention.org/sites/") for f in files)


def values(hub: Hub, subject: str, prop: str) -> set[tuple[str, str | None]]:
    """What the sources' records say (the classifier's graph aside: it adds themes of its own)."""
    return {(r[0].value, getattr(r[0], "language", None)) for r in hub.store.public.query(
        f"SELECT ?o {{ GRAPH ?g {{ <{subject}> <{prop}> ?o }} "
        f"FILTER(!STRSTARTS(STR(?g), '{BASE}graph/classified/')) }}")}


def test_decisions_come_from_the_documents_section_with_their_language_themes_and_date(
        hub: Hub, server: SampleServer) -> None:
    """The site as it is: a decision is a page of /en/documents/ titled "MC-1/3 - …"; its Chinese version,
    untranslated, is English text under /zh-hans/; its tag "Article 3" and its date "22.11.2017"."""
    assert harvest(hub, server).ok
    assert f"/convention{MC_1_3}" in server.requests and f"/convention{UNTRANSLATED}" in server.requests
    decision = f"{BASE}id/decision/mc-1-3"
    assert values(hub, decision, f"{DCT}title") == {
        ("Guidance in relation to mercury supply sources and trade in relation to certification", "en")}
    pages = {v for v, _ in values(hub, decision, "http://xmlns.com/foaf/0.1/page")}
    assert pages == {f"https://mercuryconvention.org{MC_1_3}", f"https://mercuryconvention.org{UNTRANSLATED}"}
    assert (f"{BASE}vocab/theme/art-3", None) in values(hub, decision, f"{DCT}subject")
    issued = list(hub.store.public.query(f"SELECT ?d {{ <{decision}> <{DCT}issued> ?d }}"))
    assert [(d[0].value, d[0].datatype.value) for d in issued] == [
        ("2017-11-22", "http://www.w3.org/2001/XMLSchema#date")]
    # the mention of a document in the decision's page does not make it that document
    assert not values(hub, f"{BASE}id/document/{slug('UNEP/MC/COP.1/6')}", f"{DCT}title")
    # translated versions keep their language; their localised tags name the same theme
    doc = f"{BASE}id/document/{slug('UNEP/MC/COP.5/19')}"
    assert ("关于受污染场地管理的指导意见", "zh") in values(hub, doc, f"{DCT}title")
    assert (f"{BASE}vocab/theme/art-12", None) in values(hub, doc, f"{DCT}subject")


def test_a_page_served_only_under_another_languages_prefix_is_tagged_with_its_own(
        hub: Hub, server: SampleServer, samples: Path) -> None:
    """With no English version listed, the English text under /zh-hans/ is the record's title, tagged @en."""
    sitemap = samples / "convention" / "sitemap.xml"
    text = sitemap.read_text(encoding="utf-8")
    english = f'    <xhtml:link rel="alternate" hreflang="en" href="https://mercuryconvention.org{MC_1_3}"/>\n'
    assert english in text
    sitemap.write_text(text.replace(english, ""), encoding="utf-8")
    assert harvest(hub, server).ok
    assert f"/convention{MC_1_3}" not in server.requests
    assert values(hub, f"{BASE}id/decision/mc-1-3", f"{DCT}title") == {
        ("Guidance in relation to mercury supply sources and trade in relation to certification", "en")}


def test_an_untranslated_copy_never_outweighs_the_page_in_its_own_language(
        hub: Hub, server: SampleServer, samples: Path) -> None:
    """An English copy under /ar/ (read before /en/: versions are kept in language order), and stale (an older
    title): the English page's title is the one English title (one title per language, as the shapes ask)."""
    site = samples / "convention"
    stale = (site / UNTRANSLATED.lstrip("/")).read_text(encoding="utf-8").replace(
        'lang="zh-hans"', 'lang="ar"').replace("in relation to certification</h1>", "(draft)</h1>")
    (site / "ar" / "node").mkdir(parents=True)
    (site / "ar" / "node" / "3905").write_text(stale, encoding="utf-8")
    english = f'    <xhtml:link rel="alternate" hreflang="en" href="https://mercuryconvention.org{MC_1_3}"/>\n'
    arabic = english.replace('"en"', '"ar"').replace(MC_1_3, "/ar/node/3905")
    sitemap = site / "sitemap.xml"
    sitemap.write_text(sitemap.read_text(encoding="utf-8").replace(english, english + arabic), encoding="utf-8")
    assert harvest(hub, server).ok
    assert "/convention/ar/node/3905" in server.requests
    assert values(hub, f"{BASE}id/decision/mc-1-3", f"{DCT}title") == {
        ("Guidance in relation to mercury supply sources and trade in relation to certification", "en")}


@pytest.mark.parametrize("tags, expected", [
    (["Article 3", "COP1 MC-1/3"], ["3"]),
    (["Artículo 12", "Статья 7", "المادة 11", "第9条", "Article 03"], ["11", "12", "3", "7", "9"]),
    (["Annex A", "Annexe B", "Приложение С", "المرفق هاء", "附件D"], ["A", "B", "C", "D", "E"]),
    (["Annex II", "Article 3 and 4", "More on article 5"], []),  # not a tag of one article or annex
])
def test_article_and_annex_tags_in_every_language(tags: list[str], expected: list[str]) -> None:
    items = "".join(f"<li><a href='/t/{i}'>{t}</a></li>" for i, t in enumerate(tags))
    assert page_themes(lxml_html.fromstring(f"<html><body><main><ul>{items}</ul></main></body></html>")) == expected


@pytest.mark.parametrize("content, expected", [
    ("<div>Date</div><div>22.11.2017</div>", "2017-11-22"),
    ("<time datetime='2023-11-03T12:00:00Z'>3 November 2023</time><div>22.11.2017</div>", "2023-11-03"),
    ("<p>Adopted on 22.11.2017 at COP-1</p>", None),  # a date inside a sentence is not the page's date
    ("<div>31.02.2017</div>", None),  # impossible: left out, the record is kept
    ("<div>no date</div>", None),
])
def test_the_pages_date_is_read_day_first(content: str, expected: str | None) -> None:
    found = page_date(lxml_html.fromstring(f"<html><body><main>{content}</main></body></html>"))
    assert (found.isoformat() if found else None) == expected


@pytest.mark.parametrize("text, declared, expected", [
    ("MC-1/3 - Guidance in relation to mercury supply sources and trade in relation to certification",
     "zh-hans", "en"),
    ("Peuples autochtones et communautés locales", "en", "fr"),
    ("关于受污染场地管理的指导意见", "zh-hans", "zh"),
    ("Road map", "fr", "fr"),  # too short to be sure: the declared language stands
    ("", "ar", "ar"),
])
def test_text_is_tagged_with_the_language_it_is_written_in(text: str, declared: str, expected: str) -> None:
    assert written_language(text, declared) == expected


def test_one_resource_for_a_decision_seen_on_the_site_and_in_informea(hub: Hub, server: SampleServer) -> None:
    informea = InforMEAHarvester(endpoint=server.informea_endpoint, settings=hub.settings,
                                 client=HttpClient.from_settings(hub.settings))
    assert Pipeline(hub).harvest(informea).ok
    assert harvest(hub, server).ok
    sources = {r[0].value for r in hub.store.public.query(
        f"SELECT DISTINCT ?s {{ <{BASE}id/decision/mc-5-1> <http://purl.org/dc/terms/source> ?s }}")}
    assert len(sources) == 2
    assert any(s.startswith("https://mercuryconvention.org/") for s in sources)
    assert any("informea.svc/Decisions" in s for s in sources)
    document_sources = list(hub.store.public.query(
        f"SELECT DISTINCT ?g {{ GRAPH ?g {{ <{BASE}id/document/{slug('UNEP/MC/COP.5/19')}> ?p ?o }} "
        f"FILTER(!STRSTARTS(STR(?g), '{BASE}graph/classified/')) }}"))
    assert len(document_sources) == 2  # InforMEA's Documents and the site (the classifier's graph aside)


def test_incremental_runs_fetch_only_pages_modified_since(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server)
    server.requests.clear()
    again = harvest(hub, server)
    assert again.ok and again.counters.seen == 0 and again.counters.unchanged == 8
    assert sorted(server.requests) == ["/convention/robots.txt", "/convention/sitemap.xml"]


def test_incremental_runs_ask_conditionally(hub: Hub, server: SampleServer, samples: Path) -> None:
    """A page whose lastmod moved but whose server answers 304 is not fetched again, nor listed."""
    page = "/convention/en/documents/mc-4-6-mercury-waste-thresholds"
    sitemap = samples / "convention" / "sitemap.xml"
    assert harvest(hub, server).counters.added == 8

    def touch(lastmod: str) -> None:  # the CMS re-saves the page: its lastmod moves
        text = sitemap.read_text(encoding="utf-8")
        at = text.index("mc-4-6-mercury-waste-thresholds</loc>")
        end = text.index("</lastmod>", at)
        start = text.index("<lastmod>", at) + len("<lastmod>")
        sitemap.write_text(text[:start] + lastmod + text[end:], encoding="utf-8")

    touch(_soon())
    server.requests.clear()
    again = harvest(hub, server)
    assert server.requests.count(page) == 1  # asked with If-None-Match, answered 304
    assert again.ok and (again.counters.seen, again.counters.unchanged) == (0, 8)

    html = samples / page.lstrip("/")
    html.write_text(html.read_text(encoding="utf-8").replace("</h1>", " (corrected)</h1>", 1), encoding="utf-8")
    touch(_soon(seconds=2))
    changed = harvest(hub, server)
    assert (changed.counters.seen, changed.counters.updated) == (1, 1)

    server.requests.clear()
    full = harvest(hub, server, full=True)  # a full run fetches every page
    assert full.counters.seen == 8 and page in server.requests


def _soon(seconds: int = 1) -> str:
    """A lastmod just after now: later than the last run's start, as a CMS save would make it."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_robots_crawl_delay_slows_the_harvester(hub: Hub, server: SampleServer, samples: Path) -> None:
    robots = samples / "convention" / "robots.txt"
    robots.write_text(robots.read_text(encoding="utf-8") + "Crawl-delay: 2\n", encoding="utf-8")
    h = ConventionHarvester(endpoint=server.file_url("convention"), settings=hub.settings,
                            client=HttpClient.from_settings(hub.settings))
    assert h.client.min_interval_s == 1 / 1000  # the tests' pace
    assert not h._robots().can_fetch(hub.settings.http_user_agent, "/en/documents/private-draft")
    assert h.client.min_interval_s == 2.0

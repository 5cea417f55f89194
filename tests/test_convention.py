"""The Convention's website: robots.txt, the sitemap, language versions, natural keys shared with InforMEA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcep_ld.harvesters.convention import ConventionHarvester, natural_key
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.mapping.iris import slug

BASE = "http://localhost:8000/"


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
    assert (result.counters.seen, result.counters.added) == (7, 7)
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
    assert again.ok and again.counters.seen == 0 and again.counters.unchanged == 7
    assert sorted(server.requests) == ["/convention/robots.txt", "/convention/sitemap.xml"]


def test_incremental_runs_ask_conditionally(hub: Hub, server: SampleServer, samples: Path) -> None:
    """A page whose lastmod moved but whose server answers 304 is not fetched again, nor listed."""
    page = "/convention/en/decisions/mc-4-6-mercury-waste-thresholds"
    sitemap = samples / "convention" / "sitemap.xml"
    assert harvest(hub, server).counters.added == 7

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
    assert again.ok and (again.counters.seen, again.counters.unchanged) == (0, 7)

    html = samples / page.lstrip("/")
    html.write_text(html.read_text(encoding="utf-8").replace("</h1>", " (corrected)</h1>", 1), encoding="utf-8")
    touch(_soon(seconds=2))
    changed = harvest(hub, server)
    assert (changed.counters.seen, changed.counters.updated) == (1, 1)

    server.requests.clear()
    full = harvest(hub, server, full=True)  # a full run fetches every page
    assert full.counters.seen == 7 and page in server.requests


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

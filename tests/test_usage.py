"""Usage analytics over HTTP: a scripted browse (pages in three languages, a record from another site, searches,
one finding nothing, a crawler, a dump, an OAI-PMH harvest by sickle, SPARQL) shows in `mcep report usage` and
on the admin page, and no file of the data directory holds the client's address or user agent; the tally's own
rules (a new salt each day, the cap on distinct keys, retention) on a real catalog."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html
import pytest
import requests
from sickle import Sickle

from mcep_ld.catalog import Catalog
from mcep_ld.serve.web.usage import OTHER, Tally
from tests.conftest import demo_copy, mcep, running_service

CLIENT = "203.0.113.77"  # the reader's address, as the proxy in front of the hub passes it on
AGENT = "Mozilla/5.0 (X11; Linux x86_64) UsageTestBrowser/1.0"
READER = {"X-Forwarded-For": CLIENT, "User-Agent": AGENT}
RECORD = "/id/decision/mc-2-4"


def report(data: Path, *options: str) -> str:
    month = datetime.now(UTC).strftime("%Y-%m")
    return mcep("report", "usage", "--month", month, *options, "--data-dir", str(data), check=True).stdout


@pytest.fixture(scope="module")
def browsed(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> tuple[Path, str]:
    """The demo after a scripted browse, the service stopped (its last counts written); the admin page's HTML."""
    data = demo_copy(demo_template, tmp_path_factory, "usage")
    with running_service(data, env={"MCEP_USAGE_FLUSH_INTERVAL_S": "0.5"}) as site:
        session = requests.Session()
        session.headers.update(READER)
        for path in ("/", "/?lang=fr", f"{RECORD}?lang=ar", "/vocab", "/insights/17-1?lang=es"):
            assert session.get(f"{site}{path}", headers={"Accept": "text/html"}, timeout=30).status_code == 200
        session.get(f"{site}{RECORD}", timeout=30,
                    headers={"Accept": "text/html", "Referer": "https://www.informea.org/en/treaties/minamata"})
        assert session.get(f"{site}{RECORD}", headers={"Accept": "text/turtle"}, timeout=30).status_code == 200
        assert session.get(f"{site}/search", params={"q": "Mercury  added"}, timeout=30).status_code == 200
        found = session.get(f"{site}/api/search", params={"q": "zzqx nothing"}, timeout=30).json()
        assert found["total"] == 0
        session.get(f"{site}/search", params={"q": "mercury", "page": 2}, timeout=30)  # a next page: not a search
        requests.get(f"{site}/vocab", headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)",
                                                "Accept": "text/html"}, timeout=30)
        dump = session.get(f"{site}/dumps/all.nq.gz", timeout=60)
        assert dump.status_code == 200 and dump.content
        oai = Sickle(f"{site}/oai", headers=READER)
        harvested = list(oai.ListRecords(metadataPrefix="oai_dc", set="kind:decision"))
        assert harvested
        assert session.post(f"{site}/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                            timeout=60).status_code == 200
        assert session.post(f"{site}/sparql", data={"query": "SELECT WHERE {"}, timeout=60).status_code == 400
        session.get(f"{site}/sparql", headers={"Accept": "text/html"}, timeout=30)  # the query page: a page view
        token = (data / "admin-token").read_text().strip()
        month = datetime.now(UTC).strftime("%Y-%m")
        assert requests.get(f"{site}/admin/usage", timeout=30).status_code == 401
        time.sleep(1.5)  # a flush or two
        page = requests.get(f"{site}/admin/usage", params={"month": month, "lang": "fr"}, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    return data, page.text


def test_a_scripted_browse_shows_in_the_monthly_report(browsed: tuple[Path, str]) -> None:
    data, _ = browsed
    usage = json.loads(report(data, "--json"))
    views = usage["page_views"]
    assert views["total"] == 9  # five pages, the record again, two search pages, the query page; not the crawler
    assert views["by_kind"] == {"id": 2, "home": 2, "search": 2, "vocab": 1, "insights": 1, "sparql": 1}
    assert views["by_language"]["fr"] == 1 and views["by_language"]["ar"] == 1 and views["by_language"]["es"] == 1
    assert views["by_robots"] == 1
    assert usage["visitors_daily_sum"] == 1  # one reader (the crawler is not a visitor)
    assert usage["records_viewed"] == [{"record": RECORD, "n": 3}]  # twice as a page, once as Turtle
    assert {"file": "/dumps/all.nq.gz", "n": 1} in usage["downloads"]
    searches = usage["searches"]
    assert searches["total"] == 2 and searches["found_nothing"] == 1
    assert {"term": "mercury added", "n": 1} in searches["terms"]
    assert searches["zero_result_terms"] == [{"term": "zzqx nothing", "n": 1}]
    assert usage["sparql"]["queries"] == 2 and usage["sparql"]["errors"] == 1
    assert usage["sparql"]["texts"] == []  # no query text unless usage_keep_sparql_text
    assert usage["oai"]["harvests"] == [{"verb": "ListRecords", "format": "oai_dc", "set": "kind:decision", "n": 1}]
    pages = next(r["n"] for r in usage["oai"]["requests"] if r["verb"] == "ListRecords")
    assert pages >= 1
    assert usage["referrers"] == [{"domain": "www.informea.org", "n": 1}]
    text = report(data)
    assert "zzqx nothing" in text and "www.informea.org" in text
    rows = list(csv.DictReader(io.StringIO(report(data, "--csv"))))
    assert {"metric", "key", "n"} <= set(rows[0]) and any(r["metric"] == "search_empty" for r in rows)


def test_the_admin_page_has_each_chart_with_its_table(browsed: tuple[Path, str]) -> None:
    _, html = browsed
    page = lxml.html.fromstring(html)
    assert page.get("lang") == "fr" and "Recherches sans résultat" in page.text_content()
    zero = page.xpath('//svg[@aria-labelledby="usage-zero"]')[0]
    assert zero.xpath(".//text[@class='label']/text()") == ["zzqx nothing"]
    assert page.xpath("//table[caption='Recherches sans résultat']//td/bdi/text()") == ["zzqx nothing"]
    assert not page.xpath("//form[@class='feedback']")


def test_no_file_of_the_data_directory_holds_the_readers_address_or_agent(browsed: tuple[Path, str]) -> None:
    data, _ = browsed
    checked = 0
    for path in data.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert CLIENT.encode() not in content, path
            assert b"UsageTestBrowser" not in content, path
            checked += 1
    assert checked > 10 and (data / "catalog.sqlite").is_file()


def test_with_analytics_off_nothing_is_counted(tmp_path_factory: pytest.TempPathFactory,
                                               demo_template: Path) -> None:
    data = demo_copy(demo_template, tmp_path_factory, "usage-off")
    with running_service(data, env={"MCEP_USAGE_ANALYTICS": "false"}) as site:
        requests.get(f"{site}/search", params={"q": "nothing at all here"}, timeout=30)
    assert json.loads(report(data, "--json"))["searches"]["total"] == 0


def test_a_new_day_draws_a_new_salt_and_keys_are_capped(tmp_path: Path) -> None:
    tally = Tally(max_keys_per_day=2)
    for day in ("2026-12-01", "2026-12-01", "2026-12-02"):
        tally.visitor(CLIENT, AGENT, day=day)
    tally.visitor("198.51.100.9", AGENT, day="2026-12-02")
    for term in ("a", "b", "c", "d", "a"):
        tally.count("search", term, day="2026-12-02")
    counts = tally.take()
    assert counts[("2026-12-01", "visitors", "")] == (1, 0.0)  # the same reader twice: one visitor
    assert counts[("2026-12-02", "visitors", "")] == (2, 0.0)
    assert counts[("2026-12-02", "search", "a")] == (2, 0.0)
    assert counts[("2026-12-02", "search", OTHER)] == (2, 0.0)  # c and d, past the cap of 2
    assert tally.take() == {}
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        catalog.add_usage(counts, keep_days=400, today=date(2026, 12, 2))
        catalog.add_usage({("2026-12-02", "visitors", ""): (1, 0.0), ("2026-12-02", "search", "a"): (1, 0.0)},
                          keep_days=400, today=date(2026, 12, 2))
        assert catalog.usage_report("2026-12")["days"]["2026-12-02"]["visitors"] == 2  # a level: the largest kept
        assert {"term": "a", "n": 3} in catalog.usage_report("2026-12")["searches"]["terms"]
        catalog.add_usage({}, keep_days=1, today=date(2026, 12, 3))  # retention: days before 2026-12-02 go
        assert "2026-12-01" not in catalog.usage_report("2026-12")["days"]
        assert "2026-12-02" in catalog.usage_report("2026-12")["days"]
    finally:
        catalog.close()

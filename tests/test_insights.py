"""Insights from the national reports, over HTTP on the demo: the figures of a question match the SPARQL query
the page shows, run through /sparql; CSV and JSON carry the same figures; every page in the six languages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests

from tests.conftest import demo_copy, running_service


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "insights")) as url:
        yield url


def sparql(site: str, query: str) -> list[dict]:
    resp = requests.post(f"{site}/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert resp.status_code == 200, resp.text[:300]
    return [{k: v["value"] for k, v in b.items()} for b in resp.json()["results"]["bindings"]]


def test_a_questions_counts_by_cycle_and_region_match_its_sparql_query(site: str) -> None:
    data = requests.get(f"{site}/insights/17-1.json", timeout=60).json()
    by_cycle = {(r["cycle"], r["answer"]): r["n"] for r in data["by_cycle"]}
    assert {(r["cycle"], r["answer"]): int(r["n"]) for r in sparql(site, data["queries"]["by_cycle"])} == by_cycle
    assert sum(by_cycle.values()) == 80  # 40 Parties, two full cycles
    by_region = {(r["cycle"], r["region"], r["answer"]): r["n"] for r in data["by_region"]}
    assert {(r["cycle"], r["region"], r["answer"]): int(r["n"])
            for r in sparql(site, data["queries"]["by_region"])} == by_region
    assert sum(by_region.values()) == 80  # every Party under one continent
    first = "http://localhost:8000/vocab/reporting-cycle/full-2021"
    share = by_cycle[(first, "yes")] / (by_cycle[(first, "yes")] + by_cycle[(first, "no")])
    assert next(c for c in data["change"] if c["answer"] == "yes")["share_from"] == round(share, 4)
    table = list(csv.reader(io.StringIO(requests.get(f"{site}/insights/17-1.csv", timeout=60).text)))
    assert ["cycle", "answer", "n"] in table


def test_the_insights_pages_in_six_languages(site: str) -> None:
    for lang in ("en", "fr", "es", "ar", "ru", "zh"):
        index = requests.get(f"{site}/insights?lang={lang}", timeout=60)
        assert index.status_code == 200
        links = lxml.html.fromstring(index.content).xpath("//main//a/@href")
        assert f"/insights/17-1?lang={lang}" in links
    page = lxml.html.fromstring(requests.get(f"{site}/insights/17-1?lang=fr", timeout=60).content)
    assert "Réponses par cycle" in page.text_content()
    profiles = [h for h in page.xpath("//table//a/@href") if h.startswith("/vocab/country/")]
    assert len(profiles) == 80
    text = requests.get(f"{site}/insights/21-1?lang=en", timeout=60)
    assert text.status_code == 200 and "<q lang=\"fr\">" in text.text
    assert requests.get(f"{site}/insights/99-9", timeout=60).status_code == 404
    assert len(requests.get(f"{site}/api/insights", timeout=60).json()) == 9


def test_every_chart_has_its_table_and_is_drawn_for_the_readers_direction(site: str) -> None:
    data = requests.get(f"{site}/insights/17-1.json", timeout=60).json()
    for lang, direction in (("en", "ltr"), ("ar", "rtl")):
        page = lxml.html.fromstring(requests.get(f"{site}/insights/17-1?lang={lang}", timeout=60).content)
        (chart,) = page.xpath('//svg[@aria-labelledby="chart-by-cycle"]')
        assert chart.get("direction") == direction and chart.get("width") is None  # scales with its column
        figures = [int(t.split(" ")[0]) for t in chart.xpath(".//text[not(@class)]/text()")]
        assert figures == [r["n"] for r in data["by_cycle"]]
        (table,) = [t for t in page.xpath("//table") if t.xpath("caption")[0].text == chart.getparent()[0].text]
        assert [int(row.xpath("td")[-1].text) for row in table.xpath("tbody/tr")] == figures
        (region_chart,) = page.xpath('//svg[@aria-labelledby="chart-by-region"]')
        last = max(r["cycle"] for r in data["by_region"])
        assert len(region_chart.xpath(".//text[@class='label']")) == len(
            [r for r in data["by_region"] if r["cycle"] == last])

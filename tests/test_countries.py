"""Country profiles and the world map, over HTTP on the demo hub, read with lxml as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest
import requests

from mcep_ld.serve.web import worldmap
from tests.conftest import demo_copy, running_service

BASE = "http://localhost:8000/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "countries")) as url:
        yield url


def page(site: str, path: str) -> lxml.html.HtmlElement:
    resp = requests.get(f"{site}{path}", headers={"Accept": "text/html"}, timeout=30)
    assert resp.status_code == 200, resp.text[:300]
    return lxml.html.fromstring(resp.content)


def section(doc: lxml.html.HtmlElement, heading: str) -> lxml.html.HtmlElement:
    found = [s for s in doc.iter("section") if s.findtext("h2") == heading]
    assert found, f"no section {heading!r}"
    return found[0]


def test_ghanas_profile_links_to_its_records(site: str) -> None:
    doc = page(site, "/vocab/country/GH?lang=en")
    assert doc.findtext(".//h1") == "Ghana"
    party = section(doc, "Party to the Minamata Convention")
    facts = dict(zip([dt.text_content() for dt in party.iter("dt")], [dd.text_content() for dd in party.iter("dd")],
                     strict=True))
    assert facts == {"Action": "ratification", "Deposit": "March 23, 2017", "Entry into force": "August 16, 2017"}
    plans = section(doc, "National reports and plans")
    assert "National Action Plan for artisanal and small-scale gold mining in Ghana" in plans.text_content()
    projects = section(doc, "GEF projects")
    amounts = {th.text_content(): td.text_content() for th, td in zip(projects.iter("th"), projects.iter("td"),
                                                                      strict=True)}
    # GEF-9713 (2,000,000 + 200,000) and GEF-10477 (4,700,000 + 24,345,000), each counted whole
    assert amounts == {"GEF grant": "6,700,000", "Co-financing": "24,545,000"}
    assert section(doc, "Focal points").xpath(".//a")
    themes = section(doc, "Its records by theme")
    assert "Artisanal and small-scale gold mining" in themes.text_content()
    links = {a.get("href") for a in doc.xpath("//main//a") if a.get("href", "").startswith("/id/")}
    assert len(links) >= 6
    for href in links:  # every record it names is there
        assert requests.get(urljoin(site, href), headers={"Accept": "text/html"}, timeout=30).status_code == 200


def test_a_profile_in_arabic_writes_dates_the_arabic_way(site: str) -> None:
    party = section(page(site, "/vocab/country/GH?lang=ar"), "طرف في اتفاقية ميناماتا")
    time = party.xpath(".//time")[0]
    assert time.get("datetime") == "2017-03-23" and "مارس" in time.text_content()


def test_a_country_that_is_not_a_party_says_so(site: str) -> None:
    party = section(page(site, "/vocab/country/BR?lang=en"), "Party to the Minamata Convention")
    assert "Not a Party" in party.text_content()


def test_the_map_links_each_country_and_has_a_table_equivalent(site: str) -> None:
    doc = page(site, "/?lang=en")
    svg = doc.xpath("//svg[@class='worldmap']")[0]
    assert svg.get("role") == "group" and doc.get_element_by_id(svg.get("aria-labelledby")) is not None
    links = {a.get("href"): a for a in svg.iter("a")}
    ghana = links["/vocab/country/GH?lang=en"]
    counts = requests.get(f"{site}/api/search", params={"country": f"{BASE}vocab/country/GH", "limit": 1},
                          timeout=30).json()
    total = counts["total"]
    assert ghana.findtext("title") == f"Ghana: {total}"
    assert ghana.find("path").get("class") == f"c{worldmap.colour_class(total)}"
    table = {row.xpath("th")[0].text_content(): row.xpath("td")[0].text_content()
             for row in doc.xpath("//figure[@class='map']//tbody/tr")}
    assert table["Ghana"] == str(total)
    assert all(int(n) > 0 for n in table.values())
    assert len(links) > 150  # every country drawn links to its profile
    assert requests.get(urljoin(site, "/vocab/country/GH?lang=en"), timeout=30).status_code == 200


def test_the_dashboard_shows_the_map_with_its_table_open(site: str) -> None:
    doc = page(site, "/dashboard?lang=fr")
    assert doc.xpath("//svg[@class='worldmap']")
    assert doc.xpath("//figure[@class='map']//details")[0].get("open") is not None


def test_a_country_crossing_the_antimeridian_stays_inside_the_globe() -> None:
    # eastern Russia (east of 180°) is drawn at the western edge, clipped to the globe's outline
    assert worldmap.shapes()["643"].count("M") > 1
    assert 'clip-path="url(#earth)"' in worldmap.svg([("643", "Russia: 1", "/x", 1)], caption_id="c")

"""Every word of a page in the reader's language: the record's facts and their values (dates by Babel, concepts
by their labels), validation and run statuses, the dashboard's run table, the skip link; no raw property name,
no raw xsd:dateTime, no bare IRI where a label can stand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests

from tests.conftest import demo_copy, running_service


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "words")) as url:
        yield url


def page(site: str, path: str) -> lxml.html.HtmlElement:
    resp = requests.get(f"{site}{path}", headers={"Accept": "text/html"}, timeout=30)
    assert resp.status_code == 200
    return lxml.html.fromstring(resp.content)


def test_a_records_facts_in_french(site: str) -> None:
    doc = page(site, "/id/decision/mc-2-4?lang=fr")
    facts = doc.xpath("//dl[@class='facts']")[0]
    names = [dt.text_content() for dt in facts.xpath("dt")]
    assert "Identifiant" in names and "Publié le" in names and "Sujet" in names
    assert not {"identifier", "issued", "subject"} & set(names)
    issued = facts.xpath("dt[.='Publié le']/following-sibling::dd[1]//time")[0]
    assert issued.get("datetime").startswith("2018-11-23") and issued.text_content() == "23 novembre 2018"
    subjects = [dd.text_content() for dd in facts.xpath("dt[.='Sujet']/following-sibling::dd[1]")]
    assert subjects and not any(s.startswith("http") for s in subjects)  # a label, or the term's words
    provenance = doc.xpath("string(//section[h2='Provenance'])")
    assert "validation : valide" in provenance.replace("\u00a0", " ") or "validation: valide" in provenance
    assert not re.search(r"\d{4}-\d\d-\d\dT", doc.xpath("string(//section[h2='Provenance'])"))  # no raw dateTime


def test_the_dashboards_runs_in_spanish_and_the_skip_link(site: str) -> None:
    doc = page(site, "/dashboard?lang=es")
    heads = doc.xpath("//table[thead/tr/th='Estado']/thead/tr/th/text()")
    assert heads[:4] == ["Ejecución", "Fuente", "Inicio", "Estado"]
    statuses = set(doc.xpath("//table[thead/tr/th='Estado']/tbody/tr/td[4]/text()"))
    assert statuses == {"completada"}
    assert doc.xpath("//a[@class='skip']")[0].text_content() == "Ir al contenido"
    landing = page(site, "/?lang=ar")
    assert landing.xpath("string(//title)") == "منصة تبادل اتفاقية ميناماتا"  # the site's name once
    assert page(site, "/dashboard?lang=en").xpath("string(//title)") == (
        "Dashboard · Minamata Convention Exchange Platform")

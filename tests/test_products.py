"""The mercury-added products repository: alternatives and registered exemptions harvested from curated
submissions, and each Annex A product's page over HTTP on the demo hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests

from mcep_ld.hub import Hub
from tests.conftest import demo_copy, make_settings, running_service

BASE = "http://localhost:8000/"
MCEP = "https://w3id.org/mcep/ontology#"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "products")


@pytest.fixture(scope="module")
def site(data: Path) -> Iterator[str]:
    with running_service(data) as url:
        yield url


def values(hub: Hub, iri: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for q in hub.store.public.quads(None, subject=iri):
        out.setdefault(q.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], set()).add(
            f"{q.object.value}@{q.object.language}" if getattr(q.object, "language", None) else q.object.value)
    return out


def test_alternatives_and_exemptions_are_harvested_and_checked(tmp_path_factory: pytest.TempPathFactory,
                                                               demo_template: Path) -> None:
    with Hub(make_settings(demo_copy(demo_template, tmp_path_factory, "products-hub"))) as hub:
        led = values(hub, f"{BASE}id/alternative/files-alt-led-lamps")
        assert led["replaces"] == {f"{BASE}vocab/product/fluorescent-lamps-2027"}  # named by its label
        assert "Les lampes à DEL remplacent les lampes fluorescentes dans les luminaires existants.@fr" in \
            led["technicalFeasibility"]
        assert led["bibliographicCitation"] == {
            "UNEP United for Efficiency, Accelerating the global adoption of energy-efficient lighting (2017)"}
        # a product Annex A does not have: quarantined with the shape's report
        bad = hub.catalog.record("files", "alternatives.csv#alt-unknown-product")
        assert bad["status"] == "quarantined"
        report = next(q["report"] for q in hub.catalog.quarantine("files")
                      if q["source_key"] == "alternatives.csv#alt-unknown-product")
        assert f"<{MCEP}replaces>" in report and "MinCountConstraintComponent" in report
        ghana = values(hub, f"{BASE}id/exemption/files-ex-sample-thermometers")
        assert ghana["exemptionFor"] == {f"{BASE}vocab/product/thermometers"}
        assert ghana["expiryDate"] == {"2025-12-31"}  # phase-out after 2020, plus five years (Article 6.2)
        assert "Ghana: Thermometers@en" in ghana["title"] and "غانا: موازين الحرارة@ar" in ghana["title"]
        uruguay = values(hub, f"{BASE}id/exemption/files-ex-sample-chlor-alkali")
        assert uruguay["exemptionFor"] == {f"{BASE}vocab/process/chlor-alkali"}
        assert uruguay["expiryDate"] == {"2030-12-31"}  # as registered


def test_a_products_page_gathers_its_entry_exemptions_alternatives_and_records(site: str) -> None:
    resp = requests.get(f"{site}/vocab/product/thermometers?lang=en", headers={"Accept": "text/html"}, timeout=30)
    assert resp.status_code == 200
    doc = lxml.html.fromstring(resp.content)
    facts = {dt.text_content(): dd.text_content() for dt, dd in zip(doc.xpath("//main/dl/dt"),
                                                                    doc.xpath("//main/dl/dd"), strict=True)}
    assert facts["Annex and part"] == "A-I" and facts["Phase-out after"] == "2020"
    assert facts["Legal text"].startswith("Mercury thermometers")
    sections = {s.findtext("h2"): s for s in doc.iter("section")}
    exemptions = sections["Registered exemptions (Article 6)"].text_content()
    assert "Ghana: Thermometers" in exemptions and "December 31, 2025" in exemptions
    alternatives = sections["Alternatives"]
    assert "Digital clinical thermometers" in alternatives.text_content()
    assert "Accurate to ±0.1 °C" in alternatives.text_content()
    # the resource the classifier placed on the product (its title names thermometers)
    placed = sections["Decisions, guidance and documents"].xpath(".//a/@href")
    assert "/id/resource/thermometers-alternatives?lang=en" in placed
    for href in doc.xpath("//section//a/@href"):
        assert requests.get(f"{site}{href}", headers={"Accept": "text/html"}, timeout=30).status_code == 200


def test_decisions_that_changed_an_entry_are_named_by_number(site: str) -> None:
    resp = requests.get(f"{site}/vocab/product/batteries?lang=fr", headers={"Accept": "text/html"}, timeout=30)
    doc = lxml.html.fromstring(resp.content)
    amended = [dd for dt, dd in zip(doc.xpath("//main/dl/dt"), doc.xpath("//main/dl/dd"), strict=True)
               if dt.text_content() == "Modifié par"]
    assert amended and amended[0].xpath(".//bdi")[0].text == "MC-5/4"
    sections = {s.findtext("h2"): s for s in doc.iter("section")}
    assert "Aucune dérogation enregistrée." in sections["Dérogations enregistrées (article 6)"].text_content()


def test_the_theme_scheme_lists_articles_in_the_conventions_order(site: str) -> None:
    resp = requests.get(f"{site}/vocab/theme?lang=en", headers={"Accept": "text/html"}, timeout=30)
    hrefs = lxml.html.fromstring(resp.content).xpath("//main/ul/li/a/@href")
    keys = [h.split("?")[0].rsplit("/", 1)[-1] for h in hrefs]
    assert keys == [f"art-{n}" for n in range(1, 36)] + [f"annex-{x}" for x in "abcde"]


def test_a_record_page_shows_its_placements_and_a_review_changes_them_at_once(site: str, data: Path) -> None:
    record, art11 = f"{BASE}id/decision/mc-2-4", f"{BASE}vocab/theme/art-11"
    first = requests.get(f"{site}/id/decision/mc-2-4?lang=en", headers={"Accept": "text/html"}, timeout=30)
    assert first.status_code == 200  # regression: the placements section once failed with a KeyError
    placed = lxml.html.fromstring(first.content).get_element_by_id("placed")
    assert "Mercury wastes" in placed.text_content() and "title@en: “Mercury wastes”" in placed.text_content()
    admin = {"Authorization": f"Bearer {(data / 'admin-token').read_text().strip()}"}
    body = {"record": record, "concept": art11, "decision": "rejected", "curator": "Ana"}
    assert requests.post(f"{site}/admin/reviews", json=body, timeout=30).status_code == 401
    assert requests.post(f"{site}/admin/reviews", json={**body, "concept": f"{BASE}vocab/country/GH"},
                         headers=admin, timeout=30).status_code == 400
    done = requests.post(f"{site}/admin/reviews", json=body, headers=admin, timeout=60)
    assert done.status_code == 200 and art11 not in done.json()["placements"]
    after = requests.get(f"{site}/id/decision/mc-2-4?lang=en", headers={"Accept": "text/html"}, timeout=30)
    assert after.headers["ETag"] != first.headers["ETag"]
    assert "Mercury wastes" not in after.text
    turtle = requests.get(f"{site}/id/decision/mc-2-4", headers={"Accept": "application/n-triples"}, timeout=30)
    assert f"<{record}> <http://purl.org/dc/terms/subject> <{art11}>" not in turtle.text
    found = requests.get(f"{site}/api/search", params={"theme": art11}, timeout=30).json()
    assert record not in [h["iri"] for h in found["hits"]]
    listed = requests.get(f"{site}/admin/reviews", params={"record": record}, headers=admin, timeout=30).json()
    assert [(r["concept"], r["decision"], r["curator"]) for r in listed] == [(art11, "rejected", "Ana")]
    back = requests.delete(f"{site}/admin/reviews", params={"record": record, "concept": art11}, headers=admin,
                           timeout=60)
    assert back.status_code == 200 and art11 in back.json()["placements"]

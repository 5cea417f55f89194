"""The data's licence, publisher and contact (data_license, data_publisher, data_contact): stated on the DCAT
catalog, its datasets and distributions, the VoID description and each record's page when the operator sets
them, and nowhere when not (the hub asserts no licence of its own accord)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from mcep_ld.config import ConfigError
from tests.conftest import demo_copy, make_settings, running_service

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
RIGHTS = {"MCEP_DATA_LICENSE": CC_BY, "MCEP_DATA_PUBLISHER": "Secretariat of the Minamata Convention",
          "MCEP_DATA_CONTACT": "mea-data@example.org"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "rights")


@pytest.fixture(scope="module")
def stated(data: Path) -> Iterator[str]:
    with running_service(data, env=RIGHTS) as url:
        yield url


def test_the_catalog_its_datasets_and_distributions_carry_the_licence(stated: str) -> None:
    catalog = Graph().parse(data=requests.get(f"{stated}/catalog.ttl", timeout=30).text, format="turtle")
    (root,) = catalog.subjects(RDF.type, DCAT.Catalog)
    datasets = list(catalog.subjects(RDF.type, DCAT.Dataset))
    distributions = list(catalog.subjects(RDF.type, DCAT.Distribution))
    assert len(datasets) > 3 and len(distributions) > 3
    for node in [root, *datasets, *distributions]:
        assert (node, DCTERMS.license, URIRef(CC_BY)) in catalog, node
    for node in [root, *datasets]:
        publisher = catalog.value(node, DCTERMS.publisher)
        assert str(catalog.value(publisher, FOAF.name)) == RIGHTS["MCEP_DATA_PUBLISHER"]
        point = catalog.value(node, DCAT.contactPoint)
        assert catalog.value(point, VCARD.hasEmail) == URIRef("mailto:mea-data@example.org")
        assert catalog.value(node, DCTERMS.description) is not None  # every dataset described
    void = Graph().parse(data=requests.get(f"{stated}/void", timeout=30).text, format="turtle")
    assert (URIRef("http://localhost:8000/void#dataset"), DCTERMS.license, URIRef(CC_BY)) in void


def test_each_record_page_shows_the_licence(stated: str) -> None:
    page = requests.get(f"{stated}/id/decision/mc-2-4?lang=fr", headers={"Accept": "text/html"}, timeout=30)
    doc = lxml.html.fromstring(page.content)
    assert doc.xpath("//a[@rel='license']/@href") == [CC_BY]
    assert "Secretariat of the Minamata Convention" in doc.xpath("string(//p[contains(@class,'rights')])")
    (data,) = [json.loads(s) for s in doc.xpath("//script[@type='application/ld+json']/text()")]
    assert data["license"] == CC_BY


def test_no_licence_is_asserted_unless_set(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> None:
    with running_service(demo_copy(demo_template, tmp_path_factory, "rights-unset")) as url:
        catalog = requests.get(f"{url}/catalog.ttl", timeout=30).text
        void = requests.get(f"{url}/void", timeout=30).text
        page = requests.get(f"{url}/id/decision/mc-2-4", headers={"Accept": "text/html"}, timeout=30).text
    assert "license" not in catalog and "license" not in void and 'rel="license"' not in page
    assert "contactPoint" not in catalog and "publisher" not in catalog


def test_a_licence_or_contact_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data_license"):
        make_settings(tmp_path, data_license="CC-BY-4.0")
    with pytest.raises(ConfigError, match="data_contact"):
        make_settings(tmp_path, data_contact="call us")
    assert make_settings(tmp_path, data_contact="https://example.org/contact").data_contact

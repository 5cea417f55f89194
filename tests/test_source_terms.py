"""Each source's terms (``rights``, ``license``) on its records, dumps and DCAT dataset, and a source whose terms
do not allow republishing (``republish = false``): kept for search, record pages and links, left out of the
dumps, the OData provider and OAI-PMH (listed there as deleted). Over HTTP with real clients."""

from __future__ import annotations

import gzip
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from lxml import etree
from sickle import Sickle
from SPARQLWrapper import JSON, SPARQLWrapper

from mcep_ld.config import INFORMEA_RIGHTS, ConfigError, load_settings
from mcep_ld.hub import Hub
from mcep_ld.publish import rights
from mcep_ld.serve.oai.provider import Provider
from tests.conftest import demo_copy, make_settings, mcep, running_service
from tests.oai_checks import NS, check

BASE = "http://localhost:8000/"
INFORMEA_LICENCE = "https://example.org/licences/informea-ikm-agreement"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
TERMS = {"MCEP_SOURCES_INFORMEA_LICENSE": INFORMEA_LICENCE, "MCEP_SOURCES_INFORMEA_REPUBLISH": "false",
         "MCEP_SOURCES_GEF_LICENSE": CC_BY, "MCEP_BASE_URI": BASE}
DCT = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
DCAT = "http://www.w3.org/ns/dcat#"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo hub, its InforMEA and GEF records mapped again under the terms above (no network)."""
    copy = demo_copy(demo_template, tmp_path_factory, "source-terms")
    for source in ("informea", "gef"):
        mcep("remap", source, "--data-dir", str(copy), env=TERMS, check=True)
    return copy


@pytest.fixture(scope="module")
def service(data: Path) -> Iterator[str]:
    with running_service(data, env=TERMS) as url:
        yield url


def live(data: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(data / "catalog.sqlite")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def only_informea(data: Path) -> list[str]:
    """The resources no live record of another source describes."""
    return [iri for (iri,) in live(data, "SELECT iri FROM records WHERE published=1 AND deleted=0 GROUP BY iri "
                                         "HAVING SUM(source <> 'informea') = 0")]


def test_each_record_carries_its_sources_terms(service: str) -> None:
    sparql = SPARQLWrapper(f"{service}/sparql")
    sparql.setReturnFormat(JSON)
    sparql.setQuery(f"""SELECT ?g (SAMPLE(?l) AS ?licence) (SAMPLE(?r) AS ?rights) (COUNT(?s) AS ?n) WHERE {{
        GRAPH ?g {{ ?s <{DCT}source> ?src OPTIONAL {{ ?s <{DCT}license> ?l }} OPTIONAL {{ ?s <{DC}rights> ?r }} }}
        FILTER(STRSTARTS(STR(?g), "{BASE}graph/informea/") || STRSTARTS(STR(?g), "{BASE}graph/gef/"))
    }} GROUP BY ?g""")
    rows = sparql.query().convert()["results"]["bindings"]
    informea = [r for r in rows if "/graph/informea/" in r["g"]["value"]]
    gef = [r for r in rows if "/graph/gef/" in r["g"]["value"]]
    assert informea and gef
    assert {(r["licence"]["value"], r["rights"]["value"]) for r in informea} == {(INFORMEA_LICENCE, INFORMEA_RIGHTS)}
    assert {r["licence"]["value"] for r in gef} == {CC_BY} and not any("rights" in r for r in gef)


def test_a_withheld_source_has_no_dump_and_nothing_of_it_is_in_the_whole(service: str, data: Path) -> None:
    assert requests.get(f"{service}/dumps/informea.nq.gz", timeout=10).status_code == 404
    assert requests.get(f"{service}/dumps/gef.nq.gz", timeout=10).status_code == 200
    whole = requests.get(f"{service}/dumps/all.nq.gz", timeout=60)
    assert whole.status_code == 200
    graphs = {q.graph_name.value for q in ox.parse(gzip.decompress(whole.content), format=ox.RdfFormat.N_QUADS)}
    assert any(g.startswith(f"{BASE}graph/gef/") for g in graphs)
    assert not [g for g in graphs if g.startswith(f"{BASE}graph/informea/")]
    alone = only_informea(data)
    assert alone
    placed = {g for g in graphs if g.startswith(f"{BASE}graph/classified/")}
    assert placed, "the other sources' placements are dumped"
    quoted = ",".join(f"'{iri}'" for iri in alone)
    held = {g for (g,) in live(data, f"SELECT graph FROM classified WHERE iri IN ({quoted})")}
    assert held and not held & placed  # the placements of InforMEA's own records carry its titles' words


def test_the_dcat_catalog_states_each_sources_terms(service: str) -> None:
    resp = requests.get(f"{service}/catalog.ttl", timeout=10)
    g = rdflib.Graph().parse(data=resp.text, format="turtle")
    informea, gef = rdflib.URIRef(f"{BASE}void#source-informea"), rdflib.URIRef(f"{BASE}void#source-gef")
    license_, rights_ = rdflib.URIRef(f"{DCT}license"), rdflib.URIRef(f"{DCT}rights")
    assert set(g.objects(informea, license_)) == {rdflib.URIRef(INFORMEA_LICENCE)}
    statement = g.value(informea, rights_)
    assert str(g.value(statement, rdflib.RDFS.label)) == INFORMEA_RIGHTS
    assert (statement, rdflib.RDF.type, rdflib.URIRef(f"{DCT}RightsStatement")) in g
    assert not list(g.objects(informea, rdflib.URIRef(f"{DCAT}distribution")))  # no dump, no OAI-PMH set
    served = set(g.objects(rdflib.URIRef(f"{BASE}oai"), rdflib.URIRef(f"{DCAT}servesDataset")))
    assert gef in served and informea not in served
    void = rdflib.Graph().parse(data=requests.get(f"{service}/void", timeout=10).text, format="turtle")
    dump = rdflib.URIRef("http://rdfs.org/ns/void#dataDump")
    assert set(void.objects(informea, license_)) == {rdflib.URIRef(INFORMEA_LICENCE)}
    assert not list(void.objects(informea, dump)) and list(void.objects(gef, dump))
    assert set(g.objects(gef, license_)) == {rdflib.URIRef(CC_BY)}
    distributions = list(g.objects(gef, rdflib.URIRef(f"{DCAT}distribution")))
    assert len(distributions) == 2 and all(set(g.objects(d, license_)) == {rdflib.URIRef(CC_BY)}
                                           for d in distributions)


def test_oai_pmh_lists_a_withheld_sources_records_as_deleted(service: str, data: Path) -> None:
    sickle = Sickle(f"{service}/oai")
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="source:informea"))
    assert len(headers) == len(live(data, "SELECT 1 FROM records WHERE source='informea' AND published=1"))
    assert all(h.deleted for h in headers)
    record = sickle.GetRecord(identifier=headers[0].identifier, metadataPrefix="oai_dc")
    assert record.header.deleted and record.xml.find(".//o:metadata", NS) is None
    gef = list(sickle.ListRecords(metadataPrefix="oai_dc", set="source:gef"))
    assert gef and all(not r.header.deleted and CC_BY in r.metadata["rights"] for r in gef)
    resp = requests.get(f"{service}/oai", params={"verb": "ListRecords", "metadataPrefix": "rdf",
                                                  "set": "source:informea"}, timeout=10)
    root = check(resp.content, base_url=f"{BASE}oai")
    assert root.findall(".//o:record", NS) and not root.findall(".//o:metadata", NS)


def test_the_odata_provider_leaves_a_withheld_source_out(service: str, data: Path) -> None:
    answer = requests.get(f"{service}/informea.svc/Decisions", params={"$format": "json", "$top": "1000"},
                          timeout=30).json()["d"]["results"]
    listed = {f"{BASE}id/decision/{e['id']}" for e in answer}
    shared = {iri for (iri,) in live(data, "SELECT DISTINCT iri FROM records WHERE published=1 AND deleted=0 "
                                           "AND kind='decision' AND source <> 'informea'")}
    assert listed == shared and shared
    alone = [iri for iri in only_informea(data) if "/id/decision/" in iri]
    assert alone
    key = alone[0].rsplit("/", 1)[-1]
    assert requests.get(f"{service}/informea.svc/Decisions('{key}')", timeout=10).status_code == 404
    # a decision the website describes too: InforMEA's statements are not in its entity
    both = [iri for iri in shared if live(data, f"SELECT 1 FROM records WHERE iri='{iri}' AND source='informea'")]
    assert both
    entity = requests.get(f"{service}/informea.svc/Decisions('{both[0].rsplit('/', 1)[-1]}')", timeout=10).json()
    titles = {t["value"] for t in entity["d"]["title"]["results"]}
    site_titles = live(data, f"SELECT graph FROM records WHERE iri='{both[0]}' AND source<>'informea'")
    assert titles and site_titles
    sparql = SPARQLWrapper(f"{service}/sparql")
    sparql.setReturnFormat(JSON)
    sparql.setQuery(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{both[0]}> <{DCT}title> ?t }} "
                    f"FILTER(STRSTARTS(STR(?g), '{BASE}graph/informea/')) }}")
    informea_titles = {b["t"]["value"] for b in sparql.query().convert()["results"]["bindings"]}
    sparql.setQuery(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{both[0]}> <{DCT}title> ?t }} "
                    f"FILTER(!STRSTARTS(STR(?g), '{BASE}graph/informea/')) }}")
    other_titles = {b["t"]["value"] for b in sparql.query().convert()["results"]["bindings"]}
    assert informea_titles - other_titles, "the sample's InforMEA titles differ from the site's"
    assert titles == other_titles


def test_a_withheld_source_still_serves_search_and_its_record_pages(service: str, data: Path) -> None:
    iri = next(i for i in only_informea(data) if "/id/decision/" in i)
    page = requests.get(f"{service}/id/{iri.split('/id/', 1)[1]}", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    doc = etree.HTML(page.content)
    terms = " ".join(doc.xpath("//*[contains(@class, 'source-terms')]//text()"))
    assert INFORMEA_RIGHTS in terms and doc.xpath(f"//a[@rel='license'][@href='{INFORMEA_LICENCE}']")
    title = doc.xpath("string(//h1)")
    found = requests.get(f"{service}/api/search", params={"q": title}, timeout=10).json()
    assert iri in [r["iri"] for r in found["hits"]]


def test_withholding_a_source_and_releasing_it_again_reaches_incremental_harvesters(
        tmp_path: Path, demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The datestamps of its records move each time, so a harvester asking from its last harvest hears of it:
    the records as deleted, then the records again."""
    data = demo_copy(demo_template, tmp_path_factory, "withhold")
    informea = live(data, "SELECT COUNT(*) FROM records WHERE source='informea' AND published=1 AND deleted=0")[0][0]

    def harvest_since(stamp: str, *, republish: bool) -> list[etree._Element]:
        with Hub(make_settings(data, base_uri=BASE, oai_page_size=1000)) as hub:  # one page
            hub.settings.sources["informea"]["republish"] = republish
            rights.sync_withheld(hub)
            answer = Provider(hub).handle([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", stamp)])
        return check(answer, base_url=f"{BASE}oai").findall(".//o:record", NS)

    with Hub(make_settings(data, base_uri=BASE)) as hub:
        assert rights.sync_withheld(hub) == 0  # nothing withheld before or now
        newest = hub.catalog.db.execute("SELECT MAX(datestamp) FROM records").fetchone()[0]
    stamp = _after(newest)
    time.sleep(1.1)  # datestamps have whole seconds: the moved ones must be after *stamp*
    withheld = harvest_since(stamp, republish=False)
    assert len(withheld) == informea
    assert all(r.find("o:header", NS).get("status") == "deleted" for r in withheld)
    stamp = _after(max(r.findtext("o:header/o:datestamp", namespaces=NS) for r in withheld))
    time.sleep(1.1)
    released = harvest_since(stamp, republish=True)
    assert len(released) == informea
    assert all(r.find("o:header", NS).get("status") is None and r.find("o:metadata", NS) is not None
               for r in released)


def _after(stamp: str) -> str:
    """The OAI datestamp one second after *stamp*."""
    from datetime import datetime, timedelta

    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_sources_licence_must_be_an_iri(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources.gef.license: an http"):
        load_settings(environ={"MCEP_SOURCES_GEF_LICENSE": "CC-BY"}, overrides={"data_dir": str(tmp_path)})

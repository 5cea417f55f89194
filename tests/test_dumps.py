"""The DCAT catalog and the gzipped N-Quads dumps: followed over HTTP as a harvester of DCAT would, and kept
level with the store (a part rewritten only when what it holds changed)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from mcep_ld.cli import harvest_source
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.publish import dumps
from tests.conftest import demo_copy, make_settings, running_service

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "http://localhost:8000/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "dumps")) as url:
        yield url


def local(url: str, iri: str) -> str:
    return iri.replace(BASE.rstrip("/"), url)


def quads_of(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(gzip.decompress(data), format=ox.RdfFormat.N_QUADS))


def test_the_demo_harvests_wrote_the_dumps(demo_template: Path) -> None:
    """`mcep demo --no-serve` only harvests: the dumps there come from the pipeline, not from start-up."""
    written = {p.name for p in (demo_template / "dumps").iterdir()}
    assert {"all.nq.gz", "hub.nq.gz", "informea.nq.gz", "gef.nq.gz", "index.json"} <= written


def test_catalog_datasets_lead_to_their_dumps(site: str) -> None:
    resp = requests.get(f"{site}/catalog", headers={"Accept": "text/turtle"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=resp.text, format="turtle")
    catalog = URIRef(f"{BASE}catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in g and len(set(g.objects(catalog, DCTERMS.title))) == 6
    datasets = set(g.objects(catalog, DCAT.dataset))
    assert URIRef(f"{BASE}void#dataset") in datasets and URIRef(f"{BASE}void#source-gef") in datasets

    void = Graph().parse(data=requests.get(f"{site}/void", headers={"Accept": "text/turtle"}, timeout=30).text,
                         format="turtle")
    sparql_quads = int(requests.get(f"{site}/sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}, timeout=30).json()[
        "results"]["bindings"][0]["n"]["value"])
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in g and g.value(dataset, DCTERMS.title)
        entities = void.value(dataset, VOID.entities)  # DCAT and VoID describe the same resources
        assert entities is not None and entities == g.value(dataset, VOID.entities)
        dump = next(d for d in g.objects(dataset, DCAT.distribution) if g.value(d, DCAT.downloadURL))
        assert g.value(dump, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/application/n-quads")
        download = requests.get(local(site, str(g.value(dump, DCAT.downloadURL))), timeout=10)
        assert download.status_code == 200 and download.headers["content-type"] == "application/gzip"
        assert int(g.value(dump, DCAT.byteSize)) == len(download.content)
        quads = quads_of(download.content)
        graphs = {q.graph_name.value for q in quads}
        if dataset == URIRef(f"{BASE}void#dataset"):
            assert len(quads) == sparql_quads  # everything public, nothing twice
            assert (dataset, VOID.dataDump, g.value(dump, DCAT.downloadURL)) in void
        else:
            source = str(g.value(dataset, DCTERMS.identifier))
            assert all(name.startswith(f"{BASE}graph/{source}/") for name in graphs)
            assert len(graphs) == int(entities)  # one graph per live record of the source
    services = set(g.objects(catalog, DCAT.service))
    for service in services:
        endpoint = str(g.value(service, DCAT.endpointURL))
        assert requests.get(local(site, endpoint), timeout=30).status_code in (200, 400)  # OAI: badVerb in a 200
    assert URIRef(f"{BASE}sparql") in services and URIRef(f"{BASE}oai") in services


def test_parts_add_up_to_the_full_dump(site: str) -> None:
    page = requests.get(f"{site}/dumps/?lang=fr", timeout=30)
    assert page.status_code == 200 and "Téléchargements" in page.text and 'href="/dumps/all.nq.gz"' in page.text
    full = set(quads_of(requests.get(f"{site}/dumps/all.nq.gz", timeout=10).content))
    parts: set[ox.Quad] = set()
    for name in ("answers", "convention", "files", "gef", "informea", "wedocs", "classified", "hub"):
        part = set(quads_of(requests.get(f"{site}/dumps/{name}.nq.gz", timeout=10).content))
        assert part and not part & parts
        parts |= part
    assert parts == full


def test_dump_downloads_resume_and_unknown_names_are_404(site: str) -> None:
    whole = requests.get(f"{site}/dumps/gef.nq.gz", timeout=30)
    assert whole.headers["etag"] and whole.headers["last-modified"]
    tail = requests.get(f"{site}/dumps/gef.nq.gz", headers={"Range": "bytes=100-"}, timeout=30)
    assert tail.status_code == 206 and tail.content == whole.content[100:]
    again = requests.get(f"{site}/dumps/gef.nq.gz", headers={"If-None-Match": whole.headers["etag"]}, timeout=30)
    assert again.status_code == 304
    for name in ("nothing.nq.gz", "index.json", "..%2Fcatalog.sqlite", "gef.nq.gz.partial"):
        assert requests.get(f"{site}/dumps/{name}", timeout=30).status_code == 404


@pytest.mark.parametrize("suffix, fmt", [(".ttl", "turtle"), (".nt", "nt"), (".rdf", "xml")])
def test_catalog_suffixes_and_page(site: str, suffix: str, fmt: str) -> None:
    g = Graph().parse(data=requests.get(f"{site}/catalog{suffix}", timeout=30).text, format=fmt)
    assert (URIRef(f"{BASE}catalog"), DCTERMS.title,
            Literal("Plataforma de intercambio del Convenio de Minamata", lang="es")) in g
    page = requests.get(f"{site}/catalog", headers={"Accept": "text/html"}, timeout=30)
    assert page.headers["content-type"].startswith("text/html") and "all.nq.gz" in page.text


def test_a_part_is_rewritten_only_when_what_it_holds_changed(tmp_path_factory: pytest.TempPathFactory,
                                                             demo_template: Path) -> None:
    data = demo_copy(demo_template, tmp_path_factory, "dumps-refresh")
    with Hub(make_settings(data)) as hub:
        assert dumps.refresh(hub) == []  # the harvests left them level
        before = {p.name: (data / "dumps" / p.file).stat().st_mtime_ns for p in dumps.parts(hub).values()}

        gone = hub.catalog.db.execute("SELECT * FROM records WHERE source='gef' AND published=1 LIMIT 1").fetchone()
        hub.store.public.drop_graphs([gone["graph"]])
        hub.catalog.tombstone([gone["id"]], run_id=0)
        assert sorted(dumps.refresh(hub)) == ["all", "gef"]
        after = {p.name: (data / "dumps" / p.file).stat().st_mtime_ns for p in dumps.parts(hub).values()}
        assert after["informea"] == before["informea"] and after["hub"] == before["hub"]
        gef = quads_of((data / "dumps" / "gef.nq.gz").read_bytes())
        assert gef and gone["graph"] not in {q.graph_name.value for q in gef}
        full = quads_of((data / "dumps" / "all.nq.gz").read_bytes())
        assert set(full) == set(hub.store.public.quads())


def store_quads(hub: Hub, graphs: list[str]) -> set[ox.Quad]:
    return {q for graph in graphs for q in hub.store.public.quads(graph)}


def test_a_run_that_only_adds_appends_what_it_committed(samples: Path, server: SampleServer, tmp_path: Path) -> None:
    """The first harvest's parts are the batches it staged, in the order they were committed (a part made
    from the store is in graph order), and hold what the store holds."""
    settings = make_settings(tmp_path / "data", harvest_batch_records=20)
    assert harvest_source(settings, "informea", server.informea_endpoint).ok
    folder = tmp_path / "data" / "dumps"
    assert not (folder / dumps.STAGED).exists()  # consumed
    with Hub(settings) as hub:
        part = quads_of((folder / "informea.nq.gz").read_bytes())
        graphs = [graph for graph, _ in hub.catalog.live_graphs("informea")]
        assert set(part) == store_quads(hub, graphs)
        in_file = list(dict.fromkeys(q.graph_name.value for q in part))
        assert in_file != sorted(in_file), "appended in the order committed, not rewritten from the store"
        placed = [graph for graph, _ in hub.catalog.classified_graphs()]
        assert set(quads_of((folder / "classified.nq.gz").read_bytes())) == store_quads(hub, placed)
        assert set(quads_of((folder / "all.nq.gz").read_bytes())) == set(hub.store.public.quads())
        assert dumps.refresh(hub) == []  # level


def test_a_run_that_changes_records_makes_the_part_again(samples: Path, server: SampleServer,
                                                         tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    assert harvest_source(settings, "informea", server.informea_endpoint).ok
    path = samples / "informea" / "Meetings.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Geneva", "Genève"), encoding="utf-8")
    again = harvest_source(settings, "informea", server.informea_endpoint, full=True)
    assert again.ok and again.counters.updated >= 1
    with Hub(settings) as hub:
        part = quads_of((tmp_path / "data" / "dumps" / "informea.nq.gz").read_bytes())
        graphs = [graph for graph, _ in hub.catalog.live_graphs("informea")]
        assert set(part) == store_quads(hub, graphs) and len(part) == len(set(part))  # no old version left
        assert "Genève" in {q.object.value for q in part if isinstance(q.object, ox.Literal)}


def test_what_was_staged_but_not_committed_is_not_published(samples: Path, server: SampleServer,
                                                              tmp_path: Path) -> None:
    """A run killed between staging and its catalog write (or staging that does not add up) leaves a ledger that
    does not match the catalog: the part is made from the store, and the staging is dropped."""
    settings = make_settings(tmp_path / "data")
    assert harvest_source(settings, "informea", server.informea_endpoint).ok
    with Hub(settings) as hub:
        ghost = f"{BASE}graph/informea/ghost"
        dumps.stage(hub, "informea", {ghost: ("0" * 64, [f"<{BASE}id/decision/ghost> <{RDF.type}> <{DCAT.Dataset}>"])})
        hub.catalog.db.execute("UPDATE records SET graph_hash='changed' WHERE source='informea' AND rowid IN "
                               "(SELECT rowid FROM records WHERE source='informea' LIMIT 1)")
        assert "informea" in dumps.refresh(hub)
        part = quads_of((tmp_path / "data" / "dumps" / "informea.nq.gz").read_bytes())
        assert ghost not in {q.graph_name.value for q in part}
        graphs = [graph for graph, _ in hub.catalog.live_graphs("informea")]
        assert set(part) == store_quads(hub, graphs)
        assert not (tmp_path / "data" / "dumps" / dumps.STAGED).exists()

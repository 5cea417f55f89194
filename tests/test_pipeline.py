"""The pipeline over real parts: the sample server on 127.0.0.1, an on-disk store, a SQLite catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult

SCHEMA = "http://schema.org/"
SETS = ["Decisions", "Meetings", "Contacts"]  # these tests count the records of these three sets


@pytest.fixture(autouse=True)
def three_entity_sets(settings) -> None:  # noqa: ANN001 - the conftest fixture
    settings.sources["informea"] = {"entity_sets": SETS}


def harvest(hub: Hub, endpoint: str) -> RunResult:
    """A full run: these tests are about the pipeline; test_informea covers incremental runs."""
    harvester = InforMEAHarvester(endpoint=endpoint, settings=hub.settings,
                                  client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(harvester, full=True)


def edit(samples: Path, entity_set: str, change) -> None:  # noqa: ANN001 - a function of the rows
    path = samples / "informea" / f"{entity_set}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["d"] if isinstance(doc["d"], list) else doc["d"]["results"]
    change(rows)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def count(hub: Hub, sparql: str) -> int:
    return int(next(iter(hub.store.public.query(sparql)))[0].value)


def test_first_harvest_publishes_and_quarantines(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server.informea_endpoint)
    assert result.ok, result.error
    c = result.counters
    assert (c.seen, c.added, c.quarantined, c.failed) == (76, 73, 3, 0)
    counts = hub.catalog.counts_by_kind("informea")
    assert set(counts) == {"decision", "meeting", "focal-point"}
    quarantined = {q["source_key"].split("/")[0]: q for q in hub.catalog.quarantine()}
    assert "A record needs at least one title" in quarantined["Decisions"]["report"]
    assert "impossible date '2023-02-30'" in quarantined["Meetings"]["report"]
    assert "country vocabulary" in quarantined["Contacts"]["report"]
    # The planted bad records are not in the store.
    assert count(hub, "SELECT (COUNT(*) AS ?n) { <http://localhost:8000/id/decision/mc-5-7> ?p ?o }") == 0
    # One named graph per record, plus the vocabularies and the hub graph.
    graphs = count(hub, "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } "
                        "FILTER(STRSTARTS(STR(?g), 'http://localhost:8000/graph/informea/')) }")
    assert graphs == 73


def test_contacts_of_other_treaties_are_left_out(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server.informea_endpoint)
    names = {r["source_key"] for r in hub.catalog.raw_records("informea")}
    assert not any("CBD" in json.loads(r["raw"]).get("lastName", "") for r in hub.catalog.raw_records("informea"))
    assert len(names) == 76


def test_record_graph_content_and_provenance(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server.informea_endpoint)
    rows = list(hub.store.public.query("""
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?title ?src ?run WHERE {
          GRAPH ?g { <http://localhost:8000/id/decision/mc-5-2> dct:title ?title ; dct:source ?src .
                     ?g prov:wasGeneratedBy ?run } }"""))
    titles = {(r["title"].value, r["title"].language) for r in rows}
    assert ("Guidance on artisanal and small-scale gold mining", "en") in titles
    assert {lang for _, lang in titles} == {"en", "fr", "es", "ar", "ru", "zh"}
    assert rows[0]["src"].value.startswith("https://odata.informea.org/informea.svc/Decisions(")
    assert rows[0]["run"].value == "http://localhost:8000/id/harvest-run/1"
    # Keywords become LEO concept IRIs; countries become concepts of the country scheme.
    assert count(hub, "ASK { <http://localhost:8000/id/decision/mc-5-2> "
                      "<http://purl.org/dc/terms/subject> <http://www.informea.org/terms/artisanal-mining> }"
                 .replace("ASK", "SELECT (COUNT(*) AS ?n) WHERE")) == 1
    assert count(hub, "SELECT (COUNT(*) AS ?n) { ?m <https://w3id.org/mcep/ontology#country> "
                      "<http://localhost:8000/vocab/country/CH> }") >= 5  # CH, ch and CHE all map to CH


def test_second_run_changes_nothing(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server.informea_endpoint)
    before = hub.catalog.db.execute("SELECT source_key, datestamp, graph_hash FROM records ORDER BY 1").fetchall()
    again = harvest(hub, server.informea_endpoint)
    assert again.ok
    assert again.counters.unchanged == 76
    assert (again.counters.added, again.counters.updated, again.counters.quarantined) == (0, 0, 0)
    after = hub.catalog.db.execute("SELECT source_key, datestamp, graph_hash FROM records ORDER BY 1").fetchall()
    assert [tuple(r) for r in before] == [tuple(r) for r in after]


def test_changed_record_is_updated_and_its_datestamp_moves(hub: Hub, server: SampleServer,
                                                            samples: Path) -> None:
    harvest(hub, server.informea_endpoint)
    key = "Decisions/" + json.loads((samples / "informea" / "Decisions.json").read_text())["d"]["results"][0]["id"]
    hub.catalog.db.execute("UPDATE records SET datestamp='2000-01-01T00:00:00Z' WHERE source_key=?", (key,))

    def retitle(rows: list) -> None:
        rows[0]["title"]["results"][0]["value"] = "Rules of procedure (amended)"
    edit(samples, "Decisions", retitle)
    result = harvest(hub, server.informea_endpoint)
    assert (result.counters.updated, result.counters.unchanged) == (1, 75)
    assert hub.catalog.record("informea", key)["datestamp"] > "2000-01-01T00:00:00Z"
    titles = [r[0].value for r in hub.store.public.query(
        "SELECT ?t { <http://localhost:8000/id/decision/mc-1-1> <http://purl.org/dc/terms/title> ?t }")]
    assert "Rules of procedure (amended)" in titles
    assert "Rules of procedure for the Conference of the Parties" not in titles


def test_disappeared_record_is_tombstoned_then_revived(hub: Hub, server: SampleServer, samples: Path) -> None:
    harvest(hub, server.informea_endpoint)
    original = (samples / "informea" / "Meetings.json").read_text()
    edit(samples, "Meetings", lambda rows: rows.pop(0))  # COP-1 goes away at the source
    result = harvest(hub, server.informea_endpoint)
    assert result.counters.deleted == 1
    cop1 = "<http://localhost:8000/id/meeting/" + json.loads(original)["d"]["results"][0]["id"] + ">"
    assert count(hub, f"SELECT (COUNT(*) AS ?n) {{ {cop1} ?p ?o }}") == 0
    gone = [r for r in hub.catalog.raw_records("informea")]
    assert len(gone) == 75  # the deleted row is kept, but not as a live record
    row = hub.catalog.db.execute("SELECT deleted, status FROM records WHERE iri=?", (cop1[1:-1],)).fetchone()
    assert tuple(row) == (1, "deleted")

    (samples / "informea" / "Meetings.json").write_text(original)  # it comes back
    result = harvest(hub, server.informea_endpoint)
    assert result.counters.added == 1
    assert count(hub, f"SELECT (COUNT(*) AS ?n) {{ {cop1} ?p ?o }}") > 0
    row = hub.catalog.db.execute("SELECT deleted, published FROM records WHERE iri=?", (cop1[1:-1],)).fetchone()
    assert tuple(row) == (0, 1)


@pytest.mark.parametrize("fault", [
    Fault("/Contacts", status=500), Fault("/Contacts", truncate=True), Fault("/Contacts", html=True),
])
def test_failed_run_deletes_nothing_and_keeps_what_was_published(hub: Hub, server: SampleServer,
                                                                 samples: Path, fault: Fault) -> None:
    harvest(hub, server.informea_endpoint)
    before = hub.catalog.db.execute("SELECT COUNT(*) FROM records WHERE published=1").fetchone()[0]
    edit(samples, "Decisions", lambda rows: rows.pop())  # a deletion a complete run would act on
    server.faults.extend([fault] * 3)  # Contacts are listed last: the run fails after the deletion was seen
    result = harvest(hub, server.informea_endpoint)
    assert not result.ok and not result.complete
    assert result.error
    assert result.counters.deleted == 0
    after = hub.catalog.db.execute("SELECT COUNT(*) FROM records WHERE published=1").fetchone()[0]
    assert after == before
    assert hub.catalog.last_run("informea")["status"] == "failed"
    # Once the source behaves, the next complete run finishes the job.
    result = harvest(hub, server.informea_endpoint)
    assert result.ok and result.counters.deleted == 1


def test_duplicates_across_pages_count_once(tmp_path: Path, samples: Path) -> None:
    from tests.conftest import make_settings

    def duplicate(rows: list) -> None:
        rows.insert(3, dict(rows[0]))
    edit(samples, "Decisions", duplicate)
    settings = make_settings(tmp_path / "d", harvest_batch_records=2)
    settings.sources["informea"] = {"entity_sets": SETS}
    with SampleServer(samples) as srv, Hub(settings) as hub:
        result = harvest(hub, srv.informea_endpoint)
    assert result.counters.seen == 76
    assert result.counters.added == 73


def test_paging_follows_next_links_and_skip(tmp_path: Path, samples: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "d")
    settings.sources["informea"] = {"page_size_records": 7, "entity_sets": SETS}
    with SampleServer(samples) as srv, Hub(settings) as hub:
        result = harvest(hub, srv.informea_endpoint)
        assert result.counters.seen == 76
        # d.results pages are followed through __next; the d-list Contacts through $skip.
        assert any("%24skip=7" in r or "$skip=7" in r for r in srv.requests if "/Decisions" in r)
        assert any("%24skip=21" in r for r in srv.requests if "/Contacts" in r)


def test_restricted_fields_never_reach_the_public_store(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server.informea_endpoint)
    for prop in ("email", "telephone", "faxNumber", "address"):
        assert count(hub, f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s <{SCHEMA}{prop}> ?o }} }}") == 0
        assert count(hub, f"SELECT (COUNT(*) AS ?n) {{ ?s <{SCHEMA}{prop}> ?o }}") == 0
    # They are kept, apart, in the restricted store.
    emails = list(hub.store.restricted.query(f"SELECT ?o {{ ?s <{SCHEMA}email> ?o }}"))
    assert len(emails) == 24
    dump = Path(hub.data_dir / "public.nq")
    hub.store.public.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    text = dump.read_text(encoding="utf-8")
    assert "@example.org" not in text and "Avenue of the Environment" not in text


def test_remap_works_from_stored_payloads_without_the_network(hub: Hub, server: SampleServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(hub, server.informea_endpoint)
    # A new mapping version: every record must be re-mapped, from the catalog, with the source gone.
    monkeypatch.setattr(InforMEAHarvester, "mapping_version", "informea-test-2")
    harvester = InforMEAHarvester(endpoint="http://127.0.0.1:9/unreachable", settings=hub.settings,
                                  client=HttpClient.from_settings(hub.settings))
    result = Pipeline(hub).remap(harvester)
    assert result.ok, result.error
    assert result.counters.seen == 76
    # Same triples as before: nothing written, no datestamp moved.
    assert result.counters.unchanged == 73 and result.counters.quarantined == 3
    again = Pipeline(hub).remap(harvester)
    assert again.counters.unchanged == 76  # fingerprints now match the new version


def test_run_is_recorded_as_a_prov_activity(hub: Hub, server: SampleServer) -> None:
    harvest(hub, server.informea_endpoint)
    rows = list(hub.store.public.query("""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX mcep: <https://w3id.org/mcep/ontology#>
        SELECT ?added ?status { ?run a prov:Activity ; mcep:recordsAdded ?added ; mcep:status ?status }"""))
    assert [(r["added"].value, r["status"].value) for r in rows] == [("73", "completed")]

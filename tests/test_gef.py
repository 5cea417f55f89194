"""The GEF CSV harvester: both export layouts, places and amounts through the vocabulary, snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcep_ld.harvesters.gef import GEFHarvester, amounts, detect_layout, places

from mcep_ld.config import Settings, load_settings
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.mapping.records import MappingError
from mcep_ld.resources import PROJECT_ROOT
from mcep_ld.vocab import Vocabulary
from tests.conftest import make_settings, mcep

BASE = "http://localhost:8000/"
MCEP = "https://w3id.org/mcep/ontology#"


def harvest(hub: Hub, url: str) -> RunResult:
    h = GEFHarvester(endpoint=url, settings=hub.settings, client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(h)


def values(hub: Hub, gef_id: int, prop: str) -> set[str]:
    return {r[0].value for r in hub.store.public.query(
        f"SELECT ?v {{ <{BASE}id/project/gef-{gef_id}> <{MCEP}{prop}> ?v }}")}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The whole export, each project marked (``relevant_only = false``): these tests read every row."""
    return load_settings(environ={"MCEP_SOURCES_GEF_RELEVANT_ONLY": "false"},
                         overrides={"data_dir": str(tmp_path / "data"), "http_requests_per_s": 1000.0})


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load(PROJECT_ROOT / "vocabularies", BASE)


def test_layouts_are_told_apart_by_their_header() -> None:
    assert detect_layout(["Title", "ID", "Countries", "Focal Areas", "Type", "Agencies", "GEF Grant",
                          "Cofinancing", "Status", "Approval FY", "Funding Source (indexed field)",
                          "Non-Grant Instrument (indexed field)",
                          "Capacity-building Initiative for Transparency", "GEF Period"]) == "current"
    assert detect_layout(["\ufeffID", "Title", "Focal Areas", "Grant and Cofinancing", "Implementing Agencies",
                          "Countries", "Fund Source", "Period", "Status"]) == "2020"
    with pytest.raises(SourceError, match="not a GEF projects export"):
        detect_layout(["<!DOCTYPE html>"])


@pytest.mark.parametrize("cell, expected", [
    ("1,999,415", ["1999415"]), ("$700,000  $30,000", ["700000", "30000"]), ("$650,000", ["650000"]),
    ("", []), ("45,262,294.50", ["45262294.50"]),
])
def test_amounts(cell: str, expected: list[str]) -> None:
    assert [str(a) for a in amounts(cell)] == expected


@pytest.mark.parametrize("cell", ["n/a", "about 5 million", "$"])
def test_bad_amounts_are_mapping_errors(cell: str) -> None:
    with pytest.raises(MappingError):
        amounts(cell)


def test_places_through_the_vocabulary(vocab: Vocabulary) -> None:
    got = places("Regional, Congo DR, Bosnia-Herzegovina, Korea, Republic of, Global, Atlantis", vocab)
    assert got == [("region", f"{BASE}vocab/region/regional"), ("country", f"{BASE}vocab/country/CD"),
                   ("country", f"{BASE}vocab/country/BA"), ("country", f"{BASE}vocab/country/KR"),
                   ("region", f"{BASE}vocab/region/001"), ("unknown", "Atlantis")]


def test_current_export(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server.file_url("gef/projects.csv"))
    assert result.ok, result.error
    assert (result.counters.seen, result.counters.added, result.counters.quarantined) == (28, 27, 1)
    assert "not an amount in USD: 'n/a'" in hub.catalog.quarantine("gef")[0]["report"]
    assert values(hub, 9602, "gefGrantUSD") == {"45262294"}
    assert values(hub, 9602, "region") == {f"{BASE}vocab/region/001"}
    assert values(hub, 10569, "country") == {f"{BASE}vocab/country/{c}" for c in ("BF", "ML", "NE")}
    assert values(hub, 9456, "country") == {f"{BASE}vocab/country/CD"}
    assert values(hub, 10148, "focalArea") == {f"{BASE}vocab/gef-focal-area/chemicals-and-waste"}
    assert values(hub, 10148, "approvalFiscalYear") == {"2019"}
    assert values(hub, 9999, "countryCode") == {"Atlantis"}  # kept, with a warning
    assert hub.catalog.record("gef", "9999")["status"] == "warning"
    # Minamata relevance: mercury, Minamata, MIA, ASGM or amalgam in the title.
    assert values(hub, 10148, "minamataRelevant") == {"true"}
    assert values(hub, 10430, "minamataRelevant") == {"true"}
    assert values(hub, 9580, "minamataRelevant") == {"false"}  # chemicals, but not mercury
    assert values(hub, 5121, "minamataRelevant") == {"false"}
    sets = hub.catalog.record("gef", "10148")["sets"].split()
    assert "relevance:minamata" in sets and "country:NI" in sets


def test_2020_export_gives_the_same_resources(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server.file_url("gef/projects-2020.csv"))
    assert result.ok, result.error
    assert result.counters.seen == 6  # blank rows skipped
    assert values(hub, 10148, "gefGrantUSD") == {"700000"}
    assert values(hub, 10148, "cofinancingUSD") == {"30000"}
    assert values(hub, 9448, "cofinancingUSD") == set()
    assert values(hub, 9448, "country") == {f"{BASE}vocab/country/CI"}


def test_snapshot_deletions_and_failed_downloads(hub: Hub, server: SampleServer, samples: Path) -> None:
    url = server.file_url("gef/projects.csv")
    harvest(hub, url)
    again = harvest(hub, url)
    assert again.counters.unchanged == 28 and again.counters.added == 0
    csv_path = samples / "gef" / "projects.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(line for line in lines if ",9590," not in line), encoding="utf-8")
    server.faults.extend([Fault("/gef/", html=True)] * 5)  # an HTML page where the export should be
    failed = harvest(hub, url)
    assert not failed.ok and "not a GEF projects export" in failed.error
    assert values(hub, 9590, "minamataRelevant") == {"true"}  # nothing deleted by a failed run
    server.faults.clear()
    done = harvest(hub, url)
    assert done.ok and done.counters.deleted == 1
    assert values(hub, 9590, "minamataRelevant") == set()


def test_conditional_requests(hub: Hub, server: SampleServer, samples: Path) -> None:
    url = server.file_url("gef/projects.csv")
    harvest(hub, url)
    assert hub.catalog.validators("gef")[url]["etag"].startswith('"')  # kept after a completed run
    again = harvest(hub, url)  # the server answers 304: nothing listed, nothing deleted, all unchanged
    assert again.ok and again.counters.seen == 0 and again.counters.unchanged == 28
    assert again.counters.deleted == 0
    csv_path = samples / "gef" / "projects.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("Minamata Initial Assessment for Peru",
                                                                     "Minamata Initial Assessment of Peru"))
    changed = harvest(hub, url)  # a new ETag: the export is read and the change found
    assert changed.counters.seen == 28 and changed.counters.updated == 1


def test_by_default_only_the_projects_about_mercury_are_published(tmp_path: Path, server: SampleServer) -> None:
    with Hub(make_settings(tmp_path / "data")) as hub:
        result = harvest(hub, server.file_url("gef/projects.csv"))
        assert result.ok and (result.counters.seen, result.counters.added) == (21, 20)
        assert values(hub, 10148, "minamataRelevant") == {"true"}
        for off_subject in (9580, 5121, 10233, 9432, 5830):  # chemicals without mercury, biodiversity, climate…
            assert hub.catalog.record("gef", str(off_subject)) is None
            assert values(hub, off_subject, "minamataRelevant") == set()
        marks = {r[0].value for r in hub.store.public.query(f"SELECT DISTINCT ?v {{ ?p <{MCEP}minamataRelevant> ?v }}")}
        assert marks == {"true"}


def test_columns_it_does_not_map_are_kept_and_named_and_titles_count_in_any_language(tmp_path: Path,
                                                                                    server: SampleServer,
                                                                                    samples: Path) -> None:
    """A public loader's export has an `as_of_date` column: it was dropped without a word (issue 20, item 7). And a
    project about mercury is one whatever the language of its title."""
    csv_path = samples / "gef" / "projects.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    foreign = {"Réduction du mercure dans l'orpaillage au Burkina Faso": 90001,
               "Reducción del mercurio en la minería aurífera artesanal (MAPE) del Perú": 90002,
               "Сокращение выбросов ртути в Монголии": 90003, "减少中国的汞排放": 90004,
               "الحد من استخدام الزئبق في تعدين الذهب": 90005}
    rows = [f'"{title}",{gef_id},"Peru","Land Degradation","Full-size Project","UNEP","1,000","0","Completed",2020,'
            f'"GEF Trust Fund","No","No","GEF - 7"' for title, gef_id in foreign.items()]
    csv_path.write_text("\n".join([lines[0] + ',"as_of_date"', *(line + ',"2024-06-30"' for line in lines[1:] + rows)])
                        + "\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data")
    with Hub(settings) as hub:
        result = harvest(hub, server.file_url("gef/projects.csv"))
        assert result.ok and result.counters.added == 20 + len(foreign)
        for gef_id in foreign.values():
            assert values(hub, gef_id, "minamataRelevant") == {"true"}
        raw = json.loads(next(r["raw"] for r in hub.catalog.raw_records("gef") if r["source_key"] == "10148"))
        assert raw["unmapped"] == {"as_of_date": "2024-06-30"}
    proc = mcep("status", "--data-dir", str(tmp_path / "data"))
    assert "sent but not mapped (kept in the payloads): as_of_date" in proc.stdout
    report = json.loads(mcep("status", "--json", "--data-dir", str(tmp_path / "data")).stdout)
    assert report["sources"]["gef"]["unmapped_fields"] == ["as_of_date"]

"""Curated submissions: a folder of CSV, JSON and Turtle files, mapped and validated like any source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mcep_ld.harvesters.files import FilesHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import mcep

BASE = "http://localhost:8000/"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "submissions"
    shutil.copytree(SAMPLES_DIR / "files", target)
    return target


def harvest(hub: Hub, folder: Path) -> RunResult:
    h = FilesHarvester(endpoint=str(folder), settings=hub.settings, client=HttpClient())
    return Pipeline(hub).harvest(h)


def ask(hub: Hub, query: str) -> bool:
    return bool(hub.store.public.query(query))


def select(hub: Hub, query: str) -> list:
    return list(hub.store.public.query(query))


def test_csv_json_and_turtle_submissions(hub: Hub, folder: Path) -> None:
    result = harvest(hub, folder)
    assert result.ok, result.error
    # 15 submissions, 4 alternatives and 2 registered exemptions; one case study, one nomination, one party
    # and one alternative refused
    assert (result.counters.seen, result.counters.added, result.counters.quarantined) == (22, 18, 4)
    reports = {q["source_key"]: q["report"] for q in hub.catalog.quarantine("files")}
    assert "impossible date '2022-13-01'" in reports["case-studies.json#cs-lamps-philippines-2022"]
    assert "A focal point needs a name" in reports["focal-points.csv#nfp-2025-016"]
    titles = {(r[0].value, r[0].language) for r in select(hub, f"""SELECT ?t {{
        <{BASE}id/case-study/files-cs-asgm-ghana-2024> <http://purl.org/dc/terms/title> ?t }}""")}
    assert ("Traitement de l'or sans mercure par concentration gravimétrique dans la région Ashanti", "fr") in titles
    # A Turtle submission keeps its own IRI; a country's name in any language finds its concept.
    assert ask(hub, "ASK { <http://localhost:8000/id/resource/annex-a-products-guide> ?p ?o }")
    assert ask(hub, f"""ASK {{ <{BASE}id/focal-point/files-nfp-2025-014>
        <https://w3id.org/mcep/ontology#country> <{BASE}vocab/country/SN> }}""")
    # Nominations carry personal details: restricted, never published.
    assert not ask(hub, "ASK { ?s <http://schema.org/email> ?o }")
    sources = [r[0].value for r in select(hub, "SELECT ?s { ?g <http://purl.org/dc/terms/source> ?s }")]
    assert sources and not any(s.startswith("file:") for s in sources)


def test_a_removed_row_is_tombstoned_and_a_broken_file_is_quarantined(hub: Hub, folder: Path) -> None:
    harvest(hub, folder)
    csv_path = folder / "focal-points.csv"
    csv_path.write_text("".join(line for line in csv_path.read_text().splitlines(keepends=True)
                                if "nfp-2025-015" not in line))
    (folder / "broken.json").write_text("{ not json")
    result = harvest(hub, folder)
    assert result.ok, result.error
    assert result.counters.deleted == 1 and result.counters.quarantined == 1
    assert "broken.json#unreadable" in {q["source_key"] for q in hub.catalog.quarantine("files")}


def test_command_line(tmp_path: Path, folder: Path) -> None:
    proc = mcep("harvest", "files", str(folder), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("files: run 1 completed") and "added 18" in proc.stdout
    missing = mcep("harvest", "files", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path / "d"))
    assert missing.returncode == 1 and "not a folder of submissions" in missing.stderr


def test_the_register_of_parties(hub: Hub, tmp_path: Path) -> None:
    """Each party with its country, action, deposit and entry into force (Article 31: the 90th day after deposit,
    or 16 August 2017 for the first fifty), titled with the country's name in six languages; a row the shapes
    refuse (an unknown country, an action that makes no Party) is quarantined with its report."""
    folder = tmp_path / "register"
    folder.mkdir()
    (folder / "parties.csv").write_text(
        "id,kind,country,action,deposit,entry_into_force,declaration\n"
        "p-gh,party,Ghana,ratification,2017-03-23,,\n"
        "p-late,party,Viet Nam,ratification,2019-06-01,,Annex amendments enter into force only on ratification\n"
        "p-given,party,FR,approval,2017-05-15,2017-08-16,\n"
        "p-bad,party,Atlantis,signature,2020-01-01,,\n")
    result = harvest(hub, folder)
    assert result.ok and (result.counters.added, result.counters.quarantined) == (3, 1)
    rows = {r[0].value.rsplit("-", 1)[1]: (r[1].value, r[2].value, r[3].value) for r in select(hub, """
        PREFIX mcep: <https://w3id.org/mcep/ontology#>
        SELECT ?p ?action ?deposit ?force { ?p a mcep:Party ; mcep:partyAction ?action ;
            mcep:depositDate ?deposit ; mcep:entryIntoForce ?force }""")}
    assert rows == {"gh": ("ratification", "2017-03-23", "2017-08-16"),
                    "late": ("ratification", "2019-06-01", "2019-08-30"),
                    "given": ("approval", "2017-05-15", "2017-08-16")}
    titles = {r[0].language: r[0].value for r in select(hub, f"""SELECT ?t {{
        <{BASE}id/party/files-p-late> <http://purl.org/dc/terms/title> ?t }}""")}
    assert titles["en"] == "Viet Nam" and len(titles) == 6
    assert ask(hub, f"""ASK {{ <{BASE}id/party/files-p-late> <https://w3id.org/mcep/ontology#country>
        <{BASE}vocab/country/VN> }}""")
    report = next(q["report"] for q in hub.catalog.quarantine("files") if q["source_key"].endswith("#p-bad"))
    assert "A party is one country or area" in report and "ratification, acceptance, approval or accession" in report

"""The CBD clearing-house index API harvester against a Solr-like endpoint on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import mcep_ld.harvesters.cbd as cbd
import pytest
from mcep_ld.harvesters.cbd import CBDHarvester

from mcep_ld.config import Settings
from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from tests.conftest import make_settings

BASE = "http://localhost:8000/"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The whole index (``relevant_only = false``): the sample is off the Convention's subject on purpose, so
    these tests read the mapping of every schema."""
    s = make_settings(tmp_path / "data")
    s.sources.setdefault("cbd", {})["relevant_only"] = False
    return s


def harvest(hub: Hub, server: SampleServer) -> RunResult:
    h = CBDHarvester(endpoint=server.cbd_endpoint, settings=hub.settings, client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(h)


def values(hub: Hub, iri: str, prop: str) -> set:
    rows = hub.store.public.query(f"SELECT ?v {{ <{iri}> <{prop}> ?v }}")
    return {(r[0].value, getattr(r[0], "language", None)) for r in rows}


def test_harvest_maps_the_solr_fields(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server)
    assert result.ok, result.error
    assert (result.counters.seen, result.counters.added, result.counters.quarantined) == (12, 11, 1)
    decision = f"{BASE}id/decision/cbd-14-4"
    assert ("Santé et biodiversité", "fr") in values(hub, decision, "http://purl.org/dc/terms/title")
    assert values(hub, decision, "https://w3id.org/mcep/ontology#treaty") == {(f"{BASE}vocab/treaty/cbd", None)}
    meeting = f"{BASE}id/meeting/52000000cbd005000005525"
    assert values(hub, meeting, "https://w3id.org/mcep/ontology#country") == {(f"{BASE}vocab/country/EG", None)}
    assert values(hub, meeting, "http://schema.org/startDate") == {("2018-11-17", None)}
    # Only current versions: the superseded draft title never arrives.
    assert ("Health and biodiversity (draft)", "en") not in values(hub, decision, "http://purl.org/dc/terms/title")
    assert "impossible date" in hub.catalog.quarantine("cbd")[0]["report"]


def test_paging_and_incremental_runs(hub: Hub, server: SampleServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cbd, "PAGE_ROWS", 5)
    assert harvest(hub, server).counters.seen == 12
    assert [r for r in server.requests if "start=10" in r]
    again = harvest(hub, server)
    assert again.ok and again.counters.seen == 0 and again.counters.unchanged == 12
    assert "updatedDate_dt%3A%5B" in server.requests[-1]  # the watermark, URL-encoded


def test_a_page_that_is_not_solr_fails_the_run(hub: Hub, server: SampleServer) -> None:
    server.faults.extend([Fault("/api/v2013/index", html=True)] * 5)
    result = harvest(hub, server)
    assert not result.ok and "not JSON" in result.error


def test_only_what_is_about_mercury_is_listed_in_either_realms_fields(tmp_path: Path, samples: Path) -> None:
    """Turned on, the CBD source pulled every CBD decision, meeting and focal point (issue 20, item 6). By default
    only documents about mercury, in any language, are listed; other realms' names (schema ``contact``, the
    country as ``government_EN_s``) are read all the same."""
    path = samples / "cbd" / "index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] += [
        {"id": "chm-decision-9001", "schema_s": "decision", "code_s": "15/99", "title_FR_t": "Le mercure et la santé",
         "updatedDate_dt": "2024-03-01T10:00:00Z"},
        {"id": "chm-meeting-9002", "schema_s": "meeting", "title_EN_t": "Workshop",
         "description_EN_t": "Synergies with the Minamata Convention", "updatedDate_dt": "2024-03-01T10:00:00Z"},
        {"id": "abs-contact-9003", "schema_s": "contact", "realm_ss": ["abs"], "title_s": "Ms. Ama Mensah",
         "government_EN_s": "Ghana", "updatedDate_dt": "2024-03-01T10:00:00Z"},
    ]
    path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    for relevant_only in (True, False):
        settings = make_settings(tmp_path / f"data-{relevant_only}")
        settings.sources.setdefault("cbd", {})["relevant_only"] = relevant_only
        with SampleServer(samples) as server, Hub(settings) as hub:
            result = harvest(hub, server)
            assert result.ok, result.error
            keys = {k for (k,) in hub.catalog.db.execute("SELECT source_key FROM records")}
            if relevant_only:
                assert keys == {"chm-decision-9001", "chm-meeting-9002"}
            else:
                assert len(keys) == 15
                contact = f"{BASE}id/focal-point/abs-contact-9003"
                assert values(hub, contact, "https://w3id.org/mcep/ontology#country") == {
                    (f"{BASE}vocab/country/GH", None)}

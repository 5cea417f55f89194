"""The InforMEA harvester on other providers' real-format responses (shared/samples), without code changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harvesters.informea import InforMEAHarvester
from mcep_ld.http import HttpClient
from mcep_ld.hub import Hub
from mcep_ld.pipeline import Pipeline
from mcep_ld.sample_server import SampleServer
from tests.conftest import SHARED, make_settings

SAMPLES = SHARED / "samples" / "informea-odata"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is absent (it comes with ../shared)")
@pytest.mark.parametrize("generation", ["v1", "v3"])
def test_other_providers_shapes_load(tmp_path: Path, generation: str) -> None:
    root = tmp_path / generation
    folder = root / "informea"
    shutil.copytree(SAMPLES / generation, folder)
    settings = make_settings(tmp_path / "data")
    settings.sources["informea"] = {"treaties": []}  # their treaties are BRS and CBD, not Minamata
    with SampleServer(root) as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        result = Pipeline(hub).harvest(harvester)
        assert result.ok, result.error
        total = sum(len(d if isinstance(d := json.loads((folder / f).read_text())["d"], list) else d["results"])
                    for f in ("Decisions.json", "Meetings.json", "Contacts.json"))
        assert result.counters.seen == total
        assert result.counters.failed == 0
        assert result.counters.added >= total - result.counters.quarantined > 0
        titles = list(hub.store.public.query(
            "SELECT ?t { ?d a <https://w3id.org/mcep/ontology#Decision> ; <http://purl.org/dc/terms/title> ?t }"))
        assert titles


def test_mapping_of_one_decision(tmp_path: Path) -> None:
    """The bundled sample's MC-5/2 in full: the triples a reviewer expects."""
    from mcep_ld.records import SourceRecord
    from mcep_ld.resources import SAMPLES_DIR

    settings = make_settings(tmp_path / "data")
    row = next(r for r in json.loads((SAMPLES_DIR / "informea" / "Decisions.json").read_text())["d"]["results"]
               if r["number"] == "MC-5/2")
    record = SourceRecord(source="informea", key=f"Decisions/{row['id']}", kind="decision",
                          payload=json.dumps(row).encode(), url=row["__metadata"]["uri"], fetched_at=None)
    with Hub(settings) as hub:
        mapped = InforMEAHarvester(endpoint="http://x", settings=settings, client=HttpClient()).map(
            record, hub.mapping_context)
    g = mapped.graph()
    iri = str(mapped.iri)
    assert iri == "http://localhost:8000/id/decision/mc-5-2"
    p = {str(pred).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for _, pred, _ in g}
    assert {"title", "identifier", "issued", "modified", "treaty", "subject", "distribution", "meeting",
            "source", "page", "status", "decisionType"} <= p
    assert "treaty:minamata" in mapped.sets and "kind:decision" in mapped.sets
    langs = {o.language for s, pred, o in g if str(s) == iri and str(pred).endswith("/title")}
    assert langs == {"en", "fr", "es", "ar", "ru", "zh"}
    files = [o for _, pred, o in g if str(pred).endswith("#distribution")]
    assert len(files) == 6

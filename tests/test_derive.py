"""Placements and search documents made in the preparing workers (ingest/derive.py) are what the derived steps
make after a run: the same rows, signatures and documents, so those steps find the records level and skip them.
Records that several graphs describe are left to the derived steps."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from mcep_ld.classify import assign
from mcep_ld.classify.assign import Classifier, ClassifyCounts
from mcep_ld.cli import harvest_source
from mcep_ld.config import Settings
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.publish import dumps
from mcep_ld.publish.derived import remake
from tests.conftest import demo_copy, make_settings

PLACEMENT_TIME = "<http://www.w3.org/ns/prov#generatedAtTime>"


def derived_state(hub: Hub) -> dict:
    """Everything derived: the placements' rows and graphs (but the time they were made) and the search index."""
    db = hub.search.db
    return {
        "classified": sorted(tuple(r) for r in hub.catalog.db.execute(
            "SELECT iri, signature, graph, graph_hash, concepts FROM classified")),
        "placements": sorted(f"{q.subject} {q.predicate} {q.object} {q.graph_name}"
                             for q in hub.store.public.quads(None) if "/graph/classified/" in q.graph_name.value
                             and str(q.predicate) != PLACEMENT_TIME),
        "docs": sorted((iri, kind, year, signature, json.loads(shown)) for iri, kind, year, signature, shown in
                       db.execute("SELECT iri, kind, year, signature, shown FROM docs")),
        "texts": sorted(tuple(r) for r in db.execute(
            "SELECT docs.iri, title, identifier, label, description, filter FROM texts JOIN docs ON docs.id = "
            "texts.rowid")),
        "facets": sorted(tuple(r) for r in db.execute(
            "SELECT docs.iri, facet, value FROM facets JOIN docs ON docs.id = facets.doc")),
    }


def remade(hub: Hub) -> dict:
    """The same, made again from the store by the derived steps alone."""
    classifier = Classifier(hub)
    classifier.forget()
    classifier.sync()
    hub.search.rebuild(hub)
    return derived_state(hub)


def test_a_harvest_derives_in_the_workers_what_the_derived_steps_make(samples: Path, server: SampleServer,
                                                                      tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path / "data")
    result = harvest_source(settings, "informea", server.informea_endpoint)
    assert result.ok and result.counters.added > 50
    assert result.derived == result.counters.added  # one source: every record derived as it was committed
    with Hub(settings) as hub:
        made = derived_state(hub)
        assert made["classified"] and made["placements"] and len(made["docs"]) == result.counters.added
        assert Classifier(hub).sync().classified == 0 and hub.search.sync(hub).indexed == 0  # level already
        assert remade(hub) == made


def test_records_several_graphs_describe_are_left_to_the_derived_steps(demo_template: Path,
                                                                        tmp_path_factory: pytest.TempPathFactory
                                                                        ) -> None:
    """The demo: records from seven sources, some described by two (the Convention's site and InforMEA)."""
    data = demo_copy(demo_template, tmp_path_factory, "derive")
    with Hub(make_settings(data)) as hub:
        shared = [iri for iri, _, sources, _ in hub.catalog.live_documents() if "," in sources]
        assert shared, "the demo has records two sources describe"
        made = derived_state(hub)
        assert remade(hub) == made


def test_a_second_harvest_that_changes_records_derives_them_again(samples: Path, server: SampleServer,
                                                                 tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    assert harvest_source(settings, "informea", server.informea_endpoint).ok
    path = samples / "informea" / "Decisions.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for row in doc["d"]["results"][:3]:  # now about mercury waste, in English
        row["title"]["results"][0]["value"] += ": interim storage of mercury waste"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    again = harvest_source(settings, "informea", server.informea_endpoint, full=True)
    assert again.ok and again.counters.updated == 3 and again.derived == 3
    with Hub(settings) as hub:
        made = derived_state(hub)
        assert remade(hub) == made


def test_the_derived_steps_skip_only_while_nothing_they_read_changed(samples: Path, server: SampleServer,
                                                                    tmp_path: Path) -> None:
    """After a run that changed nothing the steps answer from their level marks, without reading every record;
    a curator's review, which changes what the classification reads, makes each step that follows it work."""
    settings = make_settings(tmp_path / "data")
    assert harvest_source(settings, "informea", server.informea_endpoint).ok
    again = harvest_source(settings, "informea", server.informea_endpoint, full=True)
    assert again.ok and again.counters.unchanged == again.counters.seen > 50
    with Hub(settings) as hub:
        assert assign.refresh(hub) == ClassifyCounts()  # level: nothing classified, nothing even compared
        assert dumps.refresh(hub) == []
        indexed = hub.search.level()
        iri, concept = next((iri, next(iter(json.loads(concepts)))) for iri, concepts in hub.catalog.db.execute(
            "SELECT iri, concepts FROM classified ORDER BY iri") if json.loads(concepts))
        hub.catalog.review(iri, concept, "rejected", curator="test")
        remake(hub)
        assert concept not in hub.catalog.placements(iri)
        assert hub.search.level() != indexed
        facets = {value for (value,) in hub.search.db.execute(
            "SELECT value FROM facets JOIN docs ON docs.id = facets.doc WHERE docs.iri = ?", (iri,))}
        assert concept not in facets
        with gzip.open(dumps.dump_dir(hub) / dumps.file_name(dumps.CLASSIFIED_PART), "rt", encoding="utf-8") as f:
            assert f"<{iri}> <http://purl.org/dc/terms/subject> <{concept}>" not in f.read()
        assert assign.refresh(hub).classified == 0  # its own writes moved its mark: compared once more
        assert assign.refresh(hub) == ClassifyCounts() and dumps.refresh(hub) == []  # level again

"""The InforMEA harvester on other providers' real-format responses (shared/samples), without code changes."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline
from tests.conftest import SHARED, make_settings

SAMPLES = SHARED / "samples" / "informea-odata"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is absent (it comes with ../shared)")
@pytest.mark.parametrize("generation", ["v1", "v3"])
def test_other_providers_shapes_load(tmp_path: Path, generation: str) -> None:
    root = tmp_path / generation
    folder = root / "informea"
    shutil.copytree(SAMPLES / generation, folder)
    settings = make_settings(tmp_path / "data")
    # Their treaties are BRS and CBD, not Minamata; their services have these three sets only.
    settings.sources["informea"] = {"treaties": [], "entity_sets": ["Decisions", "Meetings", "Contacts"]}
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
    from mcep_ld.mapping.records import SourceRecord
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


def _bump(samples: Path, entity_set: str, index: int, title: str) -> None:
    """Make one entity newer than any watermark, with a new English title."""
    path = samples / "informea" / f"{entity_set}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    row = doc["d"]["results"][index]
    row["updated"] = "/Date(4102444800000)/"  # 2100-01-01
    row["title"]["results"][0]["value"] = title
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("filtering", ["honoured", "refused", "silent"])
def test_incremental_run_carries_the_watermark_or_falls_back(tmp_path: Path, samples: Path, filtering: str) -> None:
    """A provider may honour the updated filter, refuse it (an HTTP error), or answer it with nothing (200): a
    public client notes it "doesn't work on this endpoint". The changed record is harvested in each case."""
    refuses_filter = filtering == "refused"
    settings = make_settings(tmp_path / "data")
    with SampleServer(samples) as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        assert Pipeline(hub).harvest(harvester).ok
        _bump(samples, "Decisions", 0, "Rules of procedure (as amended at COP-6)")
        srv.odata_refuses_datetime_filter = refuses_filter
        srv.odata_datetime_filter_finds_nothing = filtering == "silent"
        srv.requests.clear()
        result = Pipeline(hub).harvest(harvester)
        assert result.ok, result.error
        # Read newest first, the treaty (it has no `updated` to compare) comes back too, unchanged.
        seen = 2 if refuses_filter else 1
        assert (result.counters.seen, result.counters.updated, result.counters.unchanged) == (seen, 1, 109)
        assert sum("updated+gt+datetime" in r for r in srv.requests) == 7  # each set asked with the watermark
        newest_first = sum("updated+desc" in r for r in srv.requests)
        if refuses_filter:  # each set was read again newest first, stopping at the watermark
            assert newest_first == 7
        else:  # a set whose filtered listing is empty: its newest entity looked at ($top=1)
            probes = sum("updated+desc" in r and "%24top=1&" in r + "&" for r in srv.requests)
            assert probes == (6 if filtering == "honoured" else 7)  # honoured: Decisions' listing was not empty
            assert newest_first == probes + (filtering == "silent")  # silent: Decisions then read newest first
        titles = [r[0].value for r in hub.store.public.query(
            "SELECT ?t { <http://localhost:8000/id/decision/mc-1-1> <http://purl.org/dc/terms/title> ?t }")]
        assert "Rules of procedure (as amended at COP-6)" in titles


def test_incremental_runs_never_tombstone(tmp_path: Path, samples: Path) -> None:
    settings = make_settings(tmp_path / "data")
    with SampleServer(samples) as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        Pipeline(hub).harvest(harvester)
        path = samples / "informea" / "Meetings.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["d"]["results"].pop(0)
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        assert Pipeline(hub).harvest(harvester).counters.deleted == 0
        assert Pipeline(hub).harvest(harvester, full=True).counters.deleted == 1


def test_a_listing_that_shifts_between_pages_deletes_nothing(tmp_path: Path, samples: Path) -> None:
    """A record removed at the source after the first page makes $skip jump over a live record."""
    settings = make_settings(tmp_path / "data")
    settings.sources["informea"] = {"entity_sets": ["Decisions"], "page_size_records": 5}
    path = samples / "informea" / "Decisions.json"
    with SampleServer(samples) as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        assert Pipeline(hub).harvest(harvester).counters.added == 32
        rows = json.loads(path.read_text(encoding="utf-8"))["d"]["results"]
        removed, jumped = rows[0]["id"], rows[5]["id"]

        def remove_first(request_path: str) -> None:
            if "/Decisions" in request_path and "skip=0" in request_path.replace("%24", "$"):
                doc = json.loads(path.read_text(encoding="utf-8"))
                doc["d"]["results"].pop(0)
                path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
                srv.after_request.clear()

        srv.after_request.append(remove_first)
        result = Pipeline(hub).harvest(harvester, full=True)
        assert result.ok, result.error
        # Page 1 still held the removed record; page 2 started one further on and jumped over a live one.
        # Asked about it by key, the source says it exists: it is kept, not tombstoned.
        assert result.counters.seen == 32 and result.counters.deleted == 0
        assert any(f"Decisions('{jumped}')" in r for r in srv.requests)
        assert hub.catalog.record("informea", f"Decisions/{jumped}")["deleted"] == 0
        # The next complete listing sees the removal itself.
        again = Pipeline(hub).harvest(harvester, full=True)
        assert again.counters.deleted == 1
        assert hub.catalog.record("informea", f"Decisions/{removed}")["deleted"] == 1


def test_deferred_navigation_is_followed_when_a_provider_ignores_expand(tmp_path: Path, samples: Path) -> None:
    """Collections sent as __deferred links are fetched: the records come out as from an expanding provider,
    also when the provider writes its internal host name in its links (followed on the configured endpoint)."""
    states = []
    for ignores, link_base in ((False, ""), (True, ""), (True, "http://internal.example:8080")):
        settings = make_settings(tmp_path / f"data-{len(states)}")
        settings.sources["informea"] = {"entity_sets": ["Decisions", "Documents"], "page_size_records": 7}
        with SampleServer(samples) as srv, Hub(settings) as hub:
            srv.odata_ignores_expand, srv.odata_link_base = ignores, link_base
            harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                          client=HttpClient.from_settings(settings))
            result = Pipeline(hub).harvest(harvester)
            assert result.ok, result.error
            followed = [r for r in srv.requests if re.search(r"\('[^']+'\)/(title|keywords|files)\?", unquote(r))]
            assert bool(followed) == ignores
            assert sum("%24skip=7" in r for r in srv.requests) == 2  # the second page of each set, by __next
            states.append((result.counters, hub.catalog.db.execute(
                "SELECT source_key, content_hash, graph_hash, status FROM records ORDER BY source_key").fetchall()))
    assert states[0] == states[1] == states[2]


def test_deferred_links_a_provider_does_not_serve_leave_the_record_without_them(
        tmp_path: Path, samples: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = samples / "informea" / "Decisions.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["d"]["results"][1:3]
    for row in rows:  # the form of the BRS v1 service: an internal host name in the link, keywords deferred
        row["keywords"] = {"__deferred": {
            "uri": f"http://internal.example/Decisions.svc/Decisions(guid'{row['id']}')/keywords"}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    settings = make_settings(tmp_path / "data")
    settings.sources["informea"] = {"entity_sets": ["Decisions"]}
    with SampleServer(samples) as srv, Hub(settings) as hub:
        srv.odata_serves_navigation = False
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        result = Pipeline(hub).harvest(harvester)
        assert result.ok and result.counters.failed == 0
        # Asked on the configured endpoint, never on the host named in the link; once: the 404 is the answer
        # for the whole run.
        keywords = [unquote(r) for r in srv.requests if "/keywords" in r]
        assert len(keywords) == 1 and f"/informea.svc/Decisions(guid'{rows[0]['id']}')/keywords" in keywords[0]
        assert [hub.catalog.record("informea", f"Decisions/{r['id']}")["status"] for r in rows] == ["valid"] * 2
    assert "keywords comes deferred and its link is not served" in caplog.text


def _mix_in_other_treaties(folder: Path, shape: str) -> set[str]:
    """Entities of other treaties, and contacts linked to none, put into the samples' pages; their keys. *shape*
    ``list`` writes each page as old WCF services do (``{"d": [...]}``)."""
    foreign: set[str] = set()
    for name, treaty in (("Decisions", "cbd"), ("Meetings", "cartagena"), ("Documents", "nagoya"),
                         ("Contacts", None)):
        path = folder / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc["d"]["results"] if isinstance(doc["d"], dict) else doc["d"]
        if treaty:
            extra = copy.deepcopy(rows[0])
            extra.update(id=f"{treaty}-entity", treaty=treaty)
            if "number" in extra:
                extra["number"] = f"{treaty.upper()}-9/9"
            if "treaties" in extra:
                extra["treaties"] = [{"value": treaty}]
            rows.append(extra)
            foreign.add(f"{name}/{treaty}-entity")
        else:  # a CBD contact is in the sample already; two with no treaty link at all
            foreign |= {f"Contacts/{r['id']}" for r in rows if {t.get("value") for t in r["treaties"]} == {"cbd"}}
            for i, links in enumerate(([], None)):
                extra = copy.deepcopy(rows[0])
                extra["id"] = f"unlinked-{i}"
                if links is None:
                    del extra["treaties"]
                else:
                    extra["treaties"] = links
                rows.append(extra)
        doc["d"] = rows if shape == "list" else {"results": rows}
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return foreign


@pytest.mark.parametrize("shape", ["results", "list"])
def test_only_the_configured_treatys_records_get_in_whatever_the_provider_filters(tmp_path: Path, samples: Path,
                                                                                 shape: str) -> None:
    """A provider that ignores $filter and $expand (issue 20): a CBD focal point was published as a Minamata one.
    The treaty is checked on every entity, after its deferred links are followed; an entity linked to no treaty
    gets in only when ``keep_without_treaty`` says so."""
    foreign = _mix_in_other_treaties(samples / "informea", shape)
    unlinked = {"Contacts/unlinked-0", "Contacts/unlinked-1"}
    for keep in (False, True):
        settings = make_settings(tmp_path / f"data-{keep}")
        settings.sources["informea"] = {"entity_sets": ["Decisions", "Meetings", "Documents", "Contacts"],
                                        "keep_without_treaty": keep}
        with SampleServer(samples) as srv, Hub(settings) as hub:
            srv.odata_ignores_filter = srv.odata_ignores_expand = True
            harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                          client=HttpClient.from_settings(settings))
            result = Pipeline(hub).harvest(harvester)
            assert result.ok, result.error
            assert any("/treaties" in unquote(r) for r in srv.requests)  # the links were followed to decide
            keys = {k for (k,) in hub.catalog.db.execute("SELECT source_key FROM records")}
            assert keys & foreign == set()
            assert (keys & unlinked == unlinked) is keep
            assert {"Decisions", "Meetings", "Documents", "Contacts"} <= {k.split("/")[0] for k in keys}


@pytest.mark.parametrize("number", ["5/16", "MC-5/16", " MC - 5/16 "])
def test_one_decision_has_one_iri_however_its_number_is_written(tmp_path: Path, number: str) -> None:
    """A bare "5/16" of the Minamata Convention became ``minamata-5-16`` beside InforMEA's and the website's
    ``mc-5-16`` ("MC-5/16 - …"): one decision, two resources (issue 20, item 4)."""
    from mcep_ld.harvesters.convention import natural_key

    from mcep_ld.mapping.iris import slug
    from mcep_ld.mapping.records import SourceRecord

    settings = make_settings(tmp_path / "data")
    row = {"id": "d-1", "number": number, "treaty": "minamata", "title": [{"language": "en", "value": "Storage"}]}
    record = SourceRecord(source="informea", key="Decisions/d-1", kind="decision", payload=json.dumps(row).encode(),
                          url="https://odata.informea.org/informea.svc/Decisions('d-1')", fetched_at=None)
    with Hub(settings) as hub:
        mapped = InforMEAHarvester(endpoint="http://x", settings=settings, client=HttpClient()).map(
            record, hub.mapping_context)
    kind, key = natural_key("MC-5/16 - Interim storage of mercury other than waste mercury")
    assert str(mapped.iri) == f"http://localhost:8000/id/{kind}/{slug(key)}" == "http://localhost:8000/id/decision/mc-5-16"


def test_a_document_symbol_is_read_only_from_an_identifier_named_so(tmp_path: Path) -> None:
    """An unnamed identifier (an ISBN, a number) is not a document symbol: it does not name the document."""
    from mcep_ld.mapping.records import SourceRecord

    settings = make_settings(tmp_path / "data")
    rows = [{"id": "doc-1", "treaty": "minamata", "title": [{"language": "en", "value": "Guidance"}],
             "identifiers": [{"name": name, "value": value}]}
            for name, value in (("", "978-92-807-3848-5"), ("symbol", "UNEP/MC/COP.5/19"))]
    with Hub(settings) as hub:
        iris = []
        for row in rows:
            record = SourceRecord(source="informea", key="Documents/doc-1", kind="document",
                                  payload=json.dumps(row).encode(), url="https://x/Documents('doc-1')", fetched_at=None)
            iris.append(str(InforMEAHarvester(endpoint="http://x", settings=settings, client=HttpClient()).map(
                record, hub.mapping_context).iri))
    assert iris == ["http://localhost:8000/id/document/doc-1", "http://localhost:8000/id/document/unep-mc-cop-5-19"]

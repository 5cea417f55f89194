"""Checkpoints: a run that stops before its end goes on from where it stopped, for every paged source.

Each case fails a run on a source error in the middle of its listing, then runs again: the second run
must be the first one resumed (same id), must not fetch again the pages written before the failure, and
must end with what an uninterrupted run gives (counters and catalog), checked against a reference run
into another data directory.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mcep_ld.harvesters.cbd as cbd
import pytest
from mcep_ld.harvesters.cbd import CBDHarvester
from mcep_ld.harvesters.convention import ConventionHarvester
from mcep_ld.harvesters.informea import InforMEAHarvester
from mcep_ld.harvesters.oai import OAIHarvester

import mcep_ld.ingest.prepare as prepare
import mcep_ld.ingest.run as run_module
from mcep_ld.catalog import Catalog
from mcep_ld.fetch.contract import Harvester
from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from tests.conftest import make_settings

MakeHarvester = Callable[[Hub, SampleServer], Harvester]


def informea(hub: Hub, server: SampleServer) -> Harvester:
    return InforMEAHarvester(endpoint=server.informea_endpoint, settings=hub.settings,
                             client=HttpClient.from_settings(hub.settings))


def oai(hub: Hub, server: SampleServer) -> Harvester:
    return OAIHarvester(endpoint=server.oai_endpoint, settings=hub.settings,
                        client=HttpClient.from_settings(hub.settings))


def cbd_index(hub: Hub, server: SampleServer) -> Harvester:
    return CBDHarvester(endpoint=server.url + "/api/v2013", settings=hub.settings,
                        client=HttpClient.from_settings(hub.settings))


def website(hub: Hub, server: SampleServer) -> Harvester:
    return ConventionHarvester(endpoint=server.file_url("convention"), settings=hub.settings,
                               client=HttpClient.from_settings(hub.settings))


# source → (harvester, the request that fails three times (every retry), requests the resumed run must not
# make: pages written before the failure)
CASES: dict[str, tuple[MakeHarvester, str, Callable[[str], bool]]] = {
    # Pages of five; the listing fails at Contacts (after Treaties, Decisions, Meetings).
    "informea": (informea, "/Contacts?", lambda r: "/Decisions?" in r or "/Treaties?" in r),
    # Pages of five (the provider's); the third page fails; the first was asked without a token.
    "oai": (oai, "resumptionToken=0%7C10%7C", lambda r: "verb=ListRecords" in r and "resumptionToken" not in r),
    # Pages of five; the third page fails; a resumed listing asks by id from the checkpoint's page.
    "cbd": (cbd_index, "start=10&", lambda r: "/index?" in r and "id%3A%5B%22" not in r),
    # One record per page; the sixth page of the sitemap fails.
    "convention": (website, "/documents/mc-5-1-", lambda r: "/documents/road-map" in r),
}


def settings_for(data: Path):  # noqa: ANN201 - Settings
    settings = make_settings(data, harvest_batch_records=5, ingest_workers=1)
    settings.sources["informea"] = {"page_size_records": 5}
    settings.sources.setdefault("cbd", {})["relevant_only"] = False  # its sample is off-subject on purpose
    return settings


def run(data: Path, server: SampleServer, make: MakeHarvester, **options: bool) -> RunResult:
    with Hub(settings_for(data)) as hub:
        return Pipeline(hub).harvest(make(hub, server), **options)


def catalog_state(data: Path) -> list[tuple]:
    db = sqlite3.connect(data / "catalog.sqlite")
    rows = db.execute("SELECT source_key, content_hash, graph_hash, status, deleted, published, sets "
                      "FROM records ORDER BY source_key").fetchall()
    db.close()
    return rows


@pytest.fixture(autouse=True)
def cbd_pages_of_five(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cbd, "PAGE_ROWS", 5)


@pytest.mark.parametrize("source", CASES)
def test_a_failed_run_resumes_from_its_checkpoint(tmp_path: Path, samples: Path, source: str) -> None:
    make, failing, written_before = CASES[source]
    with SampleServer(samples) as server:
        server.faults.extend([Fault(failing, status=503)] * 3)
        failed = run(tmp_path / "data", server, make)
        assert not failed.ok and not failed.resumed
        assert 0 < failed.counters.seen, "the records listed before the failure are written"
        start = len(server.requests)
        resumed = run(tmp_path / "data", server, make)
        resumed_requests = server.requests[start:]
        start = len(server.requests)
        reference = run(tmp_path / "reference", server, make)
        reference_requests = server.requests[start:]

    assert resumed.ok and resumed.resumed and resumed.run_id == failed.run_id
    assert not [r for r in resumed_requests if written_before(r)], resumed_requests
    assert len(resumed_requests) < len(reference_requests)
    assert resumed.counters == reference.counters
    assert catalog_state(tmp_path / "data") == catalog_state(tmp_path / "reference")
    runs = Catalog(tmp_path / "data" / "catalog.sqlite").db.execute("SELECT status, checkpoint FROM runs")
    assert [tuple(r) for r in runs] == [("completed", None)]


def test_a_pool_killed_mid_run_resumes_from_the_oldest_batch_still_in_the_workers(
        tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers, batches of five, and a worker killed (SIGKILL, as the OOM killer does) in the middle of a
    batch once the first batch is committed, while later ones are in the workers: the run fails, and its
    checkpoint must point at the first record of the oldest batch not yet written, not at the last one listed.
    The resumed run ends as an uninterrupted one.

    Deterministic: a worker kills itself when it takes a batch after the first commit, so it never dies half-way
    through writing its answer (a worker killed there leaves ProcessPoolExecutor reading a half-sent answer
    forever: CPython's, not ours to fix)."""
    committed = tmp_path / "first-commit"
    preparing = prepare.prepare_in_worker

    def dying_after_the_first_commit(records: list) -> list:
        if committed.exists():
            os.kill(os.getpid(), signal.SIGKILL)
        return preparing(records)

    # The pool is forked: its workers find this function under the name the parent sends (module and name).
    dying_after_the_first_commit.__module__, dying_after_the_first_commit.__qualname__ = \
        prepare.__name__, "prepare_in_worker"
    monkeypatch.setattr(prepare, "prepare_in_worker", dying_after_the_first_commit)
    monkeypatch.setattr(run_module, "prepare_in_worker", dying_after_the_first_commit)

    def note_the_first_commit(counters) -> None:  # noqa: ANN001 - RunCounters
        if counters.added:
            committed.touch()

    def harvest(data: Path, server: SampleServer, progress=None) -> RunResult:  # noqa: ANN001
        settings = settings_for(data)
        settings.values["ingest_workers"] = 2
        with Hub(settings) as hub:
            return Pipeline(hub, progress=progress).harvest(informea(hub, server))

    with SampleServer(samples) as server:
        failed = harvest(tmp_path / "data", server, note_the_first_commit)
        assert committed.exists() and not failed.ok and "process" in (failed.error or "").lower(), failed.error
        committed.unlink()
        resumed = harvest(tmp_path / "data", server)
        reference = harvest(tmp_path / "reference", server)
    assert 5 <= failed.counters.added < reference.counters.added  # (a batch already back is written too)
    assert resumed.ok and resumed.resumed and resumed.run_id == failed.run_id
    assert resumed.counters == reference.counters
    assert catalog_state(tmp_path / "data") == catalog_state(tmp_path / "reference")


def test_an_expired_resumption_token_lists_again_from_the_start(tmp_path: Path, samples: Path) -> None:
    with SampleServer(samples) as server:
        server.faults.extend([Fault("resumptionToken=0%7C10%7C", status=503)] * 3)
        assert not run(tmp_path / "data", server, oai).ok
        server.oai_token_epoch = 1  # the repository forgot the tokens it gave
        start = len(server.requests)
        resumed = run(tmp_path / "data", server, oai)
        requests = server.requests[start:]
        reference = run(tmp_path / "reference", server, oai)
    assert resumed.ok and resumed.resumed
    assert "resumptionToken=0%7C5%7C" in requests[0]  # the checkpoint's token, refused
    assert "resumptionToken" not in requests[1]  # then the listing from its start
    assert resumed.counters == reference.counters
    assert catalog_state(tmp_path / "data") == catalog_state(tmp_path / "reference")


def test_a_resumed_full_listing_still_tombstones(tmp_path: Path, samples: Path) -> None:
    """The records the first attempt listed count as listed: only what the source dropped is deleted."""
    with SampleServer(samples) as server:
        assert run(tmp_path / "data", server, cbd_index).ok
        index = samples / "cbd" / "index.json"
        doc = json.loads(index.read_text(encoding="utf-8"))
        last_id = max(d["id"] for d in doc["docs"])
        doc["docs"] = [d for d in doc["docs"] if d["id"] != last_id]  # on the last page, after the failure
        index.write_text(json.dumps(doc), encoding="utf-8")
        server.faults.extend([Fault("start=10&", status=503)] * 3)
        assert not run(tmp_path / "data", server, cbd_index, full=True).ok
        resumed = run(tmp_path / "data", server, cbd_index)  # not --full: the stopped full run goes on
    assert resumed.ok and resumed.resumed and resumed.complete
    assert resumed.counters.deleted == 1 and resumed.counters.unchanged == 11


def test_restart_and_stale_checkpoints_start_a_new_run(tmp_path: Path, samples: Path) -> None:
    data = tmp_path / "data"
    with SampleServer(samples) as server:
        server.faults.extend([Fault("/Contacts?", status=503)] * 3)
        first = run(data, server, informea)
        assert not first.ok
        restarted = run(data, server, informea, restart=True)
        assert restarted.ok and not restarted.resumed and restarted.run_id == first.run_id + 1

        server.faults.extend([Fault("/Contacts?", status=503)] * 3)
        stopped = run(data, server, informea, full=True)
        assert not stopped.ok
        catalog = Catalog(data / "catalog.sqlite")
        checkpoint = catalog.run(stopped.run_id)["checkpoint"]
        old = (datetime.now(UTC) - timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
        catalog.db.execute("UPDATE runs SET checkpoint=json_set(checkpoint, '$.at', ?) WHERE id=?",
                           (old, stopped.run_id))
        catalog.close()
        assert checkpoint
        stale = run(data, server, informea)  # resume_max_age_h = 24
        assert stale.ok and not stale.resumed and stale.run_id == stopped.run_id + 1

        server.faults.extend([Fault("/Contacts?", status=503)] * 3)
        incremental = run(data, server, informea)
        assert not incremental.ok
        full = run(data, server, informea, full=True)  # an incremental run cannot finish as a full one
        assert full.ok and not full.resumed and full.complete


def test_catalogs_from_before_checkpoints_are_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, endpoint TEXT NOT NULL, "
               "started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL, complete INTEGER NOT NULL DEFAULT 0, "
               "seen INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL "
               "DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0, quarantined "
               "INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, duration_s REAL, timings TEXT, "
               "error TEXT)")
    db.execute("INSERT INTO runs (source, endpoint, started, status) VALUES ('gef', 'x', '2026-01-01T00:00:00Z', "
               "'running')")
    db.commit()
    db.close()
    catalog = Catalog(path)
    assert catalog.resumable_run("gef", "x", max_age_h=24) is None  # no checkpoint: nothing to resume
    run_id = catalog.start_run("gef", "x")
    assert catalog.run(1)["status"] == "aborted" and catalog.run(run_id)["since"] is None

"""The OAI-PMH harvester (sickle over the hub's HTTP client) against a provider on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

from mcep_ld.harvesters.oai import OAIHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from tests.conftest import mcep

BASE = "http://localhost:8000/"
DOC = f"{BASE}id/document/wedocs-unep-org-20-500-11822-"


def harvest(hub: Hub, server: SampleServer, *, full: bool = False, **options: str) -> RunResult:
    h = OAIHarvester(endpoint=server.oai_endpoint, settings=hub.settings,
                     client=HttpClient.from_settings(hub.settings), **options)
    return Pipeline(hub).harvest(h, full=full)


def titles(hub: Hub, handle: str) -> set[tuple[str, str | None]]:
    return {(r[0].value, r[0].language) for r in hub.store.public.query(
        f"SELECT ?t {{ <{DOC}{handle}> <http://purl.org/dc/terms/title> ?t }}")}


def restamp(samples: Path, handle: str, stamp: str, *, title: str | None = None, delete: bool = False) -> None:
    """Change one record of the repository, as its next datestamp would show."""
    path = samples / "oai" / "records.xml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"20.500.11822/{handle}</identifier>")
    record_start = text.rindex("<record>", 0, start)
    record_end = text.index("</record>", start) + len("</record>")
    record = text[record_start:record_end]
    record = re.sub(r"<datestamp>[^<]*</datestamp>", f"<datestamp>{stamp}</datestamp>", record)
    if title:
        record = re.sub(r'(<dc:title xml:lang="en">)[^<]*', rf"\g<1>{title}", record, count=1)
    if delete:
        record = re.sub(r"<header>", '<header status="deleted">', record)
        record = re.sub(r"<metadata>.*</metadata>", "", record, flags=re.DOTALL)
    path.write_text(text[:record_start] + record + text[record_end:], encoding="utf-8")


def test_full_harvest_maps_dublin_core(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server)
    assert result.ok, result.error
    c = result.counters
    assert (c.seen, c.added, c.quarantined, c.deleted) == (15, 14, 1, 0)  # and a deleted header, never known: no news
    assert "impossible date '2024-13-45'" in hub.catalog.quarantine()[0]["report"]
    assert titles(hub, "11448") >= {("Minamata Convention on Mercury: text and annexes", "en"),
                                    ("关于汞的水俣公约：案文和附件", "zh")}
    issued = {r[0].value for r in hub.store.public.query(
        f"SELECT ?d {{ <{DOC}29821> <http://purl.org/dc/terms/issued> ?d }}")}
    assert issued == {"2019-07"}
    assert ("Interim storage of mercury: facility design & <safety> notes", "en") in titles(hub, "42001")
    sets = hub.catalog.record("oai", "oai:wedocs.unep.org:20.500.11822/35120")["sets"].split()
    assert "oai:col_20.500.11822_3" in sets and "kind:document" in sets
    # The resumption tokens were followed: the provider pages by five.
    assert sum("resumptionToken" in r for r in server.requests) == 3


def test_incremental_runs_ask_from_and_apply_deletions(hub: Hub, server: SampleServer, samples: Path) -> None:
    harvest(hub, server)
    quiet = harvest(hub, server)
    assert quiet.ok and quiet.counters.seen == 0
    assert "from=" in server.requests[-1]
    restamp(samples, "27652", "2099-01-01T00:00:00Z", title="Global Mercury Assessment 2018 (revised)")
    restamp(samples, "31002", "2099-01-01T00:00:00Z", delete=True)
    result = harvest(hub, server)
    assert result.ok, result.error
    assert (result.counters.seen, result.counters.updated, result.counters.deleted) == (2, 1, 1)
    assert ("Global Mercury Assessment 2018 (revised)", "en") in titles(hub, "27652")
    assert titles(hub, "31002") == set()
    assert hub.catalog.record("oai", "oai:wedocs.unep.org:20.500.11822/31002")["deleted"] == 1


def test_only_a_full_listing_tombstones_what_is_gone(hub: Hub, server: SampleServer, samples: Path) -> None:
    harvest(hub, server)
    path = samples / "oai" / "records.xml"
    text = path.read_text(encoding="utf-8")
    start = text.index("20.500.11822/39120</identifier>")
    path.write_text(text[:text.rindex("<record>", 0, start)] + text[text.index("</record>", start) + 9:],
                    encoding="utf-8")
    assert harvest(hub, server).counters.deleted == 0  # incremental: absence proves nothing
    assert harvest(hub, server, full=True).counters.deleted == 1
    assert titles(hub, "39120") == set()


def test_set_and_name(hub: Hub, server: SampleServer) -> None:
    result = harvest(hub, server, name="wedocs", set_spec="col_20.500.11822_3")
    assert result.ok and result.counters.seen == 4
    assert hub.catalog.counts_by_kind("wedocs") == {"document": {"published": 3, "quarantined": 1, "deleted": 0}}


def test_retry_after_then_success(hub: Hub, server: SampleServer) -> None:
    server.faults.append(Fault("/oai/request", status=503, retry_after="0"))
    assert harvest(hub, server).ok


def test_protocol_errors_fail_the_run_cleanly(hub: Hub, server: SampleServer) -> None:
    h = OAIHarvester(endpoint=server.oai_endpoint, settings=hub.settings,
                     client=HttpClient.from_settings(hub.settings))
    h.metadata_prefix = "marc21"  # the provider cannot disseminate it
    result = Pipeline(hub).harvest(h)
    assert not result.ok and "CannotDisseminateFormat" in result.error


def test_command_line_options(tmp_path: Path) -> None:
    from mcep_ld.resources import SAMPLES_DIR

    with SampleServer(SAMPLES_DIR) as srv:
        proc = mcep("harvest", "oai", "--endpoint", srv.oai_endpoint, "--name", "wedocs", "--set",
                    "col_20.500.11822_1", "--data-dir", str(tmp_path / "d"), env={"MCEP_HTTP_REQUESTS_PER_S": "1000"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wedocs: run 1 completed") and "seen 6" in proc.stdout  # the set, less a deletion
    bad = mcep("harvest", "gef", "--set", "x", "--data-dir", str(tmp_path / "d"))
    assert bad.returncode == 2 and "options of the oai source" in bad.stderr


def test_invalid_xml_characters_quarantine_their_record_only(hub: Hub, server: SampleServer, samples: Path) -> None:
    path = samples / "oai" / "records.xml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Global Mercury Assessment 2018</dc:title>", "Global Mercury\x0b Assessment 2018</dc:title>")
    text = text.replace("Mercury emissions from coal combustion", "Mercury emissions&#x1F; from coal combustion")
    path.write_text(text, encoding="utf-8")
    result = harvest(hub, server)
    assert result.ok, result.error
    assert (result.counters.added, result.counters.quarantined) == (12, 3)
    reports = {q["source_key"].rsplit("/", 1)[-1]: q["report"] for q in hub.catalog.quarantine("oai")}
    assert "characters XML forbids" in reports["27652"] and "characters XML forbids" in reports["31002"]

"""The command line as an operator uses it: real processes, a real sample server, SIGKILL included."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcep_ld.catalog import COUNTERS
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.resources import PROJECT_ROOT
from tests.conftest import mcep

FAST = {"MCEP_HTTP_REQUESTS_PER_S": "1000", "MCEP_HTTP_BACKOFF_S": "0.01", "MCEP_HTTP_RETRIES": "1"}
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo data directory shared by the read-only tests of this module."""
    data = tmp_path_factory.mktemp("demo") / "data"
    proc = mcep("demo", "--no-serve", "--data-dir", str(data), check=True)
    assert "informea: run 1 completed" in proc.stdout
    return data


def test_demo_then_status_json(demo_dir: Path) -> None:
    report = json.loads(mcep("status", "--json", "--data-dir", str(demo_dir), check=True).stdout)
    informea = report["sources"]["informea"]
    kinds = {k for k, c in informea["records"].items() if c["published"] > 0}
    assert {"decision", "meeting", "focal-point"} <= kinds
    assert informea["last_run"]["status"] == "completed"
    assert informea["last_run"]["added"] == 107
    assert {"treaty", "national-report", "national-plan", "document"} <= kinds
    planted = [q for q in report["quarantine"] if q["source_key"].startswith("Decisions/")]
    assert len(planted) == 1 and "Violation" in planted[0]["report"]
    # three InforMEA records, one GEF row, one repository record, four curated submissions, one answer (CBD is off)
    assert len(report["quarantine"]) == 10
    assert "cbd" not in report["sources"]
    gef = report["sources"]["gef"]  # the projects about mercury
    assert gef["records"]["project"]["published"] == 20 and gef["last_run"]["status"] == "completed"
    assert report["sources"]["wedocs"]["records"]["document"]["published"] == 14
    assert report["sources"]["files"]["records"]["case-study"]["published"] == 2


def test_status_in_words(demo_dir: Path) -> None:
    out = mcep("status", "--data-dir", str(demo_dir), check=True).stdout
    assert "decision" in out and "project" in out and "quarantine (10 records)" in out


def test_query_counts_graphs(demo_dir: Path) -> None:
    proc = mcep("query", "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                "--data-dir", str(demo_dir), check=True)
    n = int(json.loads(proc.stdout)["results"]["bindings"][0]["n"]["value"])
    assert n >= 73


@pytest.mark.parametrize("fmt, marker", [("csv", "n\n"), ("tsv", "?n\n"), ("xml", "<sparql")])
def test_query_formats(demo_dir: Path, fmt: str, marker: str) -> None:
    proc = mcep("query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", fmt,
                "--data-dir", str(demo_dir), check=True)
    assert marker in proc.stdout


def test_query_construct_as_turtle(demo_dir: Path) -> None:
    proc = mcep("query", "CONSTRUCT { ?d a ?c } WHERE { ?d a ?c } LIMIT 3", "--format", "ttl",
                "--data-dir", str(demo_dir), check=True)
    assert len(list(ox.parse(proc.stdout.encode(), format=ox.RdfFormat.TURTLE))) == 3


def test_malformed_query_is_a_clear_error(demo_dir: Path) -> None:
    proc = mcep("query", "SELEKT * { ?s ?p ?o }", "--data-dir", str(demo_dir))
    assert proc.returncode == 1
    assert "malformed query" in proc.stderr and "Traceback" not in proc.stderr


def test_dump_has_no_restricted_field(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public.nq"
    mcep("dump", "--output", str(out), "--data-dir", str(demo_dir), check=True)
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert len(quads) > 1000
    predicates = {q.predicate.value for q in quads}
    for p in ("email", "telephone", "faxNumber", "address"):
        assert f"http://schema.org/{p}" not in predicates
    assert "@example.org" not in out.read_text(encoding="utf-8")


def test_backup_is_a_usable_copy(demo_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup"
    mcep("backup", str(target), "--data-dir", str(demo_dir), check=True)
    store = ox.Store.read_only(str(target / "store"))
    assert len(list(store.named_graphs())) >= 73
    db = sqlite3.connect(target / "catalog.sqlite")
    # Every source's records; the OAI sample's deleted header leaves no row (it was never seen live).
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 110 + 21 + 15 + 8 + 22 + 801


def test_validate_reports_violations_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("""
        @prefix mcep: <https://w3id.org/mcep/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
        <http://localhost:8000/id/decision/1> a mcep:Decision ; dct:identifier "MC-9/9" ;
            dct:source <http://x/src> ; mcep:treaty <http://x/vocab/treaty/minamata> .
    """)
    proc = mcep("validate", str(bad))
    assert proc.returncode == 1
    assert "Violation" in proc.stdout and "dct:title" in proc.stdout
    good = tmp_path / "good.ttl"
    good.write_text(bad.read_text().replace('dct:identifier "MC-9/9" ;',
                                            'dct:identifier "MC-9/9" ; dct:title "Mercury"@en ;'))
    proc = mcep("validate", str(good))
    assert proc.returncode == 0, proc.stdout
    assert "0 violation(s)" in proc.stdout


def test_validate_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle")
    proc = mcep("validate", str(broken))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def test_harvest_twice_leaves_everything_unchanged(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples") as srv:
        first = mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--data-dir", data, env=FAST)
        second = mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--data-dir", data, env=FAST)
        full = mcep("harvest", "informea", "--full", "--endpoint", srv.informea_endpoint, "--data-dir", data,
                    env=FAST)
        watermarked = [r for r in srv.requests if "updated+gt+datetime" in r or "updated%20gt" in r]
    assert first.returncode == 0 and second.returncode == 0 and full.returncode == 0, second.stderr
    assert "added 107" in first.stdout
    # The second run asks only for what changed since the first (the watermark is in its requests)...
    assert "seen 0, added 0, updated 0, unchanged 110, deleted 0, quarantined 0, failed 0" in second.stdout
    assert len(watermarked) == 7  # one per entity set
    # ...and a full run reads everything again and finds it unchanged by its fingerprints.
    assert "seen 110, added 0, updated 0, unchanged 110, deleted 0, quarantined 0, failed 0" in full.stdout


def test_failed_harvest_exits_nonzero(tmp_path: Path) -> None:
    proc = mcep("harvest", "informea", "--endpoint", "http://127.0.0.1:9/informea.svc",
                "--data-dir", str(tmp_path / "d"), env=FAST)
    assert proc.returncode == 1
    assert "failed" in proc.stdout and "error:" in proc.stderr


def test_unknown_source_is_a_usage_error(tmp_path: Path) -> None:
    proc = mcep("harvest", "nowhere", "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2 and "unknown source" in proc.stderr


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found


def _comparable_state(data: Path) -> tuple[list, set]:
    """Catalog rows and public quads, leaving out what names a particular run or moment."""
    db = sqlite3.connect(data / "catalog.sqlite")
    rows = db.execute("SELECT source_key, kind, iri, graph, content_hash, graph_hash, deleted, published, status, "
                      "sets FROM records ORDER BY source_key").fetchall()
    db.close()
    out = data.parent / f"{data.name}.nq"
    mcep("dump", "--output", str(out), "--data-dir", str(data), check=True)
    quads = {str(q) for q in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS)
             if "/graph/hub/" not in q.graph_name.value
             and q.predicate.value not in (f"{PROV}wasGeneratedBy", f"{PROV}generatedAtTime")}
    return rows, quads


def _run_rows(data: Path) -> list[dict]:
    db = sqlite3.connect(data / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY id")]
    db.close()
    return rows


def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    env = {**FAST, "MCEP_SOURCES_INFORMEA_PAGE_SIZE_RECORDS": "5", "MCEP_HARVEST_BATCH_RECORDS": "5"}
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples", page_delay_s=0.1) as srv:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")} | env
        proc = subprocess.Popen([sys.executable, "-m", "mcep_ld.cli", "harvest", "informea", "--endpoint",
                                 srv.informea_endpoint, "--data-dir", str(killed)], env=full_env,
                                cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        catalog = killed / "catalog.sqlite"
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline:
            if catalog.exists():
                try:
                    db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
                    done = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
                    db.close()
                except sqlite3.OperationalError:
                    done = 0
            if done >= 50:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 50 <= done < 110, f"the kill should land mid-run, at {done} records"
        # Its worker processes do not outlive it.
        deadline = time.monotonic() + 10
        while _processes_mentioning(str(killed)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _processes_mentioning(str(killed)), "worker processes outlived the killed harvest"

        before = len(srv.requests)
        again = mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--data-dir", str(killed),
                     env=env)
        assert again.returncode == 0, again.stderr
        resumed_requests = len(srv.requests) - before
        before = len(srv.requests)
        mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--data-dir", str(clean), env=env,
             check=True)
        clean_requests = len(srv.requests) - before

    # The killed run went on from its checkpoint: the pages it had written were not fetched again (at most
    # the batches that were in the workers), and it ends as one run with an uninterrupted run's counters.
    assert "run 1 (resumed from its checkpoint) completed" in again.stdout
    # Pages of five records; up to two batches in the workers and the last page listed come again.
    assert resumed_requests <= clean_requests - done // 5 + 3, (resumed_requests, clean_requests, done)
    (resumed_run,), (clean_run,) = _run_rows(killed), _run_rows(clean)
    assert resumed_run["status"] == "completed" and resumed_run["checkpoint"] is None
    assert ({c: resumed_run[c] for c in COUNTERS} == {c: clean_run[c] for c in COUNTERS})
    killed_rows, killed_quads = _comparable_state(killed)
    clean_rows, clean_quads = _comparable_state(clean)
    assert killed_rows == clean_rows
    assert killed_quads == clean_quads


def test_remap_from_the_command_line_needs_no_network(demo_dir: Path) -> None:
    proc = mcep("remap", "informea", "--data-dir", str(demo_dir),
                env={"MCEP_SOURCES_INFORMEA_ENDPOINT": "http://127.0.0.1:9/unreachable"})
    assert proc.returncode == 0, proc.stderr
    assert "seen 110" in proc.stdout and "unchanged 110" in proc.stdout


def test_harvest_all_configured_sources(tmp_path: Path) -> None:
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples") as srv:
        conf = tmp_path / "mcep.toml"
        conf.write_text(f"""
[sources.informea]
endpoint = "{srv.informea_endpoint}"
[sources.gef]
endpoint = "{srv.file_url('gef/projects.csv')}"
[sources.wedocs]
harvester = "oai"
endpoint = "{srv.oai_endpoint}"
set_spec = "col_20.500.11822_3"
[sources.broken]
harvester = "gef"
endpoint = "{srv.file_url('gef/missing.csv')}"
[sources.resting]
harvester = "oai"
endpoint = "{srv.oai_endpoint}"
enabled = false
[sources.cbd]
enabled = false  # it and the next have default endpoints on the internet
[sources.convention]
enabled = false
""")
        proc = mcep("harvest", "--all", "--config", str(conf), "--data-dir", str(tmp_path / "d"), env=FAST)
    assert proc.returncode == 1  # broken failed...
    lines = proc.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["broken", "gef", "informea", "wedocs"]  # ...the rest ran
    assert "broken: run 1 failed" in proc.stdout and "HTTP 404" in proc.stderr
    assert "wedocs: run 4 completed" in proc.stdout and "seen 4," in lines[3]


def test_a_taken_port_is_said_at_once_with_its_own_exit_code(tmp_path: Path) -> None:
    """Not after the demo's harvests, and not as exit 3 ("store held by another process")."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = mcep("demo", "--port", str(port), "--data-dir", str(tmp_path / "d"))
        assert demo.returncode == 4 and f"port {port}" in demo.stderr and "in use" in demo.stderr
        assert not (tmp_path / "d" / "catalog.sqlite").exists()  # said before any harvest began
        serve = mcep("serve", "--port", str(port), "--data-dir", str(tmp_path / "d"))
        assert serve.returncode == 4 and f"port {port}" in serve.stderr


def test_progress_goes_on_at_a_steady_pace_in_a_log(tmp_path: Path) -> None:
    """Under cron or journald (no terminal): a line per beat, a line per step after the listing, and those steps
    counted in the run's duration; search-index and dump say how far they got too."""
    data = tmp_path / "d"
    env = {"MCEP_PROGRESS_INTERVAL_S": "0.05"}
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples", page_delay_s=0.05) as srv:
        run = mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--data-dir", str(data), env=env)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert sum(1 for line in lines if line.startswith("informea: ") and " seen, " in line) >= 3
    for step in ("VoID description", "search index", "dumps"):
        assert any(line.startswith(f"informea: {step} (") for line in lines), step
    with sqlite3.connect(data / "catalog.sqlite") as db:
        duration, timings = db.execute("SELECT duration_s, timings FROM runs").fetchone()
    spent = json.loads(timings)
    assert {"search index", "dumps"} <= set(spent) and duration >= sum(spent.values()) - 0.01
    rebuild = mcep("search-index", "--rebuild", "--data-dir", str(data), env=env)
    assert rebuild.returncode == 0 and "search index: " in rebuild.stderr
    dump = mcep("dump", "--output", str(tmp_path / "all.nq"), "--data-dir", str(data), env=env)
    assert dump.returncode == 0 and "MB written" in dump.stderr


def test_restore_brings_back_a_backup_and_loses_nothing(demo_dir: Path, tmp_path: Path) -> None:
    """Restored over a data directory that lost its records: the backup's records, the derived data made
    again, and what the directory held moved aside, not deleted. Refused without --replace, and for a folder
    that is not a backup."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    backup = tmp_path / "backup"
    mcep("backup", str(backup), "--data-dir", str(data), check=True)
    before = json.loads(mcep("status", "--json", "--data-dir", str(data), check=True).stdout)
    shutil.rmtree(data / "store")  # the store lost
    (data / "search.sqlite").unlink()
    refused = mcep("restore", str(backup), "--data-dir", str(data))
    assert refused.returncode == 2 and "--replace" in refused.stderr
    not_a_backup = mcep("restore", str(tmp_path), "--data-dir", str(data), "--replace")
    assert not_a_backup.returncode == 2 and "not a backup" in not_a_backup.stderr
    done = mcep("restore", str(backup), "--data-dir", str(data), "--replace", check=True)
    aside = next(tmp_path.glob("data.before-restore-*"))
    assert str(aside) in done.stdout and (aside / "catalog.sqlite").is_file()
    after = json.loads(mcep("status", "--json", "--data-dir", str(data), check=True).stdout)
    assert after["sources"].keys() == before["sources"].keys()
    assert all(after["sources"][s]["records"] == before["sources"][s]["records"] for s in before["sources"])
    store = ox.Store.read_only(str(data / "store"))
    assert len(list(store.named_graphs())) >= 73
    assert (data / "search.sqlite").is_file() and (data / "dumps" / "all.nq.gz").is_file()


def test_a_configured_source_without_a_harvester_says_so(tmp_path: Path) -> None:
    config = tmp_path / "mcep.toml"
    config.write_text('[sources.wedocs]\nendpoint = "http://127.0.0.1:9/oai"\n')
    proc = mcep("harvest", "wedocs", "--config", str(config), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2 and "[sources.wedocs] names no harvester: add harvester = one of" in proc.stderr


def test_a_treaty_id_the_service_does_not_know_fails_the_run_with_the_ids_it_knows(tmp_path: Path) -> None:
    """An unknown id (`mercury` instead of `minamata`) was an empty harvest with exit 0 (issue 20, item 2)."""
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples") as srv:
        conf = tmp_path / "mcep.toml"
        conf.write_text(f"""
[sources.informea]
endpoint = "{srv.informea_endpoint}"
treaties = ["mercury"]
""")
        proc = mcep("harvest", "informea", "--config", str(conf), "--data-dir", str(tmp_path / "d"), env=FAST)
        assert proc.returncode == 1
        assert "no record for treaty 'mercury'" in proc.stderr and "The service knows minamata" in proc.stderr
        conf.write_text(conf.read_text().replace('"mercury"', '"minamata"'))
        proc = mcep("harvest", "informea", "--config", str(conf), "--data-dir", str(tmp_path / "d"), env=FAST)
        assert proc.returncode == 0, proc.stderr

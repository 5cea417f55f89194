"""Harvests while the service serves (issue 14, item 3): `mcep harvest` on a data directory that
`mcep serve` holds hands its run to the service; a schedule runs one on its own; the admin API needs its
token. New records answer on /sparql and /api/search without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mcep_ld.fetch.sample_server import SampleServer
from tests.conftest import demo_copy, mcep, running_service

NEW_ROW = ('"Mercury-free zanzibarium pilot for artisanal gold mining",99999,"Global","Chemicals and Waste",'
           '"Full-size Project","United Nations Environment Programme","1,000,000","2,000,000","Project Approved",'
           '2024,"GEF Trust Fund","No","No","GEF - 8"\n')


def add_project(samples: Path) -> None:
    export = samples / "gef" / "projects.csv"
    export.write_text(export.read_text(encoding="utf-8") + NEW_ROW, encoding="utf-8")


@pytest.fixture
def data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "service-harvests")


def token(data: Path) -> dict[str, str]:
    return {"Authorization": f"Bearer {(data / 'admin-token').read_text().strip()}"}


def found(url: str) -> tuple[int, bool]:
    hits = requests.get(f"{url}/api/search", params={"q": "zanzibarium"}, timeout=10).json()
    query = 'ASK { ?p <http://purl.org/dc/terms/identifier> "GEF-99999" }'
    ask = requests.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                       timeout=10).json()
    return hits["total"], ask["boolean"]


def test_a_harvest_on_a_served_data_directory_is_handed_to_the_service(data: Path, samples: Path) -> None:
    add_project(samples)
    with SampleServer(samples) as server, running_service(data) as url:
        assert found(url) == (0, False)
        proc = mcep("harvest", "gef", "--endpoint", server.file_url("gef/projects.csv"), "--data-dir", str(data))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "by the service at" in proc.stdout and "added 1" in proc.stdout
        deadline = time.monotonic() + 5
        while found(url) != (1, True) and time.monotonic() < deadline:  # checkpoints are a second behind at most
            time.sleep(0.2)
        assert found(url) == (1, True)
        assert requests.get(f"{url}/oai", params={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                                   "identifier": "oai:localhost.localdomain:gef:99999"},
                            timeout=10).status_code == 200


def test_the_admin_api_needs_its_token(data: Path) -> None:
    with running_service(data) as url:
        body = {"source": "gef", "endpoint": "http://127.0.0.1:9/none.csv"}
        assert requests.post(f"{url}/admin/harvests", json=body, timeout=10).status_code == 401
        assert requests.get(f"{url}/admin/harvests", timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert requests.post(f"{url}/admin/harvests", json=body, headers=wrong, timeout=10).status_code == 403
        unknown = requests.post(f"{url}/admin/harvests", json={"source": "nowhere"}, headers=token(data), timeout=10)
        assert unknown.status_code == 400 and "unknown source" in unknown.text


def test_a_run_is_followed_and_cancelled_through_the_api(data: Path, samples: Path) -> None:
    with SampleServer(samples) as server, running_service(data) as url:
        server.page_delay_s = 0.5  # a slow source: the first run is still going when the second is asked for
        body = {"source": "informea", "endpoint": server.informea_endpoint, "full": True}
        first = requests.post(f"{url}/admin/harvests", json=body, headers=token(data), timeout=10)
        assert first.status_code == 202 and first.headers["Location"] == f"/admin/harvests/{first.json()['id']}"
        second = requests.post(f"{url}/admin/harvests", json={"source": "gef", "endpoint": server.file_url(
            "gef/projects.csv")}, headers=token(data), timeout=10).json()
        assert second["state"] == "queued"
        cancelled = requests.delete(f"{url}/admin/harvests/{second['id']}", headers=token(data), timeout=10).json()
        assert cancelled["state"] == "cancelled"
        deadline = time.monotonic() + 30
        running = {"state": "queued"}
        while running["state"] == "queued" and time.monotonic() < deadline:  # picked up by the runner
            time.sleep(0.1)
            running = requests.get(f"{url}{first.headers['Location']}", headers=token(data), timeout=10).json()
        assert running["state"] == "running" and running["asked_by"] == "api"
        assert requests.get(f"{url}/health", timeout=30).ok
        still = requests.get(f"{url}{first.headers['Location']}", headers=token(data), timeout=10).json()
        assert still["state"] == "running"  # pages answered during the run: by the order of events, not a time
        requests.delete(f"{url}{first.headers['Location']}", headers=token(data), timeout=10)
        deadline = time.monotonic() + 30
        while running["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.3)
            running = requests.get(f"{url}{first.headers['Location']}", headers=token(data), timeout=10).json()
        assert running["state"] == "cancelled" and "cancelled by an operator" in running["error"]


@pytest.fixture
def scheduled(data: Path, samples: Path) -> Iterator[tuple[str, Path]]:
    add_project(samples)
    with SampleServer(samples) as server:
        config = data.parent / "mcep.toml"
        config.write_text(f'[sources.gef]\nendpoint = "{server.file_url("gef/projects.csv")}"\n'
                          'schedule = "*/2 * * * * *"\n', encoding="utf-8")
        with running_service(data, env={"MCEP_CONFIG": str(config)}) as url:
            yield url, data


def test_a_schedule_runs_a_harvest_on_its_own(scheduled: tuple[str, Path]) -> None:
    url, data = scheduled
    deadline = time.monotonic() + 20
    runs: list = []
    while time.monotonic() < deadline:
        runs = requests.get(f"{url}/admin/harvests", headers=token(data), timeout=10).json()
        if any(r["asked_by"] == "schedule" and r["state"] == "completed" for r in runs):
            break
        time.sleep(0.5)
    done = [r for r in runs if r["asked_by"] == "schedule" and r["state"] == "completed"]
    assert done and done[-1]["counters"]["added"] == 1, runs
    assert found(url)[0] == 1


def test_a_malformed_schedule_stops_the_service_at_start(data: Path) -> None:
    config = data.parent / "bad.toml"
    config.write_text('[sources.gef]\nendpoint = "http://x/"\nschedule = "every night"\n', encoding="utf-8")
    proc = mcep("serve", "--data-dir", str(data), "--config", str(config), "--port", "1")
    assert proc.returncode == 2 and "sources.gef.schedule" in proc.stderr


@pytest.mark.parametrize("expression, days", [
    ("0 0 * * 0", {"Sunday"}), ("0 0 * * 7", {"Sunday"}), ("30 2 * * 1-5", {"Monday", "Tuesday", "Wednesday",
                                                                         "Thursday", "Friday"}),
    ("0 0 * * 0-6/3", {"Sunday", "Wednesday", "Saturday"}), ("0 0 * * sat", {"Saturday"}),
])
def test_schedules_read_days_as_crontab_does(expression: str, days: set[str]) -> None:
    """crontab counts days from Sunday = 0; APScheduler from Monday = 0, so `0 0 * * 0` fired on Mondays."""
    from datetime import UTC, datetime, timedelta

    from mcep_ld.ingest.schedules import trigger

    when, fired = datetime(2026, 11, 30, 12, tzinfo=UTC), set()
    t = trigger("gef", expression)
    while when < datetime(2026, 12, 15, tzinfo=UTC):
        when = t.get_next_fire_time(None, when + timedelta(seconds=1))
        fired.add(when.strftime("%A"))
    assert fired == days

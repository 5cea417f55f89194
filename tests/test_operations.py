"""What an operator monitors: ``/metrics`` (Prometheus text, read with prometheus-client's own parser)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import demo_copy, mcep, running_oxigraph, running_service

SOURCES = {"informea", "gef", "wedocs", "convention", "files", "answers"}  # the demo's: CBD is off by default


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Iterator[str]:  # noqa: ANN001
    with running_service(demo_copy(demo_template, tmp_path_factory, "operations")) as url:
        yield url


def scrape(url: str) -> dict[str, list]:
    resp = requests.get(f"{url}/metrics", timeout=10)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(resp.text)}


def test_metrics_name_every_sources_runs_and_records(service: str) -> None:
    metrics = scrape(service)
    runs = {(s.labels["source"], s.labels["status"]): s.value for s in metrics["mcep_harvest_runs"]
            if s.name == "mcep_harvest_runs_total"}
    assert {source for source, status in runs if status == "completed"} == SOURCES
    assert {s.labels["source"] for s in metrics["mcep_harvest_last_success_timestamp_seconds"]} == SOURCES
    live = {s.labels["source"]: s.value for s in metrics["mcep_records"] if s.labels["outcome"] == "live"}
    assert set(live) == SOURCES and all(n > 0 for n in live.values())
    sizes = {s.labels["part"]: s.value for s in metrics["mcep_data_bytes"]}
    assert sizes["store"] > 0 and sizes["catalog"] > 0 and sizes["search_index"] > 0


def test_requests_are_counted_by_route_template_never_by_raw_path(service: str) -> None:
    for path in ("/id/decision/mc-5-2", "/id/decision/no-such-thing", "/no/such/page/../x?y=1", "/static/hub.css"):
        requests.get(f"{service}{path}", timeout=10)
    samples = scrape(service)["mcep_http_requests"]
    routes = {(s.labels["route"], s.labels["status"]) for s in samples if s.name == "mcep_http_requests_total"}
    assert ("/id/{kind}/{key}", "200") in routes and ("/id/{kind}/{key}", "404") in routes
    assert ("unmatched", "404") in routes and ("/static", "200") in routes
    assert not any("no-such" in route or "/x" in route for route, _ in routes)
    latency = scrape(service)["mcep_http_request_duration_seconds"]
    assert any(s.labels.get("route") == "/id/{kind}/{key}" and s.name.endswith("_count") and s.value >= 2
               for s in latency)


def test_sparql_refusals_are_counted_by_reason(service: str) -> None:
    requests.get(f"{service}/sparql", params={"query": "SELECT * WHERE { ?s ?p"}, timeout=10)
    requests.get(f"{service}/sparql", params={"query": "SELECT * WHERE " + "{" * 100 + "}" * 100}, timeout=10)
    requests.put(f"{service}/sparql", timeout=10)
    refusals = {s.labels["reason"]: s.value for s in scrape(service)["mcep_sparql_refusals"]
                if s.name == "mcep_sparql_refusals_total"}
    assert refusals["malformed"] >= 1 and refusals["guard"] >= 1
    assert "mcep_sparql_timeouts" in scrape(service)


def test_without_base_uri_the_services_urls_follow_the_port_it_serves(tmp_path_factory: pytest.TempPathFactory,
                                                                      demo_template) -> None:  # noqa: ANN001
    """The records keep the base they were minted with (the data directory remembers it); the OAI-PMH baseURL,
    the JSON-LD context, the SPARQL endpoint and DCAT's links name the address served."""
    data = demo_copy(demo_template, tmp_path_factory, "unset-base")
    with running_service(data, env={"MCEP_BASE_URI": ""}) as url:
        port = url.rsplit(":", 1)[1]
        identify = requests.get(f"{url}/oai", params={"verb": "Identify"}, timeout=10).text
        assert f"<baseURL>http://localhost:{port}/oai</baseURL>" in identify
        record = requests.get(f"{url}/id/decision/mc-5-2", headers={"Accept": "application/ld+json"}, timeout=10)
        assert record.status_code == 200 and record.json()["@context"] == f"http://localhost:{port}/context.jsonld"
        assert '"http://localhost:8000/id/decision/mc-5-2"' in record.text  # minted so, kept so
        assert f"localhost:{port}/id/" not in record.text
        catalog = requests.get(f"{url}/catalog.nt", timeout=10).text
        assert f"<http://localhost:{port}/sparql>" in catalog and "localhost:8000/sparql>" in catalog  # IRI, URL
        sitemap = requests.get(f"{url}/sitemap.xml", timeout=10).text
        assert f"<loc>http://localhost:{port}/id/decision/mc-5-2</loc>" in sitemap


def test_the_api_docs_come_from_the_hub_itself(service: str) -> None:
    """Swagger UI from files installed with the hub: every script and stylesheet local, no inline script."""
    page = requests.get(f"{service}/docs", timeout=10)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "http" not in csp
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
    assert "<script>" not in page.text
    for asset in assets:
        assert requests.get(f"{service}{asset}", timeout=10).status_code == 200, asset
    assert "openapi.json" in requests.get(f"{service}/static/docs.js", timeout=10).text
    assert requests.get(f"{service}/redoc", timeout=10).status_code == 404


def test_health_names_every_sources_last_run(service: str) -> None:
    resp = requests.get(f"{service}/health", timeout=10)
    body = resp.json()
    assert resp.status_code == 200 and body["status"] == "ok" and body["problems"] == []
    assert all(check["ok"] for check in body["checks"].values()) and body["checks"]["search_index"]["documents"] > 0
    assert set(body["sources"]) == SOURCES
    assert all(s["last_run"]["status"] == "completed" and s["last_success"] for s in body["sources"].values())


def test_health_says_what_is_wrong(tmp_path_factory: pytest.TempPathFactory, demo_template) -> None:  # noqa: ANN001
    """A source whose last run failed: 200, degraded, with its error. A part the hub needs that fails: 503."""
    data = demo_copy(demo_template, tmp_path_factory, "unhealthy")
    with running_service(data) as url, SampleServer(SAMPLES_DIR) as samples:
        failed = mcep("harvest", "gef", "--endpoint", samples.file_url("gef/no-such-export.csv"), "--data-dir",
                      str(data))
        assert failed.returncode == 1
        body = requests.get(f"{url}/health", timeout=10).json()
        assert body["status"] == "degraded" and body["sources"]["gef"]["last_run"]["status"] == "failed"
        assert any(p.startswith("source gef: last run failed: ") and "404" in p for p in body["problems"])
        assert body["sources"]["gef"]["last_success"]  # the demo's run, still published


def test_health_fails_when_a_part_the_hub_needs_fails(tmp_path: Path) -> None:
    """The remote store gone from under the service: 503, "failing", naming the store."""
    store = ExitStack()
    with store:
        store_url = store.enter_context(running_oxigraph(tmp_path / "remote"))
        with running_service(tmp_path / "data", env={"MCEP_STORE": store_url}) as url:
            assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
            store.close()  # the store server stops; the hub goes on running
            resp = requests.get(f"{url}/health", timeout=30)
            body = resp.json()
            assert resp.status_code == 503 and body["status"] == "failing"
            assert not body["checks"]["store"]["ok"] and body["checks"]["catalog"]["ok"]
            assert any(p.startswith("store: ") for p in body["problems"])


def test_logs_in_json_on_request(tmp_path: Path) -> None:
    """log_format = "json": every line of a harvest's standard error and of the service's log is one JSON
    object; the access log carries the request as fields."""
    data = tmp_path / "data"
    env = {"MCEP_LOG_FORMAT": "json", "MCEP_PROGRESS_INTERVAL_S": "0.05"}
    with SampleServer(SAMPLES_DIR, page_delay_s=0.02) as samples:
        run = mcep("harvest", "gef", "--endpoint", samples.file_url("gef/projects.csv"), "--data-dir", str(data),
                   "-v", env=env)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["logger"] == "mcep_ld.progress" and line["work"] == "gef" for line in lines)
    with running_service(data, env=env) as url:
        requests.get(f"{url}/search", params={"q": "mercury"}, timeout=10)
    logged = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.strip()]
    access = [line for line in logged if line["logger"] == "uvicorn.access"]
    assert any(line["path"].startswith("/search?") and line["status"] == 200 for line in access)
    assert {line["client"] for line in access} == {"-"}  # log_client_addresses is false by default

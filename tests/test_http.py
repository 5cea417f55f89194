"""The HTTP client against a real server on 127.0.0.1: retries, Retry-After, and bodies that are not data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from mcep_ld.fetch.http import HttpClient, SourceError, retry_after_s
from mcep_ld.fetch.sample_server import Fault, SampleServer

DECISIONS = "/informea.svc/Decisions"


def client(sleeps: list[float], retries: int = 3) -> HttpClient:
    return HttpClient(retries=retries, backoff_s=0.01, requests_per_s=1000, timeout_s=2,
                      user_agent="mcep-ld-test", sleep=sleeps.append)


def test_500_then_success(server: SampleServer) -> None:
    server.faults.extend([Fault(DECISIONS, status=500), Fault(DECISIONS, status=503)])
    sleeps: list[float] = []
    doc = client(sleeps).get_json(server.informea_endpoint + "/Decisions", params={"$top": "2"})
    assert len(doc["d"]["results"]) == 2
    assert len(server.requests) == 3
    assert len([s for s in sleeps if s >= 0.005]) == 2  # backed off twice


def test_429_honours_retry_after_seconds(server: SampleServer) -> None:
    server.faults.append(Fault(DECISIONS, status=429, retry_after="7"))
    sleeps: list[float] = []
    client(sleeps).get_json(server.informea_endpoint + "/Decisions")
    assert 7.0 in sleeps


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_s(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after_s("garbage") is None
    assert retry_after_s(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0


def test_gives_up_after_the_retries(server: SampleServer) -> None:
    server.faults.extend([Fault(DECISIONS, status=500)] * 3)
    with pytest.raises(SourceError, match="after 3 attempts"):
        client([], retries=2).get_json(server.informea_endpoint + "/Decisions")


def test_404_is_not_retried(server: SampleServer) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        client([]).get_json(server.informea_endpoint + "/NoSuchSet")
    assert len(server.requests) == 1


@pytest.mark.parametrize("fault", [Fault(DECISIONS, html=True), Fault(DECISIONS, truncate=True)])
def test_a_body_that_is_not_json_is_never_data(server: SampleServer, fault: Fault) -> None:
    server.faults.extend([fault] * 3)
    with pytest.raises(SourceError, match="not JSON"):
        client([], retries=2).get_json(server.informea_endpoint + "/Decisions")
    assert len(server.requests) == 3


@pytest.mark.parametrize("fault", [Fault(DECISIONS, html=True), Fault(DECISIONS, truncate=True)])
def test_a_bad_body_is_asked_for_again(server: SampleServer, fault: Fault) -> None:
    server.faults.append(fault)
    doc = client([]).get_json(server.informea_endpoint + "/Decisions", params={"$top": "1"})
    assert len(doc["d"]["results"]) == 1


def test_read_timeout_is_retried(server: SampleServer) -> None:
    server.faults.append(Fault(DECISIONS, delay_s=1.5))
    c = HttpClient(retries=2, backoff_s=0.01, requests_per_s=1000, timeout_s=0.5, sleep=lambda s: None)
    doc = c.get_json(server.informea_endpoint + "/Decisions", params={"$top": "1"})
    assert len(doc["d"]["results"]) == 1
    assert c.requests_sent == 2


def test_sends_a_descriptive_user_agent(server: SampleServer) -> None:
    c = client([])
    c.get(server.informea_endpoint + "/Decisions")
    assert c.session.headers["User-Agent"] == "mcep-ld-test"


def test_every_harvester_sends_the_configured_user_agent(tmp_path: Path, server: SampleServer) -> None:
    """``http_user_agent`` as the server receives it, from a real run of each kind of source (a site operator
    reads it to know who crawls, and whom to write to)."""
    from mcep_ld.cli import harvest_source
    from tests.conftest import make_settings

    agent = "mcep-ld-test-agent/9 (+mailto:ops@example.org)"
    settings = make_settings(tmp_path / "data", http_user_agent=agent)
    for source, endpoint in (("informea", server.informea_endpoint), ("oai", server.oai_endpoint),
                             ("convention", server.file_url("convention")),
                             ("gef", server.file_url("gef/projects.csv"))):
        server.user_agents.clear()
        assert harvest_source(settings, source, endpoint).ok
        assert server.user_agents and set(server.user_agents) == {agent}, source


def test_a_source_may_have_its_own_pace(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, http_requests_per_s=4.0)
    settings.sources["cbd"] = {"requests_per_s": 0.5}
    assert HttpClient.from_settings(settings, source="cbd").min_interval_s == 2.0
    assert HttpClient.from_settings(settings, source="informea").min_interval_s == 0.25
    assert HttpClient.from_settings(settings).min_interval_s == 0.25

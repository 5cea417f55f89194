"""The HTTP client of every harvester against a hostile upstream on 127.0.0.1 (issue 14, rows 9 and 12):
redirects elsewhere, answers without end, answers that trickle, names that do not resolve, listings that loop.
Each is refused with a SourceError that says which limit, and no request leaves for another host."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester
from mcep_ld.harvesters.oai import OAIHarvester

from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import make_settings

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class Upstream:
    """A server whose answers each test writes: path → handler; every request is recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                upstream.requests.append(self.path)
                route = upstream.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def send(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    for k, v in {"Content-Length": str(len(body)), **headers}.items():
        h.send_header(k.replace("_", "-"), v)
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    u = Upstream()
    yield u
    u.server.shutdown()


def client(sleeps: list[float] | None = None, **kw: object) -> HttpClient:
    options = {"retries": 2, "backoff_s": 0.01, "requests_per_s": 1000, "timeout_s": 2.0} | kw
    return HttpClient(sleep=(sleeps.append if sleeps is not None else time.sleep), **options)


@pytest.mark.parametrize("target", ["http://localhost:{port}/data", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]:{port}/data", "https://127.0.0.1:{port}/data"])
def test_redirects_to_another_host_are_not_followed(upstream: Upstream, target: str) -> None:
    upstream.routes["/start"] = lambda h: send(h, 302, Location=target.format(port=upstream.port))
    upstream.routes["/data"] = lambda h: send(h, 200, b"secret")
    with pytest.raises(SourceError, match="redirected to another host") as caught:
        client().get(f"{upstream.url}/start")
    assert not caught.value.retryable
    assert upstream.requests == ["/start"]  # asked once, never followed, never retried


def test_a_redirect_on_the_same_host_is_followed(upstream: Upstream) -> None:
    upstream.routes["/start"] = lambda h: send(h, 301, Location="/data")
    upstream.routes["/data"] = lambda h: send(h, 200, b"the data")
    assert client().get(f"{upstream.url}/start").content == b"the data"


def test_an_answer_announcing_gigabytes_is_not_read(upstream: Upstream) -> None:
    def huge(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(2 << 30))
        h.end_headers()
        h.wfile.write(b"x" * 1000)

    upstream.routes["/big"] = huge
    with pytest.raises(SourceError, match="http_max_response_bytes"):  # refused on its Content-Length
        client(max_response_bytes=1 << 20).get(f"{upstream.url}/big")
    assert len(upstream.requests) == 1  # not retried


def test_an_answer_without_end_is_cut_at_the_limit(upstream: Upstream) -> None:
    def endless(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for _ in range(10_000):
                h.wfile.write(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
        except OSError:
            pass

    upstream.routes["/endless"] = endless
    with pytest.raises(SourceError, match="larger than http_max_response_bytes"):
        client(max_response_bytes=4 << 20).get(f"{upstream.url}/endless")


def test_an_answer_that_trickles_is_given_up_at_the_deadline(upstream: Upstream) -> None:
    sent: list[int] = []

    def trickle(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        try:
            for _ in range(100):  # 20 s in all
                h.wfile.write(b"z")
                h.wfile.flush()
                sent.append(1)
                time.sleep(0.2)
        except OSError:
            pass

    upstream.routes["/slow"] = trickle
    with pytest.raises(SourceError, match="http_deadline_s"):
        client(deadline_s=1.0, retries=0).get(f"{upstream.url}/slow")
    assert len(sent) < 100  # given up before the answer's end, at the deadline, not read to its end


def test_a_name_that_does_not_resolve_is_not_retried() -> None:
    sleeps: list[float] = []
    with pytest.raises(SourceError) as caught:
        client(sleeps, retries=4).get("http://no-such-host.invalid/informea.svc")
    assert sleeps == [] and not caught.value.retryable


def test_a_crawl_delay_is_capped() -> None:
    c = client(max_crawl_delay_s=30.0)
    c.slow_down(86_400)
    assert c.min_interval_s == 30.0


def test_a_run_sends_at_most_http_max_requests(upstream: Upstream) -> None:
    upstream.routes["/page"] = lambda h: send(h, 200, b"{}")
    c = client(max_requests=3)
    for _ in range(3):
        c.get(f"{upstream.url}/page")
    with pytest.raises(SourceError, match="http_max_requests"):
        c.get(f"{upstream.url}/page")


def test_a_resumption_token_that_comes_back_fails_the_run(tmp_path: Path, upstream: Upstream) -> None:
    """A repository whose every page hands back the same token: sickle would page for ever."""
    oai = "http://www.openarchives.org/OAI/2.0/"

    def page(h: http.server.BaseHTTPRequestHandler) -> None:
        n = len(upstream.requests)
        body = (f'<?xml version="1.0"?><OAI-PMH xmlns="{oai}"><responseDate>2024-01-01T00:00:00Z</responseDate>'
                f'<request verb="ListRecords">x</request><ListRecords><record><header><identifier>oai:x:{n}'
                '</identifier><datestamp>2024-01-01</datestamp></header><metadata><oai_dc:dc '
                'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title></oai_dc:dc></metadata></record>'
                '<resumptionToken>same-again</resumptionToken></ListRecords></OAI-PMH>').encode()
        send(h, 200, body, Content_Type="text/xml; charset=utf-8")

    upstream.routes["/oai"] = page
    with Hub(make_settings(tmp_path / "data")) as hub:
        h = OAIHarvester(endpoint=f"{upstream.url}/oai", settings=hub.settings, client=client())
        result = Pipeline(hub).harvest(h)
    assert not result.ok and "came back a second time" in result.error
    assert len(upstream.requests) <= 3


def _three_decisions() -> list[dict]:
    return json.loads((SAMPLES_DIR / "informea" / "Decisions.json").read_text(encoding="utf-8"))["d"]["results"][:3]


@contextmanager
def _harvested(tmp_path: Path, upstream: Upstream, body: bytes) -> Iterator[tuple[Hub, RunResult]]:
    """A harvest of InforMEA's Decisions served as *body*, with the hub it went into."""
    upstream.routes["/informea.svc/Decisions"] = lambda h: send(h, 200, body, Content_Type="application/json")
    settings = make_settings(tmp_path / "data")
    settings.sources.setdefault("informea", {})["entity_sets"] = ["Decisions"]
    with Hub(settings) as hub:
        h = InforMEAHarvester(endpoint=f"{upstream.url}/informea.svc", settings=settings, client=client())
        yield hub, Pipeline(hub).harvest(h)


def test_one_damaged_record_in_an_odata_page_is_quarantined_alone(tmp_path: Path, upstream: Upstream) -> None:
    """A value nested 5,000 levels deep (Python's parser gives up on the page) and bytes that are not UTF-8,
    each in its own decision: those two are quarantined, the third is published."""
    decisions = _three_decisions()
    decisions[0]["summary"] = "@@DEEP@@"
    decisions[1]["title"] = [{"language": "en", "value": "@@BAD@@"}]
    text = json.dumps({"d": {"results": decisions}})
    body = (text.replace('"@@DEEP@@"', "[" * 5000 + "]" * 5000).encode()
            .replace(b"@@BAD@@", b"Caf\xe9 \xff\xfe"))
    with _harvested(tmp_path, upstream, body) as (hub, result):
        assert result.ok, result.error
        assert (result.counters.added, result.counters.quarantined) == (1, 2)
        for q in hub.catalog.quarantine("informea"):
            assert "U+FFFD" in q["report"]


def test_values_no_utf8_payload_can_hold_cost_their_record_alone(tmp_path: Path, upstream: Upstream) -> None:
    """A lone surrogate escape (``\\ud800``, legal JSON, no character) made writing the payload raise and fail the
    whole run; an integer beyond 64 bits must stay exact. The first record is quarantined, the rest published."""
    decisions = _three_decisions()
    decisions[0]["title"] = [{"language": "en", "value": "@@LONE@@"}]
    decisions[1]["big"] = "@@BIG@@"
    body = (json.dumps({"d": {"results": decisions}}).replace('"@@LONE@@"', '"Mercury \\ud800 waste"')
            .replace('"@@BIG@@"', "123456789012345678901234567890").encode())
    with _harvested(tmp_path, upstream, body) as (hub, result):
        assert result.ok, result.error
        assert (result.counters.added, result.counters.quarantined) == (2, 1)
        [quarantined] = hub.catalog.quarantine("informea")
        assert "U+FFFD" in quarantined["report"]
        raws = [r["raw"] for r in hub.catalog.raw_records("informea")]
        assert any(b'"big":123456789012345678901234567890' in raw for raw in raws)


def _odata_page(url: str, next_url: str) -> bytes:
    uri = f"{url}/informea.svc/Decisions('x')"
    row = {"__metadata": {"uri": uri}, "id": "x", "treaty": "minamata", "title": [{"language": "en", "value": "T"}],
           "updated": "/Date(1500000000000)/", "number": "MC-1/1"}
    return json.dumps({"d": {"results": [row], "__next": next_url}}).encode()


@pytest.mark.parametrize("loop, message", [("same", "already read"), ("endless", "http_max_requests")])
def test_next_links_that_never_end_fail_the_run(tmp_path: Path, upstream: Upstream, loop: str, message: str) -> None:
    """A `__next` link back to a page already read fails at once; one that changes for ever, at the cap."""
    def page(h: http.server.BaseHTTPRequestHandler) -> None:
        n = len(upstream.requests)
        target = (f"{upstream.url}/informea.svc/Decisions?$skip=1" if loop == "same"
                  else f"{upstream.url}/informea.svc/Decisions?$skip={n}")
        send(h, 200, _odata_page(upstream.url, target), Content_Type="application/json")

    upstream.routes["/informea.svc/Decisions"] = page
    settings = make_settings(tmp_path / "data", http_max_requests=50)
    settings.sources.setdefault("informea", {})["entity_sets"] = ["Decisions"]
    with Hub(settings) as hub:
        h = InforMEAHarvester(endpoint=f"{upstream.url}/informea.svc", settings=settings,
                              client=HttpClient.from_settings(settings))
        result = Pipeline(hub).harvest(h)
    assert not result.ok and message in result.error
    assert len(upstream.requests) <= 52


def test_an_unknown_treaty_is_named_even_when_the_treaty_list_is_broken(tmp_path: Path, upstream: Upstream) -> None:
    """The list of treaties, asked to help the operator, answers an HTML page: the run still fails saying which
    treaty has no record, and why the list is missing."""
    decisions = _three_decisions()
    for row in decisions:
        row["treaty"] = "cbd"
    upstream.routes["/informea.svc/Treaties"] = lambda h: send(h, 200, b"<html>maintenance</html>",
                                                               Content_Type="text/html")
    with _harvested(tmp_path, upstream, json.dumps({"d": {"results": decisions}}).encode()) as (hub, result):
        assert not result.ok
        assert "no record for treaty 'minamata'" in result.error and "could not be read" in result.error
        assert hub.catalog.db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 0

"""``/metrics``: the service in Prometheus' text format (prometheus-client), for the operator's monitoring.

Two kinds of figures. Counted by this process as it answers: requests and their latency by route (the route's
template, never the raw path, so no client can grow the label set), SPARQL timeouts and refusals. Read from
the catalog and the data directory at each scrape, so they hold across restarts and count the runs of every
process: harvest runs by source and outcome, records by source and outcome, the last successful run of each
source as a timestamp, and the sizes of the store, the restricted store, the catalog and the search index.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HubCollector(Collector):
    """What the catalog and the data directory say, read at each scrape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app  # the hub is opened at start-up: read it from the application's state when asked

    def collect(self) -> Iterator[Metric]:
        hub = getattr(self.app.state, "hub", None)
        if hub is None:
            return
        runs = CounterMetricFamily("mcep_harvest_runs", "Harvest runs by source and outcome (completed, failed, "
                                   "aborted, running)", labels=["source", "status"])
        last_ok = GaugeMetricFamily("mcep_harvest_last_success_timestamp_seconds",
                                    "When the last completed run of each source ended (Unix time)", labels=["source"])
        for source, status, count, ended in hub.catalog.runs_by_outcome():
            runs.add_metric([source, status], count)
            if status == "completed" and ended:
                last_ok.add_metric([source], _unix(ended))
        records = GaugeMetricFamily("mcep_records", "Records by source and outcome (live, quarantined, deleted)",
                                    labels=["source", "outcome"])
        for source, live, quarantined, deleted in hub.catalog.records_by_outcome():
            for outcome, n in (("live", live), ("quarantined", quarantined), ("deleted", deleted)):
                records.add_metric([source, outcome], n or 0)
        sizes = GaugeMetricFamily("mcep_data_bytes", "Bytes on disk of each part of the data directory",
                                  labels=["part"])
        for part, path in (("store", "store"), ("restricted_store", "restricted-store"),
                           ("catalog", "catalog.sqlite"), ("search_index", "search.sqlite"), ("dumps", "dumps")):
            sizes.add_metric([part], _bytes(hub.data_dir / path))
        yield from (runs, last_ok, records, sizes)


def _unix(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _bytes(path: Path) -> int:
    """Bytes of a file, or of the files below a folder (SQLite's WAL and other side files included)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    side = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    return sum(p.stat().st_size for p in (path, *side) if p.is_file())


class Metrics:
    """The registry of one application, and the figures its routes count."""

    def __init__(self, app: ASGIApp) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mcep_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("mcep_http_request_duration_seconds", "Seconds from request to the end of the "
                                 "answer, by route", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.sparql_timeouts = Counter("mcep_sparql_timeouts", "SPARQL queries stopped at sparql_timeout_s",
                                       registry=self.registry)
        self.sparql_refusals = Counter("mcep_sparql_refusals", "SPARQL requests refused, by reason (a limit, "
                                       "the client's share, a malformed query…)", ["reason"], registry=self.registry)
        self.registry.register(HubCollector(app))

    def answer(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """ASGI middleware: counts each HTTP request under its route's template once its answer is sent."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, counted = 500, False

        def count() -> None:
            nonlocal counted
            if not counted:
                counted = True
                route = route_of(scope)
                self.metrics.requests.labels(route, scope["method"], str(status)).inc()
                self.metrics.latency.labels(route).observe(time.perf_counter() - started)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                count()  # before the last byte leaves: a client that then reads /metrics sees its request
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            count()  # an answer that never completed (an error, a client gone)


def route_of(scope: Scope) -> str:
    """The template of the route that answered (``/id/{kind}/{key}``), ``/static`` for files, else
    ``unmatched``: labels come from the application, never from the request."""
    if path := getattr(scope.get("route"), "path", None):
        return path
    endpoint = scope.get("endpoint")  # a plain Starlette route (/sparql) names its endpoint, not itself
    if endpoint is not None and (path := _starlette_paths(scope.get("app")).get(endpoint)):
        return path
    return "/static" if scope.get("path", "").startswith("/static/") else "unmatched"


@functools.cache
def _starlette_paths(app: object) -> dict[object, str]:
    """Endpoint → path template of an application's routes, read once (not on every request)."""
    return {route.endpoint: route.path for route in getattr(app, "routes", []) if hasattr(route, "endpoint")}


def metrics_route(request: Request) -> Response:
    """The figures, in Prometheus' text format."""
    return request.app.state.metrics.answer()

"""The FastAPI application. The service owns the store for as long as it runs (one writer per store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import PlainTextResponse, Response

from mcep_ld import __version__
from mcep_ld.config import Settings
from mcep_ld.hub import Hub
from mcep_ld.ingest import schedules
from mcep_ld.ingest.handoff import admin_token, announce, withdraw
from mcep_ld.ingest.runs import HarvestQueue
from mcep_ld.logs import hide_client_addresses, uvicorn_config
from mcep_ld.mapping.iris import void_graph_iri
from mcep_ld.publish.derived import remake
from mcep_ld.serve.engine.pool import QueryPool
from mcep_ld.serve.engine.snapshots import Snapshots
from mcep_ld.serve.engine.worker import StoreSpec
from mcep_ld.serve.oai.provider import Provider
from mcep_ld.serve.web import (
    admin,
    catalog,
    docs,
    feedback,
    health,
    insights,
    jsonld,
    oai,
    odata,
    pages,
    records,
    search,
    sparql,
    usage_page,
    vocab,
)
from mcep_ld.serve.web.guards import BodyLimit, HeadAsGet, SecurityHeaders
from mcep_ld.serve.web.metrics import Metrics, RequestMetrics, metrics_route
from mcep_ld.serve.web.negotiation import media_type, serialize
from mcep_ld.serve.web.templating import LayeredStaticFiles
from mcep_ld.serve.web.usage import Tally, UsageCounter, UsageWriter
from mcep_ld.store.embedded import EmbeddedStore


def create_app(settings: Settings) -> FastAPI:
    """The application for the hub of *settings*; the store is opened at start-up and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.log_client_addresses:
            hide_client_addresses()  # uvicorn has configured its loggers by now
        hub = Hub(settings)
        hub.store  # noqa: B018 - open now, so a busy store fails at start-up, not on the first request
        hub.publish_vocabularies()
        remake(hub)  # level with the catalog: cheap when already
        app.state.hub = hub
        app.state.oai = Provider(hub)
        app.state.snapshots, app.state.query_pool = query_engine(hub)
        # Threads that wait for the query workers: a query never waits behind other work for one.
        app.state.query_threads = ThreadPoolExecutor(2 * settings.sparql_max_concurrent, thread_name_prefix="sparql")
        app.state.harvests = HarvestQueue(hub)
        writer = None
        if settings.usage_analytics:
            writer = UsageWriter(tally, hub.catalog, interval_s=settings.usage_flush_interval_s,
                                 keep_days=settings.usage_retention_days).start()
        scheduler = schedules.start(settings, app.state.harvests)
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
        admin_token(settings)  # made now, so that `mcep harvest` finds it
        announce(hub.data_dir, f"http://{host}:{settings.http_port}")
        try:
            yield
        finally:
            withdraw(hub.data_dir)
            if writer is not None:
                writer.stop()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            app.state.harvests.close()
            app.state.query_threads.shutdown(wait=False, cancel_futures=True)
            if app.state.snapshots is not None:
                app.state.snapshots.close()
            app.state.query_pool.close()
            hub.close()

    app = FastAPI(title="mcep-ld", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Linked-data hub of the Minamata Convention Exchange Platform")

    @app.exception_handler(RequestValidationError)
    async def bad_argument(request: Request, exc: RequestValidationError) -> Response:
        """An argument of the wrong type or out of range: the protocol's 400 with the reason, never a 500."""
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return PlainTextResponse(f"bad argument: {reasons}", status_code=400)

    # Read-only data for any web page (query pages of partners, notebooks): CORS on, credentials off.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                       allow_headers=["Accept", "Content-Type", "Authorization"], allow_credentials=False)

    def body_limit(path: str) -> tuple[int, str]:
        if path == "/sparql":
            return settings.sparql_max_body_bytes, "sparql_max_body_bytes"
        return settings.http_max_body_bytes, "http_max_body_bytes"

    app.add_middleware(HeadAsGet)  # the routes see GET; the answer goes without its body
    app.add_middleware(BodyLimit, limit_for=body_limit, timeout_s=settings.http_body_timeout_s)
    app.add_middleware(SecurityHeaders)
    tally = Tally(max_keys_per_day=settings.usage_max_keys_per_day)
    if settings.usage_analytics:  # no cookie, no address stored: daily aggregates (serve/web/usage.py)
        app.add_middleware(UsageCounter, tally=tally, settings=settings)
    app.state.metrics = Metrics(app)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)  # outermost: every answer is counted
    app.add_api_route("/metrics", metrics_route, methods=["GET"], summary="The service's figures (Prometheus)")
    app.router.routes.extend(sparql.routes)
    app.include_router(vocab.router)
    app.include_router(oai.router)
    app.include_router(odata.router)
    app.include_router(records.router)
    app.include_router(search.router)
    app.include_router(pages.router)
    app.include_router(insights.router)
    app.include_router(feedback.router)
    app.include_router(jsonld.router)
    app.include_router(catalog.router)
    app.include_router(admin.router)
    app.include_router(usage_page.router)
    app.include_router(docs.router)
    app.include_router(health.router)
    app.mount("/static", LayeredStaticFiles(override=settings.static_dir), name="static")

    def openapi() -> dict:
        """FastAPI's description of the routes, with /sparql (a plain Starlette route) described by hand."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema["paths"]["/sparql"] = sparql.OPENAPI
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi

    @app.get("/void")
    def void_description(request: Request) -> Response:
        """The VoID description of the dataset (Turtle, or N-Triples, JSON-LD, RDF/XML by Accept)."""
        hub = app.state.hub
        media = media_type(request, html=False)
        quads = hub.store.public.quads(void_graph_iri(hub.settings.base_uri))
        body = serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], media,
                         public_url=hub.settings.public_url)
        return Response(body, media_type=media)
    return app


def query_engine(hub: Hub) -> tuple[Snapshots | None, QueryPool]:
    """The query workers of the service, reading checkpoints of the embedded store (or the remote store)."""
    settings = hub.settings
    store = hub.store.public
    snapshots = None
    if isinstance(store, EmbeddedStore):
        snapshots = Snapshots(store, hub.data_dir / "snapshots")

        def spec() -> StoreSpec:
            return StoreSpec(snapshot=str(snapshots.current()))
    else:
        remote = StoreSpec(remote_url=settings.store, query_url=settings.store_query_url,
                           timeout_s=settings.sparql_timeout_s)

        def spec() -> StoreSpec:
            return remote
    pool = QueryPool(size=settings.sparql_max_concurrent, per_client=settings.sparql_max_per_client,
                     spool_dir=hub.data_dir / "spool", store_spec=spec)
    if snapshots is not None:
        snapshots.follow(pool.in_use)
    return snapshots, pool


def serve(settings: Settings) -> None:
    """Run the service with uvicorn (one worker: it owns the store)."""
    import uvicorn

    # Behind a proxy: root_path is the prefix it strips (the pages' links carry it); X-Forwarded-For and
    # -Proto are believed from forwarded_allow_ips only.
    logging_options = {"log_config": config} if (config := uvicorn_config(settings.log_format)) else {}
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_level="info",
                root_path=settings.root_path, proxy_headers=True,
                forwarded_allow_ips=",".join(settings.forwarded_allow_ips), **logging_options)

"""The FastAPI application. The service owns the store for as long as it runs (one writer per store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mcep_ld import __version__
from mcep_ld.config import Settings
from mcep_ld.hub import Hub
from mcep_ld.oai.provider import Provider
from mcep_ld.web import oai, sparql, vocab


def create_app(settings: Settings) -> FastAPI:
    """The application for the hub of *settings*; the store is opened at start-up and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = Hub(settings)
        hub.store  # noqa: B018 - open now, so a busy store fails at start-up, not on the first request
        hub.publish_vocabularies()
        app.state.hub = hub
        app.state.oai = Provider(hub)
        try:
            yield
        finally:
            hub.close()

    app = FastAPI(title="mcep-ld", version=__version__, lifespan=lifespan,
                  description="Linked-data hub of the Minamata Convention Exchange Platform")

    @app.get("/health")
    def health() -> dict:
        """Liveness and a glance at what the hub holds."""
        catalog = app.state.hub.catalog
        n = catalog.db.execute("SELECT COUNT(*) FROM records WHERE published=1").fetchone()[0]
        return {"status": "ok", "version": __version__, "published_records": n}

    # Read-only data for any web page (query pages of partners, notebooks): CORS on, credentials off.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                       allow_headers=["Accept", "Content-Type", "Authorization"], allow_credentials=False)
    app.include_router(sparql.router)
    app.include_router(vocab.router)
    app.include_router(oai.router)
    return app


def serve(settings: Settings) -> None:
    """Run the service with uvicorn (one worker: it owns the store)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_level="info")

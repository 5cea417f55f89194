"""``/docs``: Swagger UI over the hub's OpenAPI description, from files installed with the hub
(``static/swagger-ui/``: swagger-ui-dist from npm, see its VERSION file) and a start script of our own: nothing
from another host, no inline script, so it works offline and under the pages' Content-Security-Policy.
FastAPI's CDN-loaded ``/docs`` and ``/redoc`` are turned off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mcep_ld.serve.web.layout import rooted

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI, reading ``openapi.json`` beside this page."""
    return HTMLResponse(rooted(request, (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mcep-ld API</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css"><link rel="icon" href="/static/favicon.svg">'
        '</head><body><div id="swagger-ui"></div>'
        '<script src="/static/swagger-ui/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script>'
        "</body></html>")))

"""``/sparql``: queries over the public dataset (GET, POST form, POST direct), results by content negotiation.

Minimal for now: protocol conformance, limits and updates come with their own issue.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from mcep_ld.queries import FORMATS, QueryError, answer

router = APIRouter()

_BY_MEDIA_TYPE = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
    "text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
    "application/rdf+xml": "xml",
}


def _negotiate(request: Request, graph: bool) -> str:
    """The format name: an explicit ``format`` parameter, else the first Accept type we serve."""
    if fmt := request.query_params.get("format"):
        return fmt
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";")[0].strip().lower()
        name = _BY_MEDIA_TYPE.get(media)
        if name and (FORMATS[name].graph if graph else FORMATS[name].results) is not None:
            return name
    return "ttl" if graph else "json"


async def _query_text(request: Request) -> str | None:
    if request.method == "GET":
        queries = request.query_params.getlist("query")
    else:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/sparql-query":
            return (await request.body()).decode("utf-8")
        if ctype != "application/x-www-form-urlencoded":
            raise QueryError(f"unsupported content type {ctype!r}")
        # Parsed here rather than with request.form(), which needs python-multipart for nothing more.
        form = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
        queries = form.get("query", [])
    if len(queries) > 1:
        raise QueryError("more than one query in the request")
    return queries[0] if queries else None


@router.api_route("/sparql", methods=["GET", "POST"])
async def sparql(request: Request) -> Response:
    try:
        text = await _query_text(request)
        if text is None:
            return PlainTextResponse("missing 'query' parameter", status_code=400)
        hub = request.app.state.hub
        body, fmt = await run_in_threadpool(answer, hub.store.public, text, lambda graph: _negotiate(request, graph))
    except QueryError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return Response(body, media_type=fmt.media_type)

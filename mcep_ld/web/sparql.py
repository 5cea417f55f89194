"""``/sparql``: queries over the public dataset (GET, POST form, POST direct), results by content negotiation.

The SPARQL 1.1 Protocol's query and update operations, with a request's dataset (``default-graph-uri``,
``named-graph-uri``, ``using-graph-uri``, ``using-named-graph-uri``). Updates need the configured bearer
token; they change the public store only (never the restricted one), and bypass the catalog: an operator's
repair tool, not a way to publish records. Limits come next.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from mcep_ld.queries import FORMATS, Dataset, QueryError, answer, count_rows, run_update
from mcep_ld.web.negotiation import media_type, serialize
from mcep_ld.web.query_page import SD, VOID, examples, page, results_table, service_description

router = APIRouter()
T = TypeVar("T")

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


class ProtocolError(Exception):
    """A request the SPARQL 1.1 Protocol refuses, with the HTTP status it deserves."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Operation:
    kind: str  # query | update
    text: str | None
    dataset: Dataset


async def _operation(request: Request) -> Operation:
    """The operation of a request: a query (GET ``query=``, POST form or POST direct) or an update (POST form
    ``update=`` or POST direct), with its dataset.

    The protocol's choices made here: only UTF-8 bodies (415 otherwise, as for any other media type), a
    POST without a media type is refused (415) rather than guessed, GET with ``update=`` gets 405.
    """
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        if "update" in params:
            raise ProtocolError(405, "updates are POSTed, never sent with GET")
        fields = params
    else:
        ctype, _, rest = request.headers.get("content-type", "").partition(";")
        ctype = ctype.strip().lower()
        charset = rest.lower().split("charset=")[-1].strip(' "') if "charset=" in rest.lower() else "utf-8"
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"the body must be UTF-8, not {charset}")
        limit = request.app.state.hub.settings.sparql_max_body_bytes
        if int(request.headers.get("content-length") or 0) > limit:
            raise ProtocolError(413, f"the body is larger than sparql_max_body_bytes ({limit})")
        body = await request.body()
        if len(body) > limit:
            raise ProtocolError(413, f"the body is larger than sparql_max_body_bytes ({limit})")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(415, "the body is not UTF-8") from None
        if ctype == "application/sparql-query":
            fields = {**params, "query": [text]}
        elif ctype == "application/sparql-update":
            fields = {**params, "update": [text]}
        elif ctype == "application/x-www-form-urlencoded":
            # Parsed here rather than with request.form(), which needs python-multipart for nothing more.
            fields = {**params}
            for key, values in parse_qs(text, keep_blank_values=True).items():
                fields.setdefault(key, []).extend(values)
        else:
            raise ProtocolError(415, f"unsupported media type {ctype or '(none)'}: use application/sparql-query, "
                                     "application/sparql-update or application/x-www-form-urlencoded")
    queries, updates = fields.get("query", []), fields.get("update", [])
    if len(queries) + len(updates) > 1:
        raise ProtocolError(400, "more than one operation in the request")
    base = f"{request.app.state.hub.settings.base_uri}sparql"
    if updates:
        using = Dataset(tuple(fields.get("using-graph-uri", [])), tuple(fields.get("using-named-graph-uri", [])), base)
        return Operation("update", updates[0], using)
    dataset = Dataset(tuple(fields.get("default-graph-uri", [])), tuple(fields.get("named-graph-uri", [])), base)
    return Operation("query", queries[0] if queries else None, dataset)


async def _within_limits(request: Request, work: Callable[..., T], *args: object) -> T:
    """*work* in a worker thread (Oxigraph releases the GIL: other requests go on), at most
    ``sparql_max_concurrent`` at once, answered within ``sparql_timeout_s`` or not at all (503).

    Oxigraph cannot stop a query once started: after a timeout its thread runs to the end and keeps its slot,
    so runaway queries can delay others but never take more than the configured slots.
    """
    settings = request.app.state.hub.settings
    slots: threading.BoundedSemaphore = request.app.state.sparql_slots
    deadline = time.monotonic() + settings.sparql_timeout_s

    def bounded() -> T:
        if not slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ProtocolError(503, "every query slot is busy "
                                     f"(sparql_max_concurrent={settings.sparql_max_concurrent})")
        try:
            return work(*args)
        finally:
            slots.release()

    future = asyncio.get_running_loop().run_in_executor(None, bounded)
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout=settings.sparql_timeout_s)
    except TimeoutError:
        raise ProtocolError(503, f"the query was not answered within sparql_timeout_s ({settings.sparql_timeout_s} s): "
                                 "narrow it (a LIMIT, fewer joins) or ask the operators") from None


def _describe(request: Request) -> Response:
    """GET without a query: the query page for browsers (``?example=`` prefills it), else the SPARQL 1.1
    service description, in Turtle unless another RDF type is asked for."""
    settings = request.app.state.hub.settings
    endpoint = f"{settings.base_uri}sparql"
    media = media_type(request)
    if media == "text/html":
        chosen = next((e.query for e in examples() if e.name == request.query_params.get("example")), "")
        return HTMLResponse(page(endpoint, chosen))
    triples = service_description(endpoint, f"{settings.base_uri}void#dataset",
                                  updates=bool(settings.sparql_update_token))
    body = serialize(triples, media, {"sd": SD, "void": VOID})
    return Response(body, media_type=media)


def _authorise(request: Request) -> None:
    """Updates need the configured bearer token: none configured, 403; none sent, 401; another, 403."""
    token = request.app.state.hub.settings.sparql_update_token
    if not token:
        raise ProtocolError(403, "this endpoint takes no updates (sparql_update_token is not set)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ProtocolError(401, "updates need an Authorization: Bearer token")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ProtocolError(403, "this token may not update")


@router.api_route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
async def sparql(request: Request) -> Response:
    if request.method not in ("GET", "POST"):  # 405 rather than 404: the resource exists, the method does not
        return PlainTextResponse(f"{request.method} is not a SPARQL protocol operation: use GET or POST",
                                 status_code=405, headers={"Allow": "GET, POST"})
    hub = request.app.state.hub
    try:
        op = await _operation(request)
        if op.text is None and request.method == "GET":  # a visit: the query page, or the service description
            return _describe(request)
        if op.text is None:
            return PlainTextResponse("missing 'query' parameter", status_code=400)
        if op.kind == "update":
            _authorise(request)
            await _within_limits(request, run_update, hub.store.public, op.text, op.dataset)
            return Response(status_code=204)
        as_table = request.query_params.get("format") == "html"
        choose = (lambda graph: "ttl" if graph else "json") if as_table else (lambda graph: _negotiate(request, graph))
        body, fmt = await _within_limits(request, answer, hub.store.public, op.text, choose, op.dataset)
        limit = hub.settings.sparql_max_rows
        # Every row takes a byte at least: a smaller answer cannot be over the limit, and is not parsed again.
        if fmt.results is not None and len(body) > limit and (rows := count_rows(body, fmt)) is not None \
                and rows > limit:
            raise ProtocolError(400, f"the answer has {rows} rows, more than sparql_max_rows ({limit}): "
                                     "add a LIMIT (and page with OFFSET)")
        if as_table and fmt.name == "json":
            return HTMLResponse(results_table(body, op.text))
    except ProtocolError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return PlainTextResponse(str(exc), status_code=exc.status, headers=headers)
    except QueryError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return Response(body, media_type=fmt.media_type)

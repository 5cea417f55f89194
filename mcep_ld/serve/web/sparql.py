"""``/sparql``: queries over the public dataset (GET, POST form, POST direct), results by content negotiation.

The SPARQL 1.1 Protocol's query and update operations, with a request's dataset (``default-graph-uri``,
``named-graph-uri``, ``using-graph-uri``, ``using-named-graph-uri``). Updates need the configured bearer
token; they change the public store only (never the restricted one), and bypass the catalog: an operator's
repair tool, not a way to publish records.

Queries are checked (length, nesting, SERVICE) before any parser reads them, then evaluated by a worker
process of :mod:`mcep_ld.serve.engine`, which is killed at ``sparql_timeout_s``: no query can take down, or keep
busy, the process that serves pages and OAI-PMH.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from mcep_ld.config import Settings
from mcep_ld.errors import MCEPError
from mcep_ld.serve.engine.guard import Limits, QueryRefused, check
from mcep_ld.serve.engine.pool import ClientBusy, EngineCrashed, EngineTimeout, QueryPool
from mcep_ld.serve.engine.worker import Answer, Job, Refused
from mcep_ld.serve.formats import GRAPH_OFFER, RESULTS_OFFER, best_media, named_format, result_format
from mcep_ld.serve.queries import Dataset, QueryError, run_update
from mcep_ld.serve.web.bearer import check_bearer
from mcep_ld.serve.web.layout import page_language
from mcep_ld.serve.web.negotiation import media_type, serialize
from mcep_ld.serve.web.query_page import examples, page, results_page, service_description
from mcep_ld.serve.web.usage import note


def _negotiate(request: Request, names: tuple[str, ...], graph: bool) -> str:
    """The answer's format name, for a graph (CONSTRUCT, DESCRIBE) or results (SELECT, ASK).

    ``format`` values first (SPARQLWrapper sends its own names, and repeats the parameter with a media type):
    the first that fits this kind of answer. One that names no format at all is passed on, so the answer is
    400 with the formats we have; known ones that fit only the other kind leave it to ``Accept``, by
    python-mimeparse (q-values, ranges), as every route negotiates; no preference: Turtle, or JSON."""
    known = [f for f in map(named_format, names) if f is not None]
    if names and not known:
        return names[0]
    for fmt in known:
        if (fmt.graph if graph else fmt.results) is not None:
            return fmt.name
    media = best_media(request.headers.get("accept"), GRAPH_OFFER if graph else RESULTS_OFFER)
    fmt = result_format(media, graph=graph) if media else None
    return fmt.name if fmt else ("ttl" if graph else "json")


class ProtocolError(MCEPError):
    """A request the SPARQL 1.1 Protocol refuses, with the HTTP status it deserves."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Operation:
    kind: str  # query | update
    text: str | None
    dataset: Dataset
    formats: tuple[str, ...] = ()  # the format parameters, in order


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
    base = f"{request.app.state.hub.settings.public_url}sparql"
    if updates:
        using = Dataset(tuple(fields.get("using-graph-uri", [])), tuple(fields.get("using-named-graph-uri", [])), base)
        return Operation("update", updates[0], using)
    dataset = Dataset(tuple(fields.get("default-graph-uri", [])), tuple(fields.get("named-graph-uri", [])), base)
    formats = tuple(v for v in fields.get("format", []) if v)
    return Operation("query", queries[0] if queries else None, dataset, formats)


def _spool_chunks(path: str) -> Iterator[bytes]:
    """A worker's answer file in chunks; removed at the end or when the client leaves."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 18):
                yield chunk
    finally:
        os.unlink(path)


def _drop(future: asyncio.Future) -> None:
    """The answer of a request whose client left: its file removed, any error dropped."""
    if not future.cancelled() and future.exception() is None:
        reply = future.result()
        if isinstance(reply, Answer) and reply.path:
            os.unlink(reply.path)


def _timeout(settings: Settings) -> ProtocolError:
    return ProtocolError(503, f"the query was not answered within sparql_timeout_s ({settings.sparql_timeout_s} s): "
                              "narrow it (a LIMIT, fewer joins) or ask the operators")


async def _evaluate(request: Request, job: Job) -> Answer:
    """*job* answered by a query worker within ``sparql_timeout_s`` (503 past it: the worker is killed), at
    most ``sparql_max_per_client`` at once for one client address (429 past that)."""
    settings: Settings = request.app.state.hub.settings
    pool: QueryPool = request.app.state.query_pool
    client = request.client.host if request.client else "unknown"
    gave_up = threading.Event()
    try:
        with pool.admit(client):
            work = partial(pool.run, job, deadline=time.monotonic() + settings.sparql_timeout_s, gave_up=gave_up)
            future = asyncio.get_running_loop().run_in_executor(request.app.state.query_threads, work)
            try:
                reply = await asyncio.shield(future)
            except asyncio.CancelledError:  # the client left: its worker is stopped
                gave_up.set()
                future.add_done_callback(_drop)
                raise
    except ClientBusy:
        request.app.state.metrics.sparql_refusals.labels("client_share").inc()
        raise ProtocolError(429, f"this client already has sparql_max_per_client ({settings.sparql_max_per_client}) "
                                 "queries running or waiting: wait for their answers") from None
    except EngineTimeout:
        request.app.state.metrics.sparql_timeouts.inc()
        raise _timeout(settings) from None
    except EngineCrashed:
        request.app.state.metrics.sparql_refusals.labels("engine_crashed").inc()
        raise ProtocolError(400, "the query engine stopped on this query (it has been restarted): simplify the "
                                 "query") from None
    if isinstance(reply, Refused):
        request.app.state.metrics.sparql_refusals.labels(reply.reason).inc()
        raise ProtocolError(reply.status, reply.message)
    return reply


async def _update(request: Request, op: Operation) -> None:
    """An update, on the service's own store (updates need the operators' token): on a thread, answered
    within ``sparql_timeout_s`` or with 503 (an update cannot be stopped: it runs to its end)."""
    hub = request.app.state.hub
    future = asyncio.get_running_loop().run_in_executor(None, run_update, hub.store.public, op.text, op.dataset)
    try:
        await asyncio.wait_for(asyncio.shield(future), timeout=hub.settings.sparql_timeout_s)
    except TimeoutError:
        raise _timeout(hub.settings) from None
    finally:
        if future.done() and request.app.state.snapshots is not None:
            request.app.state.snapshots.refresh()


def _describe(request: Request) -> Response:
    """GET without a query: the query page for browsers (``?example=`` prefills it), else the SPARQL 1.1
    service description, in Turtle unless another RDF type is asked for."""
    settings = request.app.state.hub.settings
    endpoint = f"{settings.public_url}sparql"
    media = media_type(request)
    if media == "text/html":
        chosen = next((e.query for e in examples() if e.name == request.query_params.get("example")), "")
        return HTMLResponse(page(request, page_language(request), endpoint, chosen))
    triples = service_description(endpoint, f"{settings.base_uri}void#dataset",
                                  updates=bool(settings.sparql_update_token))
    body = serialize(triples, media, public_url=settings.public_url)
    return Response(body, media_type=media)


def _authorise(request: Request) -> None:
    """Updates need the configured bearer token: none configured, 403; none sent, 401; another, 403."""
    verdict = check_bearer(request.headers.get("authorization"), request.app.state.hub.settings.sparql_update_token)
    if verdict == "unset":
        raise ProtocolError(403, "this endpoint takes no updates (sparql_update_token is not set)")
    if verdict == "missing":
        raise ProtocolError(401, "updates need an Authorization: Bearer token")
    if verdict == "wrong":
        raise ProtocolError(403, "this token may not update")


async def sparql(request: Request) -> Response:
    if request.method not in ("GET", "POST"):  # 405 rather than 404: the resource exists, the method does not
        return PlainTextResponse(f"{request.method} is not a SPARQL protocol operation: use GET or POST",
                                 status_code=405, headers={"Allow": "GET, POST"})
    settings: Settings = request.app.state.hub.settings
    try:
        op = await _operation(request)
        if op.text is None and request.method == "GET":  # a visit: the query page, or the service description
            return _describe(request)
        if op.text is None:
            return PlainTextResponse("missing 'query' parameter", status_code=400)
        note(request, "sparql_text", " ".join(op.text.split()))  # counted; the text kept only if configured
        check(op.text, Limits(max_chars=settings.sparql_max_body_bytes, max_nesting=settings.sparql_max_nesting,
                              service_allow=tuple(settings.sparql_service_allow)))
        if op.kind == "update":
            _authorise(request)
            await _update(request, op)
            return Response(status_code=204)
        as_table = "html" in op.formats
        job = Job(op.text, op.dataset, results_format="json" if as_table else _negotiate(request, op.formats, False),
                  graph_format="ttl" if as_table else _negotiate(request, op.formats, True),
                  max_rows=settings.sparql_max_rows, max_bytes=settings.sparql_max_answer_bytes)
        answer = await _evaluate(request, job)
    except ProtocolError as exc:
        if exc.status not in (400, 429, 503):  # those are counted where they are raised
            request.app.state.metrics.sparql_refusals.labels("protocol").inc()
        headers = {401: {"WWW-Authenticate": "Bearer"}, 429: {"Retry-After": "1"}}.get(exc.status)
        return PlainTextResponse(str(exc), status_code=exc.status, headers=headers)
    except (QueryError, QueryRefused) as exc:
        reason = "guard" if isinstance(exc, QueryRefused) else "malformed"
        request.app.state.metrics.sparql_refusals.labels(reason).inc()
        return PlainTextResponse(str(exc), status_code=400)
    if answer.body is not None:
        if as_table and answer.format == "json":
            return HTMLResponse(results_page(request, answer.body, op.text))
        return Response(answer.body, media_type=answer.media_type)
    if as_table and answer.format == "json":  # a large table: read from its file
        body = b"".join(_spool_chunks(answer.path))
        return HTMLResponse(results_page(request, body, op.text))
    return StreamingResponse(_spool_chunks(answer.path), media_type=answer.media_type,
                             headers={"Content-Length": str(answer.size)})


def _answers(*media: str) -> dict:
    return {m: {"schema": {"type": "string"}} for m in media}


_RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
            "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
            "application/rdf+xml", "text/html")
_PROBLEM = {"text/plain": {"schema": {"type": "string"}}}
_RESPONSES = {
    "200": {"description": "the answer, complete (SELECT/ASK results or a graph), by Accept or `format`",
            "content": _answers(*_RESULTS)},
    "204": {"description": "an update was applied"},
    "400": {"description": "a malformed query, a limit passed (rows, answer bytes, nesting), a refused SERVICE",
            "content": _PROBLEM},
    "401": {"description": "an update without the bearer token", "content": _PROBLEM},
    "403": {"description": "an update with another token, or none configured", "content": _PROBLEM},
    "413": {"description": "a body over sparql_max_body_bytes", "content": _PROBLEM},
    "415": {"description": "a body in another media type or charset", "content": _PROBLEM},
    "429": {"description": "this client has sparql_max_per_client queries running", "content": _PROBLEM},
    "503": {"description": "not answered within sparql_timeout_s", "content": _PROBLEM},
}
_DATASET = [
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "graphs whose union is the default graph (wins over FROM)"},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "graphs that GRAPH clauses may name (wins over FROM NAMED)"},
]
#: `/sparql` in the OpenAPI description: the route is plain Starlette (the protocol's parameters are read by
#: hand), so FastAPI cannot describe it by itself.
OPENAPI = {
    "get": {
        "summary": "SPARQL 1.1 query (GET); without a query: the query page or the service description",
        "operationId": "sparql_get", "tags": ["sparql"],
        "parameters": [{"name": "query", "in": "query", "schema": {"type": "string"},
                        "description": "a SPARQL 1.1 query"},
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": [
                           "json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "html"]},
                        "description": "the answer's format, over Accept"}, *_DATASET],
        "responses": _RESPONSES,
    },
    "post": {
        "summary": "SPARQL 1.1 query or update (POST, form or direct); updates need the bearer token",
        "operationId": "sparql_post", "tags": ["sparql"],
        "parameters": _DATASET,
        "requestBody": {"required": True, "content": {
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/sparql-update": {"schema": {"type": "string"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                "query": {"type": "string"}, "update": {"type": "string"},
                "default-graph-uri": {"type": "string"}, "named-graph-uri": {"type": "string"},
                "using-graph-uri": {"type": "string"}, "using-named-graph-uri": {"type": "string"}}}},
        }},
        "responses": _RESPONSES,
    },
}


# A plain Starlette route: the protocol's parameters are read here, so FastAPI's per-request validation
# would only add time to every query.
routes = [Route("/sparql", sparql, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]

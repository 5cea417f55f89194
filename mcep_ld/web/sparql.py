"""``/sparql``: queries over the public dataset (GET, POST form, POST direct), results by content negotiation.

The SPARQL 1.1 Protocol's query and update operations, with a request's dataset (``default-graph-uri``,
``named-graph-uri``, ``using-graph-uri``, ``using-named-graph-uri``). Updates need the configured bearer
token; they change the public store only (never the restricted one), and bypass the catalog: an operator's
repair tool, not a way to publish records.
"""

from __future__ import annotations

import asyncio
import hmac
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from mcep_ld.config import Settings
from mcep_ld.queries import FORMATS, Dataset, QueryError, ResultFormat, RowCounter, evaluate, run_update, write
from mcep_ld.web.negotiation import media_type, serialize
from mcep_ld.web.query_page import examples, page, results_table, service_description

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


class Answer:
    """A serialised answer, written by pyoxigraph as it evaluates the query into memory up to
    ``MEMORY_BYTES``, then into a temporary file; sent once complete, so an answer that passes a limit
    or the deadline gets an error status, never a 200 with a cut body (what Oxigraph's own server does).

    ``write`` is where limits are enforced: raising there stops pyoxigraph's evaluation, so an answer too
    large, or one nobody waits for any more, stops taking CPU at its next chunk (about 8 KiB).
    """

    MEMORY_BYTES = 1 << 20
    CHUNK_BYTES = 1 << 18

    def __init__(self, fmt: ResultFormat, *, max_rows: int, max_bytes: int, gave_up: threading.Event) -> None:
        self.fmt = fmt
        self.size = 0
        self._file = tempfile.SpooledTemporaryFile(max_size=self.MEMORY_BYTES)
        self._rows = RowCounter(fmt) if fmt.results is not None else None
        self._max_rows, self._max_bytes, self._gave_up = max_rows, max_bytes, gave_up

    def write(self, chunk: bytes) -> int:
        if self._gave_up.is_set():
            raise _GaveUp
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise ProtocolError(400, f"the answer is larger than sparql_max_answer_bytes ({self._max_bytes}): "
                                     "add a LIMIT (and page with OFFSET)")
        written = self._file.write(chunk)
        if self._rows is not None:
            self._rows.feed(chunk)
            if self._rows.total > self._max_rows and not self._rows.exact:  # a quick count: make sure
                self._rows.recount(self._written())
            if self._rows.total > self._max_rows:
                raise ProtocolError(400, f"the answer has more than sparql_max_rows ({self._max_rows}) rows: "
                                         "add a LIMIT (and page with OFFSET)")
        return written

    def _written(self) -> Iterator[bytes]:
        """What was written so far, in chunks; the spool is left at its end."""
        self._file.seek(0)
        while chunk := self._file.read(self.CHUNK_BYTES):
            yield chunk

    def flush(self) -> None:
        """pyoxigraph flushes its output at the end; a spool has nothing to flush."""

    def read(self) -> bytes:
        """The whole answer (small ones, and the HTML table)."""
        self._file.seek(0)
        try:
            return self._file.read()
        finally:
            self.close()

    def chunks(self) -> Iterator[bytes]:
        """The answer in chunks of ``CHUNK_BYTES``; the spool is closed at the end or when the client leaves."""
        self._file.seek(0)
        try:
            while chunk := self._file.read(self.CHUNK_BYTES):
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._file.close()


class _GaveUp(Exception):
    """Raised into pyoxigraph's evaluation once the request has been answered with a timeout."""


def _answer(store: object, op: Operation, choose: Callable[[bool], str], settings: Settings,
            gave_up: threading.Event) -> Answer:
    """Evaluate and serialise *op* on this (worker) thread, which owns the pyoxigraph result throughout."""
    if gave_up.is_set():  # it waited for a worker past the deadline
        raise _GaveUp
    result, fmt = evaluate(store, op.text, choose, op.dataset)
    answer = Answer(fmt, max_rows=settings.sparql_max_rows, max_bytes=settings.sparql_max_answer_bytes,
                    gave_up=gave_up)
    try:
        write(result, fmt, answer)
    except BaseException:
        answer.close()
        raise
    finally:
        del result  # dropped here, on this thread
    return answer


def _update(store: object, op: Operation, gave_up: threading.Event) -> None:
    if gave_up.is_set():
        raise _GaveUp
    run_update(store, op.text, op.dataset)


def _discard(future: asyncio.Future) -> None:
    """An answer completed after its request timed out: its spool is closed, any error dropped."""
    if not future.cancelled() and future.exception() is None and isinstance(future.result(), Answer):
        future.result().close()


async def _in_worker(request: Request, work: Callable[[threading.Event], T]) -> T:
    """*work* on one of the ``sparql_max_concurrent`` query threads (Oxigraph releases the GIL: other
    requests go on), answered within ``sparql_timeout_s`` or not at all (503).

    Past the deadline *work* is told to give up: a lazy evaluation stops at its next chunk of output; one
    that computes before it writes (an aggregate, an ORDER BY) runs to its end on its thread, which it keeps.
    """
    timeout_s = request.app.state.hub.settings.sparql_timeout_s
    gave_up = threading.Event()
    future = asyncio.get_running_loop().run_in_executor(request.app.state.sparql_pool, work, gave_up)
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout=timeout_s)
    except (TimeoutError, asyncio.CancelledError) as exc:
        gave_up.set()
        future.add_done_callback(_discard)
        if isinstance(exc, asyncio.CancelledError):  # the client left
            raise
        raise ProtocolError(503, f"the query was not answered within sparql_timeout_s ({timeout_s} s): "
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
    body = serialize(triples, media, base_uri=settings.base_uri)
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
            await _in_worker(request, partial(_update, hub.store.public, op))
            return Response(status_code=204)
        as_table = request.query_params.get("format") == "html"
        choose = (lambda graph: "ttl" if graph else "json") if as_table else (lambda graph: _negotiate(request, graph))
        answer = await _in_worker(request, partial(_answer, hub.store.public, op, choose, hub.settings))
    except ProtocolError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return PlainTextResponse(str(exc), status_code=exc.status, headers=headers)
    except QueryError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    if as_table and answer.fmt.name == "json":
        return HTMLResponse(results_table(answer.read(), op.text))
    if answer.size <= Answer.MEMORY_BYTES:  # still in memory: one body
        return Response(answer.read(), media_type=answer.fmt.media_type)
    return StreamingResponse(answer.chunks(), media_type=answer.fmt.media_type,
                             headers={"Content-Length": str(answer.size)})


# A plain Starlette route: the protocol's parameters are read here, so FastAPI's per-request validation
# would only add time to every query.
routes = [Route("/sparql", sparql, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]

"""What every request and answer of the service passes through: a body limit, and the headers that keep a
browser from doing with our pages what a hostile record or query would like it to.

Both are plain ASGI middleware (no per-request Python object beyond what they need), so they cost little
on the SPARQL and OAI-PMH paths that harvesters hit hard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The page's own resources only; no inline script (JSON-LD data blocks are not executed), no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: /docs (Swagger UI, installed with the hub) sets style attributes as it draws.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
#: /sparql (YASGUI, installed with the hub): the page's CSP, and the one style attribute YASR's results table
#: sets, allowed by its hash (found by the browser test's console check) rather than any inline style.
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-hashes' "
                         "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on every answer, and a
    Content-Security-Policy on every HTML one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, root = scope["path"], scope.get("root_path", "")
        csp = {"/docs": DOCS_CSP, "/sparql": EDITOR_CSP}.get(path.removeprefix(root), CSP)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in names]
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Reads a request's body before the application does, refusing with 413 once it passes the limit for
    its path (``limit_for(path)``, with the setting's name) and with 408 when it takes longer than
    *timeout_s* to arrive: a 2 GB body, or one byte every few seconds, never reaches a route."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], tuple[int, str]], timeout_s: float) -> None:
        self.app = app
        self.limit_for = limit_for
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, name = self.limit_for(scope["path"])
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, f"the body is larger than {name} ({limit} bytes)")
            return
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                await _refuse(send, 408, f"the body did not arrive within http_body_timeout_s ({self.timeout_s} s)")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, f"the body is larger than {name} ({limit} bytes)")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class _HeadAnswered(Exception):
    """Raised into the application once a HEAD request's headers are out: its body is not wanted."""


class HeadAsGet:
    """``HEAD`` on every ``GET`` route (RFC 9110 §9.3.2): the request is routed as GET and the answer's headers
    sent as they are (``Content-Length``, ``ETag``, ``Content-Type``), with no body; the application is
    stopped at its first piece of body, so a HEAD on a dump reads no file. uvicorn keeps the request's own
    method and sends no body for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        inner = dict(scope, method="GET")

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise _HeadAnswered
            await send(message)

        try:
            await self.app(inner, receive, headers_only)
        except _HeadAnswered:
            pass
        finally:  # what the routing found, for the outer middleware's counts
            for key in ("route", "endpoint", "path_params"):
                if key in inner:
                    scope[key] = inner[key]

"""A real HTTP server on 127.0.0.1 that plays the sources from bundled files, for the demo and the tests.

It serves a folder with one sub-folder per source and speaks each source's protocol over its files (no
network): ``/informea.svc/{Set}`` is an OData service over ``informea/{Set}.json`` that pages with
``$top``/``$skip``, filters on ``treaty eq '…'`` and keeps the JSON shape of the file (``d.results``
pages get ``__next`` links, ``d`` lists do not); ``/oai/request`` is an OAI-PMH 2.0 provider over the
records of ``oai/records.xml`` (Identify, ListSets, ListRecords and ListIdentifiers with ``set``,
``from``, ``until`` and resumption tokens); any other path is a file of the folder (the GEF CSV exports).
Faults can be queued to reproduce what real servers do: 5xx, 429 with ``Retry-After``, slow answers,
truncated bodies, HTML error pages with status 200.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from mcep_ld.fetch.sample_protocols import OAISamples, ODataSamples, SolrSamples


@dataclass
class Fault:
    """What to do instead of (or before) answering one request whose path contains *path*."""

    path: str = ""
    status: int | None = None  # answer with this status and a short body
    retry_after: str | None = None
    delay_s: float = 0.0  # wait before answering normally
    truncate: bool = False  # send the normal body cut in half
    html: bool = False  # send an HTML error page with status 200


_MEDIA_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".xml": "text/xml; charset=utf-8",
                ".ttl": "text/turtle", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class SampleServer(ODataSamples, OAISamples, SolrSamples):
    """Serve a folder of per-source sample files over HTTP; use as a context manager."""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 0,
                 page_delay_s: float = 0.0) -> None:
        self.root = root.resolve()
        self.faults: deque[Fault] = deque()
        self.requests: list[str] = []
        self.user_agents: list[str] = []  # the User-Agent of each request, as the server received it
        self.page_delay_s = page_delay_s
        self.oai_page_size = 5
        self.oai_token_epoch = 0  # in every resumption token; raise it and earlier tokens have expired
        self.odata_refuses_datetime_filter = False  # as some InforMEA providers do
        self.odata_datetime_filter_finds_nothing = False  # 200 with no entity, as others do, silently
        self.odata_ignores_filter = False  # $filter not applied (treaty nor date), as some providers do
        self.odata_ignores_expand = False  # navigation collections come as __deferred links, as some send them
        self.odata_serves_navigation = True  # False: Set('id')/property answers 404, as old WCF services do
        self.odata_link_base = ""  # e.g. "http://internal:8080": the host a proxied provider writes in links
        self.conditional = True  # static files answer If-None-Match with 304
        self.after_request: list = []  # callables(path) run once each answer is made: a source changing meanwhile
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._handle(self)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


    def file_url(self, relative: str) -> str:
        """The URL of a file of the folder, e.g. ``gef/projects.csv``."""
        return f"{self.url}/{relative}"

    def start(self) -> SampleServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling -----------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
              headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append(h.path)
        self.user_agents.append(h.headers.get("User-Agent", ""))
        fault = None
        if self.faults and self.faults[0].path in h.path:
            fault = self.faults.popleft()
        if fault and fault.delay_s:
            time.sleep(fault.delay_s)
        if self.page_delay_s:
            time.sleep(self.page_delay_s)
        if fault and fault.status:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(h, fault.status, b"server trouble", "text/plain", headers)
            return
        if fault and fault.html:
            self._send(h, 200, b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>",
                       "text/html; charset=utf-8")
            return
        if urlsplit(h.path).path.startswith("/informea.svc/"):
            status, body, ctype = self._odata(h.path)
        elif fault is None and self.conditional and (path := self._static(h.path)) is not None:
            # Files answer conditional requests (ETag and Last-Modified), as web servers do.
            body = path.read_bytes()
            etag = f'"{hashlib.sha1(body).hexdigest()}"'
            modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
            if h.headers.get("If-None-Match") == etag:
                self._send(h, 304, b"", "text/plain", {"ETag": etag})
                return
            self._send(h, 200, body, _MEDIA_TYPES.get(path.suffix, "text/html; charset=utf-8"),
                       {"ETag": etag, "Last-Modified": modified})
            return
        elif urlsplit(h.path).path == "/api/v2013/index":
            status, body, ctype = self._solr(h.path)
        elif urlsplit(h.path).path == "/oai/request":
            status, body, ctype = 200, self._oai(h.path), "text/xml; charset=utf-8"
        else:
            status, body, ctype = self._file(h.path)
        if fault and fault.truncate:
            body = body[: len(body) // 2]
        for hook in list(self.after_request):  # before the answer leaves: the client cannot overtake it
            hook(h.path)
        self._send(h, status, body, ctype)


    def _static(self, raw_path: str) -> Path | None:
        path = (self.root / unquote(urlsplit(raw_path).path).lstrip("/")).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def _file(self, raw_path: str) -> tuple[int, bytes, str]:
        path = self._static(raw_path)
        if path is None:
            return 404, b"not found", "text/plain"
        # Files without a suffix are the web pages of a site (Drupal paths have none).
        return 200, path.read_bytes(), _MEDIA_TYPES.get(path.suffix, "application/octet-stream" if path.suffix
                                                         else "text/html; charset=utf-8")



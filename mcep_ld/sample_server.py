"""A real HTTP server on 127.0.0.1 that plays the sources from bundled files, for the demo and the tests.

It serves a folder with one sub-folder per source and speaks each source's protocol over its files (no
network): ``/informea.svc/{Set}`` is an OData service over ``informea/{Set}.json`` that pages with
``$top``/``$skip``, filters on ``treaty eq '…'`` and keeps the JSON shape of the file (``d.results``
pages get ``__next`` links, ``d`` lists do not); any other path is a file of the folder (the GEF CSV
exports). Faults can be queued to reproduce what real servers do: 5xx, 429 with ``Retry-After``, slow
answers, truncated bodies, HTML error pages with status 200.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

_TREATY = re.compile(r"treaty eq '([^']*)'")


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


class SampleServer:
    """Serve a folder of per-source sample files over HTTP; use as a context manager."""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 0,
                 page_delay_s: float = 0.0) -> None:
        self.root = root.resolve()
        self.faults: deque[Fault] = deque()
        self.requests: list[str] = []
        self.page_delay_s = page_delay_s
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

    @property
    def informea_endpoint(self) -> str:
        return f"{self.url}/informea.svc"

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
        else:
            status, body, ctype = self._file(h.path)
        if fault and fault.truncate:
            body = body[: len(body) // 2]
        self._send(h, status, body, ctype)

    def _file(self, raw_path: str) -> tuple[int, bytes, str]:
        path = (self.root / unquote(urlsplit(raw_path).path).lstrip("/")).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return 404, b"not found", "text/plain"
        return 200, path.read_bytes(), _MEDIA_TYPES.get(path.suffix, "application/octet-stream")

    def _odata(self, raw_path: str) -> tuple[int, bytes, str]:
        parts = urlsplit(raw_path)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 2:
            return 404, b"not found", "text/plain"
        path = self.root / "informea" / f"{segments[1]}.json"
        if not path.is_file():
            return 404, b"no such entity set", "text/plain"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        doc = json.loads(path.read_text(encoding="utf-8"))
        body = doc["d"]
        rows = body if isinstance(body, list) else body["results"]
        if (flt := query.get("$filter")) and (treaties := _TREATY.findall(flt)):
            rows = [r for r in rows if not isinstance(r, dict) or r.get("treaty") in treaties]
        skip = int(query.get("$skip", "0"))
        top = int(query.get("$top", str(len(rows) or 1)))
        page = rows[skip: skip + top]
        if isinstance(body, list):
            out: dict[str, Any] = {"d": page}
        else:
            out = {"d": {"results": page}}
            if skip + top < len(rows):
                nxt = dict(query, **{"$skip": str(skip + top)})
                out["d"]["__next"] = f"{self.url}{parts.path}?{urlencode(nxt)}"
        return 200, json.dumps(out, ensure_ascii=False).encode("utf-8"), "application/json;charset=utf-8"

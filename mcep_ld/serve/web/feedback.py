"""Readers' feedback: the small form at the foot of every page posts here (``POST /feedback``).

No JavaScript, no cookie. A filled honeypot field (hidden from people, not from form-filling robots) is thanked
and dropped; one client may send ``feedback_max_per_client_per_h`` forms an hour (429 above), counted in
memory by address, an address never written anywhere. What is kept goes to the catalog only (``feedback``):
curators read it through ``GET /admin/feedback`` and ``mcep feedback``; no public route shows it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mcep_ld.config import UN_LANGUAGES
from mcep_ld.messages import message
from mcep_ld.serve.web.layout import link, page_language, render

router = APIRouter()
#: Longest page path and e-mail address kept; largest form read (bytes).
PAGE_MAX_CHARS, EMAIL_MAX_CHARS, FORM_MAX_BYTES = 2000, 320, 16_384


class _Limiter:
    """Forms per client in the last hour, in memory only."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str, per_hour: int) -> bool:
        now = time.monotonic()
        with self._lock:
            sent = self._sent[client]
            while sent and sent[0] < now - 3600:
                sent.popleft()
            if len(sent) >= per_hour:
                return False
            sent.append(now)
            if len(self._sent) > 100_000:  # forget idle clients rather than grow
                for key in [k for k, v in self._sent.items() if not v]:
                    del self._sent[key]
            return True


_LIMITER = _Limiter()


@router.post("/feedback")
async def receive(request: Request) -> HTMLResponse:
    """Keep one reader's feedback (an HTML form, URL-encoded: read here, within ``FORM_MAX_BYTES``)."""
    hub = request.app.state.hub
    body = b""
    async for chunk in request.stream():  # never more than FORM_MAX_BYTES in memory
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            return _answer(request, page_language(request), "/", "feedback_too_long", 413)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return _answer(request, page_language(request), "/", "feedback_empty", 400)

    def field(name: str, limit: int) -> str:
        return (fields.get(name) or [""])[0][:limit]
    page, useful, comment = field("page", PAGE_MAX_CHARS), field("useful", 10), field("comment", FORM_MAX_BYTES)
    email, website, lang = field("email", EMAIL_MAX_CHARS), field("website", 200), field("lang", 5)
    lang = lang if lang in UN_LANGUAGES else page_language(request)
    back = page if page.startswith("/") and not page.startswith("//") else "/"
    if len(comment) > hub.settings.feedback_max_comment_chars:
        return _answer(request, lang, back, "feedback_too_long", 400)
    if website.strip():  # a robot filled the field people do not see: thanked, not kept
        return _thanks(request, lang, back)
    client = request.client.host if request.client else "unknown"
    if not _LIMITER.allow(client, hub.settings.feedback_max_per_client_per_h):
        return _answer(request, lang, back, "feedback_too_many", 429)
    said = {"yes": True, "no": False}.get(useful.strip().lower())
    if said is None and not comment.strip():
        return _answer(request, lang, back, "feedback_empty", 400)
    hub.catalog.add_feedback(page=back, useful=said, comment=comment.strip(), email=email.strip(), lang=lang)
    return _thanks(request, lang, back)


def _thanks(request: Request, lang: str, back: str) -> RedirectResponse:
    """303 to the thank-you page, under the proxy's path prefix (``root_path``) when there is one."""
    root = request.app.state.hub.settings.root_path
    return RedirectResponse(root + link("/feedback/thanks", lang, page=back), status_code=303)


@router.get("/feedback/thanks")
async def thanks(request: Request, page: str = "/") -> HTMLResponse:
    lang = page_language(request)
    back = page if page.startswith("/") and not page.startswith("//") else "/"
    return _answer(request, lang, back, "feedback_thanks", 200)


def _answer(request: Request, lang: str, back: str, key: str, status: int) -> HTMLResponse:
    return HTMLResponse(render(request, "message.html", lang, message(key, lang), feedback=False, back=back),
                        status_code=status)

"""``/oai``: the OAI-PMH provider over GET and POST (application/x-www-form-urlencoded).

Arguments are read as raw pairs, the query string and the form body together, so a repeated argument is
seen (and answered with badArgument) instead of being collapsed by a dict.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from mcep_ld.serve.oai.provider import Provider
from mcep_ld.serve.web.usage import note

router = APIRouter()


@router.api_route("/oai", methods=["GET", "POST"])
async def oai(request: Request) -> Response:
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return Response("OAI-PMH POST requests are application/x-www-form-urlencoded", status_code=415,
                            media_type="text/plain")
        pairs += parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    provider: Provider = request.app.state.oai
    _count(request, pairs)
    # Settled in a worker thread (arguments, token, rows); then written a record at a time, each piece made
    # and sent whole in one step, so no store iterator crosses threads.
    pieces = await run_in_threadpool(provider.stream, pairs)
    return StreamingResponse(pieces, media_type="text/xml; charset=UTF-8")


VERBS = ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords", "GetRecord")


def _count(request: Request, pairs: list[tuple[str, str]]) -> None:
    """Usage: every request by verb; a list request without a token (a harvest begun) by format and set."""
    args = dict(pairs)
    verb = args.get("verb", "")
    note(request, "oai_request", verb if verb in VERBS else "(bad verb)")
    if verb in ("ListIdentifiers", "ListRecords") and "resumptionToken" not in args:
        note(request, "oai", f"{verb} {args.get('metadataPrefix', '')[:50]} {args.get('set', '')[:100]}")

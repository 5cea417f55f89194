"""The hub's datasets: the DCAT catalog (``/catalog``) and the downloadable dumps (``/dumps/``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from mcep_ld.messages import message
from mcep_ld.publish import dcat, dumps
from mcep_ld.serve.web.layout import page_language, render
from mcep_ld.serve.web.negotiation import media_type, no_format, not_modified, serialize

router = APIRouter()


@router.get("/catalog")
@router.get("/catalog.{suffix}")
async def catalog(request: Request, suffix: str = "") -> Response:
    """The DCAT catalog: a page for browsers; Turtle, JSON-LD, N-Triples or RDF/XML by ``Accept`` or by the
    ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf`` suffix."""
    hub = request.app.state.hub
    media = media_type(request, suffix)
    if not media:
        return no_format(suffix)
    headers = {"Vary": "Accept, Accept-Language"}
    if media == "text/html":
        return HTMLResponse(_downloads_page(request), headers=headers)
    triples = await run_in_threadpool(dcat.triples, hub)
    body = serialize(triples, media, public_url=hub.settings.public_url)
    return Response(body, media_type=media, headers=headers)


@router.get("/dumps/")
def dump_list(request: Request) -> HTMLResponse:
    """The dumps, with their sizes and dates, for people."""
    return HTMLResponse(_downloads_page(request), headers={"Vary": "Accept-Language"})


@router.get("/dumps/{name}")
def dump_file(request: Request, name: str) -> Response:
    """One dump (gzipped N-Quads), with ``ETag``, ``Last-Modified`` and ranges, so a download can resume."""
    hub = request.app.state.hub
    part = next((p for p in dumps.parts(hub).values() if p.file == name), None)
    if part is None:
        return PlainTextResponse(f"no dump {name}: see {hub.settings.public_url}dumps/", status_code=404)
    # Same data, same bytes (no time in the gzip header): the signature is a tag that survives rewrites.
    tag = f'"{part.signature[:32]}"'
    if not_modified(request, tag, part.modified):
        return Response(status_code=304, headers={"ETag": tag})
    return FileResponse(dumps.dump_dir(hub) / part.file, media_type="application/gzip", filename=part.file,
                        headers={"ETag": tag})


def _downloads_page(request: Request) -> str:
    hub = request.app.state.hub
    lang = page_language(request)
    parts = [{"file": p.file, "holds": _what(p.name, lang), "quads": p.quads, "bytes": p.bytes,
              "modified": p.modified}
             for p in sorted(dumps.parts(hub).values(), key=lambda p: (p.name != dumps.FULL, p.name))]
    return render(request, "downloads.html", lang, message("downloads", lang), parts=parts)


def _what(name: str, lang: str) -> str:
    if name == dumps.FULL:
        return message("dump_all", lang)
    if name == dumps.HUB_PART:
        return message("dump_hub", lang)
    if name == dumps.CLASSIFIED_PART:
        return message("dump_classified", lang)
    return f"{message('dump_source', lang)} {name}"

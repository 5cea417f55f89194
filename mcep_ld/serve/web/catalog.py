"""The hub's datasets: the DCAT catalog (``/catalog``) and the downloadable dumps (``/dumps/``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from mcep_ld.messages import message
from mcep_ld.publish import dcat, dumps
from mcep_ld.serve.web.layout import esc, page_language, render, scroll_box
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
    rows = "".join(
        f'<tr><th scope="row"><a href="/dumps/{esc(p.file)}">{esc(p.file)}</a></th>'
        f"<td>{esc(_what(p.name))}</td><td>{p.quads:,}</td><td>{p.bytes:,}</td>"
        f'<td><time datetime="{esc(p.modified)}">{esc(p.modified)}</time></td></tr>'
        for p in sorted(dumps.parts(hub).values(), key=lambda p: (p.name != dumps.FULL, p.name)))
    title = message("downloads", lang)
    body = (f"<h1>{esc(title)}</h1>"
            f"<p>Gzipped N-Quads, one named graph per record (<code>graph/{{source}}/…</code>); "
            f"remade after each harvest that changed something.</p>"
            + scroll_box(f"<table><thead><tr><th scope=\"col\">file</th><th scope=\"col\">holds</th>"
                         f"<th scope=\"col\">statements</th><th scope=\"col\">bytes</th>"
                         f"<th scope=\"col\">modified</th></tr></thead><tbody>{rows}</tbody></table>", title) +
            '<p>DCAT: <a href="/catalog.ttl">Turtle</a> · '
            'VoID: <a href="/void">Turtle</a> · SPARQL: <a href="/sparql">/sparql</a> · '
            'OAI-PMH: <a href="/oai?verb=Identify">/oai</a></p>')
    return render(request, lang, title, body)


def _what(name: str) -> str:
    if name == dumps.FULL:
        return "everything public: all sources, vocabularies, VoID, harvest runs"
    if name == dumps.HUB_PART:
        return "vocabularies, VoID, harvest runs"
    return f"records harvested from {name}"

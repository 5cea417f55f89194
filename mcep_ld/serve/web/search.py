"""Search: ``/api/search`` (JSON) and ``/search`` (the same as a page), over the search index.

Parameters: ``q`` (words in any of the six languages, ``"a phrase"``, or an identifier as written),
``lang`` (the reader's language: titles and labels shown in it, and query words stemmed only in it when it
is given), one parameter per facet to filter on (``kind``, ``source``, ``theme``, ``country``, ``region``,
``year``, ``language``; repeat one for any of several values), ``page`` and ``page_size`` (at most
``search_max_page_size``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from mcep_ld.errors import MCEPError
from mcep_ld.messages import LANGUAGE_NAMES, message
from mcep_ld.search.documents import FACETS
from mcep_ld.search.index import Hit, SearchResult
from mcep_ld.search.text import words
from mcep_ld.serve.web.layout import link, page_language, render, text_in, to
from mcep_ld.serve.web.usage import note, search_words

router = APIRouter()
FACET_MESSAGES = {"kind": "kinds", "source": "sources", "theme": "themes", "country": "countries",
                  "region": "regions", "year": "years", "language": "languages"}


class BadSearch(MCEPError, ValueError):
    """A parameter out of range: a 400 with the reason."""


def _arguments(request: Request) -> tuple[str, dict[str, list[str]], int, int]:
    params = request.query_params
    settings = request.app.state.hub.settings
    try:
        page = int(params.get("page", "1"))
        size = int(params.get("page_size", str(settings.search_page_size)))
    except ValueError:
        raise BadSearch("page and page_size are whole numbers") from None
    if page < 1 or not 1 <= size <= settings.search_max_page_size:
        raise BadSearch(f"page ≥ 1 and 1 ≤ page_size ≤ search_max_page_size ({settings.search_max_page_size})")
    if page * size > settings.search_max_offset:
        raise BadSearch(f"page × page_size is past search_max_offset ({settings.search_max_offset}): narrow the "
                        "query or filter by a facet")
    query = params.get("q", "")
    if len(query) > settings.search_max_query_chars:
        raise BadSearch(f"q is longer than search_max_query_chars ({settings.search_max_query_chars})")
    if len(words(query)) > settings.search_max_terms:
        raise BadSearch(f"q has more words than search_max_terms ({settings.search_max_terms})")
    filters = {facet: params.getlist(facet) for facet in FACETS if params.getlist(facet)}
    if sum(map(len, filters.values())) > settings.search_max_terms:
        raise BadSearch(f"more filter values than search_max_terms ({settings.search_max_terms})")
    return query, filters, page, size


async def _search(request: Request, lang: str | None) -> tuple[str, dict[str, list[str]], int, int, SearchResult]:
    query, filters, page, size = _arguments(request)
    hub = request.app.state.hub
    languages = (lang,) if lang else ()
    result = await run_in_threadpool(hub.search.search, query, filters=filters, languages=languages,
                                     offset=(page - 1) * size, limit=size)
    if page == 1:  # a search, not its next pages
        words = search_words(query)
        note(request, "search", words)
        if not result.total:
            note(request, "search_empty", words)
    return query, filters, page, size, result


def facet_label(hub, facet: str, value: str, lang: str) -> str:  # noqa: ANN001 - the Hub
    """What a reader sees of a facet value: a concept's label, a language's name, a kind's label."""
    if facet == "kind":
        value_iri = f"{hub.settings.base_uri}vocab/kind/{value}"
        found = hub.vocab.label(value_iri, [lang])
        return found[0] if found else value
    if facet == "language":
        return LANGUAGE_NAMES.get(value, value)
    if value.startswith("http"):
        found = hub.vocab.label(value, [lang])
        return found[0] if found else value.rsplit("/", 1)[-1]
    return value


@router.get("/api/search")
async def api_search(request: Request) -> JSONResponse:
    """Search results as JSON: ``total``, ``hits`` (IRI, kind, year, titles, descriptions, identifiers) and
    ``facets`` (facet → values with their record counts and labels in ``lang``)."""
    lang = request.query_params.get("lang") or None
    try:
        query, filters, page, size, result = await _search(request, lang)
    except ValueError as exc:  # BadSearch, or an unknown facet
        return JSONResponse({"error": str(exc)}, status_code=400)
    hub = request.app.state.hub
    shown = lang or "en"
    return JSONResponse({
        "query": query, "filters": filters, "page": page, "page_size": size, "total": result.total,
        "hits": [_hit_json(hit, shown) for hit in result.hits],
        "facets": {facet: [{"value": v, "count": n, "label": facet_label(hub, facet, v, shown)}
                           for v, n in values.items()] for facet, values in result.facets.items()},
    }, headers={"Vary": "Accept-Language"})


def _hit_json(hit: Hit, lang: str) -> dict:
    title, title_lang = text_in(hit.titles, [lang])
    return {"iri": hit.iri, "kind": hit.kind, "year": hit.year, "title": title, "title_lang": title_lang,
            "titles": hit.titles, "descriptions": hit.descriptions, "identifiers": hit.identifiers}


@router.get("/search")
async def search_page(request: Request) -> HTMLResponse:
    """The search page: the form, a page of results in the reader's language, facets to refine by."""
    lang = page_language(request)
    try:
        query, filters, page, size, result = await _search(request, request.query_params.get("lang") or None)
    except ValueError as exc:  # BadSearch, or an unknown facet
        return HTMLResponse(render(request, "search.html", lang, message("search", lang), query="", error=str(exc)),
                            status_code=400)
    hub = request.app.state.hub
    hits = []
    for hit in result.hits:
        title, title_lang = text_in(hit.titles, [lang])
        description, description_lang = text_in(hit.descriptions, [lang])
        hits.append({"link": to(request, hit.iri, title, lang, text_lang=title_lang),
                     "meta": [x for x in [facet_label(hub, "kind", hit.kind, lang), hit.year or "",
                                          *hit.identifiers[:2]] if x],
                     "description": description, "description_lang": description_lang})
    params = {"q": query, **filters, "page_size": size if size != hub.settings.search_page_size else None}
    context = {
        "query": query, "error": "", "total": result.total, "hits": hits,
        "first": (page - 1) * size + 1,
        "chosen": [facet_label(hub, f, v, lang) for f, vs in filters.items() for v in vs],
        "clear_href": link("/search", lang, q=query),
        "prev_href": link("/search", lang, **params, page=page - 1) if page > 1 else "",
        "next_href": link("/search", lang, **params, page=page + 1) if page * size < result.total else "",
        "facets": _facets(hub, query, filters, result, lang),
    }
    title = f"{query} · {message('search', lang)}" if query else message("search", lang)
    return HTMLResponse(render(request, "search.html", lang, title, **context),
                        headers={"Vary": "Accept-Language"})


def _facets(hub, query: str, filters: dict[str, list[str]], result: SearchResult,  # noqa: ANN001
            lang: str) -> list[dict]:
    """The facets to refine by: each value's label, count, whether chosen, and the link that toggles it."""
    out = []
    for facet in FACETS:
        values = result.facets.get(facet) or {}
        if not values:
            continue
        listed = []
        for value, n in list(values.items())[:15]:
            chosen = value in filters.get(facet, [])
            params = {**filters, facet: [v for v in filters.get(facet, []) if v != value] if chosen
                      else [*filters.get(facet, []), value]}
            listed.append({"href": link("/search", lang, q=query, **params), "chosen": chosen, "n": n,
                           "label": facet_label(hub, facet, value, lang)})
        out.append({"message": FACET_MESSAGES[facet], "options": listed})
    return out

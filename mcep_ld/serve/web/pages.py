"""The landing page and the dashboard: what the hub holds at a glance, drawn on the server (SVG bars and
the world map)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mcep_ld.catalog import COUNTERS
from mcep_ld.messages import message, message_or
from mcep_ld.serve.web.charts import Bar, bar_chart
from mcep_ld.serve.web.countries import world_map
from mcep_ld.serve.web.layout import link, page_language, render
from mcep_ld.serve.web.search import FACET_MESSAGES, facet_label

router = APIRouter()
BAR_CHART_ROWS = 15  # values shown per chart; the search page lists them all


@router.get("/")
async def landing(request: Request) -> HTMLResponse:
    """What the hub holds, the search box, and ways in by theme, region, country and kind."""
    hub = request.app.state.hub
    lang = page_language(request)

    def build() -> dict:
        facets = []
        for facet, limit in (("kind", 20), ("theme", 30), ("region", 20), ("country", 40), ("source", 20)):
            values = list(hub.search.facet_values(facet).items())[:limit]
            facets.append({"message": FACET_MESSAGES[facet], "entries": [
                {"href": link("/search", lang, **{facet: value}), "label": facet_label(hub, facet, value, lang), "n": n}
                for value, n in values]})
        return {"total": hub.search.count(), "facets": facets, "world_map": world_map(request, lang)}

    context = await run_in_threadpool(build)
    return HTMLResponse(render(request, "landing.html", lang, message("hub", lang), **context),
                        headers={"Vary": "Accept-Language"})


@router.get("/dashboard")
async def dashboard(request: Request) -> HTMLResponse:
    """Records by source, kind, theme, region and year; the last harvest runs; the quarantine."""
    hub = request.app.state.hub
    lang = page_language(request)

    def build() -> dict:
        charts = []
        for facet in ("source", "kind", "theme", "region", "year"):
            values = hub.search.facet_values(facet)
            if facet == "year":
                values = dict(sorted(values.items(), reverse=True))
            bars = [Bar(facet_label(hub, facet, v, lang), n, link("/search", lang, **{facet: v}))
                    for v, n in list(values.items())[:BAR_CHART_ROWS]]
            charts.append(bar_chart(message(FACET_MESSAGES[facet], lang), bars, f"chart-{facet}", lang))
        runs = [{"id": run["id"], "source": run["source"], "started": run["started"],
                 "status": message_or(f"run_{run['status']}", lang, run["status"]),
                 "counters": [run[c] or 0 for c in COUNTERS], "seconds": run["duration_s"] or 0}
                for run in hub.catalog.recent_runs(20)]
        return {"world_map": world_map(request, lang, table_open=True), "charts": charts, "runs": runs,
                "quarantined": hub.catalog.quarantined_count(),
                "run_columns": ["col_run", "col_source", "col_started", "col_status",
                                *(f"col_{c}" for c in COUNTERS), "col_seconds"]}

    context = await run_in_threadpool(build)
    return HTMLResponse(render(request, "dashboard.html", lang, message("dashboard", lang), **context),
                        headers={"Vary": "Accept-Language"})

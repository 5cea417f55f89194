"""``GET /admin/usage?month=YYYY-MM``: the month's use of the hub for the secretariat and curators (admin token),
the page ``mcep report usage`` prints: charts with their tables of page views, languages, the most viewed
records, searches that found nothing (what curators should add or label), OAI-PMH harvests, SPARQL, referring
sites. Counts of the last ``usage_flush_interval_s`` seconds are not in it yet.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mcep_ld.messages import message
from mcep_ld.serve.web.admin import authorised
from mcep_ld.serve.web.charts import Bar, bar_chart
from mcep_ld.serve.web.layout import page_language, render

router = APIRouter(prefix="/admin")
CHART_ROWS = 15


@router.get("/usage", dependencies=[Depends(authorised)])
async def usage_page(request: Request, month: str = "") -> HTMLResponse:
    """The month's report as a page (default: this month, UTC)."""
    month = month or datetime.now(UTC).strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise HTTPException(400, "month is YYYY-MM")
    lang = page_language(request)
    report = await run_in_threadpool(request.app.state.hub.catalog.usage_report, month)
    return HTMLResponse(render(request, "usage.html", lang, f"{message('usage_report', lang)}: {month}", feedback=False,
                               month=month, **_context(report, lang)),
                        headers={"Cache-Control": "no-store"})


def _section(title: str, chart_id: str, rows: list[tuple[str, int]], lang: str) -> dict:
    """A chart of the first rows and the table of all of them."""
    chart = bar_chart(title, [Bar(label, n) for label, n in rows[:CHART_ROWS]], chart_id, lang)
    return {"title": title, "chart": chart, "rows": rows}


def _context(report: dict, lang: str) -> dict:
    """What ``usage.html`` shows: the month's totals, then a chart and a table per count."""
    views, searches, sparql = report["page_views"], report["searches"], report["sparql"]
    days = [(day, v.get("page_views", 0)) for day, v in report["days"].items()]
    named = [
        ("page_views", "usage-days", days),
        ("page_kinds", "usage-kinds", list(views["by_kind"].items())),
        ("languages_used", "usage-languages", list(views["by_language"].items())),
        ("most_viewed", "usage-records", [(r["record"], r["n"]) for r in report["records_viewed"]]),
        ("zero_result", "usage-zero", [(t["term"] or "—", t["n"]) for t in searches["zero_result_terms"]]),
        ("search_terms", "usage-terms", [(t["term"] or "—", t["n"]) for t in searches["terms"]]),
        ("harvesters_served", "usage-oai",
         [(f"{h['verb']} {h['format']} {h['set'] or '*'}", h["n"]) for h in report["oai"]["harvests"]]),
        ("downloads", "usage-downloads", [(d["file"], d["n"]) for d in report["downloads"]]),
        ("referrers", "usage-referrers", [(r["domain"], r["n"]) for r in report["referrers"]]),
    ]
    return {"totals": {"page_views": views["total"], "visitors": report["visitors_daily_sum"],
                       "search_terms": searches["total"], "zero_result": searches["found_nothing"]},
            "sparql": sparql,
            "sections": [_section(message(key, lang), chart_id, rows, lang) for key, chart_id, rows in named]}

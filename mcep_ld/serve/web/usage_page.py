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
from mcep_ld.serve.web.layout import esc, number, page_language, render

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
    title = f"{message('usage_report', lang)}: {month}"
    heading = f"{esc(message('usage_report', lang))}: <bdi>{esc(month)}</bdi>"  # 2026-12, not 12-2026, in Arabic
    return HTMLResponse(render(request, lang, title, _body(report, heading, lang), feedback=False),
                        headers={"Cache-Control": "no-store"})


def _section(title: str, chart_id: str, rows: list[tuple[str, int]], lang: str) -> str:
    """A chart of the first rows and the table of all of them."""
    if not rows:
        return f"<section><h2>{esc(title)}</h2><p>—</p></section>"
    chart = bar_chart(title, [Bar(label, n) for label, n in rows[:CHART_ROWS]], chart_id, lang)
    body = "".join(f'<tr><td><bdi>{esc(label)}</bdi></td><td class="n">{esc(number(n, lang, decimals=0))}</td></tr>'
                   for label, n in rows)
    return (f"<section><h2>{esc(title)}</h2>{chart}<table><caption>{esc(title)}</caption><thead><tr>"
            f'<th scope="col"></th><th scope="col" class="n">{esc(message("count", lang))}</th></tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def _body(report: dict, heading: str, lang: str) -> str:
    views, searches, sparql = report["page_views"], report["searches"], report["sparql"]
    n = lambda v: esc(number(v, lang, decimals=0))  # noqa: E731
    parts = [f"<h1>{heading}</h1><p>{esc(message('usage_note', lang))}</p>",
             f'<dl class="facts"><dt>{esc(message("page_views", lang))}</dt><dd>{n(views["total"])}</dd>'
             f'<dt>{esc(message("visitors", lang))}</dt><dd>{n(report["visitors_daily_sum"])}</dd>'
             f'<dt>{esc(message("search_terms", lang))}</dt><dd>{n(searches["total"])}</dd>'
             f'<dt>{esc(message("zero_result", lang))}</dt><dd>{n(searches["found_nothing"])}</dd>'
             f'<dt>{esc(message("sparql_queries", lang))}</dt><dd>{n(sparql["queries"])} '
             f'({n(sparql["errors"])} ✗, {n(sparql["timeouts"])} ⏱, {esc(number(sparql["mean_ms"], lang))} ms)</dd>'
             "</dl>"]
    days = [(day, v.get("page_views", 0)) for day, v in report["days"].items()]
    parts.append(_section(message("page_views", lang), "usage-days", days, lang))
    parts.append(_section(message("page_kinds", lang), "usage-kinds", list(views["by_kind"].items()), lang))
    parts.append(_section(message("languages_used", lang), "usage-languages", list(views["by_language"].items()),
                          lang))
    parts.append(_section(message("most_viewed", lang), "usage-records",
                          [(r["record"], r["n"]) for r in report["records_viewed"]], lang))
    parts.append(_section(message("zero_result", lang), "usage-zero",
                          [(t["term"] or "—", t["n"]) for t in searches["zero_result_terms"]], lang))
    parts.append(_section(message("search_terms", lang), "usage-terms",
                          [(t["term"] or "—", t["n"]) for t in searches["terms"]], lang))
    parts.append(_section(message("harvesters_served", lang), "usage-oai",
                          [(f"{h['verb']} {h['format']} {h['set'] or '*'}", h["n"]) for h in report["oai"]["harvests"]],
                          lang))
    parts.append(_section(message("downloads", lang), "usage-downloads",
                          [(d["file"], d["n"]) for d in report["downloads"]], lang))
    parts.append(_section(message("referrers", lang), "usage-referrers",
                          [(r["domain"], r["n"]) for r in report["referrers"]], lang))
    return "".join(parts)

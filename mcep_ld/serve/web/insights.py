"""Insights from the national reports: ``/insights`` (the questions by article), ``/insights/{question}`` (one
question's figures as a page, or ``.csv`` / ``.json``) and ``/api/insights`` (every question's figures, JSON).

Every figure is computed by a SPARQL query over the published observations (harvesters/answers.py), and the
page shows that query: run at ``/sparql`` it gives the same numbers. Choice questions: answers by cycle, by
region (the continents the Parties' countries are under) and cycle, the change between the first and last
cycle, the Parties that gave each answer; number questions: count, total, mean, least and most by cycle; text
questions: the answers, each in its language, searchable with the other records.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from mcep_ld.messages import message
from mcep_ld.serve.web import worldmap
from mcep_ld.serve.web.charts import Bar, Chart, bar_chart
from mcep_ld.serve.web.layout import lang_attr, local, number, page_language, percent, render, to

router = APIRouter()
PREFIXES = ("PREFIX mcep: <https://w3id.org/mcep/ontology#> PREFIX qb: <http://purl.org/linked-data/cube#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
SKOS = "http://www.w3.org/2004/02/skos/core#"
MCEP = "https://w3id.org/mcep/ontology#"


def _dataset(base: str) -> str:
    return f"{base}vocab/dataset/national-report-answers"


def questions(hub) -> list[dict]:  # noqa: ANN001 - the Hub
    """The reporting format's questions, in the Convention's article order: IRI, notation, article, type."""
    prefix = f"{hub.settings.base_uri}vocab/report-question/"
    found: dict[str, dict] = defaultdict(dict)
    for name, predicate in (("notation", f"{SKOS}notation"), ("article", f"{MCEP}article"),
                            ("answerType", f"{MCEP}answerType"), ("choices", f"{MCEP}choices")):
        for s, objects in hub.vocab.objects(predicate).items():
            if s.startswith(prefix):
                found[s][name] = objects[0].value
    out = [{"iri": iri, **about} for iri, about in found.items() if "notation" in about]
    return sorted(out, key=lambda q: tuple(int(p) if p.isdigit() else 0 for p in q["notation"].split(".")))


def queries(hub, question: dict) -> dict[str, str]:  # noqa: ANN001 - the Hub
    """The SPARQL queries whose answers are the question's figures."""
    where = (f"?o qb:dataSet <{_dataset(hub.settings.base_uri)}> ; mcep:question <{question['iri']}> ; "
             f"mcep:reportingCycle ?cycle")
    world = f"<{hub.settings.base_uri}vocab/region/001>"
    kind = question.get("answerType", "text")
    if kind == "choice":
        return {
            "by_cycle": PREFIXES + f"SELECT ?cycle ?answer (COUNT(?o) AS ?n) WHERE {{ {where} ; "
                        "mcep:answerChoice ?answer }\nGROUP BY ?cycle ?answer ORDER BY ?cycle ?answer",
            "by_region": PREFIXES + f"SELECT ?cycle ?region ?answer (COUNT(?o) AS ?n) WHERE {{ {where} ; "
                         f"mcep:answerChoice ?answer ; mcep:country ?country .\n  ?country skos:broader+ ?region . "
                         f"?region skos:broader {world} }}\n"
                         "GROUP BY ?cycle ?region ?answer ORDER BY ?cycle ?region ?answer",
            "parties": PREFIXES + f"SELECT ?cycle ?answer ?country WHERE {{ {where} ; mcep:answerChoice ?answer ; "
                       "mcep:country ?country }\nORDER BY ?cycle ?answer ?country",
        }
    if kind == "number":
        return {"by_cycle": PREFIXES + f"SELECT ?cycle (COUNT(?o) AS ?n) (SUM(?v) AS ?total) (AVG(?v) AS ?mean) "
                f"(MIN(?v) AS ?least) (MAX(?v) AS ?most) WHERE {{ {where} ; mcep:answerNumber ?v }}\n"
                "GROUP BY ?cycle ORDER BY ?cycle"}
    return {"texts": PREFIXES + f"SELECT ?cycle ?country ?o ?text WHERE {{ {where} ; mcep:answerText ?text ; "
            "mcep:country ?country }\nORDER BY ?cycle ?country"}


def figures(hub, question: dict) -> dict:  # noqa: ANN001 - the Hub
    """The question's figures, each a list of rows (dicts of plain values), from :func:`queries`."""
    out: dict = {"question": question["iri"], "notation": question["notation"], "type": question.get("answerType"),
                 "queries": queries(hub, question)}
    for name, sparql in out["queries"].items():
        rows = []
        for solution in hub.store.public.query(sparql):
            row: dict = {}
            for key in ("cycle", "answer", "region", "country", "n", "total", "mean", "least", "most", "o", "text"):
                try:
                    term = solution[key]
                except KeyError:
                    continue
                if term is None:
                    continue
                value = term.value
                row[key] = int(value) if key == "n" else (float(value) if key in ("total", "mean", "least", "most")
                                                            else value)
                if key == "text":
                    row["lang"] = term.language or ""
            rows.append(row)
        out[name] = rows
    if "by_cycle" in out and out["type"] == "choice":
        cycles = sorted({r["cycle"] for r in out["by_cycle"]})
        if len(cycles) > 1:
            def share(cycle: str, answer: str) -> float:
                total = sum(r["n"] for r in out["by_cycle"] if r["cycle"] == cycle)
                yes = sum(r["n"] for r in out["by_cycle"] if r["cycle"] == cycle and r["answer"] == answer)
                return yes / total if total else 0.0
            out["change"] = [{"answer": a, "from": cycles[0], "to": cycles[-1],
                              "share_from": round(share(cycles[0], a), 4), "share_to": round(share(cycles[-1], a), 4)}
                             for a in sorted({r["answer"] for r in out["by_cycle"]})]
    return out


def _find(hub, key: str) -> dict | None:  # noqa: ANN001 - the Hub
    return next((q for q in questions(hub) if q["notation"].replace(".", "-") == key), None)


def _choice(answer: str, lang: str) -> str:
    """A choice as the reader's language says it (yes and no; other choices are the reporting tool's codes)."""
    return message(answer, lang) if answer in ("yes", "no") else answer


def _label(hub, iri: str, lang: str) -> str:  # noqa: ANN001 - the Hub
    return (hub.vocab.label(iri, [lang]) or (iri.rsplit("/", 1)[-1], ""))[0]


@router.get("/api/insights")
async def api_insights(request: Request) -> JSONResponse:
    """Every question's figures, as ``/insights/{question}.json`` gives one."""
    hub = request.app.state.hub
    return JSONResponse(await run_in_threadpool(lambda: [figures(hub, q) for q in questions(hub)]))


@router.get("/insights")
async def insights(request: Request) -> HTMLResponse:
    """The questions of the national reports, by article, each a link to its figures."""
    hub = request.app.state.hub
    lang = page_language(request)
    by_article: dict[str, list[dict]] = defaultdict(list)
    for q in questions(hub):
        by_article[q.get("article", "")].append(q)
    articles = [{"label": _label(hub, article, lang),
                 "questions": [{"key": q["notation"].replace(".", "-"), "notation": q["notation"],
                                "label": _label(hub, q["iri"], lang)} for q in qs]}
                for article, qs in by_article.items()]
    return HTMLResponse(render(request, "insights.html", lang, message("insights", lang), articles=articles))


@router.get("/insights/{key}")
async def question_page(request: Request, key: str) -> Response:
    """One question's figures: a page, or ``.json`` / ``.csv`` (one table per figure, a blank line between)."""
    hub = request.app.state.hub
    name, _, suffix = key.partition(".")
    question = _find(hub, name)
    if question is None:
        return JSONResponse({"error": f"no question {name!r}"}, status_code=404)
    data = await run_in_threadpool(figures, hub, question)
    if suffix == "json":
        return JSONResponse(data)
    if suffix == "csv":
        return Response(_csv(data), media_type="text/csv; charset=utf-8")
    if suffix:
        return JSONResponse({"error": f"no format {suffix!r}: json or csv"}, status_code=404)
    lang = page_language(request)
    return HTMLResponse(render(request, "question.html", lang, f"{question['notation']} · {message('insights', lang)}",
                               **_page(request, hub, question, data, lang)))


def _csv(data: dict) -> str:
    out = io.StringIO()
    for name in ("by_cycle", "by_region", "parties", "change", "texts"):
        rows = data.get(name)
        if not rows:
            continue
        out.write(f"# {name}\n")
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        out.write("\n")
    return out.getvalue()


def _page(request: Request, hub, question: dict, data: dict, lang: str) -> dict:  # noqa: ANN001 - the Hub
    """What ``question.html`` shows: the figures' charts and tables (figures in the reader's language), the map
    of who answered what, the text answers, and the queries that give the same numbers."""
    label = lambda iri: _label(hub, iri, lang)  # noqa: E731
    n = lambda v: number(v, lang, decimals=0 if float(v).is_integer() else 2)  # noqa: E731
    key = question["notation"].replace(".", "-")
    context: dict = {"question": {"notation": question["notation"], "label": label(question["iri"]),
                                  "article": label(question.get("article", "")), "key": key,
                                  "href": local(request, question["iri"], lang)},
                     "charts": [], "tables": [], "who": [], "answer_map": None, "texts": [],
                     "queries": [(name, sparql, f"/sparql?query={_quote(sparql)}")
                                 for name, sparql in data["queries"].items()]}
    heads = lambda *keys: [message(k, lang) for k in keys]  # noqa: E731
    if data["type"] == "choice":
        context["charts"] = _choice_charts(hub, data, lang)
        context["tables"] = [
            {"caption": message("by_cycle", lang), "head": heads("cycle", "answer", "parties"), "numeric": (2,),
             "rows": [[label(r["cycle"]), _choice(r["answer"], lang), n(r["n"])] for r in data["by_cycle"]]},
            {"caption": message("by_region", lang), "head": heads("cycle", "region", "answer", "parties"),
             "numeric": (3,), "rows": [[label(r["cycle"]), label(r["region"]), _choice(r["answer"], lang), n(r["n"])]
                                       for r in data["by_region"]]}]
        if data.get("change"):
            first = data["change"][0]
            context["tables"].append({
                "caption": message("change", lang), "numeric": (1, 2),
                "head": [message("answer", lang), label(first["from"]), label(first["to"])],
                "rows": [[_choice(c["answer"], lang), percent(c["share_from"], lang), percent(c["share_to"], lang)]
                         for c in data["change"]]})
        context["answer_map"] = _answer_map(request, hub, data, lang)
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in data["parties"]:
            grouped[(r["cycle"], r["answer"])].append(r["country"])
        context["who"] = [(label(cycle), _choice(answer, lang),
                           [to(request, c, label(c), lang) for c in sorted(countries, key=label)])
                          for (cycle, answer), countries in sorted(grouped.items())]
    elif data["type"] == "number":
        context["charts"] = [bar_chart(f"{message('by_cycle', lang)}: {message('total', lang)}", [
            Bar(label(r["cycle"]), r["total"]) for r in data["by_cycle"]], "chart-totals", lang)]
        context["tables"] = [{
            "caption": message("by_cycle", lang), "numeric": (1, 2, 3, 4, 5),
            "head": heads("cycle", "parties", "total", "mean", "least", "most"),
            "rows": [[label(r["cycle"]), n(r["n"]), n(r["total"]), n(r["mean"]), n(r["least"]), n(r["most"])]
                     for r in data["by_cycle"]]}]
    else:
        context["texts"] = [{"country": label(r["country"]), "cycle": label(r["cycle"]), "text": r["text"],
                             "attrs": Markup(lang_attr(r["lang"], lang)), "href": local(request, r["o"], lang)}
                            for r in data["texts"]]
    return context


def _choice_charts(hub, data: dict, lang: str) -> list[Chart | None]:  # noqa: ANN001 - the Hub
    """Answers by cycle (count and share of the cycle), and by region in the last cycle: the tables below
    hold the same figures."""
    label = lambda iri: _label(hub, iri, lang)  # noqa: E731
    totals: dict[str, int] = defaultdict(int)
    for r in data["by_cycle"]:
        totals[r["cycle"]] += r["n"]

    def shown(n: int, total: int) -> str:
        return f"{number(n, lang, decimals=0)} ({percent(n / total if total else 0, lang)})"
    out = [bar_chart(message("by_cycle", lang), [
        Bar(f"{label(r['cycle'])} · {_choice(r['answer'], lang)}", r["n"], "#who",
            shown(r["n"], totals[r["cycle"]]))
        for r in data["by_cycle"]], "chart-by-cycle", lang)]
    if data["by_region"]:
        last = max(r["cycle"] for r in data["by_region"])
        rows = [r for r in data["by_region"] if r["cycle"] == last]
        in_region: dict[str, int] = defaultdict(int)
        for r in rows:
            in_region[r["region"]] += r["n"]
        out.append(bar_chart(f"{message('by_region', lang)}: {label(last)}", [
            Bar(f"{label(r['region'])} · {_choice(r['answer'], lang)}", r["n"], "",
                shown(r["n"], in_region[r["region"]]))
            for r in rows], "chart-by-region", lang))
    return out


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _answer_map(request: Request, hub, data: dict, lang: str) -> dict | None:  # noqa: ANN001 - the Hub
    """Each Party coloured by its answer in the last cycle; the table of who answered what is its equivalent."""
    if not data["parties"]:
        return None
    last = max(r["cycle"] for r in data["parties"])
    answers = {r["country"]: r["answer"] for r in data["parties"] if r["cycle"] == last}
    shade = lambda answer: f"answer-{answer}" if answer in ("yes", "no") else "answer-none"  # noqa: E731
    countries = []
    for code, concept in sorted(worldmap.numeric_codes(hub.vocab, hub.settings.base_uri).items()):
        answer = answers.get(concept)
        said = _choice(answer, lang) if answer else "—"
        countries.append((code, f"{_label(hub, concept, lang)}: {said}", local(request, concept, lang),
                          shade(answer)))
    return {"caption": f"{message('who_answered', lang)}: {_label(hub, last, lang)}",
            "svg": Markup(worldmap.svg(countries, caption_id="answer-map")),
            "legend": [(shade(c), _choice(c, lang)) for c in sorted(set(answers.values()))] + [("answer-none", "—")]}

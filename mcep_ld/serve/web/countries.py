"""Country profiles (the HTML of ``/vocab/country/{ISO2}``) and the world map of the landing page and dashboard.

A profile gathers what the hub holds about a country from the search index (records whose ``mcep:country`` is
the country, grouped by kind, and their theme counts) and the records themselves (the party record's action
and dates, the GEF projects' funding): party status, focal points, national reports and plans, GEF projects
with their funding, decisions and documents naming it, its records by theme.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import Request

from mcep_ld.messages import message
from mcep_ld.search.index import Hit
from mcep_ld.serve.web import worldmap
from mcep_ld.serve.web.layout import date_text, esc, link, local, number, record_list

MCEP = "https://w3id.org/mcep/ontology#"
#: The records a profile reads at most (the search page lists them all).
PROFILE_MAX_RECORDS = 500
PARTY_ACTIONS = {
    "ratification": {"en": "ratification", "fr": "ratification", "es": "ratificación", "ru": "ратификация",
                     "ar": "التصديق", "zh": "批准"},
    "acceptance": {"en": "acceptance", "fr": "acceptation", "es": "aceptación", "ru": "принятие", "ar": "القبول",
                   "zh": "接受"},
    "approval": {"en": "approval", "fr": "approbation", "es": "aprobación", "ru": "утверждение", "ar": "الموافقة",
                 "zh": "核准"},
    "accession": {"en": "accession", "fr": "adhésion", "es": "adhesión", "ru": "присоединение", "ar": "الانضمام",
                  "zh": "加入"},
}
SECTIONS = (("focal_points", ("focal-point",)), ("reports_plans", ("national-report", "national-plan")),
            ("naming_it", ("decision", "document", "meeting", "resource", "case-study", "alternative")))


def profile(request: Request, iri: str, lang: str) -> str:
    """The sections of the country's profile, below its names."""
    hub = request.app.state.hub
    found = hub.search.search("", filters={"country": [iri]}, limit=PROFILE_MAX_RECORDS)
    by_kind: dict[str, list[Hit]] = defaultdict(list)
    for hit in found.hits:
        by_kind[hit.kind].append(hit)
    parts = [_party(hub, by_kind.get("party", []), lang)]
    for name, kinds in SECTIONS:
        hits = [h for kind in kinds for h in by_kind.get(kind, [])]
        if name == "naming_it":
            parts.append(_projects(request, hub, by_kind.get("project", []), lang))
        if hits:
            parts.append(f"<section><h2>{esc(message(name, lang))}</h2>{record_list(request, hits, lang)}</section>")
    themes = found.facets.get("theme", {})
    if themes:
        rows = sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))
        items = "".join(f'<li><a href="{esc(link("/search", lang, country=iri, theme=theme))}">'
                        f"{esc((hub.vocab.label(theme, [lang]) or (theme, ''))[0])}</a> "
                        f'<span class="count">{esc(number(n, lang, decimals=0))}</span></li>' for theme, n in rows)
        parts.append(f"<section><h2>{esc(message('by_theme', lang))}</h2><ul class=\"entries\">{items}</ul></section>")
    if found.total:
        href = link("/search", lang, country=iri)
        parts.append(f'<p><a href="{esc(href)}">{esc(number(found.total, lang, decimals=0))} '
                     f"{esc(message('records', lang))}</a></p>")
    return "".join(parts)


def _values(hub, iri: str) -> dict[str, str]:  # noqa: ANN001 - the Hub
    """The record's ``mcep:`` literal values by local name (the first of each)."""
    out: dict[str, str] = {}
    for q in hub.store.public.quads(None, subject=iri):
        if q.predicate.value.startswith(MCEP):
            out.setdefault(q.predicate.value[len(MCEP):], q.object.value)
    return out


def _party(hub, hits: list[Hit], lang: str) -> str:  # noqa: ANN001 - the Hub
    title = f"<h2>{esc(message('party_status', lang))}</h2>"
    if not hits:
        return f"<section>{title}<p>{esc(message('not_party', lang))}</p></section>"
    v = _values(hub, hits[0].iri)
    rows = []
    if action := v.get("partyAction"):
        rows.append(("action", esc(PARTY_ACTIONS.get(action, {}).get(lang) or action)))
    for key, field in (("deposit", "depositDate"), ("in_force", "entryIntoForce")):
        if field in v:
            rows.append((key, date_text(v[field], lang)))
    if "annexDeclaration" in v:
        rows.append(("declaration", esc(v["annexDeclaration"])))
    facts = "".join(f"<dt>{esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in rows)
    return f'<section>{title}<dl class="facts">{facts}</dl></section>'


def _projects(request: Request, hub, hits: list[Hit], lang: str) -> str:  # noqa: ANN001 - the Hub
    if not hits:
        return ""
    grant = cofinancing = 0.0
    for hit in hits:
        v = _values(hub, hit.iri)
        grant += float(v.get("gefGrantUSD") or 0)
        cofinancing += float(v.get("cofinancingUSD") or 0)
    table = (f"<table><caption>{esc(message('funding', lang))}</caption><tbody>"
             f"<tr><th scope=\"row\">{esc(message('grant', lang))}</th>"
             f"<td class=\"n\">{esc(number(grant, lang, decimals=0))}</td></tr>"
             f"<tr><th scope=\"row\">{esc(message('cofinancing', lang))}</th>"
             f"<td class=\"n\">{esc(number(cofinancing, lang, decimals=0))}</td></tr></tbody></table>")
    return f"<section><h2>{esc(message('projects', lang))}</h2>{table}{record_list(request, hits, lang)}</section>"


def world_map(request: Request, lang: str, *, table_open: bool = False) -> str:
    """The map of records per country, its legend, and the same figures as a table."""
    hub = request.app.state.hub
    counts = hub.search.facet_values("country")
    numeric = worldmap.numeric_codes(hub.vocab, hub.settings.base_uri)
    named = []
    for code, concept in sorted(numeric.items()):
        name = (hub.vocab.label(concept, [lang]) or (concept, ""))[0]
        named.append((code, name, local(request, concept, lang), counts.get(concept, 0)))
    countries = [(code, f"{name}: {number(n, lang, decimals=0)}", href, n) for code, name, href, n in named]
    legend = "".join(f'<li><span class="c{i + 1}"></span><bdi dir="ltr">{esc(_range(i, lang))}</bdi></li>'
                     for i in range(len(worldmap.CLASSES)))
    rows = sorted(((name, href, n) for _, name, href, n in named if n), key=lambda r: (-r[2], r[0]))
    table = "".join(f'<tr><th scope="row"><a href="{esc(href)}">{esc(name)}</a></th>'
                    f'<td class="n">{esc(number(n, lang, decimals=0))}</td></tr>' for name, href, n in rows)
    caption = esc(message("map", lang))
    return (f'<figure class="map"><figcaption id="map-caption">{caption}</figcaption>'
            f"{worldmap.svg(countries, caption_id='map-caption')}"
            f'<ul class="legend" aria-hidden="true"><li><span class="c0"></span>0</li>{legend}</ul>'
            f"<details{' open' if table_open else ''}><summary>{esc(message('map_table', lang))}</summary>"
            f'<table><thead><tr><th scope="col">{esc(message("country", lang))}</th>'
            f'<th scope="col" class="n">{esc(message("records", lang))}</th></tr></thead>'
            f"<tbody>{table}</tbody></table></details></figure>")


def _range(i: int, lang: str) -> str:
    start = worldmap.CLASSES[i]
    end = worldmap.CLASSES[i + 1] - 1 if i + 1 < len(worldmap.CLASSES) else None
    low = number(start, lang, decimals=0)
    if end is None:
        return f"{low}+"
    return low if end == start else f"{low}–{number(end, lang, decimals=0)}"

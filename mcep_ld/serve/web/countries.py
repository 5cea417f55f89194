"""Country profiles (the HTML of ``/vocab/country/{ISO2}``) and the world map of the landing page and dashboard.

A profile gathers what the hub holds about a country from the search index (records whose ``mcep:country`` is
the country, grouped by kind, and their theme counts) and the records themselves (the party record's action
and dates, the GEF projects' funding): party status, focal points, national reports and plans, GEF projects
with their funding, decisions and documents naming it, its records by theme.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import Request
from markupsafe import Markup

from mcep_ld.search.index import Hit
from mcep_ld.serve.web import worldmap
from mcep_ld.serve.web.layout import date_text, link, local, number, record_links

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


def profile(request: Request, iri: str, lang: str) -> dict:
    """The country's profile, below its names (``country.html``)."""
    hub = request.app.state.hub
    found = hub.search.search("", filters={"country": [iri]}, limit=PROFILE_MAX_RECORDS)
    by_kind: dict[str, list[Hit]] = defaultdict(list)
    for hit in found.hits:
        by_kind[hit.kind].append(hit)
    sections = []
    for name, kinds in SECTIONS:
        if name == "naming_it" and (projects := by_kind.get("project")):
            sections.append({"name": "projects", "links": record_links(request, projects, lang),
                             "funding": _funding(hub, projects)})
        if hits := [h for kind in kinds for h in by_kind.get(kind, [])]:
            sections.append({"name": name, "links": record_links(request, hits, lang), "funding": None})
    themes = sorted(found.facets.get("theme", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return {"party": _party(hub, by_kind.get("party", []), lang), "sections": sections,
            "themes": [(link("/search", lang, country=iri, theme=theme),
                        (hub.vocab.label(theme, [lang]) or (theme, ""))[0], n) for theme, n in themes],
            "total": found.total, "total_href": link("/search", lang, country=iri)}


def _values(hub, iri: str) -> dict[str, str]:  # noqa: ANN001 - the Hub
    """The record's ``mcep:`` literal values by local name (the first of each)."""
    out: dict[str, str] = {}
    for q in hub.store.public.quads(None, subject=iri):
        if q.predicate.value.startswith(MCEP):
            out.setdefault(q.predicate.value[len(MCEP):], q.object.value)
    return out


def _party(hub, hits: list[Hit], lang: str) -> list[tuple[str, str]] | None:  # noqa: ANN001 - the Hub
    """The party's status as (message, value) rows, or None when the country is not a Party."""
    if not hits:
        return None
    v = _values(hub, hits[0].iri)
    rows: list[tuple[str, str]] = []
    if action := v.get("partyAction"):
        rows.append(("action", PARTY_ACTIONS.get(action, {}).get(lang) or action))
    for key, field in (("deposit", "depositDate"), ("in_force", "entryIntoForce")):
        if field in v:
            rows.append((key, date_text(v[field], lang)))
    if "annexDeclaration" in v:
        rows.append(("declaration", v["annexDeclaration"]))
    return rows


def _funding(hub, hits: list[Hit]) -> dict[str, float]:  # noqa: ANN001 - the Hub
    """The GEF grant and co-financing of the country's projects, in US dollars."""
    grant = cofinancing = 0.0
    for hit in hits:
        v = _values(hub, hit.iri)
        grant += float(v.get("gefGrantUSD") or 0)
        cofinancing += float(v.get("cofinancingUSD") or 0)
    return {"grant": grant, "cofinancing": cofinancing}


def world_map(request: Request, lang: str, *, table_open: bool = False) -> dict:
    """The map of records per country (``world_map.html``): the drawing, its legend, the same figures as a table."""
    hub = request.app.state.hub
    counts = hub.search.facet_values("country")
    numeric = worldmap.numeric_codes(hub.vocab, hub.settings.base_uri)
    named = []
    for code, concept in sorted(numeric.items()):
        name = (hub.vocab.label(concept, [lang]) or (concept, ""))[0]
        named.append((code, name, local(request, concept, lang), counts.get(concept, 0)))
    countries = [(code, f"{name}: {number(n, lang, decimals=0)}", href, n) for code, name, href, n in named]
    return {"svg": Markup(worldmap.svg(countries, caption_id="map-caption")), "open": table_open,
            "legend": [_range(i, lang) for i in range(len(worldmap.CLASSES))],
            "rows": sorted(((name, href, n) for _, name, href, n in named if n), key=lambda r: (-r[2], r[0]))}


def _range(i: int, lang: str) -> str:
    start = worldmap.CLASSES[i]
    end = worldmap.CLASSES[i + 1] - 1 if i + 1 < len(worldmap.CLASSES) else None
    low = number(start, lang, decimals=0)
    if end is None:
        return f"{low}+"
    return low if end == start else f"{low}–{number(end, lang, decimals=0)}"

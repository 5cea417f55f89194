"""The mercury-added products repository: the HTML of ``/vocab/product/{key}`` and ``/vocab/process/{key}``.

Each Annex A product (or Annex B process) page shows the entry as the Convention has it now (its legal text,
annex part, phase-out year, the decisions that introduced or amended it and what they changed), its narrower
entries, the exemptions Parties registered for it (Article 6), the alternatives curated for it, and the
decisions, guidance, case studies, projects and meetings placed on it by their sources or the classifier.
"""

from __future__ import annotations

from fastapi import Request

from mcep_ld.messages import message
from mcep_ld.search.index import Hit
from mcep_ld.serve.web.layout import anchor, date_text, esc, lang_attr, local, record_list, text_in

SKOS = "http://www.w3.org/2004/02/skos/core#"
MCEP = "https://w3id.org/mcep/ontology#"
DCT = "http://purl.org/dc/terms/"
#: Sections of records placed on the entry: (message, kinds).
SECTIONS = (("guidance", ("decision", "document", "resource")), ("case_studies", ("case-study",)),
            ("projects", ("project",)), ("meetings", ("meeting",)))


def entry(request: Request, iri: str, lang: str) -> str:
    """The sections of a product's or process's page, below its names."""
    hub = request.app.state.hub
    vocab = hub.vocab
    about: dict[str, list] = {}
    for q in vocab.quads:
        if q.subject.value == iri:
            about.setdefault(q.predicate.value, []).append(q.object)
    narrower = sorted(c for c, ups in vocab.broader.items() if iri in ups)
    parts = [_facts(request, hub, about, lang)]
    if narrower:
        items = "".join(f"<li>{anchor(local(request, c, lang), esc((vocab.label(c, [lang]) or (c, ''))[0]))}</li>"
                        for c in narrower)
        parts.append(f"<section><h2>{esc(message('entries', lang))}</h2><ul>{items}</ul></section>")
    concepts = [iri, *_below(vocab, iri)]
    values = " ".join(f"<{c}>" for c in concepts)
    rows = hub.store.public.query(
        f"SELECT DISTINCT ?r ?how WHERE {{ VALUES ?c {{ {values} }} "
        f"{{ ?r <{DCT}subject> ?c BIND('subject' AS ?how) }} "
        f"UNION {{ ?r <{MCEP}replaces> ?c BIND('alternative' AS ?how) }} "
        f"UNION {{ ?r <{MCEP}exemptionFor> ?c BIND('exemption' AS ?how) }} }}")
    how: dict[str, set[str]] = {}
    for r, kind in rows:
        how.setdefault(r.value, set()).add(kind.value)
    hits = hub.search.hits(sorted(how))
    exemptions = [h for h in hits if h.kind == "exemption" and "exemption" in how[h.iri]]
    parts.append(_exemptions(request, hub, exemptions, lang))
    alternatives = [h for h in hits if h.kind == "alternative" and "alternative" in how[h.iri]]
    if alternatives:
        parts.append(_alternatives(request, hub, alternatives, lang))
    for name, kinds in SECTIONS:
        chosen = [h for h in hits if h.kind in kinds]
        if chosen:
            parts.append(f"<section><h2>{esc(message(name, lang))}</h2>{record_list(request, chosen, lang)}</section>")
    return "".join(parts)


def _below(vocab, iri: str) -> list[str]:  # noqa: ANN001 - the Vocabulary
    """Every concept under *iri* (``skos:broader`` read backwards, transitively)."""
    found: list[str] = []
    todo = [iri]
    while todo:
        up = todo.pop()
        for c, ups in vocab.broader.items():
            if up in ups and c not in found:
                found.append(c)
                todo.append(c)
    return found


def _facts(request: Request, hub, about: dict[str, list], lang: str) -> str:  # noqa: ANN001 - the Hub
    def text(predicate: str) -> str:
        found = {o.language or "": o.value for o in about.get(predicate, [])}
        shown, code = text_in(found, [lang, "en"])
        return f"<span{lang_attr(code, lang)}>{esc(shown)}</span>" if shown else ""

    def decisions(predicate: str) -> str:
        """Links to the decisions, named by number and title (several share a title: "Review of Annexes A and B")."""
        found = {h.iri: h for h in hub.search.hits(sorted(o.value for o in about.get(predicate, [])))}
        links = []
        for d in sorted(o.value for o in about.get(predicate, [])):
            hit = found.get(d)
            title, code = text_in(hit.titles, [lang]) if hit else ("", "")
            number = hit.identifiers[0] if hit and hit.identifiers else d.rsplit("/", 1)[-1]
            links.append(anchor(local(request, d, lang), f"<bdi>{esc(number)}</bdi> "
                                f"<span{lang_attr(code, lang)}>{esc(title)}</span>"))
        return "; ".join(links)

    rows = [("legal_text", text(f"{SKOS}definition")),
            ("annex_part", esc(" ".join(o.value for o in about.get(f"{MCEP}annexPart", [])))),
            ("phase_out", esc(" ".join(o.value for o in about.get(f"{MCEP}phaseOutYear", [])))),
            ("introduced_by", decisions(f"{MCEP}introducedBy")), ("amended_by", decisions(f"{MCEP}amendedBy")),
            ("changes", "<br>".join(f"<span{lang_attr(o.language or '', lang)}>{esc(o.value)}</span>"
                                    for o in about.get(f"{SKOS}changeNote", [])))]
    facts = "".join(f"<dt>{esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in rows if value)
    return f'<dl class="facts">{facts}</dl>' if facts else ""


def _values(hub, iri: str) -> dict[str, list]:  # noqa: ANN001 - the Hub
    out: dict[str, list] = {}
    for q in hub.store.public.quads(None, subject=iri):
        out.setdefault(q.predicate.value, []).append(q.object)
    return out


def _exemptions(request: Request, hub, hits: list[Hit], lang: str) -> str:  # noqa: ANN001 - the Hub
    title = f"<h2>{esc(message('exemptions', lang))}</h2>"
    if not hits:
        return f"<section>{title}<p>{esc(message('no_exemptions', lang))}</p></section>"
    items = []
    for h in hits:
        v = _values(hub, h.iri)
        expiry = next((o.value for o in v.get(f"{MCEP}expiryDate", [])), "")
        shown, code = text_in(h.titles, [lang])
        items.append(f"<li>{anchor(local(request, h.iri, lang), esc(shown or h.iri), lang_attr(code, lang))}"
                     + (f" · {esc(message('expires', lang))} {date_text(expiry, lang)}" if expiry else "") + "</li>")
    return f"<section>{title}<ul>{''.join(items)}</ul></section>"


def _alternatives(request: Request, hub, hits: list[Hit], lang: str) -> str:  # noqa: ANN001 - the Hub
    items = []
    for h in hits:
        v = _values(hub, h.iri)

        def said(predicate: str, values: dict = v) -> str:
            found = {o.language or "": o.value for o in values.get(predicate, [])}
            shown, code = text_in(found, [lang, "en"])
            return f"<span{lang_attr(code, lang)}>{esc(shown)}</span>" if shown else ""

        shown, code = text_in(h.titles, [lang])
        facts = "".join(f"<dt>{esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in (
            ("technical", said(f"{MCEP}technicalFeasibility")), ("economic", said(f"{MCEP}economicFeasibility")),
            ("cited", said(f"{DCT}bibliographicCitation"))) if value)
        items.append(f"<li><h3{lang_attr(code, lang)}>{anchor(local(request, h.iri, lang), esc(shown or h.iri))}</h3>"
                     f'<dl class="facts">{facts}</dl></li>')
    return (f"<section><h2>{esc(message('alternatives', lang))}</h2>"
            f'<ul class="alternatives">{"".join(items)}</ul></section>')

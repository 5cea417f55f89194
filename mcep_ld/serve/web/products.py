"""The mercury-added products repository: the HTML of ``/vocab/product/{key}`` and ``/vocab/process/{key}``.

Each Annex A product (or Annex B process) page shows the entry as the Convention has it now (its legal text,
annex part, phase-out year, the decisions that introduced or amended it and what they changed), its narrower
entries, the exemptions Parties registered for it (Article 6), the alternatives curated for it, and the
decisions, guidance, case studies, projects and meetings placed on it by their sources or the classifier.
"""

from __future__ import annotations

from fastapi import Request
from markupsafe import Markup

from mcep_ld.search.index import Hit
from mcep_ld.serve.web.layout import Link, lang_attr, record_links, text_in, to

SKOS = "http://www.w3.org/2004/02/skos/core#"
MCEP = "https://w3id.org/mcep/ontology#"
DCT = "http://purl.org/dc/terms/"
#: Sections of records placed on the entry: (message, kinds).
SECTIONS = (("guidance", ("decision", "document", "resource")), ("case_studies", ("case-study",)),
            ("projects", ("project",)), ("meetings", ("meeting",)))


def entry(request: Request, iri: str, lang: str) -> dict:
    """A product's or process's entry, below its names (``product.html``)."""
    hub = request.app.state.hub
    vocab = hub.vocab
    about: dict[str, list] = {}
    for q in vocab.quads:
        if q.subject.value == iri:
            about.setdefault(q.predicate.value, []).append(q.object)
    narrower = sorted(c for c, ups in vocab.broader.items() if iri in ups)
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
    return {
        "facts": _facts(request, hub, about, lang),
        "narrower": [to(request, c, (vocab.label(c, [lang]) or (c, ""))[0], lang) for c in narrower],
        "exemptions": [_exemption(request, hub, h, lang) for h in hits
                       if h.kind == "exemption" and "exemption" in how[h.iri]],
        "alternatives": [_alternative(request, hub, h, lang) for h in hits
                         if h.kind == "alternative" and "alternative" in how[h.iri]],
        "sections": [(name, record_links(request, chosen, lang)) for name, kinds in SECTIONS
                     if (chosen := [h for h in hits if h.kind in kinds])],
    }


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


def _said(found: dict[str, str], lang: str) -> Link | None:
    """The text in the reader's language (or English, or any), marked with its language; None when none."""
    shown, code = text_in(found, [lang, "en"])
    return Link("", shown, Markup(lang_attr(code, lang))) if shown else None


def _facts(request: Request, hub, about: dict[str, list], lang: str) -> dict:  # noqa: ANN001 - the Hub
    """The entry as the Convention has it: legal text, annex part, phase-out year, the decisions that introduced
    or amended it, named by number and title (several share a title: "Review of Annexes A and B")."""
    def decisions(predicate: str) -> list[dict]:
        chosen = sorted(o.value for o in about.get(predicate, []))
        found = {h.iri: h for h in hub.search.hits(chosen)}
        out = []
        for d in chosen:
            hit = found.get(d)
            title, code = text_in(hit.titles, [lang]) if hit else ("", "")
            number = hit.identifiers[0] if hit and hit.identifiers else d.rsplit("/", 1)[-1]
            out.append({"link": to(request, d, number, lang), "title": Link("", title, Markup(lang_attr(code, lang)))})
        return out

    return {"legal_text": _said({o.language or "": o.value for o in about.get(f"{SKOS}definition", [])}, lang),
            "annex_part": " ".join(o.value for o in about.get(f"{MCEP}annexPart", [])),
            "phase_out": " ".join(o.value for o in about.get(f"{MCEP}phaseOutYear", [])),
            "introduced_by": decisions(f"{MCEP}introducedBy"), "amended_by": decisions(f"{MCEP}amendedBy"),
            "changes": [Link("", o.value, Markup(lang_attr(o.language or "", lang)))
                        for o in about.get(f"{SKOS}changeNote", [])]}


def _values(hub, iri: str) -> dict[str, list]:  # noqa: ANN001 - the Hub
    out: dict[str, list] = {}
    for q in hub.store.public.quads(None, subject=iri):
        out.setdefault(q.predicate.value, []).append(q.object)
    return out


def _exemption(request: Request, hub, hit: Hit, lang: str) -> dict:  # noqa: ANN001 - the Hub
    """A registered exemption: its link and the date it expires."""
    expiry = next((o.value for o in _values(hub, hit.iri).get(f"{MCEP}expiryDate", [])), "")
    shown, code = text_in(hit.titles, [lang])
    return {"link": to(request, hit.iri, shown, lang, text_lang=code), "expiry": expiry}


def _alternative(request: Request, hub, hit: Hit, lang: str) -> dict:  # noqa: ANN001 - the Hub
    """An alternative: its link and what is said of its technical and economic feasibility, and where."""
    v = _values(hub, hit.iri)
    facts = [(key, said) for key, predicate in (("technical", f"{MCEP}technicalFeasibility"),
                                                 ("economic", f"{MCEP}economicFeasibility"),
                                                 ("cited", f"{DCT}bibliographicCitation"))
             if (said := _said({o.language or "": o.value for o in v.get(predicate, [])}, lang))]
    shown, code = text_in(hit.titles, [lang])
    return {"link": to(request, hit.iri, shown, lang), "attrs": Markup(lang_attr(code, lang)), "facts": facts}

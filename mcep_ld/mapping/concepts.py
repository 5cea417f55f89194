"""Linking a record to the concepts of the vocabularies that every kind of record uses.

A code or name the vocabulary does not know is kept as a literal (``mcep:countryCode``,
``mcep:treatyCode``) so nothing is lost, and the shapes warn about it.
"""

from __future__ import annotations

from rdflib import Literal, URIRef

from mcep_ld.mapping.iris import slug
from mcep_ld.mapping.namespaces import DCT, MCEP
from mcep_ld.mapping.records import Triples
from mcep_ld.vocab import Vocabulary


def add_country(g: Triples, iri: URIRef, text: str | None, vocab: Vocabulary) -> list[str]:
    """``mcep:country`` from any code or name; returns the OAI set (``country:FR``) it puts the record in."""
    if not text or not text.strip():
        return []
    concept = vocab.country(text)
    if concept is None:
        g.add((iri, MCEP.countryCode, Literal(text.strip())))
        return []
    g.add((iri, MCEP.country, URIRef(concept)))
    return [f"country:{concept.rsplit('/', 1)[-1]}"]


def add_treaty(g: Triples, iri: URIRef, code: str | None, vocab: Vocabulary) -> list[str]:
    """``mcep:treaty`` from an InforMEA id or UN Treaty Collection id; returns its set (``treaty:minamata``)."""
    if not code or not code.strip():
        return []
    concept = vocab.lookup("treaty", code.strip())
    if concept is None:
        g.add((iri, MCEP.treatyCode, Literal(code.strip())))
        return [f"treaty:{slug(code)}"]
    g.add((iri, MCEP.treaty, URIRef(concept)))
    return [f"treaty:{concept.rsplit('/', 1)[-1]}"]


def add_theme(g: Triples, iri: URIRef, notation: str, vocab: Vocabulary) -> list[str]:
    """``dct:subject`` the Convention theme with this notation (an article's number, an annex's letter);
    returns its set (``theme:art-3``), or nothing for a notation the scheme does not have."""
    concept = vocab.lookup("theme", notation)
    if concept is None:
        return []
    g.add((iri, DCT.subject, URIRef(concept)))
    return [f"theme:{concept.rsplit('/', 1)[-1]}"]


def add_subject(g: Triples, iri: URIRef, concept: URIRef, vocab: Vocabulary) -> list[str]:
    """``dct:subject`` *concept* (a LEO term, say), and the Convention themes aligned to it; returns the
    theme sets (``theme:art-7``) it puts the record in."""
    g.add((iri, DCT.subject, concept))
    sets = []
    for theme in vocab.aligned(str(concept), "theme"):
        g.add((iri, DCT.subject, URIRef(theme)))
        sets.append(f"theme:{theme.rsplit('/', 1)[-1]}")
    return sets

"""What is held back from the public store: the predicates of ``restricted_predicates`` (personal contact details by
default), each schema.org term under both schemes, and the split of a record's statements by them. Restricted
statements go to the restricted store and are hashed apart (ingest/prepare.py), so no public answer, not even
an ETag, depends on them."""

from __future__ import annotations

from collections.abc import Iterable

from mcep_ld.config import Settings

SCHEMA_ORG = ("http://schema.org/", "https://schema.org/")


def restricted_predicates(settings: Settings) -> frozenset[str]:
    """The predicates held back: ``restricted_predicates``, each schema.org term under both schemes (sources write
    ``https://schema.org/email`` as often as ``http://``)."""
    return with_both_schemes(settings.restricted_predicates)


def with_both_schemes(iris: Iterable[str]) -> frozenset[str]:
    """*iris*, each schema.org term also under the other scheme."""
    out = set(iris)
    for iri in list(out):
        for scheme in SCHEMA_ORG:
            if iri.startswith(scheme):
                out.update(other + iri[len(scheme):] for other in SCHEMA_ORG)
    return frozenset(out)


def split(statements: Iterable[tuple[str, str]], restricted: frozenset[str]) -> tuple[list[str], list[str]]:
    """(public, restricted) N-Triples statements from (predicate IRI, statement) pairs, in their order."""
    public: list[str] = []
    held: list[str] = []
    for predicate, statement in statements:
        (held if predicate in restricted else public).append(statement)
    return public, held

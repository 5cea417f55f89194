"""What a query must pass before any SPARQL parser reads it: its length, its nesting, the services it calls.

Oxigraph's parser and optimiser recurse: a query nested a few thousand brackets deep overflows the stack of
the process that parses it (``oxigraph serve`` dies the same way). The text is scanned once here, strings,
IRIs and comments skipped, and refused with the protocol's 400 when it is deeper than ``sparql_max_nesting``.

``SERVICE`` (and an update's ``LOAD``) make the engine send requests wherever the query says: refused unless
the IRI is under one of ``sparql_service_allow``, and refused whatever that says when its host is on a
loopback, link-local, private or otherwise non-public address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mcep_ld.errors import MCEPError
from mcep_ld.fetch.addresses import public_address_problem


class QueryRefused(MCEPError, ValueError):
    """A query refused before evaluation; the message says which limit and how to stay within it."""


_LEXEMES = re.compile(r'''
    (?P<skip> """(?:[^"\\]|\\.|"(?!""))*""" | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
            | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*' | \#[^\n]* )
  | (?P<iri> <[^<>"{}|^`\\\s]*> )
  | (?P<open> [({\[] ) | (?P<close> [)}\]] )
  | (?P<word> [A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)? | [?$][A-Za-z0-9_]+ | :[A-Za-z0-9_\-.]* )
''', re.VERBOSE | re.DOTALL)

_CALLS = {"SERVICE", "LOAD"}


@dataclass(frozen=True)
class Limits:
    max_chars: int
    max_nesting: int
    service_allow: tuple[str, ...] = ()


def check(text: str, limits: Limits) -> None:
    """Raise QueryRefused when *text* is too long or too deep, or calls a service it may not."""
    if len(text) > limits.max_chars:
        raise QueryRefused(f"the query is longer than sparql_max_body_bytes ({limits.max_chars} characters)")
    depth = 0
    expect_target: str | None = None  # the keyword whose target IRI comes next
    for m in _LEXEMES.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if depth > limits.max_nesting:
                raise QueryRefused(f"the query nests brackets deeper than sparql_max_nesting "
                                   f"({limits.max_nesting})")
            continue
        if kind == "close":
            depth -= 1
            continue
        if kind == "skip":
            continue
        if expect_target is not None:
            if kind == "word" and m.group().upper() == "SILENT":
                continue
            _check_call(expect_target, m.group() if kind == "iri" else None, limits)
            expect_target = None
        if kind == "word" and m.group().upper() in _CALLS:
            expect_target = m.group().upper()
    if expect_target is not None:
        _check_call(expect_target, None, limits)


def _check_call(keyword: str, iri: str | None, limits: Limits) -> None:
    if iri is None:
        raise QueryRefused(f"{keyword} must name its target by a full IRI (<http://…>)")
    target = iri[1:-1]
    if not any(target.startswith(allowed) for allowed in limits.service_allow):
        raise QueryRefused(f"{keyword} <{target}> is not allowed: this endpoint calls only the services in "
                           "sparql_service_allow" + ("" if limits.service_allow else " (none)"))
    if problem := public_address_problem(target):
        raise QueryRefused(f"{keyword} <{target}> is not allowed: {problem}")

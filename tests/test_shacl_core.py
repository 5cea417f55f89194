"""The W3C SHACL Core test suite (shared/conformance/shacl-core) run through our validation layer.

Each test's data and shapes go through ``ShaclGate`` as record batches do (``validate_batch``, each subject's
statements one record, results attributed by focus node); the results must be the expected report's, compared
by focus node, path, constraint component, severity and source shape (and so must conformance: no result means
it conforms).
``property/uniqueLang-002`` is a known pyshacl deviation: it reads ``sh:uniqueLang "1"^^xsd:boolean``
as true where the test says the constraint must stay inactive.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from mcep_ld.validate.gate import ShaclGate
from tests.conftest import SHARED

SUITE = SHARED / "conformance" / "shacl-core" / "tests" / "core"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
KNOWN_DEVIATIONS = {"property/uniqueLang-002.ttl": "pyshacl activates sh:uniqueLang \"1\"^^xsd:boolean"}


def _tests() -> list[str]:
    if not SUITE.is_dir():
        return []
    files = []
    for manifest in sorted(SUITE.glob("*/manifest.ttl")):
        g = Graph().parse(manifest, format="turtle")
        for include in g.objects(None, URIRef(f"{MF}include")):
            files.append(str(Path(str(include).removeprefix("file://")).relative_to(SUITE)))
    return sorted(files)


TESTS = _tests()


@pytest.mark.skipif(not TESTS, reason=f"{SUITE} is absent (it comes with ../shared)")
def test_the_suite_is_all_there() -> None:
    assert len(TESTS) == 98  # the core suite's sht:Validate tests (CORE-TESTS-INDEX.md)


@pytest.mark.skipif(not TESTS, reason=f"{SUITE} is absent (it comes with ../shared)")
@pytest.mark.parametrize("name", TESTS or ["none"])
def test_core(name: str) -> None:
    if name in KNOWN_DEVIATIONS:
        pytest.xfail(KNOWN_DEVIATIONS[name])
    data, shapes, (g, expected) = load(name)
    blank = {str(t) for graph in (data, shapes) for triple in graph for t in triple if isinstance(t, BNode)}

    def term(node: object) -> str:
        """Blank nodes are named apart in each file: compared as blank only."""
        return "_:" if isinstance(node, BNode) or str(node) in blank else str(node)

    want = sorted((term(g.value(r, SH.focusNode)), _path(g.value(r, SH.resultPath)),
                   str(g.value(r, SH.sourceConstraintComponent)), str(g.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                   term(g.value(r, SH.sourceShape))) for r in g.objects(expected, SH.result))
    # as a record batch is validated: each subject's statements a record of their own, results attributed to
    # records by focus node (or to the records naming it); every result must reach some record, once
    records: dict[str, list] = {}
    for triple in data:
        records.setdefault(str(triple[0]), []).append(triple)
    outcomes = ShaclGate.from_graph(shapes).validate_batch(records)
    found = list({id(f): f for outcome in outcomes.values() for f in outcome.findings}.values())
    got = sorted((term(f.focus), f.path, f.constraint, f.severity, term(f.shape)) for f in found)
    assert got == want
    assert (not got) == g.value(expected, SH.conforms).toPython()


def _path(path: object) -> str:
    """A result's path as a finding keeps it: a predicate, or nothing for a complex path (a blank node)."""
    return str(path) if isinstance(path, URIRef) else ""


def load(name: str) -> tuple[Graph, Graph, tuple[Graph, URIRef]]:
    """A test's data graph, shapes graph, and its manifest with the expected report's node."""
    path = SUITE / name
    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    test = next(g.subjects(RDF.type, URIRef(f"{SHT}Validate")))
    action = g.value(test, URIRef(f"{MF}action"))
    data, shapes = (_graph(g, g.value(action, URIRef(f"{SHT}{role}")), path) for role in ("dataGraph", "shapesGraph"))
    return data, shapes, (g, g.value(test, URIRef(f"{MF}result")))


def _graph(g: Graph, ref: URIRef, path: Path) -> Graph:
    """The graph a test names: its own file (``<>``) or another file of the suite."""
    if str(ref) == path.as_uri():
        out = Graph()
        out += g
        return out
    return Graph().parse(Path(str(ref).removeprefix("file://")), format="turtle")

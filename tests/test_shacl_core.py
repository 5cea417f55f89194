"""The W3C SHACL Core test suite (shared/conformance/shacl-core) run through our validation layer.

Each test's data and shapes go through ``ShaclGate`` as record batches do; the number of validation
results must equal the expected report's (and so must conformance: no result means it conforms).
``property/uniqueLang-002`` is a known pyshacl deviation: it reads ``sh:uniqueLang "1"^^xsd:boolean``
as true where the test says the constraint must stay inactive.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
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
    path = SUITE / name
    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    test = next(g.subjects(RDF.type, URIRef(f"{SHT}Validate")))
    action = g.value(test, URIRef(f"{MF}action"))
    data, shapes = (_graph(g, g.value(action, URIRef(f"{SHT}{role}")), path) for role in ("dataGraph", "shapesGraph"))
    expected = g.value(test, URIRef(f"{MF}result"))
    expected_results = len(list(g.objects(expected, SH.result)))
    conforms = g.value(expected, SH.conforms).toPython()
    found = ShaclGate.from_graph(shapes).findings(data)
    assert (len(found) == 0) == conforms
    assert len(found) == expected_results, [f.line() for f in found]


def _graph(g: Graph, ref: URIRef, path: Path) -> Graph:
    """The graph a test names: its own file (``<>``) or another file of the suite."""
    if str(ref) == path.as_uri():
        out = Graph()
        out += g
        return out
    return Graph().parse(Path(str(ref).removeprefix("file://")), format="turtle")

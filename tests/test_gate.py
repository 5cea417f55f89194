"""The SHACL gate's own behaviour (validate/gate.py), fast enough for a mutation run: the hub's base URI put into
shapes, which predicates a batch keeps for the validator, records describing one subject judged apart, and the
report of `mcep validate FILE`. Conformance to SHACL itself: test_shacl_core.py and test_shacl_compiled.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from mcep_ld.validate.gate import ShaclGate, validate_file

BASE = "http://localhost:8000/"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <http://example.org/> .
"""
ONE_TITLE = PREFIXES + """
ex:doc a sh:NodeShape ; sh:targetClass ex:Doc ;
    sh:property [ sh:path dct:title ; sh:maxCount 1 ; sh:minCount 1 ;
                  sh:message "At most one title: see {base_uri}docs"@en ] ;
    sh:property [ sh:path dct:identifier ; sh:pattern "^{base_uri}id/" ; sh:severity sh:Warning ] .
"""


def gate_of(tmp_path: Path, shapes: str) -> ShaclGate:
    return gate_of_kind(tmp_path, shapes, reference=False)


def gate_of_kind(tmp_path: Path, shapes: str, *, reference: bool) -> ShaclGate:
    """The compiled gate or pyshacl's (the reference): every behaviour below holds for both."""
    (tmp_path / "shapes.ttl").write_text(shapes, encoding="utf-8")
    return (ShaclGate.reference if reference else ShaclGate)(tmp_path, base_uri=BASE)


BOTH = pytest.mark.parametrize("reference", [False, True], ids=["compiled", "pyshacl"])


@BOTH
def test_the_hubs_base_uri_goes_into_patterns_and_messages(tmp_path: Path, reference: bool) -> None:
    gate = gate_of_kind(tmp_path, ONE_TITLE, reference=reference)
    doc = URIRef("http://example.org/d")
    triples = [(doc, RDF.type, URIRef("http://example.org/Doc")), (doc, DCTERMS.title, Literal("a")),
               (doc, DCTERMS.title, Literal("b")), (doc, DCTERMS.identifier, Literal(f"{BASE}id/d")),
               (doc, DCTERMS.identifier, Literal("http://elsewhere.org/id/d"))]
    found = gate.validate_batch({"d": triples})["d"]
    assert [f.message for f in found.violations] == [f"At most one title: see {BASE}docs"]
    assert [f.value for f in found.warnings] == ["http://elsewhere.org/id/d"]  # the hub's own prefix passes


def test_records_describing_one_subject_are_judged_apart(tmp_path: Path) -> None:
    """Two sources each give <d> one title: together two, but each record, in its own graph, has one."""
    gate = gate_of(tmp_path, ONE_TITLE)
    doc, kind = URIRef("http://example.org/d"), URIRef("http://example.org/Doc")
    outcomes = gate.validate_batch({"site": [(doc, RDF.type, kind), (doc, DCTERMS.title, Literal("a"))],
                                    "informea": [(doc, RDF.type, kind), (doc, DCTERMS.title, Literal("b"))]})
    assert not outcomes["site"].violations and not outcomes["informea"].violations


@pytest.mark.parametrize("extra, keeps_all", [
    ("", False),
    ("ex:closed a sh:NodeShape ; sh:targetClass ex:Doc ; sh:closed true ; sh:property [ sh:path dct:title ] .", True),
    ("ex:seq a sh:NodeShape ; sh:targetClass ex:Doc ; sh:property [ sh:path ( dct:isPartOf dct:title ) ; "
     "sh:minCount 1 ] .", True),
])
def test_a_batch_keeps_the_predicates_the_shapes_can_read(tmp_path: Path, extra: str, keeps_all: bool) -> None:
    gate = gate_of(tmp_path, ONE_TITLE + extra)
    if keeps_all:  # a closed shape or a complex path could read any predicate
        assert gate.relevant is None
        doc = URIRef("http://example.org/d")
        found = gate.validate_batch({"d": [(doc, RDF.type, URIRef("http://example.org/Doc")),
                                           (doc, DCTERMS.description, Literal("read by a closed shape"))]})["d"]
        assert found.violations  # (no title; the closed shape also refuses the description)
    else:
        assert {DCTERMS.title, DCTERMS.identifier, RDF.type} <= gate.relevant
        assert DCTERMS.description not in gate.relevant


@pytest.mark.parametrize("reference", [False, True], ids=["compiled", "pyshacl"])
def test_validate_file_reports_violations_and_warnings(tmp_path: Path, reference: bool) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "shapes.ttl").write_text(ONE_TITLE, encoding="utf-8")
    gate = (ShaclGate.reference if reference else ShaclGate)(shapes, base_uri=BASE)
    bad = tmp_path / "bad.ttl"  # two violations (two titles; none), one warning: every result, not the first
    bad.write_text(PREFIXES + '<http://example.org/d> a ex:Doc ; dct:title "a", "b" ; '
                   'dct:identifier "http://elsewhere.org/id/d" .\n<http://example.org/e> a ex:Doc .\n',
                   encoding="utf-8")
    conforms, report = validate_file(gate, bad)
    assert not conforms
    assert report.splitlines()[0] == f"{bad}: 5 triples, 2 violation(s), 1 warning(s)"
    assert len(report.splitlines()) == 4  # one line per finding
    good = tmp_path / "good.ttl"
    good.write_text(PREFIXES + '<http://example.org/d> a ex:Doc ; dct:title "a" .\n', encoding="utf-8")
    assert validate_file(gate, good) == (True, f"{good}: 2 triples, 0 violation(s), 0 warning(s)")
    with pytest.raises(ValueError, match="unknown RDF file type"):
        validate_file(gate, tmp_path / "data.xyz")


@BOTH
def test_every_shapes_violations_are_reported_not_only_the_first(tmp_path: Path, reference: bool) -> None:
    """A quarantine report names everything wrong with a record, so its curator fixes it in one pass."""
    gate = gate_of_kind(tmp_path, PREFIXES + """
ex:titled a sh:NodeShape ; sh:targetClass ex:Doc ; sh:property [ sh:path dct:title ; sh:minCount 1 ] .
ex:dated a sh:NodeShape ; sh:targetClass ex:Doc ; sh:property [ sh:path dct:issued ; sh:minCount 1 ] .
""", reference=reference)
    doc = URIRef("http://example.org/d")
    found = gate.validate_batch({"d": [(doc, RDF.type, URIRef("http://example.org/Doc"))]})["d"]
    assert sorted(f.path for f in found.violations) == [str(DCTERMS.issued), str(DCTERMS.title)]


@BOTH
def test_an_info_finding_does_not_fail_a_file(tmp_path: Path, reference: bool) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    gate = gate_of_kind(shapes, PREFIXES + """
ex:doc a sh:NodeShape ; sh:targetClass ex:Doc ;
    sh:property [ sh:path dct:abstract ; sh:minCount 1 ; sh:severity sh:Info ] .
""", reference=reference)
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + "<http://example.org/d> a ex:Doc .\n", encoding="utf-8")
    conforms, report = validate_file(gate, data)
    assert conforms, report
    assert report.splitlines()[0] == f"{data}: 1 triples, 0 violation(s), 1 warning(s)"


def test_the_base_uri_is_named_where_a_gate_is_made(tmp_path: Path) -> None:
    """Keyword-only: a shapes folder and a base URI are both paths-like strings, easily swapped."""
    (tmp_path / "shapes.ttl").write_text(ONE_TITLE, encoding="utf-8")
    for make in (ShaclGate, ShaclGate.reference):
        with pytest.raises(TypeError):
            make(tmp_path, BASE)

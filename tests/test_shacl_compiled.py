"""The compiled shapes (validate/compiled.py) against pyshacl, the reference: the same results, to the focus
node, path, value, source shape, constraint component and severity, on the W3C SHACL core suite (every test
whose shapes compile), on every shape's failing example, and on a synthetic corpus mapped by the real InforMEA
mapping with defects planted in it, batch by batch through the gate's per-record attribution."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from mcep_ld.harvesters.informea import ENTITY_SETS, InforMEAHarvester
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, XSD

from benchmarks.corpus import entities
from mcep_ld.fetch.http import HttpClient
from mcep_ld.hub import Hub
from mcep_ld.mapping.records import MappingError, SourceRecord
from mcep_ld.resources import PROJECT_ROOT
from mcep_ld.validate.findings import Finding
from mcep_ld.validate.gate import ShaclGate
from tests import test_shacl_core as core
from tests.test_shapes import EXAMPLES, NAMED, PREFIXES

BASE = "http://localhost:8000/"
COMPILED = ShaclGate(PROJECT_ROOT / "shapes", base_uri=BASE)
REFERENCE = ShaclGate.reference(PROJECT_ROOT / "shapes", base_uri=BASE)
MCEP = "https://w3id.org/mcep/ontology#"


def same(findings: list[Finding]) -> list[tuple]:
    return sorted((f.severity, f.focus, f.path, f.constraint, f.shape, f.value) for f in findings)


def test_the_shipped_shapes_compile() -> None:
    assert COMPILED.compiled is not None and REFERENCE.compiled is None
    assert len(COMPILED.compiled.shapes) == len(NAMED)  # each with its targets


@pytest.mark.parametrize("name", NAMED)
def test_each_failing_example_gives_the_same_results(name: str) -> None:
    data = Graph().parse(data=PREFIXES + EXAMPLES[name], format="turtle")
    compiled = same(COMPILED.findings(data))
    assert compiled == same(REFERENCE.findings(data)) and compiled


@pytest.mark.skipif(not core.TESTS, reason=f"{core.SUITE} is absent (it comes with ../shared)")
def test_the_w3c_core_suite_gives_the_same_results() -> None:
    compiled = 0
    for name in core.TESTS:
        data, shapes, _ = core.load(name)
        gate = ShaclGate.from_graph(shapes)
        if gate.compiled is None:
            continue
        compiled += 1
        assert same(gate.compiled.findings(data)) == same(gate.reference_findings(data)), name
    assert compiled >= 35  # the suite's tests whose shapes use only what is compiled (36 of 98)


#: Defects planted in a mapped record's triples: (name, change).
Triples = list[tuple]


def _drop(predicate: URIRef) -> Callable[[URIRef, Triples], Triples]:
    return lambda iri, ts: [t for t in ts if t[1] != predicate]


DEFECTS: list[tuple[str, Callable[[URIRef, Triples], Triples]]] = [
    ("no title", _drop(DCTERMS.title)),
    ("a second title in one language", lambda iri, ts: [*ts, (iri, DCTERMS.title, Literal("Twice", lang="en")),
                                                         (iri, DCTERMS.title, Literal("Again", lang="en"))]),
    ("a date that is none", lambda iri, ts: [*ts, (iri, DCTERMS.issued, Literal("last spring"))]),
    ("an ill-typed date", lambda iri, ts: [*ts, (iri, DCTERMS.modified, Literal("2024-13-45", datatype=XSD.date))]),
    ("a page that is text", lambda iri, ts: [*ts, (iri, FOAF.page, Literal("https://example.org/a"))]),
    ("an IRI elsewhere", lambda iri, ts: [(URIRef(str(s).replace(BASE, "https://elsewhere.example/")) if s == iri
                                           else s, p, o) for s, p, o in ts]),
    ("a country as text", lambda iri, ts: [*ts, (iri, URIRef(f"{MCEP}country"), Literal("Atlantis"))]),
    ("no identifier", _drop(DCTERMS.identifier)),
]


def test_a_synthetic_corpus_with_planted_defects_gives_the_same_results(hub: Hub) -> None:
    harvester = InforMEAHarvester(endpoint="synthetic", settings=hub.settings,
                                  client=HttpClient.from_settings(hub.settings))
    rng = random.Random(19)
    mapped: dict[str, Triples] = {}
    planted: dict[str, str] = {}  # key → the defect planted in it
    for entity_set, row in entities(1500, seed=3):
        record = SourceRecord(source="informea", key=f"{entity_set}/{row['id']}", kind=ENTITY_SETS[entity_set][0],
                              payload=json.dumps(row).encode(), url=row["__metadata"]["uri"],
                              fetched_at=datetime.now(UTC))
        try:
            m = harvester.map(record, hub.mapping_context)
        except MappingError:
            continue
        triples = list(m.triples)
        if rng.random() < 0.4:
            name, change = rng.choice(DEFECTS)
            triples = change(m.iri, triples)
            planted[record.key] = name
        mapped[record.key] = triples
    assert len(mapped) > 1400 and len(planted) > 500
    keys = list(mapped)
    found: set[str] = set()  # the defects that gave at least one result
    for start in range(0, len(keys), 500):
        batch = {k: mapped[k] for k in keys[start:start + 500]}
        compiled, reference = COMPILED.validate_batch(batch), REFERENCE.validate_batch(batch)
        for k in batch:
            assert same(compiled[k].findings) == same(reference[k].findings), k
            if reference[k].findings and k in planted:
                found.add(planted[k])
    assert found == {name for name, _ in DEFECTS}  # every kind of defect was found, by both


OBJECT_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<http://example.org/shapes#file> a sh:NodeShape ; sh:targetObjectsOf dcat:distribution ;
    sh:property [ sh:path dcat:downloadURL ; sh:minCount 1 ; sh:severity sh:Violation ] .
"""


@pytest.mark.parametrize("reference", [False, True], ids=["compiled", "pyshacl"])
def test_a_finding_on_a_node_no_record_describes_goes_to_the_records_naming_it(tmp_path, reference: bool) -> None:  # noqa: ANN001
    """A shape targeting the objects of dcat:distribution fails on a file a record links to but does not
    describe: no record claims that focus node as a subject. The finding goes to the record that names the file
    (not dropped, not put on its batch neighbours)."""
    (tmp_path / "files.ttl").write_text(OBJECT_SHAPES, encoding="utf-8")
    gate = (ShaclGate.reference if reference else ShaclGate)(tmp_path, base_uri=BASE)
    dist = URIRef("http://www.w3.org/ns/dcat#distribution")
    linking = [(URIRef(f"{BASE}id/document/a"), dist, URIRef(f"{BASE}id/document/a#file-1"))]
    described = [(URIRef(f"{BASE}id/document/b"), dist, URIRef(f"{BASE}id/document/b#file-1")),
                 (URIRef(f"{BASE}id/document/b#file-1"), URIRef("http://www.w3.org/ns/dcat#downloadURL"),
                  URIRef("https://example.org/b.pdf"))]
    bystander = [(URIRef(f"{BASE}id/document/c"), DCTERMS.title, Literal("C", lang="en"))]
    outcomes = gate.validate_batch({"a": linking, "b": described, "c": bystander})
    assert [(f.focus, f.path) for f in outcomes["a"].violations] == [
        (f"{BASE}id/document/a#file-1", "http://www.w3.org/ns/dcat#downloadURL")]
    assert not outcomes["b"].violations and not outcomes["c"].violations

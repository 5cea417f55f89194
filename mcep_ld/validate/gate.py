"""The SHACL gate: the shapes in ``shapes/``, compiled (``validate/compiled.py``) or, when they use more of
SHACL than is compiled, pyshacl.

Records are validated a batch at a time and each result is attributed to its record by its focus node, so the
outcome is per record: a ``sh:Violation`` quarantines that record alone, a ``sh:Warning`` is recorded and the
record proceeds. pyshacl stays the reference: ``reference_findings`` is what the tests compare against.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from mcep_ld.mapping.records import Triple
from mcep_ld.validate.compiled import compile_shapes
from mcep_ld.validate.findings import Finding, Outcome

__all__ = ["Finding", "Outcome", "ShaclGate", "validate_file"]

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
                ".xml": "xml", ".owl": "xml", ".jsonld": "json-ld", ".json": "json-ld", ".n3": "n3"}


class ShaclGate:
    """The shapes, loaded once, and validation of record graphs against them."""

    def __init__(self, shapes_dir: Path, *, base_uri: str) -> None:
        shapes = Graph()
        paths = sorted(shapes_dir.glob("*.ttl"))
        if not paths:
            raise FileNotFoundError(f"no SHACL shapes (*.ttl) in {shapes_dir}")
        for path in paths:
            shapes.parse(path, format="turtle")
        # `{base_uri}` in a pattern is the hub's own: records outside it would have no page
        for shape, pattern in list(shapes.subject_objects(SH.pattern)):
            if "{base_uri}" in str(pattern):
                shapes.set((shape, SH.pattern, Literal(str(pattern).replace("{base_uri}", re.escape(base_uri)))))
        for shape, message in list(shapes.subject_objects(SH.message)):
            if "{base_uri}" in str(message):
                shapes.remove((shape, SH.message, message))
                shapes.add((shape, SH.message, Literal(str(message).replace("{base_uri}", base_uri),
                                                       lang=message.language)))
        self._use(shapes)

    @classmethod
    def reference(cls, shapes_dir: Path, *, base_uri: str) -> ShaclGate:
        """The same shapes validated by pyshacl alone, never compiled: what the compiled shapes are compared with."""
        gate = cls(shapes_dir, base_uri=base_uri)
        gate.compiled = None
        return gate

    @classmethod
    def from_graph(cls, shapes: Graph) -> ShaclGate:
        """A gate over shapes given as a graph (the W3C test suite keeps shapes and data in one file)."""
        gate = cls.__new__(cls)
        gate._use(shapes)
        return gate

    def _use(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.relevant = self._relevant_predicates()
        self.compiled = compile_shapes(shapes)  # None: pyshacl validates

    def _relevant_predicates(self) -> frozenset[URIRef] | None:
        """The predicates the shapes can look at: rdf:type and rdfs:subClassOf (classes and targets), every simple
        sh:path and the predicates property pairs compare (sh:equals, sh:disjoint, sh:lessThan…).

        Records carry long texts the shapes never read (summaries, descriptions…); leaving those
        triples out of the graph the validator reads saves much of its time. None (no filtering) when a
        shape could read any predicate: sh:closed, a complex (blank node) path, a SPARQL-based constraint.
        """
        if any(self.shapes.triples((None, SH.closed, None))) or any(self.shapes.triples((None, SH.sparql, None))):
            return None
        paths = set(self.shapes.objects(None, SH.path))
        for predicate in (SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan,
                          SH.lessThanOrEquals):
            paths |= set(self.shapes.objects(None, predicate))
        if any(not isinstance(p, URIRef) for p in paths):
            return None
        return frozenset(paths | {RDF.type, RDFS.subClassOf})

    def findings(self, data: Graph) -> list[Finding]:
        """Every result of validating *data* (which pyshacl may extend in place)."""
        if self.compiled is not None:
            return self.compiled.findings(data)
        return self.reference_findings(data)

    def reference_findings(self, data: Graph) -> list[Finding]:
        """Every result of validating *data* with pyshacl, the reference the compiled shapes are held to."""
        _, results, _ = validate(data, shacl_graph=self.shapes, inplace=True, allow_warnings=True,
                                 advanced=False, inference=None, abort_on_first=False)
        out = []
        # The report's own results: nested ones (sh:detail, under sh:node) explain them and are not counted.
        reports = list(results.subjects(RDF.type, SH.ValidationReport))
        for r in (r for report in reports for r in results.objects(report, SH.result)):
            severity = results.value(r, SH.resultSeverity)
            path = results.value(r, SH.resultPath)
            value = results.value(r, SH.value)
            out.append(Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=str(results.value(r, SH.focusNode)),
                path=str(path) if isinstance(path, URIRef) else "",
                message=str(results.value(r, SH.resultMessage) or ""),
                constraint=str(results.value(r, SH.sourceConstraintComponent) or ""),
                value=str(value) if value is not None else None,
                shape=str(results.value(r, SH.sourceShape) or ""),
            ))
        return out

    def validate_batch(self, graphs: Mapping[Hashable, Iterable[Triple]]) -> dict[Hashable, Outcome]:
        """Validate the triples of many records, as few pyshacl calls as possible; return each record's own
        findings.

        Records are validated together when no two of them describe the same subject; records that do (two
        sources describing one document) go to separate calls, so each is judged on its own triples, as it
        is published in its own graph.
        """
        layers: list[tuple[list[Triple], dict[str, Hashable], dict[str, set[Hashable]]]] = []
        relevant = self.relevant
        for key, triples in graphs.items():
            triples = list(triples)
            subjects = {str(s) for s, _, _ in triples}
            layer = next((layer for layer in layers if not subjects & layer[1].keys()), None)
            if layer is None:
                layer = ([], {}, defaultdict(set))
                layers.append(layer)
            data, owner, cited = layer
            owner.update(dict.fromkeys(subjects, key))
            for _, _, o in triples:
                if not isinstance(o, Literal):
                    cited[str(o)].add(key)
            data.extend(t for t in triples if relevant is None or t[1] in relevant)
        outcomes: dict[Hashable, Outcome] = defaultdict(Outcome)
        for data, owner, cited in layers:
            found = self.compiled.findings(data) if self.compiled is not None else self.findings(_graph(data))
            for finding in found:
                key = owner.get(finding.focus)
                # a focus node no record describes (a file a record links to, targeted as an object): the
                # records that name it; else the layer's records. No finding is lost.
                keys = {key} if key is not None else cited.get(finding.focus) or set(owner.values())
                for k in keys:
                    outcomes[k].findings.append(finding)
        return {k: outcomes[k] for k in graphs}


def _graph(triples: list[Triple]) -> Graph:
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def validate_file(gate: ShaclGate, path: Path) -> tuple[bool, str]:
    """Check an RDF file against the shapes: (conforms, readable report)."""
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF file type {path.suffix!r} (use one of {', '.join(RDF_SUFFIXES)})")
    data = Graph()
    data.parse(path, format=fmt)
    found = gate.findings(data)
    violations = [f for f in found if f.severity == "Violation"]
    lines = [f"{path}: {len(data)} triples, {len(violations)} violation(s), "
             f"{len(found) - len(violations)} warning(s)"]
    lines += [f.line(data) for f in found]
    return not violations, "\n".join(lines)

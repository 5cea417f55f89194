"""The SHACL gate: pyshacl over the shapes in ``shapes/``.

Records are validated a batch at a time in one pyshacl call (one call per record costs ten times more)
and each result is attributed to its record by its focus node, so the outcome is per record: a
``sh:Violation`` quarantines that record alone, a ``sh:Warning`` is recorded and the record proceeds.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from mcep_ld.mapping.records import Triple

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
                ".xml": "xml", ".owl": "xml", ".jsonld": "json-ld", ".json": "json-ld", ".n3": "n3"}


@dataclass
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    message: str
    constraint: str
    value: str | None = None
    shape: str = ""  # the shape whose constraint failed (sh:sourceShape)

    def line(self, graph: Graph | None = None) -> str:
        def short(term: str) -> str:
            if graph is not None:
                try:
                    return graph.namespace_manager.normalizeUri(URIRef(term))
                except Exception:  # noqa: BLE001 - fall back to the full IRI
                    return f"<{term}>"
            return f"<{term}>"

        value = f" (value: {self.value})" if self.value is not None else ""
        return (f"{self.severity}: {short(self.focus)} {short(self.path) if self.path else ''}: "
                f"{self.message}{value} [{short(self.constraint)}]")


@dataclass
class Outcome:
    """The findings for one record."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    def report(self, severity: str) -> str:
        picked = self.violations if severity == "Violation" else self.warnings
        return "\n".join(f.line() for f in picked)


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
    def from_graph(cls, shapes: Graph) -> ShaclGate:
        """A gate over shapes given as a graph (the W3C test suite keeps shapes and data in one file)."""
        gate = cls.__new__(cls)
        gate._use(shapes)
        return gate

    def _use(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.relevant = self._relevant_predicates()

    def _relevant_predicates(self) -> frozenset[URIRef] | None:
        """The predicates the shapes can look at: rdf:type and every simple sh:path.

        Records carry long texts the shapes never read (summaries, descriptions…); leaving those
        triples out of the graph pyshacl builds saves much of its time. None (no filtering) when a
        shape could read any predicate: sh:closed, or a complex (blank node) path.
        """
        if any(self.shapes.triples((None, SH.closed, None))):
            return None
        paths = set(self.shapes.objects(None, SH.path))
        paths |= set(self.shapes.objects(None, SH.targetSubjectsOf))
        paths |= set(self.shapes.objects(None, SH.targetObjectsOf))
        if any(not isinstance(p, URIRef) for p in paths):
            return None
        return frozenset(paths | {RDF.type})

    def findings(self, data: Graph) -> list[Finding]:
        """Every result of validating *data* (which pyshacl may extend in place)."""
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
        layers: list[tuple[Graph, dict[str, Hashable]]] = []
        relevant = self.relevant
        for key, triples in graphs.items():
            triples = list(triples)
            subjects = {str(s) for s, _, _ in triples}
            layer = next((layer for layer in layers if not subjects & layer[1].keys()), None)
            if layer is None:
                layer = (Graph(), {})
                layers.append(layer)
            data, owner = layer
            owner.update(dict.fromkeys(subjects, key))
            if relevant is not None:
                triples = [t for t in triples if t[1] in relevant]
            data.addN((s, p, o, data) for s, p, o in triples)
        outcomes: dict[Hashable, Outcome] = defaultdict(Outcome)
        for data, owner in layers:
            for finding in self.findings(data):
                key = owner.get(finding.focus)
                if key is None:  # a focus node no record claims: blame the layer's records (lose no violation)
                    for k in set(owner.values()):
                        outcomes[k].findings.append(finding)
                else:
                    outcomes[key].findings.append(finding)
        return {k: outcomes[k] for k in graphs}


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

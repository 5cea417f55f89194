"""SHACL shapes compiled once into checks over a batch's triples: the gate's fast path.

pyshacl builds an rdflib graph per batch and walks it per constraint; that was the largest CPU cost of an
ingest. The shapes the hub ships use a small part of SHACL Core (targets by class, node and subjects/objects
of a predicate; simple predicate paths; ``sh:nodeKind``, ``sh:pattern``, ``sh:datatype``, ``sh:minCount``,
``sh:maxCount``, ``sh:in``, ``sh:hasValue``, ``sh:uniqueLang``, ``sh:or``, ``sh:property``), and those are
compiled here into plain Python over an index of the triples by subject. A shapes graph that uses anything
else is not compiled (``compile_shapes`` answers None) and the gate keeps pyshacl for it, so validation stays
exact whatever a curator writes.

Results are the ones the SHACL specification defines (one per value node for value constraints, one per
focus node for counts, one per duplicated language for ``sh:uniqueLang``), with the focus node, path, value,
source shape, constraint component and severity pyshacl gives: ``tests/test_shacl_compiled.py`` compares the
two on the W3C core suite, the shapes' failing examples and a synthetic corpus with planted defects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from mcep_ld.validate.findings import Finding

Triple = tuple[Node, Node, Node]

#: What a shape may say besides its constraints: read here, or harmless to the result.
_DESCRIPTIVE = {RDF.type, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
                SH.severity, SH.message, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
                SH.defaultValue, RDFS.label, RDFS.comment, SH.flags}
#: The constraint components compiled here (parameter → component).
_TYPE, _SUBCLASS_OF = RDF.type, RDFS.subClassOf  # read once: a namespace attribute is a function call
_COMPONENTS = {SH.nodeKind: "NodeKind", SH.pattern: "Pattern", SH.datatype: "Datatype", SH.minCount: "MinCount",
               SH.maxCount: "MaxCount", SH["in"]: "In", SH.hasValue: "HasValue", SH.uniqueLang: "UniqueLang",
               SH["or"]: "Or", SH.property: "Property"}
_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.Literal: (Literal,), SH.BlankNode: (BNode,), SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal),
}
#: Value types of the datatypes whose literals rdflib reads (a literal of another datatype is taken as valid).
_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


class _Unsupported(Exception):
    """The shapes use a part of SHACL not compiled here: the gate keeps pyshacl."""


@dataclass
class Data:
    """A batch's triples, indexed the way the checks read them."""

    values: dict[Node, dict[Node, list[Node]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    subjects_of: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    objects_of: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    instances: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    subclasses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> Data:
        data = cls()
        seen: set[Triple] = set()
        for t in triples:
            if t in seen:
                continue
            seen.add(t)
            s, p, o = t
            data.values[s][p].append(o)
            data.subjects_of[p].add(s)
            data.objects_of[p].add(o)
            if p == _TYPE:
                data.instances[o].add(s)
            elif p == _SUBCLASS_OF:
                data.subclasses[o].add(s)
        return data

    def instances_of(self, cls: Node) -> set[Node]:
        """Instances of *cls* and of its subclasses (``rdfs:subClassOf*`` in the data, as SHACL reads it)."""
        found, todo, classes = set(), [cls], {cls}
        while todo:
            c = todo.pop()
            found |= self.instances.get(c, set())
            for sub in self.subclasses.get(c, ()):
                if sub not in classes:
                    classes.add(sub)
                    todo.append(sub)
        return found

    def objects(self, focus: Node, path: Node) -> list[Node]:
        found = self.values.get(focus)
        return found.get(path, []) if found else []


Check = Callable[[Data, Node, list[Node]], list[tuple[str, Node | None]]]  # → (component, value) per result


@dataclass
class Shape:
    """One shape, compiled: its targets, its path (property shapes), its checks."""

    node: Node
    path: URIRef | None
    severity: str
    message: str
    target_classes: list[Node] = field(default_factory=list)
    target_nodes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)
    target_objects_of: list[Node] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)

    def targets(self, data: Data) -> set[Node]:
        found: set[Node] = set()
        for cls in self.target_classes:
            found |= data.instances_of(cls)
        found.update(n for n in self.target_nodes)
        for p in self.target_subjects_of:
            found |= data.subjects_of.get(p, set())
        for p in self.target_objects_of:
            found |= data.objects_of.get(p, set())
        return found

    def value_nodes(self, data: Data, focus: Node) -> list[Node]:
        return [focus] if self.path is None else list(dict.fromkeys(data.objects(focus, self.path)))

    def conforms(self, data: Data, focus: Node) -> bool:
        """Whether *focus* conforms (for ``sh:or``: no result, nested shapes included)."""
        return not self.validate(data, focus)

    def validate(self, data: Data, focus: Node) -> list[Finding]:
        values = self.value_nodes(data, focus)
        out = [self._finding(focus, component, value) for check in self.checks
               for component, value in check(data, focus, values)]
        for prop in self.properties:
            for value in values:
                out += prop.validate(data, value)
        return out

    def _finding(self, focus: Node, component: str, value: Node | None) -> Finding:
        return Finding(severity=self.severity, focus=str(focus), path=str(self.path) if self.path else "",
                       message=self.message or _default_message(component, focus, self.path),
                       constraint=str(SH[f"{component}ConstraintComponent"]),
                       value=str(value) if value is not None else None, shape=str(self.node))


def _default_message(component: str, focus: Node, path: Node | None) -> str:
    where = f"{focus}->{path}" if path is not None else str(focus)
    return f"{component} constraint not met on {where}"


@dataclass
class CompiledShapes:
    """Every active shape with targets, compiled."""

    shapes: list[Shape]

    def findings(self, triples: Iterable[Triple]) -> list[Finding]:
        data = Data.of(triples)
        return [f for shape in self.shapes for focus in shape.targets(data) for f in shape.validate(data, focus)]


def compile_shapes(shapes: Graph) -> CompiledShapes | None:
    """The shapes graph compiled, or None when it uses what is not compiled here (pyshacl then validates)."""
    try:
        return _Compiler(shapes).run()
    except _Unsupported:
        return None


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.done: dict[Node, Shape] = {}

    def run(self) -> CompiledShapes:
        g = self.g
        if any(g.triples((None, SH.declare, None))) or any(g.triples((None, SH.sparql, None))):
            raise _Unsupported("SPARQL-based constraints")
        if any(g.triples((None, SH.shapesGraph, None))) or any(g.triples((None, SH.entailment, None))):
            raise _Unsupported("owl:imports or entailment")
        targeted: dict[Node, None] = {}  # in a stable order, each once
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            targeted.update(dict.fromkeys(g.subjects(predicate, None)))
        for s in g.subjects(RDF.type, RDFS.Class):  # implicit class targets
            if (s, RDF.type, SH.NodeShape) in g or (s, RDF.type, SH.PropertyShape) in g:
                targeted[s] = None
        for s in g.subjects(SH.target, None):
            raise _Unsupported(f"SHACL-AF target on {s}")
        shapes = [self.shape(s) for s in targeted if not self.deactivated(s)]
        return CompiledShapes(shapes)

    def deactivated(self, node: Node) -> bool:
        return any(isinstance(v, Literal) and v.value is True for v in self.g.objects(node, SH.deactivated))

    def shape(self, node: Node) -> Shape:
        if node in self.done:
            return self.done[node]
        g = self.g
        for p in set(g.predicates(node, None)):
            if p not in _DESCRIPTIVE and p not in _COMPONENTS and str(p).startswith(str(SH)):
                raise _Unsupported(f"{p} on {node}")
        paths = list(g.objects(node, SH.path))
        if len(paths) > 1 or (paths and not isinstance(paths[0], URIRef)):
            raise _Unsupported(f"a path that is not one predicate on {node}")
        severity = g.value(node, SH.severity) or SH.Violation
        messages = list(g.objects(node, SH.message))
        message = next((str(m) for m in messages if isinstance(m, Literal) and m.language in (None, "en")),
                       str(messages[0]) if messages else "")
        shape = Shape(node=node, path=paths[0] if paths else None, severity=str(severity).rsplit("#", 1)[-1],
                      message=message)
        self.done[node] = shape
        implicit = (node, RDF.type, RDFS.Class) in g
        shape.target_classes = list(g.objects(node, SH.targetClass)) + ([node] if implicit else [])
        shape.target_nodes = list(g.objects(node, SH.targetNode))
        shape.target_subjects_of = list(g.objects(node, SH.targetSubjectsOf))
        shape.target_objects_of = list(g.objects(node, SH.targetObjectsOf))
        for parameter in _COMPONENTS:
            values = list(g.objects(node, parameter))
            if not values:
                continue
            if parameter == SH.property:
                shape.properties += [self.shape(v) for v in values if not self.deactivated(v)]
            elif parameter == SH.pattern:
                flags = [str(f) for f in g.objects(node, SH.flags)]
                shape.checks += [_pattern(str(v), flags[0] if flags else "") for v in values]
            elif parameter == SH.minCount:
                shape.checks += [_min_count(int(v)) for v in values]
            elif parameter == SH.maxCount:
                shape.checks += [_max_count(int(v)) for v in values]
            elif parameter == SH.nodeKind:
                shape.checks += [_node_kind(v) for v in values]
            elif parameter == SH.datatype:
                shape.checks += [_datatype(v) for v in values]
            elif parameter == SH["in"]:
                shape.checks += [_in(list(Collection(g, v))) for v in values]
            elif parameter == SH.hasValue:
                shape.checks += [_has_value(v) for v in values]
            elif parameter == SH.uniqueLang:
                # only the literal true activates it (W3C core property/uniqueLang-002)
                if any(v == Literal(True) for v in values):
                    shape.checks.append(_unique_lang)
            elif parameter == SH["or"]:
                shape.checks += [_or([self.shape(member) for member in Collection(g, v)]) for v in values]
        return shape


def _pattern(regex: str, flags: str) -> Check:
    compiled = re.compile(regex, sum(_FLAGS.get(f, 0) for f in flags))

    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("Pattern", v) for v in values if isinstance(v, BNode) or not compiled.search(str(v))]
    return check


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _min_count(n: int) -> Check:
    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("MinCount", None)] if len(values) < n else []
    return check


def _max_count(n: int) -> Check:
    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("MaxCount", None)] if len(values) > n else []
    return check


def _node_kind(kind: Node) -> Check:
    allowed = _NODE_KINDS.get(kind)
    if allowed is None:
        raise _Unsupported(f"sh:nodeKind {kind}")

    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("NodeKind", v) for v in values if not isinstance(v, allowed)]
    return check


def _datatype(rule: Node) -> Check:
    """As pyshacl reads ``sh:datatype``: the literal's datatype (``xsd:string`` for a plain literal,
    ``rdf:langString`` for one with a language), and a well-formed lexical form where rdflib can tell."""
    expected = _PYTHON_TYPES.get(rule)

    def matches(v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == rule:
            if getattr(v, "ill_typed", None) is True:
                return False
            return expected is None or isinstance(v.value, expected)
        if rule == RDFS.Literal:
            return True
        if rule == RDFS.Datatype and v.datatype:
            return True
        if v.datatype is None and v.language is None and rule == XSD.string:
            return isinstance(v.value, (str, bytes))
        if rule == RDF.langString and v.language:
            return isinstance(v.value, (str, bytes))
        return False

    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("Datatype", v) for v in values if not matches(v)]
    return check


def _in(allowed: list[Node]) -> Check:
    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("In", v) for v in values if v not in allowed]
    return check


def _has_value(expected: Node) -> Check:
    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [] if expected in values else [("HasValue", None)]
    return check


def _unique_lang(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
    seen: dict[str, int] = defaultdict(int)
    for v in values:
        if isinstance(v, Literal) and v.language:
            seen[v.language.lower()] += 1
    return [("UniqueLang", None) for n in seen.values() if n > 1]


def _or(members: list[Shape]) -> Check:
    def check(data: Data, focus: Node, values: list[Node]) -> list[tuple[str, Node | None]]:
        return [("Or", v) for v in values if not any(m.conforms(data, v) for m in members)]
    return check

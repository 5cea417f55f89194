"""``mcep vocab check``: qSKOS-style quality checks and skosify's analysis over SKOS Turtle files.

The checks follow the qSKOS issue catalogue (shared/conformance/skos/qskos-issues.md); each finding carries
the qSKOS id, the resource's IRI and the file, so a curator can go straight to the line. Errors make the
command exit 1; warnings and notes do not. skosify runs on each file too: its log messages are captured
into the report, and its ``sys.exit`` on input it cannot handle becomes a finding.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from mcep_ld.config import UN_LANGUAGES
from mcep_ld.vocab.curation import labels as label_policy

MCEP = "https://w3id.org/mcep/ontology#"
_SKOS_TERMS = {str(SKOS[t]) for t in (
    "Concept ConceptScheme Collection OrderedCollection inScheme hasTopConcept topConceptOf altLabel hiddenLabel "
    "prefLabel notation changeNote definition editorialNote example historyNote note scopeNote semanticRelation "
    "broader narrower related broaderTransitive narrowerTransitive member memberList mappingRelation broadMatch "
    "narrowMatch relatedMatch exactMatch closeMatch").split()}
_LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
_RELATIONS = (SKOS.broader, SKOS.narrower, SKOS.related, SKOS.broaderTransitive, SKOS.narrowerTransitive)
_MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning | note
    check: str  # the qSKOS id (oc, chr…), or parse, no-scheme, skosify
    resource: str  # the IRI concerned (a concept, a scheme) or the file
    message: str
    file: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    #: scheme IRI → language → (concepts with a prefLabel in it, concepts)
    coverage: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def add(self, severity: str, check: str, resource: object, message: str, file: str = "") -> None:
        self.findings.append(Finding(severity, check, str(resource), message, file))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict:
        return {"errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings],
                "coverage": {scheme: {lang: {"labelled": n, "concepts": total, "percent": _percent(n, total)}
                                      for lang, (n, total) in langs.items()}
                             for scheme, langs in self.coverage.items()}}


def _percent(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 100.0


def parse_file(path: Path, base_uri: str) -> Graph:
    """A vocabulary file as an rdflib graph; relative IRIs resolve against ``{base_uri}vocab/``."""
    fmt = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".xml": "xml", ".jsonld": "json-ld",
           ".json": "json-ld"}.get(path.suffix.lower(), "turtle")
    g = Graph()
    g.parse(path, format=fmt, publicID=f"{base_uri}vocab/")
    return g


def check_files(paths: Iterable[Path], *, base_uri: str, context: Iterable[Path] = (),
                languages: Iterable[str] = UN_LANGUAGES) -> Report:
    """Check *paths*; *context* files (the rest of the vocabularies) only resolve references."""
    report = Report()
    languages = list(languages)
    graphs: dict[str, Graph] = {}
    for path in paths:
        try:
            graphs[str(path)] = parse_file(path, base_uri)
        except Exception as exc:  # noqa: BLE001 - any parser error is the file's finding, not a crash
            report.add("error", "parse", path, f"cannot be parsed: {exc}", str(path))
    known = Graph()
    for g in graphs.values():
        known += g
    for path in context:
        if str(path) not in graphs:
            try:
                known += parse_file(path, base_uri)
            except Exception:  # noqa: BLE001, S112 - a broken context file is reported when it is checked
                continue
    defined = set(known.subjects(RDF.type, SKOS.Concept)) | set(known.subjects(RDF.type, SKOS.ConceptScheme))
    for file, g in graphs.items():
        _check_graph(g, file, report, defined=defined, languages=languages, vocab_prefix=f"{base_uri}vocab/")
        if (None, RDF.type, SKOS.Concept) in g:
            _skosify(g, file, report)
    return report


def _check_graph(g: Graph, file: str, report: Report, *, defined: set, languages: list[str],
                 vocab_prefix: str) -> None:
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    if not schemes and not concepts:
        report.add("note", "no-skos", file, "no SKOS concept or scheme in this file (an ontology?): not checked", file)
        return
    if not schemes:
        report.add("error", "no-scheme", file, f"the file defines {len(concepts)} concept(s) but no "
                   "skos:ConceptScheme: every concept must belong to a scheme of its own file", file)

    def add(severity: str, check: str, resource: object, message: str) -> None:
        report.add(severity, check, resource, message, file)

    for scheme in sorted(schemes):
        if not list(g.objects(scheme, SKOS.prefLabel)):
            add("warning", "ml", scheme, "concept scheme without skos:prefLabel")
        tops = set(g.objects(scheme, SKOS.hasTopConcept)) | set(g.subjects(SKOS.topConceptOf, scheme))
        if not tops:
            add("warning", "otc", scheme, "concept scheme without top concepts (skos:hasTopConcept)")

    # Labels: presence, languages, uniqueness, clashes, form.
    pref_in_scheme: dict[tuple, list] = defaultdict(list)
    for c in sorted(concepts):
        prefs = [o for o in g.objects(c, SKOS.prefLabel) if isinstance(o, Literal)]
        if not prefs:
            add("error", "ml", c, "concept without skos:prefLabel")
        by_lang: dict[str | None, list[Literal]] = defaultdict(list)
        for label in prefs:
            by_lang[label.language].append(label)
        for lang, labels in by_lang.items():
            if len(labels) > 1:
                add("error", "ipl", c, f"{len(labels)} prefLabels in language {lang!r}: "
                    + ", ".join(repr(str(x)) for x in labels))
        missing = [lang for lang in languages if lang not in by_lang]
        if prefs and missing:
            add("warning", "ilc", c, f"no prefLabel in {', '.join(missing)}")
        for scheme in g.objects(c, SKOS.inScheme):
            for label in prefs:
                pref_in_scheme[(scheme, label.language, _fold(label))].append(c)
        others = {(str(o), o.language) for p in (SKOS.altLabel, SKOS.hiddenLabel) for o in g.objects(c, p)
                  if isinstance(o, Literal)}
        for label in prefs:
            if (str(label), label.language) in others:
                add("error", "dlv", c, f"{str(label)!r}@{label.language} is both its prefLabel and an alt/hiddenLabel")
        if not list(g.objects(c, SKOS.inScheme)):
            add("error", "inScheme", c, "concept without skos:inScheme")
        if not any(isinstance(d, Literal) and d.language == "en" for d in g.objects(c, SKOS.definition)):
            add("warning", "uc", c, "no skos:definition in English")
    for (scheme, lang, _), holders in sorted(pref_in_scheme.items(), key=lambda kv: str(kv[0])):
        if len(holders) > 1:
            for c in holders:
                add("error", "ol", c, f"prefLabel shared in scheme <{scheme}> and language {lang!r} with "
                    + ", ".join(f"<{h}>" for h in holders if h != c))

    for s, p, o in g:
        if isinstance(o, Literal) and p in _LABELS:
            _check_label(add, s, p, o)
        if str(p).startswith(str(SKOS)) and str(p) not in _SKOS_TERMS:
            add("error", "usr", s, f"undefined SKOS property {p}")
        if p == RDF.type and str(o).startswith(str(SKOS)) and str(o) not in _SKOS_TERMS:
            add("error", "usr", s, f"undefined SKOS class {o}")
        if p in _RELATIONS + _MAPPINGS:
            if o == s:
                add("error", "rrc", s, f"related to itself by {_local(p)}")
            elif isinstance(o, URIRef) and str(o).startswith(vocab_prefix) and o not in defined:
                add("error", "dangling", s, f"{_local(p)} names <{o}>, which no vocabulary defines")

    _check_hierarchy(g, concepts, add)
    for c in sorted(concepts):
        label_policy.check_concept(g, add, c)
    label_policy.check_disputed(g, add, f"{vocab_prefix}country/")
    for c in sorted(concepts):
        linked = any(True for p in _RELATIONS if list(g.objects(c, p)) or list(g.subjects(p, c)))
        top = list(g.objects(c, SKOS.topConceptOf)) or list(g.subjects(SKOS.hasTopConcept, c))
        if not linked and not top:
            add("warning", "oc", c, "orphan concept: no broader, narrower or related concept and not a top concept")
        own_schemes = set(g.objects(c, SKOS.inScheme))
        if top and any(own_schemes & set(g.objects(b, SKOS.inScheme)) for b in g.objects(c, SKOS.broader)):
            add("warning", "tchbc", c, "top concept that has a broader concept in its own scheme")
        exact = set(g.objects(c, SKOS.exactMatch))
        for p in (SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch):
            for o in exact & set(g.objects(c, p)):
                add("error", "mc", c, f"skos:exactMatch and skos:{_local(p)} to the same concept <{o}>")
        for p in _MAPPINGS:
            for o in g.objects(c, p):
                if own_schemes & set(g.objects(o, SKOS.inScheme)):
                    add("warning", "mri", c, f"{_local(p)} to <{o}> of the same scheme (use a semantic relation)")

    for scheme in sorted(schemes):
        members = [c for c in concepts if (c, SKOS.inScheme, scheme) in g]
        langs = {lang: (sum(1 for c in members if any(isinstance(o, Literal) and o.language == lang
                                                     for o in g.objects(c, SKOS.prefLabel))), len(members))
                 for lang in languages}
        report.coverage[str(scheme)] = langs
        status = defaultdict(int)
        for c in members:
            for s in g.objects(c, URIRef(f"{MCEP}labelStatus")):
                status[_local(s)] += 1
        for name, n in sorted(status.items()):
            add("note", "labelStatus", scheme, f"{n} of {len(members)} concepts marked {name}: for a curator to review")


def _check_hierarchy(g: Graph, concepts: set, add) -> None:  # noqa: ANN001 - the reporting callable
    """Cycles in broader (narrower read backwards) and related/broaderTransitive clashes."""
    parents: dict = defaultdict(set)
    for s, o in g.subject_objects(SKOS.broader):
        parents[s].add(o)
    for s, o in g.subject_objects(SKOS.narrower):
        parents[o].add(s)

    def ancestors(c: object) -> set:
        seen: set = set()
        todo = list(parents.get(c, ()))
        while todo:
            a = todo.pop()
            if a not in seen:
                seen.add(a)
                todo.extend(parents.get(a, ()))
        return seen

    for c in sorted(set(parents)):
        up = ancestors(c)
        if c in up:
            add("error", "chr", c, "cycle in the hierarchy: the concept is its own broader concept")
        for r in g.objects(c, SKOS.related):
            if r in up or c in ancestors(r):
                add("error", "rc", c, f"skos:related to <{r}>, which is also hierarchically related to it")


def _check_label(add, s: object, p: object, o: Literal) -> None:  # noqa: ANN001 - the reporting callable
    text = str(o)
    name = _local(p)
    if not text.strip():
        add("error", "el", s, f"empty {name}")
        return
    if o.language is None:
        add("warning", "oilt", s, f"{name} {text!r} has no language tag")
    elif not _LANGUAGE_TAG.match(o.language):
        add("error", "oilt", s, f"{name} {text!r} has an invalid language tag {o.language!r}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn") for ch in text):
        add("error", "ucil", s, f"{name} {text!r} holds unprintable characters")
    elif text != text.strip() or "  " in text or "/n" in text:
        add("warning", "whitespace", s, f"{name} {text!r} has stray whitespace")


def _fold(label: Literal) -> str:
    return " ".join(str(label).casefold().split())


def _local(term: object) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _skosify(g: Graph, file: str, report: Report) -> None:
    """skosify's own analysis of one file, on a copy, its log captured and its exits caught."""
    import skosify

    capture = _Capture()
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers, root.level = [capture], logging.WARNING  # skosify logs to the root logger: into the report only
    try:
        copy = Graph()
        copy += g
        skosify.skosify(copy, break_cycles=False, keep_related=True, eliminate_redundancy=False,
                        cleanup_classes=False, cleanup_properties=False, cleanup_unreachable=False)
    except SystemExit:
        report.add("warning", "skosify", file, "skosify stopped on this file: "
                   + ("; ".join(capture.messages) or "no reason given"), file)
        return
    except Exception as exc:  # noqa: BLE001 - skosify's failures are findings, not crashes
        report.add("warning", "skosify", file, f"skosify failed: {type(exc).__name__}: {exc}", file)
        return
    finally:
        root.handlers, root.level = saved, level
    for message in capture.messages:
        report.add("warning", "skosify", file, message, file)

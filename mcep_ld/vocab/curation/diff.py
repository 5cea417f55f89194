"""``mcep vocab diff OLD NEW``: what a vocabulary change does to its concepts, for review before publishing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS


@dataclass
class VocabDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: concept → language → (old prefLabels, new prefLabels)
    relabelled: dict[str, dict[str, tuple[list[str], list[str]]]] = field(default_factory=dict)
    #: concept → (old broader concepts, new broader concepts)
    moved: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.relabelled or self.moved)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        out = [f"+ {c}" for c in self.added] + [f"- {c}" for c in self.removed]
        for c, langs in self.relabelled.items():
            for lang, (old, new) in langs.items():
                out.append(f"~ {c} prefLabel@{lang}: {' | '.join(old) or '(none)'} -> {' | '.join(new) or '(none)'}")
        for c, (old, new) in self.moved.items():
            out.append(f"> {c} broader: {', '.join(old) or '(top)'} -> {', '.join(new) or '(top)'}")
        return out


def _pref_labels(g: Graph, concept: object) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = defaultdict(list)
    for o in g.objects(concept, SKOS.prefLabel):
        if isinstance(o, Literal):
            labels[o.language or ""].append(str(o))
    return {lang: sorted(v) for lang, v in labels.items()}


def _broader(g: Graph, concept: object) -> list[str]:
    up = set(g.objects(concept, SKOS.broader)) | set(g.subjects(SKOS.narrower, concept))
    return sorted(str(x) for x in up)


def diff_graphs(old: Graph, new: Graph) -> VocabDiff:
    before = set(old.subjects(RDF.type, SKOS.Concept))
    after = set(new.subjects(RDF.type, SKOS.Concept))
    result = VocabDiff(added=sorted(str(c) for c in after - before), removed=sorted(str(c) for c in before - after))
    for c in sorted(before & after):
        a, b = _pref_labels(old, c), _pref_labels(new, c)
        changed = {lang: (a.get(lang, []), b.get(lang, [])) for lang in sorted(set(a) | set(b))
                   if a.get(lang, []) != b.get(lang, [])}
        if changed:
            result.relabelled[str(c)] = changed
        if _broader(old, c) != _broader(new, c):
            result.moved[str(c)] = (_broader(old, c), _broader(new, c))
    return result

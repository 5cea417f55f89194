"""The controlled vocabularies: loading the Turtle files and looking concepts up by code or label.

Harvesters map countries, treaties and other codes *through this lookup*, never through dictionaries in
code, so a curator who adds a spelling to ``vocabularies/`` fixes every source at once.
"""

from __future__ import annotations

import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

SKOS = "http://www.w3.org/2004/02/skos/core#"
_LABELS = {f"{SKOS}prefLabel", f"{SKOS}altLabel", f"{SKOS}hiddenLabel", f"{SKOS}notation"}
#: Alignments that carry a record's subject over to our concept: the outside concept is ours, or narrower than
#: ours (``ours skos:narrowMatch outside``). Not broadMatch: a record about any waste is not about mercury wastes
#: because mercury wastes are a kind of waste. Not relatedMatch: too loose.
_ALIGNMENTS = {f"{SKOS}{m}" for m in ("exactMatch", "closeMatch", "narrowMatch")}


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a label: ``Côte d’Ivoire`` → ``cote d'ivoire``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@dataclass
class Vocabulary:
    """Every concept scheme under ``vocabularies/``, parsed once, with an index of labels and notations."""

    base_uri: str
    quads: list[ox.Quad] = field(default_factory=list)
    files: dict[str, list[ox.Quad]] = field(default_factory=dict)
    _index: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    #: concept IRI → language → prefLabel, for display with a language fallback
    pref_labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    #: concept IRI → its skos:broader concepts
    broader: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: outside concept IRI (a LEO term) → our concepts aligned to it
    _aligned: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: when the newest of the files was changed (``…Z`` UTC): the Last-Modified of concept pages
    modified: str = "1970-01-01T00:00:00Z"
    _by_predicate: dict[str, dict[str, list[ox.Term]]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path, base_uri: str) -> Vocabulary:
        """Parse every ``*.ttl`` in *directory*; relative IRIs resolve against ``{base_uri}vocab/``."""
        vocab = cls(base_uri=base_uri)
        for path in sorted(directory.glob("*.ttl")):
            quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=f"{base_uri}vocab/"))
            vocab.files[path.stem] = quads
            vocab.quads.extend(quads)
            changed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
            vocab.modified = max(vocab.modified, changed)
        prefix = f"{base_uri}vocab/"
        for q in vocab.quads:
            if q.predicate.value in _LABELS and isinstance(q.object, ox.Literal):
                iri = q.subject.value
                if iri.startswith(prefix) and "/" in iri[len(prefix):]:
                    scheme = iri[len(prefix):].split("/", 1)[0]
                    vocab._index[scheme][fold(q.object.value)].add(iri)
                if q.predicate.value == f"{SKOS}prefLabel" and q.object.language:
                    vocab.pref_labels[iri][q.object.language] = q.object.value
            elif q.predicate.value == f"{SKOS}broader" and isinstance(q.object, ox.NamedNode):
                vocab.broader[q.subject.value].add(q.object.value)
            elif q.predicate.value in _ALIGNMENTS and isinstance(q.object, ox.NamedNode):
                vocab._aligned[q.object.value].add(q.subject.value)
        return vocab

    def lookup(self, scheme: str, text: str | None) -> str | None:
        """The IRI of the one concept of *scheme* with this label or notation, or None (also when ambiguous)."""
        if not text or not text.strip():
            return None
        found = self._index.get(scheme, {}).get(fold(text))
        if found and len(found) == 1:
            return next(iter(found))
        return None

    def find(self, text: str, *, scheme: str | None = None) -> list[str]:
        """Every concept (of *scheme*, or of any scheme) with this label, in any language, or notation:
        case- and accent-insensitive. The lookup the web API answers with."""
        key = fold(text)
        schemes = [scheme] if scheme else sorted(self._index)
        return sorted({iri for name in schemes for iri in self._index.get(name, {}).get(key, ())})

    def aligned(self, outside: str, scheme: str) -> list[str]:
        """Our concepts of *scheme* that an outside concept is, or is narrower than (exact, close or narrow match)."""
        prefix = f"{self.base_uri}vocab/{scheme}/"
        return sorted(c for c in self._aligned.get(outside, ()) if c.startswith(prefix))

    def aligned_anywhere(self, outside: str) -> list[str]:
        """Our concepts of any scheme that an outside concept is, or is narrower than (a LEO term's stand-ins)."""
        return sorted(self._aligned.get(outside, ()))

    def objects(self, predicate: str) -> dict[str, list[ox.Term]]:
        """Subject → the objects it has for *predicate*, indexed at the first call (pages and mappings ask per
        record or request; a pass over every quad each time is what this saves)."""
        index = self._by_predicate.get(predicate)
        if index is None:
            index = defaultdict(list)
            for q in self.quads:
                if q.predicate.value == predicate:
                    index[q.subject.value].append(q.object)
            self._by_predicate[predicate] = index = dict(index)
        return index

    def label(self, iri: str, languages: list[str]) -> tuple[str, str] | None:
        """The concept's prefLabel in the first of *languages* it has, with that language."""
        labels = self.pref_labels.get(iri, {})
        for lang in [*languages, *sorted(labels)]:
            if lang in labels:
                return labels[lang], lang
        return None

    def country(self, text: str | None) -> str | None:
        """A country from ISO alpha-2 (any case), alpha-3, numeric code or any of its names."""
        return self.lookup("country", text)

    def graphs(self) -> dict[str, list[ox.Quad]]:
        """The quads of each vocabulary file, to be published in its own graph."""
        return self.files

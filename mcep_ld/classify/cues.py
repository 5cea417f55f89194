"""What the classifier looks for, read from the vocabularies so that curators tune it where they curate.

- **Labels.** Every ``skos:hiddenLabel`` (words a record uses for the concept, never shown) and
  ``skos:altLabel`` (a curated synonym: "ASGM") of a theme, product or process, and each ``skos:prefLabel`` of
  two words or more (an article's one-word title such as "Objective" or "Signature" says too little alone: a
  concept found by one word carries it as a hidden or alternative label). A label is the stemmed words of its
  language (``search/text.py``: the index's own tools), Chinese a run of characters.
- **Alignments.** An outside concept (a LEO term a source tags with) that one of ours is the same as
  (``skos:exactMatch``, ``skos:closeMatch``) or broader than (``skos:narrowMatch``).
- **Implied themes.** ``mcep:impliesTheme`` on a scheme (every product is about Article 4 and Annex A), on a
  concept, or on a record kind (a national report is about Article 21).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from mcep_ld.search.text import STEMMERS, stem, words
from mcep_ld.vocab import SKOS, Vocabulary

MCEP = "https://w3id.org/mcep/ontology#"
#: The schemes a record is placed on.
SCHEMES = ("theme", "product", "process")
#: The score an alignment gives, by how the outside concept relates to ours.
ALIGNMENT_SCORES = {f"{SKOS}exactMatch": 1.0, f"{SKOS}closeMatch": 0.9, f"{SKOS}narrowMatch": 0.9}


@dataclass(frozen=True)
class Cue:
    """One label of a concept as the classifier matches it."""

    concept: str
    text: str  # the label as written, for the explanation
    language: str
    tokens: tuple[str, ...]  # stemmed words; for Chinese, the folded characters


@dataclass
class Cues:
    by_language: dict[str, list[Cue]] = field(default_factory=lambda: defaultdict(list))
    #: outside concept → [(our concept, score, relation)]
    alignments: dict[str, list[tuple[str, float, str]]] = field(default_factory=lambda: defaultdict(list))
    #: a concept, scheme or kind IRI → the themes it implies
    implies: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: concept → its scheme's name
    scheme_of: dict[str, str] = field(default_factory=dict)
    #: (text, language) → the cues it holds, remembered by rules.py
    matched: dict[tuple[str, str], list[Cue]] = field(default_factory=dict)
    #: language → a token → the cues whose rarest token it is
    _starting: dict[str, dict[str, list[Cue]]] = field(default_factory=dict)

    @classmethod
    def from_vocab(cls, vocab: Vocabulary) -> Cues:
        cues = cls()
        prefix = f"{vocab.base_uri}vocab/"
        wanted = tuple(f"{prefix}{s}/" for s in SCHEMES)
        seen: set[tuple[str, str, tuple[str, ...]]] = set()  # a label and its hidden twin are one cue
        for q in vocab.quads:
            s, p, o = q.subject.value, q.predicate.value, q.object
            if p == f"{MCEP}impliesTheme":
                cues.implies[s].add(o.value)
            if not s.startswith(wanted):
                continue
            cues.scheme_of[s] = s[len(prefix):].split("/", 1)[0]
            if p in (f"{SKOS}prefLabel", f"{SKOS}altLabel", f"{SKOS}hiddenLabel") and isinstance(o, ox.Literal):
                cue = make_cue(s, o.value, (o.language or "").split("-")[0])
                if cue and (p != f"{SKOS}prefLabel" or len(cue.tokens) > 1 or cue.language == "zh") \
                        and (s, cue.language, cue.tokens) not in seen:
                    seen.add((s, cue.language, cue.tokens))
                    cues.by_language[cue.language].append(cue)
            elif p in ALIGNMENT_SCORES and isinstance(o, ox.NamedNode):
                cues.alignments[o.value].append((s, ALIGNMENT_SCORES[p], p[len(SKOS):]))
        return cues

    def keyed_by(self, language: str, token: str) -> list[Cue]:
        """The cues of *language* whose rarest word is *token*: a sentence is checked only against cues whose
        rarest word it has ("mercury" starts a hundred cues; "waste" a few)."""
        index = self._starting.get(language)
        if index is None:
            index = self._starting[language] = defaultdict(list)
            cues = self.by_language.get(language, ())
            frequency: dict[str, int] = defaultdict(int)
            for cue in cues:
                for t in set(cue.tokens):
                    frequency[t] += 1
            for cue in cues:
                index[min(cue.tokens, key=lambda t: (frequency[t], t))].append(cue)
        return index.get(token, [])

    def implied(self, concept: str, base_uri: str) -> set[str]:
        """The themes a record on *concept* is about too: the concept's own, and its scheme's."""
        scheme = self.scheme_of.get(concept)
        found = set(self.implies.get(concept, ()))
        if scheme:
            found |= self.implies.get(f"{base_uri}vocab/{scheme}", set())
        return found


def make_cue(concept: str, text: str, language: str) -> Cue | None:
    tokens = tuple(text_tokens(text, language))
    return Cue(concept, text, language, tokens) if tokens else None


def text_tokens(text: str, language: str) -> list[str]:
    """*text* as cues and records are compared: Chinese as its characters, other languages as stemmed words."""
    if language == "zh":
        return [w for w in words(text) if not w.isspace()]
    return [stem(w, language if language in STEMMERS else "") for w in words(text)]

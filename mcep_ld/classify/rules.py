"""One record's evidence in, its assignments out: which concepts, by which rules, from which words, how sure.

Rules, each giving a score in (0, 1]; a concept's score is their noisy-or (``1 - Π(1 - s)``), and a concept
is assigned at ``ASSIGN_SCORE`` or more:

- ``keyword``: a source's keyword is one of ours through an alignment (``cues.ALIGNMENT_SCORES``), or a
  keyword's text is one of a concept's labels (``FIELD_SCORES["keyword"]``);
- ``title`` / ``description``: a label's words all stand in one sentence of a title or description in the
  label's language, close together (within ``2 n + 3`` words for a label of ``n``); Chinese labels as a
  run of characters;
- ``kind``: the record's kind implies the theme (``mcep:impliesTheme`` on the kind);
- ``implied``: a product or process found implies its themes, at the product's score.

A record of another treaty (``mcep:treaty`` names none of ours) or marked not relevant to the Convention
(``mcep:minamataRelevant false``) is not placed at all: the Convention's themes say nothing of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from mcep_ld.classify.cues import Cue, Cues, text_tokens
from mcep_ld.search.text import script, words

ASSIGN_SCORE = 0.5
#: Texts whose matches are remembered, per classifier (then forgotten all at once).
MATCHES_KEPT = 100_000
FIELD_SCORES = {"title": 0.8, "keyword": 0.8, "description": 0.5}
KIND_SCORE = 0.9
#: A text whose language is not tagged is read in each language of its script.
SCRIPT_LANGUAGES = {"latin": ("en", "fr", "es"), "cyrillic": ("ru",), "arabic": ("ar",)}
_SENTENCE = re.compile(r"[.!?;:؛](?:\s+|$)|[。；！？：]")
_CJK = re.compile("[\u3400-\u9fff]")


@dataclass
class Evidence:
    """What a record says that the rules read."""

    iri: str
    kind: str
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (field, text, language)
    subjects: set[str] = field(default_factory=set)  # IRIs the source tags it with
    treaties: set[str] = field(default_factory=set)
    relevant: bool | None = None  # mcep:minamataRelevant, where the source says


@dataclass
class Assignment:
    concept: str
    score: float
    reasons: list[str]  # "title@fr: « déchets de mercure »", "keyword: exactMatch leo:…", "kind: …"
    rules: set[str]


def in_scope(evidence: Evidence, treaty: str) -> bool:
    """Whether the Convention's themes apply: a record of no treaty, or of *treaty*, and not marked irrelevant."""
    return evidence.relevant is not False and (not evidence.treaties or treaty in evidence.treaties)


def classify(evidence: Evidence, cues: Cues, *, base_uri: str) -> dict[str, Assignment]:
    """The concepts *evidence* is about, at ``ASSIGN_SCORE`` or more, less those the source already gives."""
    hits: dict[str, list[tuple[float, str, str]]] = defaultdict(list)  # concept → (score, rule, reason)
    for outside in sorted(evidence.subjects):
        for concept, score, relation in cues.alignments.get(outside, ()):
            hits[concept].append((score, "keyword", f"keyword: {relation} {outside}"))
    for name, text, language in evidence.texts:
        for cue in _matches(text, language, cues):
            hits[cue.concept].append((FIELD_SCORES[name], name, f"{name}@{cue.language}: “{cue.text}”"))
    kind_iri = f"{base_uri}vocab/kind/{evidence.kind}"
    for theme in cues.implies.get(kind_iri, ()):
        hits[theme].append((KIND_SCORE, "kind", f"kind: {evidence.kind}"))
    found = {c: _combine(c, h) for c, h in hits.items()}
    for concept, assignment in list(found.items()):  # products and processes imply their themes
        for theme in cues.implied(concept, base_uri):
            hits[theme].append((assignment.score, "implied", f"implied by {concept.rsplit('/vocab/', 1)[-1]}"))
            found[theme] = _combine(theme, hits[theme])
    return {c: a for c, a in sorted(found.items())
            if a.score >= ASSIGN_SCORE and c not in evidence.subjects}


def _combine(concept: str, hits: list[tuple[float, str, str]]) -> Assignment:
    """The noisy-or of the hits, their reasons strongest first."""
    miss = 1.0
    reasons: dict[str, float] = {}
    for score, _, reason in hits:
        if reason not in reasons:  # the same words twice are one piece of evidence
            miss *= 1 - score
            reasons[reason] = score
    ordered = sorted(reasons, key=lambda r: (-reasons[r], r))
    return Assignment(concept, round(1 - miss, 3), ordered, {rule for _, rule, _ in hits})


def _matches(text: str, language: str, cues: Cues) -> list[Cue]:
    """The cues *text* holds (remembered: the same title comes from several sources and in every run)."""
    key = (text, language)
    if (known := cues.matched.get(key)) is not None:
        return known
    found = _find(text, language, cues)
    if len(cues.matched) >= MATCHES_KEPT:
        cues.matched.clear()
    cues.matched[key] = found
    return found


def _find(text: str, language: str, cues: Cues) -> list[Cue]:
    found: dict[Cue, None] = {}
    for lang in _languages(text, language, cues):
        for sentence in _SENTENCE.split(text):
            tokens = text_tokens(sentence, lang)
            if not tokens:
                continue
            if lang == "zh":
                run = "".join(tokens)
                found.update((c, None) for c in cues.by_language[lang] if "".join(c.tokens) in run)
                continue
            positions: dict[str, list[int]] = defaultdict(list)
            for i, token in enumerate(tokens):
                positions[token].append(i)
            for token in list(positions):
                for cue in cues.keyed_by(lang, token):
                    if _close(cue.tokens, positions):
                        found[cue] = None
    return list(found)


def _languages(text: str, language: str, cues: Cues) -> tuple[str, ...]:
    if language:
        return (language,) if language in cues.by_language else ()
    if _CJK.search(text):
        return ("zh",)
    first = next(iter(words(text)), "")
    return SCRIPT_LANGUAGES.get(script(first), ()) if first else ()


def _close(tokens: tuple[str, ...], positions: dict[str, list[int]]) -> bool:
    """Whether every token stands in the sentence, all within ``2 n + 3`` words."""
    if any(t not in positions for t in tokens):
        return False
    span = 2 * len(tokens) + 3
    marks = sorted((p, t) for t in set(tokens) for p in positions[t])
    need = len(set(tokens))
    have: dict[str, int] = defaultdict(int)
    start = 0
    for pos, token in marks:
        have[token] += 1
        while marks[start][0] < pos - span:
            have[marks[start][1]] -= 1
            start += 1
        if sum(1 for v in have.values() if v) == need:
            return True
    return False

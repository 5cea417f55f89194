"""How good the placements are: precision and recall against a labelled set, and how many records carry a
theme. ``benchmarks/classify.py`` prints both; the tests hold them to the issue's bars."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mcep_ld.classify.assign import CLASSIFIED_KINDS
from mcep_ld.hub import Hub

DCT_SUBJECT = "http://purl.org/dc/terms/subject"


@dataclass
class Scores:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (record key, theme, "extra" | "missed")

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 0.0


def themes_of(hub: Hub, iri: str) -> set[str]:
    """The themes a record carries, from its sources and the classifier (``art-4``, ``annex-c``)."""
    prefix = f"{hub.settings.base_uri}vocab/theme/"
    return {q.object.value[len(prefix):] for q in hub.store.public.quads(None, subject=iri)
            if q.predicate.value == DCT_SUBJECT and q.object.value.startswith(prefix)}


def score(hub: Hub, source: str, expected: dict[str, list[str]]) -> dict[str, Scores]:
    """Micro-averaged scores of the records of *source* keyed as in *expected* (a record of a file by its
    ``id``), overall (``""``) and by the
    language of the record's key (``lab-fr-01`` → ``fr``)."""
    out: dict[str, Scores] = defaultdict(Scores)
    # a file's records are keyed "resources.json#lab-fr-01" by the files harvester
    iris = {key.rsplit("#", 1)[-1]: iri for key, iri in hub.catalog.live_keys(source).items()}
    for key, wanted in sorted(expected.items()):
        found = themes_of(hub, iris[key]) if key in iris else set()
        language = key.split("-")[1] if key.count("-") >= 2 else ""
        for s in (out[""], out[language]):
            s.true_positives += len(found & set(wanted))
            s.false_positives += len(found - set(wanted))
            s.false_negatives += len(set(wanted) - found)
        out[""].wrong += [(key, t, "extra") for t in sorted(found - set(wanted))]
        out[""].wrong += [(key, t, "missed") for t in sorted(set(wanted) - found)]
    return dict(out)


def coverage(hub: Hub) -> dict[str, tuple[int, int]]:
    """Kind → (records carrying a theme, records) over the kinds the classifier places."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for iri, kind, _, _ in hub.catalog.live_documents():
        if kind in CLASSIFIED_KINDS:
            out[kind][1] += 1
            out[kind][0] += bool(themes_of(hub, iri))
    return {kind: (n[0], n[1]) for kind, n in sorted(out.items())}

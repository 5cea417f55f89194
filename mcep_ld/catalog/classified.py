"""The classifier's bookkeeping: what it last published per record, and the curators' reviews."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from mcep_ld.catalog.part import Part
from mcep_ld.catalog.rows import utc_now

DECISIONS = ("accepted", "rejected")


@dataclass(frozen=True)
class Review:
    iri: str
    concept: str
    decision: str  # accepted | rejected
    curator: str
    at: str
    note: str = ""


class Classified(Part):
    """Rows of ``classified`` and ``subject_reviews``."""

    def classified(self) -> dict[str, str]:
        """Record → the signature its placements were made from."""
        return dict(self.db.execute("SELECT iri, signature FROM classified").fetchall())

    def classified_hashes(self) -> dict[str, str]:
        """Record → the hash of its placements' graph (what the search index and dumps follow)."""
        return dict(self.db.execute("SELECT iri, graph_hash FROM classified").fetchall())

    def classified_hashes_of(self, iri: str) -> str:
        row = self.db.execute("SELECT graph_hash FROM classified WHERE iri=?", (iri,)).fetchone()
        return row[0] if row else ""

    def classified_graphs(self, *, withheld: Collection[str] = ()) -> list[tuple[str, str]]:
        """(graph, hash) of every record's placements, in graph order; with *withheld* sources, only the
        placements of records that a live record of another source describes too."""
        if not withheld:
            return [tuple(r) for r in self.db.execute("SELECT graph, graph_hash FROM classified ORDER BY graph")]
        return [tuple(r) for r in self.db.execute(
            "SELECT graph, graph_hash FROM classified c WHERE EXISTS (SELECT 1 FROM records r WHERE r.iri=c.iri "
            f"AND r.published=1 AND r.deleted=0 AND r.source NOT IN ({','.join('?' * len(withheld))})) "
            "ORDER BY graph", sorted(withheld))]

    def placements(self, iri: str) -> dict[str, float]:
        row = self.db.execute("SELECT concepts FROM classified WHERE iri=?", (iri,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_classified(self, rows: list[tuple[str, str, str, str, dict[str, float]]]) -> None:
        """Rows of (record, signature, graph, graph hash, concept → score)."""
        with self._lock:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO classified (iri, signature, graph, graph_hash, concepts) VALUES (?,?,?,?,?)",
                [(i, s, g, h, json.dumps(c, sort_keys=True)) for i, s, g, h, c in rows])
            self.db.execute("COMMIT")

    def forget_classified(self, iris: list[str]) -> None:
        with self._lock:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM classified WHERE iri=?", [(i,) for i in iris])
            self.db.execute("COMMIT")

    def review(self, iri: str, concept: str, decision: str, *, curator: str, note: str = "") -> Review:
        """A curator's decision on placing *iri* on *concept*; the last decision stands."""
        if decision not in DECISIONS:
            raise ValueError(f"a review is one of {', '.join(DECISIONS)}, not {decision!r}")
        review = Review(iri, concept, decision, curator, utc_now(), note)
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO subject_reviews (iri, concept, decision, curator, at, note) "
                "VALUES (?,?,?,?,?,?)",
                (review.iri, review.concept, review.decision, review.curator, review.at, review.note))
        return review

    def withdraw_review(self, iri: str, concept: str) -> bool:
        with self._lock:
            return self.db.execute("DELETE FROM subject_reviews WHERE iri=? AND concept=?",
                                   (iri, concept)).rowcount > 0

    def reviews(self, iri: str | None = None) -> list[Review]:
        sql, params = "SELECT iri, concept, decision, curator, at, note FROM subject_reviews", ()
        if iri is not None:
            sql, params = sql + " WHERE iri=?", (iri,)
        return [Review(*r) for r in self.db.execute(sql + " ORDER BY iri, concept", params)]

"""Readers' feedback (was this page useful? a comment, an e-mail for a reply): rows of the catalog only.

Feedback is never published: not in the store, the dumps, OAI-PMH or the search index. The e-mail a reader
leaves is personal data, kept like focal points' contacts, for curators (the admin API, ``mcep feedback``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcep_ld.catalog.part import Part
from mcep_ld.catalog.rows import utc_now


@dataclass(frozen=True)
class Feedback:
    id: int
    at: str  # UTC
    page: str  # the path the form was on
    useful: bool | None
    comment: str
    email: str
    lang: str


class Feedbacks(Part):
    """Rows of ``feedback``."""

    def add_feedback(self, *, page: str, useful: bool | None, comment: str, email: str, lang: str) -> int:
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO feedback (at, page, useful, comment, email, lang) VALUES (?,?,?,?,?,?)",
                (utc_now(), page, None if useful is None else int(useful), comment, email, lang))
            return int(cur.lastrowid)

    def feedback(self, *, limit: int | None = None) -> list[Feedback]:
        """The entries, newest first."""
        sql = "SELECT id, at, page, useful, comment, email, lang FROM feedback ORDER BY id DESC"
        rows = self.db.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
        return [Feedback(r[0], r[1], r[2], None if r[3] is None else bool(r[3]), r[4], r[5], r[6]) for r in rows]

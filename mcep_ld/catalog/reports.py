"""What operators ask of the catalog: its sources, counts by kind, the quarantine with its reports."""

from __future__ import annotations

from typing import Any

from mcep_ld.catalog.part import Part


class Reports(Part):
    """Reporting for ``mcep status`` and ``mcep quarantine``."""

    def sources(self) -> list[str]:
        rows = self.db.execute("SELECT source FROM records UNION SELECT source FROM runs ORDER BY 1")
        return [r[0] for r in rows]

    def counts_by_kind(self, source: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.db.execute(
            """SELECT kind,
                      SUM(published) AS published,
                      SUM(status IN ('quarantined', 'failed')) AS quarantined,
                      SUM(deleted) AS deleted
               FROM records WHERE source=? GROUP BY kind ORDER BY kind""", (source,)):
            out[r["kind"]] = {"published": r["published"], "quarantined": r["quarantined"],
                              "deleted": r["deleted"]}
        return out

    def quarantine(self, source: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT r.source, r.source_key, r.kind, r.raw_url, p.stage, p.created, p.report "
               "FROM records r JOIN reports p ON p.record_id=r.id "
               "WHERE r.status IN ('quarantined', 'failed') AND p.severity IN ('Violation','Error')")
        params: tuple = ()
        if source:
            sql += " AND r.source=?"
            params = (source,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY r.source, r.source_key", params)]

    def record(self, source: str, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM records WHERE source=? AND source_key=?", (source, key)).fetchone()
        return dict(row) if row else None

    def records_by_outcome(self) -> list[tuple[str, int, int, int]]:
        """(source, live records, quarantined or failed, deleted) per source: what ``/metrics`` reports."""
        return [tuple(row) for row in self.db.execute(
            "SELECT source, SUM(published AND NOT deleted), SUM(status IN ('quarantined', 'failed')), SUM(deleted) "
            "FROM records GROUP BY source ORDER BY source")]

    def runs_by_outcome(self) -> list[tuple[str, str, int, str | None]]:
        """(source, status, runs, when the last of them ended) per source and status."""
        return [tuple(row) for row in self.db.execute(
            "SELECT source, status, COUNT(*), MAX(ended) FROM runs GROUP BY source, status ORDER BY source, status")]

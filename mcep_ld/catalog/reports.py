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

"""What the read side asks of the catalog: the OAI-PMH provider, record pages and the sitemap, VoID, DCAT, the
dumps, the search index's sync, the dashboard and the health check. Each question is a named method, so a
change of schema touches this package only."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from mcep_ld.catalog.part import Part

#: Records an OAI-PMH list holds: the published ones and the deleted ones (as headers with status deleted)
LISTABLE = "(published=1 OR deleted=1)"
#: Records that are live: published and not deleted at their source
LIVE = "published=1 AND deleted=0"


def _oai_where(spec: str | None, start: str | None, until: str) -> tuple[str, list]:
    sql, params = f"{LISTABLE} AND datestamp <= ?", [until]
    if start:
        sql += " AND datestamp >= ?"
        params.append(start)
    if spec:  # members of the set or of a set below it, and those that left it (deleted in its view)
        escaped = spec.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql += (" AND ((' ' || sets || ' ') LIKE ? ESCAPE '\\' OR (' ' || sets) LIKE ? ESCAPE '\\'"
                " OR (' ' || left_sets || ' ') LIKE ? ESCAPE '\\' OR (' ' || left_sets) LIKE ? ESCAPE '\\')")
        params += [f"% {escaped} %", f"% {escaped}:%"] * 2
    return sql, params


class Reads(Part):
    """Questions of the read side, by name."""

    # -- OAI-PMH ----------------------------------------------------------------------------------

    def oai_item(self, source: str, key: str) -> sqlite3.Row | None:
        """The listable record *key* of *source*."""
        return self.db.execute(f"SELECT * FROM records WHERE source=? AND source_key=? AND {LISTABLE}",
                               (source, key)).fetchone()

    def oai_earliest(self) -> str | None:
        """The oldest datestamp of a listable record."""
        return self.db.execute(f"SELECT MIN(datestamp) FROM records WHERE {LISTABLE}").fetchone()[0]

    def oai_count(self, spec: str | None, start: str | None, until: str) -> int:
        """How many listable records a list holds: in set *spec* (or below it, or that left it), from *start*
        to *until*."""
        sql, params = _oai_where(spec, start, until)
        return self.db.execute(f"SELECT COUNT(*) FROM records WHERE {sql}", params).fetchone()[0]

    def oai_page(self, spec: str | None, start: str | None, until: str, *, after: tuple[str, int],
                 limit: int) -> list[sqlite3.Row]:
        """The next *limit* records of that list after the keyset position *after* (datestamp, id)."""
        sql, params = _oai_where(spec, start, until)
        return self.db.execute(
            f"SELECT * FROM records WHERE {sql} AND (datestamp, id) > (?, ?) ORDER BY datestamp, id LIMIT ?",
            [*params, after[0], after[1], limit]).fetchall()

    def oai_has_sets(self) -> bool:
        """Whether any listable record is in a set (one indexed probe, not the scan of ``oai_set_lists``)."""
        return self.db.execute(
            f"SELECT 1 FROM records WHERE sets <> '' AND {LISTABLE} LIMIT 1").fetchone() is not None

    def oai_set_lists(self) -> list[str]:
        """Each distinct ``sets`` value of listable records (space-separated set specs)."""
        return [sets for (sets,) in self.db.execute(f"SELECT DISTINCT sets FROM records WHERE {LISTABLE}")]

    def disseminations(self, ids: list[int], prefix: str) -> dict[int, tuple[str, bytes]]:
        """The metadata XML last written for these records in *prefix*, with the version it was made from."""
        if not ids:
            return {}
        rows = self.db.execute(f"SELECT record_id, version, xml FROM disseminations WHERE prefix=? AND record_id IN "
                               f"({','.join('?' * len(ids))})", (prefix, *ids))
        return {r[0]: (r[1], r[2]) for r in rows}

    def keep_disseminations(self, items: list[tuple[int, str, str, bytes]]) -> None:
        """Remember (record id, prefix, version, xml): a full re-harvest then reads instead of rendering."""
        if items:
            self._write(lambda: self.db.executemany(
                "INSERT OR REPLACE INTO disseminations (record_id, prefix, version, xml) VALUES (?,?,?,?)", items),
                None, None)

    def changed_since(self, since: str, *, after: tuple[str, int] | None = None,
                      limit: int = 100) -> list[sqlite3.Row]:
        """Records whose datestamp is at or after *since*, in (datestamp, id) order, by keyset page."""
        if after is None:
            return self.db.execute(
                "SELECT * FROM records WHERE datestamp >= ? ORDER BY datestamp, id LIMIT ?",
                (since, limit)).fetchall()
        return self.db.execute(
            "SELECT * FROM records WHERE datestamp >= ? AND (datestamp, id) > (?, ?) "
            "ORDER BY datestamp, id LIMIT ?", (since, after[0], after[1], limit)).fetchall()

    # -- pages ------------------------------------------------------------------------------------

    def rows_of_iri(self, iri: str) -> list[sqlite3.Row]:
        """Every source's record of the resource *iri* (live, deleted or quarantined)."""
        return self.db.execute("SELECT source, graph, graph_hash, datestamp, deleted, published, status, raw_url "
                               "FROM records WHERE iri=?", (iri,)).fetchall()

    def live_iri_count(self) -> int:
        """How many distinct resources live records describe."""
        return self.db.execute(f"SELECT COUNT(DISTINCT iri) FROM records WHERE {LIVE} AND iri IS NOT NULL"
                               ).fetchone()[0]

    def live_iris(self, *, limit: int, offset: int) -> list[tuple[str, str]]:
        """(iri, newest datestamp of its live records), in IRI order, a page at a time."""
        return [tuple(row) for row in self.db.execute(
            f"SELECT iri, MAX(datestamp) FROM records WHERE {LIVE} AND iri IS NOT NULL "
            "GROUP BY iri ORDER BY iri LIMIT ? OFFSET ?", (limit, offset))]

    def newest_datestamp(self) -> str | None:
        """The newest datestamp of any record."""
        return self.db.execute("SELECT MAX(datestamp) FROM records").fetchone()[0]

    def published_count(self) -> int:
        """How many records are published."""
        return self.db.execute("SELECT COUNT(*) FROM records WHERE published=1").fetchone()[0]

    def quarantined_count(self) -> int:
        """How many records are quarantined or failed."""
        return self.db.execute("SELECT COUNT(*) FROM records WHERE status IN ('quarantined', 'failed')"
                               ).fetchone()[0]

    # -- derived data: VoID, DCAT, dumps, the search index -----------------------------------------

    def live_counts(self) -> list[tuple[str, str, int]]:
        """(source, kind, live records)."""
        return [tuple(row) for row in self.db.execute(
            f"SELECT source, kind, COUNT(*) FROM records WHERE {LIVE} GROUP BY source, kind")]

    def live_by_source(self) -> list[tuple[str, int, str]]:
        """(source, live records, newest datestamp), by source."""
        return [tuple(row) for row in self.db.execute(
            f"SELECT source, COUNT(*), MAX(datestamp) FROM records WHERE {LIVE} GROUP BY source ORDER BY source")]

    def live_sources(self) -> list[str]:
        """The sources that have live records, sorted."""
        return [row[0] for row in self.db.execute(
            f"SELECT DISTINCT source FROM records WHERE {LIVE} ORDER BY source")]

    def live_graphs(self, source: str) -> list[tuple[str, str]]:
        """(graph, graph hash) of the live records of *source*, in graph order."""
        return [tuple(row) for row in self.db.execute(
            f"SELECT graph, graph_hash FROM records WHERE source=? AND {LIVE} ORDER BY graph", (source,))]

    def live_keys(self, source: str) -> dict[str, str]:
        """The source's live records: its key of each → the record's IRI."""
        return dict(self.db.execute(
            f"SELECT source_key, iri FROM records WHERE source=? AND {LIVE} AND iri IS NOT NULL", (source,)).fetchall())

    def live_of_kind(self, kind: str, *, after: str | None = None, treaties: list[str] | None = None,
                     newest_first: bool = False, offset: int = 0, limit: int = 100,
                     withheld: Collection[str] = ()) -> tuple[list[tuple[str, str]], int]:
        """A page of the resources of *kind* that live records describe: (iri, newest datestamp), oldest first
        (or newest first); only those changed after *after* (a datestamp), and in the OAI set of one of
        *treaties* (``treaty:minamata``), when given; records of the *withheld* sources left out; and how
        many there are in all. What the OData provider lists."""
        args: list = [kind, *sorted(withheld)]
        in_sets = f" AND source NOT IN ({','.join('?' * len(withheld))})" if withheld else ""
        if treaties:
            in_sets += " AND (" + " OR ".join("(' ' || sets || ' ') LIKE ?" for _ in treaties) + ")"
            args += [f"% treaty:{t} %" for t in treaties]
        having = ""
        if after:
            having = "HAVING MAX(datestamp) > ?"
            args.append(after)
        inner = (f"SELECT iri, MAX(datestamp) AS stamp FROM records WHERE {LIVE} AND kind=? AND iri IS NOT NULL"
                 f"{in_sets} GROUP BY iri {having}")
        order = "DESC" if newest_first else "ASC"
        rows = [tuple(r) for r in self.db.execute(
            f"{inner} ORDER BY stamp {order}, iri {order} LIMIT ? OFFSET ?", (*args, limit, offset))]
        total = self.db.execute(f"SELECT COUNT(*) FROM ({inner})", tuple(args)).fetchone()[0]
        return rows, total

    def described_elsewhere(self, graphs: dict[str, str]) -> set[str]:
        """Of *graphs* (record IRI → the graph about to be written for it), the IRIs that some other live graph
        describes too (another source, or another key of the same source)."""
        found: set[str] = set()
        iris = list(graphs)
        for i in range(0, len(iris), 500):
            chunk = iris[i:i + 500]
            rows = self.db.execute(f"SELECT iri, graph FROM records WHERE {LIVE} AND iri IN "
                                   f"({','.join('?' * len(chunk))})", chunk)
            found.update(iri for iri, graph in rows if graph != graphs[iri])
        return found

    def live_documents(self) -> list[tuple[str, str, str, str]]:
        """What the search index holds, per resource: (iri, kind, its sources comma-separated, its graphs with
        their hashes as ``graph=hash`` space-separated)."""
        return [tuple(row) for row in self.db.execute(
            "SELECT iri, MIN(kind), group_concat(DISTINCT source), "
            "group_concat(graph || '=' || graph_hash, ' ') FROM ("
            f"  SELECT iri, kind, source, graph, graph_hash FROM records"
            f"  WHERE {LIVE} AND iri IS NOT NULL ORDER BY iri, graph) "
            "GROUP BY iri")]

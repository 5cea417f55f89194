"""The records table as runs write it: what is known, what was listed, saved, tombstoned."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from mcep_ld.catalog.part import Part
from mcep_ld.catalog.rows import Checkpoint, KnownRecord, RecordRow, utc_now


class Records(Part):
    """One row per record of a source: its payload, fingerprint, graph, sets, datestamp and status."""

    def known(self, source: str, keys: Iterable[str]) -> dict[str, KnownRecord]:
        """The catalog's view of the given records of *source*, keyed by source key."""
        keys = list(keys)
        out: dict[str, KnownRecord] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(
                f"SELECT id, source_key, content_hash, published, deleted, graph, iri, graph_hash, seen_run, "
                f"restricted_hash FROM records WHERE source=? AND source_key IN ({marks})", (source, *chunk)):
                out[r["source_key"]] = KnownRecord(r["id"], r["content_hash"], bool(r["published"]),
                                                   bool(r["deleted"]), r["graph"], r["iri"], r["graph_hash"],
                                                   r["seen_run"], r["restricted_hash"])
        return out

    def mark_seen(self, ids: Iterable[int], run_id: int) -> None:
        """Note that the listing of *run_id* held these records."""
        self._write(lambda: self._mark_seen(list(ids), run_id), run_id, None)

    def _mark_seen(self, ids: list[int], run_id: int) -> None:
        for i in range(0, len(ids), 500):  # one statement per 500 ids
            chunk = ids[i:i + 500]
            self.db.execute(f"UPDATE records SET seen_run=? WHERE id IN ({','.join('?' * len(chunk))})",
                            (run_id, *chunk))

    def save(self, rows: list[RecordRow], run_id: int, *, checkpoint: Checkpoint | None = None) -> None:
        """Write the new state of processed records, their reports and kept metadata, in one transaction."""
        now = utc_now()

        def statements() -> None:
            before = self._sets_before(rows)
            for r in rows:
                left = self._left_sets(r, before.get((r.source, r.source_key)))
                cur = self.db.execute(
                    """INSERT INTO records (source, source_key, kind, iri, graph, content_hash,
                           raw_url, source_modified, datestamp, sets, deleted, published, status, seen_run,
                           graph_hash, left_sets, restricted_hash)
                       VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?)
                       ON CONFLICT (source, source_key) DO UPDATE SET
                           kind=excluded.kind, iri=COALESCE(excluded.iri, records.iri),
                           graph=excluded.graph, content_hash=excluded.content_hash,
                           raw_url=excluded.raw_url,
                           source_modified=excluded.source_modified,
                           datestamp=CASE WHEN ? OR (excluded.published AND excluded.sets <> records.sets)
                                          THEN excluded.datestamp ELSE records.datestamp END,
                           left_sets=CASE WHEN excluded.published THEN excluded.left_sets ELSE records.left_sets END,
                           sets=CASE WHEN excluded.published THEN excluded.sets ELSE records.sets END,
                           deleted=CASE WHEN excluded.published THEN 0 ELSE records.deleted END,
                           published=MAX(records.published, excluded.published),
                           status=excluded.status, seen_run=excluded.seen_run,
                           graph_hash=CASE WHEN excluded.published THEN excluded.graph_hash
                                           ELSE records.graph_hash END,
                           restricted_hash=CASE WHEN excluded.published THEN excluded.restricted_hash
                                                ELSE records.restricted_hash END
                       RETURNING id""",
                    (r.source, r.source_key, r.kind, r.iri, r.graph, r.content_hash, r.raw_url,
                     r.source_modified, now, " ".join(r.sets), int(r.published), r.status, run_id,
                     r.graph_hash, left, r.restricted_hash, int(r.datestamp_moves)))
                record_id = cur.fetchone()[0]
                self.db.execute("INSERT OR REPLACE INTO payloads (record_id, raw) VALUES (?,?)", (record_id, r.raw))
                self.db.execute("DELETE FROM reports WHERE record_id=?", (record_id,))
                self.db.executemany(
                    "INSERT OR REPLACE INTO reports (record_id, severity, stage, run_id, created, report) "
                    "VALUES (?,?,?,?,?,?)",
                    [(record_id, sev, stage, run_id, now, text) for sev, stage, text in r.reports])
                if r.disseminations:
                    self.db.executemany(
                        "INSERT OR REPLACE INTO disseminations (record_id, prefix, version, xml) VALUES (?,?,?,?)",
                        [(record_id, *d) for d in r.disseminations])

        self._write(statements, run_id, checkpoint)

    def _sets_before(self, rows: list[RecordRow]) -> dict[tuple[str, str], tuple[str, str]]:
        """(sets, left_sets) of the rows already in the catalog: one query per 500, not one per record."""
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for source in {r.source for r in rows}:
            keys = [r.source_key for r in rows if r.source == source]
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                for key, sets, left in self.db.execute(
                        f"SELECT source_key, sets, left_sets FROM records WHERE source=? AND source_key IN "
                        f"({','.join('?' * len(chunk))})", (source, *chunk)):
                    out[(source, key)] = (sets, left)
        return out

    @staticmethod
    def _left_sets(r: RecordRow, before: tuple[str, str] | None) -> str:
        """The sets a record leaves (or left before and has not come back to) when *r* is published."""
        if before is None:
            return ""
        sets, left = before
        if not r.published:
            return left
        return " ".join(sorted((set(sets.split()) | set(left.split())) - set(r.sets)))

    def unseen(self, source: str, run_id: int) -> list[KnownRecord]:
        """Live records of *source* that the listing of *run_id* did not contain."""
        return [KnownRecord(r["id"], r["content_hash"], bool(r["published"]), False, r["graph"], r["iri"])
                for r in self.db.execute(
                    "SELECT id, content_hash, published, graph, iri FROM records "
                    "WHERE source=? AND deleted=0 AND (seen_run IS NULL OR seen_run<>?)", (source, run_id))]

    def source_keys(self, ids: Iterable[int]) -> dict[int, str]:
        """The source's key of each record id."""
        ids, keys = list(ids), {}
        for i in range(0, len(ids), 500):  # one statement per 500 ids
            chunk = ids[i:i + 500]
            keys.update(self.db.execute(
                f"SELECT id, source_key FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return keys

    def live_count(self, source: str) -> int:
        """How many records of *source* are not deleted (the population a complete listing is compared with)."""
        return self.db.execute("SELECT COUNT(*) FROM records WHERE source=? AND deleted=0", (source,)).fetchone()[0]

    def live(self, source: str, keys: Iterable[str]) -> list[KnownRecord]:
        """The records among *keys* that are not deleted."""
        return [k for k in self.known(source, keys).values() if not k.deleted]

    def tombstone(self, ids: Iterable[int], run_id: int) -> None:
        """Mark records deleted at the source; their datestamp moves so harvesters see the deletion."""
        self._write(lambda: self._tombstone(ids, run_id), run_id, None)

    def _tombstone(self, ids: Iterable[int], run_id: int) -> None:
        now = utc_now()
        self.db.executemany(
            "UPDATE records SET deleted=1, published=0, status='deleted', datestamp=?, seen_run=? WHERE id=?",
            ((now, run_id, i) for i in ids))

    def touch_graphs(self, graphs: list[str]) -> int:
        """Move the datestamp of the live records in these graphs to now (what they disseminate changed
        without their own triples changing: a label of a concept they name). Returns how many moved."""
        now = utc_now()
        moved = 0
        with self._lock:
            for i in range(0, len(graphs), 500):
                chunk = graphs[i:i + 500]
                cur = self.db.execute(f"UPDATE records SET datestamp=? WHERE deleted=0 AND published=1 AND graph IN "
                                      f"({','.join('?' * len(chunk))})", (now, *chunk))
                moved += cur.rowcount
        return moved

    def touch_source(self, source: str) -> int:
        """Move the datestamp of the source's live records to now (what OAI-PMH says of them changed: the
        source was withheld or released). Returns how many moved."""
        with self._lock:
            return self.db.execute("UPDATE records SET datestamp=? WHERE deleted=0 AND published=1 AND source=?",
                                   (utc_now(), source)).rowcount

    def mark_listed(self, run_id: int, *, unchanged: list[int], deleted: list[int],
                    checkpoint: Checkpoint) -> None:
        """What one batch of a listing held: records unchanged (seen) and records the source says it
        deleted (tombstoned), written with the run's checkpoint in one transaction."""

        def statements() -> None:
            self._mark_seen(unchanged, run_id)
            self._tombstone(deleted, run_id)

        self._write(statements, run_id, checkpoint)

    def raw_records(self, source: str | None = None, *, page: int = 500) -> Iterator[sqlite3.Row]:
        """Stored payloads, for re-mapping without the network (deleted records left out).

        Read by keyset pages, each its own query, so the caller may write to the catalog between rows.
        """
        after = 0
        while True:
            rows = self.db.execute(
                "SELECT r.*, p.raw FROM records r JOIN payloads p ON p.record_id=r.id WHERE r.deleted=0 AND r.id>?"
                + (" AND r.source=?" if source else "") + " ORDER BY r.id LIMIT ?",
                (after, source, page) if source else (after, page)).fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1]["id"]

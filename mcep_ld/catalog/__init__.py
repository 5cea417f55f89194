"""The catalog: the hub's bookkeeping in one SQLite file (WAL mode).

One row per record (what was received, what was published, when it changed), one row per harvest run,
and the validation reports (a quarantined record's SHACL report among them). It is the single change log:
``changed_since`` pages by keyset on ``(datestamp, id)`` so a deep page costs what the first one does.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    source_key      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    iri             TEXT,              -- hub IRI; NULL while the record has never mapped
    graph           TEXT NOT NULL,     -- its named graph
    content_hash    TEXT NOT NULL,     -- fingerprint of the last payload processed
    graph_hash      TEXT,              -- hash of the published triples; the datestamp moves when it does
    restricted_hash TEXT,              -- hash of its restricted triples (never shapes a public answer)
    raw             BLOB NOT NULL,     -- that payload, as received
    raw_url         TEXT NOT NULL,
    source_modified TEXT,
    datestamp       TEXT NOT NULL,     -- UTC, seconds; moves whenever what is published changes
    sets            TEXT NOT NULL DEFAULT '',  -- space-separated setSpecs
    left_sets       TEXT NOT NULL DEFAULT '',  -- sets it was in and left: deleted in those sets' OAI views
    deleted         INTEGER NOT NULL DEFAULT 0,
    published       INTEGER NOT NULL DEFAULT 0,  -- its graph is in the store
    status          TEXT NOT NULL,     -- valid | warning | quarantined | failed | deleted
    visibility      TEXT NOT NULL DEFAULT 'public',
    seen_run        INTEGER,           -- the last run whose listing held it
    UNIQUE (source, source_key)
);
CREATE INDEX IF NOT EXISTS records_datestamp ON records (datestamp, id);
CREATE INDEX IF NOT EXISTS records_source_seen ON records (source, seen_run);
CREATE INDEX IF NOT EXISTS records_iri ON records (iri);

CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    started     TEXT NOT NULL,
    ended       TEXT,
    status      TEXT NOT NULL,        -- running | completed | failed | aborted
    complete    INTEGER NOT NULL DEFAULT 0,  -- the listing was read to its end
    seen        INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    duration_s  REAL,
    timings     TEXT,                 -- JSON: seconds spent per stage (fetch, map, validate, store…)
    error       TEXT,
    since       TEXT,                 -- the watermark the listing was asked from; NULL: a full listing
    checkpoint  TEXT                  -- JSON {position, counters, at}: where an interrupted run resumes
);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS disseminations (  -- metadata formats as the OAI-PMH provider last wrote them
    record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    prefix    TEXT NOT NULL,
    version   TEXT NOT NULL,                 -- what it was made from: graph hash, vocabularies, crosswalk
    xml       BLOB NOT NULL,
    PRIMARY KEY (record_id, prefix)
);

CREATE TABLE IF NOT EXISTS reports (
    record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    severity  TEXT NOT NULL,          -- Violation | Warning | Error
    stage     TEXT NOT NULL,          -- map | validate
    run_id    INTEGER NOT NULL,
    created   TEXT NOT NULL,
    report    TEXT NOT NULL,
    PRIMARY KEY (record_id, severity)
);
"""

#: Columns added after the first release, with their definitions: added to older catalogs on opening.
_ADDED_COLUMNS = {"runs": {"since": "TEXT", "checkpoint": "TEXT"},
                  "records": {"left_sets": "TEXT NOT NULL DEFAULT ''", "restricted_hash": "TEXT"}}

COUNTERS = ("seen", "added", "updated", "unchanged", "deleted", "quarantined", "failed")


def utc_now() -> str:
    """Now, as the catalog writes times: UTC, second granularity, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RunCounters:
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass
class Checkpoint:
    """How far a run got: the listing position to resume from and the counters of what was written.

    Saved in the same transaction as the records it accounts for, so the two always agree.
    """

    position: str | None
    counters: RunCounters

    def to_json(self) -> str:
        return json.dumps({"position": self.position, "counters": self.counters.as_dict(), "at": utc_now()})

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(data["position"], RunCounters(**data["counters"]))


@dataclass
class KnownRecord:
    """What the catalog knows of a record before this run touched it."""

    id: int
    content_hash: str
    published: bool
    deleted: bool
    graph: str
    iri: str | None
    graph_hash: str | None = None
    seen_run: int | None = None
    restricted_hash: str | None = None


@dataclass
class RecordRow:
    """A record's new catalog state after processing."""

    source: str
    source_key: str
    kind: str
    iri: str | None
    graph: str
    content_hash: str
    raw: bytes
    raw_url: str
    source_modified: str | None
    sets: list[str]
    published: bool
    status: str
    datestamp_moves: bool
    graph_hash: str | None = None
    reports: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, stage, text)
    restricted_hash: str | None = None


class Catalog:
    """The SQLite catalog in ``data_dir/catalog.sqlite``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for name, definition in columns.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")

    def _write(self, statements: Callable[[], None], run_id: int | None, checkpoint: Checkpoint | None) -> None:
        """Run *statements* and save *checkpoint* with them, in one transaction."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                statements()
                if checkpoint is not None:
                    self.db.execute("UPDATE runs SET checkpoint=? WHERE id=?", (checkpoint.to_json(), run_id))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, source: str, endpoint: str, *, since: datetime | None = None) -> int:
        """Open a run; runs of this source left 'running' by a killed process become 'aborted'."""
        with self._lock:
            self._abort_orphans(source)
            cur = self.db.execute(
                "INSERT INTO runs (source, endpoint, started, status, since) VALUES (?, ?, ?, 'running', ?)",
                (source, endpoint, utc_now(), since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None))
            return int(cur.lastrowid)

    def _abort_orphans(self, source: str) -> None:
        self.db.execute("UPDATE runs SET status='aborted', error='process ended before the run finished' "
                        "WHERE source=? AND status='running'", (source,))

    def resumable_run(self, source: str, endpoint: str, *, max_age_h: float) -> dict[str, Any] | None:
        """The last run of *source*, if it stopped before its end (killed, interrupted or failed) after
        saving a checkpoint less than *max_age_h* hours ago, against the same endpoint."""
        run = self.last_run(source)
        if (run is None or run["status"] not in ("running", "aborted", "failed") or not run["checkpoint"]
                or run["endpoint"] != endpoint):
            return None
        saved = datetime.strptime(json.loads(run["checkpoint"])["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if (datetime.now(UTC) - saved).total_seconds() > max_age_h * 3600:
            return None
        return run

    def resume_run(self, run_id: int) -> None:
        """Reopen a stopped run: it goes on under its own id, so what it already listed counts as listed."""
        with self._lock:
            row = self.db.execute("SELECT source FROM runs WHERE id=?", (run_id,)).fetchone()
            self._abort_orphans(row[0])
            self.db.execute("UPDATE runs SET status='running', ended=NULL, error=NULL WHERE id=?", (run_id,))

    def finish_run(self, run_id: int, *, status: str, complete: bool, counters: RunCounters,
                   duration_s: float, timings: dict[str, float] | None = None, error: str | None = None) -> None:
        sets = ", ".join(f"{c}=?" for c in COUNTERS)
        with self._lock:
            self.db.execute(
                f"UPDATE runs SET status=?, complete=?, ended=?, duration_s=?, timings=?, error=?, {sets}, "
                f"checkpoint=CASE WHEN ?='completed' THEN NULL ELSE checkpoint END WHERE id=?",
                (status, int(complete), utc_now(), duration_s,
                 json.dumps({k: round(v, 3) for k, v in (timings or {}).items()}), error,
                 *counters.as_dict().values(), status, run_id))

    def run(self, run_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return dict(row) if row else {}

    def last_complete_run_start(self, source: str) -> datetime | None:
        """When the last completed run of *source* started: the watermark of the next incremental run."""
        row = self.db.execute("SELECT started FROM runs WHERE source=? AND status='completed' "
                              "ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        return datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if row else None

    def last_run(self, source: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM runs WHERE source=? ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        return dict(row) if row else None

    # -- records --------------------------------------------------------------------------------

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
        """Write the new state of processed records, and their reports, in one transaction."""
        now = utc_now()

        def statements() -> None:
            before = self._sets_before(rows)
            for r in rows:
                left = self._left_sets(r, before.get((r.source, r.source_key)))
                cur = self.db.execute(
                    """INSERT INTO records (source, source_key, kind, iri, graph, content_hash, raw,
                           raw_url, source_modified, datestamp, sets, deleted, published, status, seen_run,
                           graph_hash, left_sets, restricted_hash)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?)
                       ON CONFLICT (source, source_key) DO UPDATE SET
                           kind=excluded.kind, iri=COALESCE(excluded.iri, records.iri),
                           graph=excluded.graph, content_hash=excluded.content_hash,
                           raw=excluded.raw, raw_url=excluded.raw_url,
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
                    (r.source, r.source_key, r.kind, r.iri, r.graph, r.content_hash, r.raw, r.raw_url,
                     r.source_modified, now, " ".join(r.sets), int(r.published), r.status, run_id,
                     r.graph_hash, left, r.restricted_hash, int(r.datestamp_moves)))
                record_id = cur.fetchone()[0]
                self.db.execute("DELETE FROM reports WHERE record_id=?", (record_id,))
                self.db.executemany(
                    "INSERT OR REPLACE INTO reports (record_id, severity, stage, run_id, created, report) "
                    "VALUES (?,?,?,?,?,?)",
                    [(record_id, sev, stage, run_id, now, text) for sev, stage, text in r.reports])

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
                "SELECT * FROM records WHERE deleted=0 AND id>?" + (" AND source=?" if source else "")
                + " ORDER BY id LIMIT ?", (after, source, page) if source else (after, page)).fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1]["id"]

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

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def validators(self, source: str) -> dict[str, dict[str, str]]:
        """The ETag / Last-Modified last seen per URL of *source*, for conditional requests."""
        return json.loads(self.get_meta(f"validators:{source}") or "{}")

    def save_validators(self, source: str, validators: dict[str, dict[str, str]]) -> None:
        """Kept only after a completed run: a failed one must not make the next believe nothing changed."""
        self.set_meta(f"validators:{source}", json.dumps(validators, sort_keys=True))

    # -- reporting ------------------------------------------------------------------------------

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

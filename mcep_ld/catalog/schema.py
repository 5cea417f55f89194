"""The catalog's tables, and opening a catalog file: WAL mode, the schema, columns added since the first
release."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    raw_url         TEXT NOT NULL,     -- where its payload (table payloads) came from
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

CREATE TABLE IF NOT EXISTS payloads (  -- each record's last payload, as received: apart, so that records rows
    record_id INTEGER PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,  -- stay small (a listing marks
    raw       BLOB NOT NULL                                                     -- every row it holds)
);

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

CREATE TABLE IF NOT EXISTS classified (  -- the classifier's placements as last published (mcep_ld/classify)
    iri        TEXT PRIMARY KEY,          -- the record
    signature  TEXT NOT NULL,             -- what they were made from: its graphs, rules, reviews
    graph      TEXT NOT NULL,             -- their named graph
    graph_hash TEXT NOT NULL,
    concepts   TEXT NOT NULL              -- JSON: concept → score
);

CREATE TABLE IF NOT EXISTS feedback (  -- readers' feedback: never published (catalog/feedback.py)
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,                -- UTC
    page    TEXT NOT NULL,                -- the path the form was on
    useful  INTEGER,                      -- 1 yes, 0 no, NULL not said
    comment TEXT NOT NULL DEFAULT '',
    email   TEXT NOT NULL DEFAULT '',     -- personal data: for a reply, never public
    lang    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS subject_reviews (  -- curators' decisions on placements: applied after every re-harvest
    iri      TEXT NOT NULL,               -- the record
    concept  TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    curator  TEXT NOT NULL,
    at       TEXT NOT NULL,               -- UTC
    note     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (iri, concept)
);

CREATE TABLE IF NOT EXISTS usage (  -- the service's use in daily aggregates, no address or agent (catalog/usage.py)
    day    TEXT NOT NULL,                 -- UTC date
    metric TEXT NOT NULL,                 -- page_view, record_view, download, search, sparql, oai, referrer, visitors…
    key    TEXT NOT NULL,                 -- what was counted (a route kind and language, a term, a domain…)
    n      INTEGER NOT NULL,
    total  REAL NOT NULL DEFAULT 0,       -- a sum that goes with n (milliseconds of SPARQL queries)
    PRIMARY KEY (day, metric, key)
) WITHOUT ROWID;
"""

#: The tables whose changes the derived steps follow (publish/derived.py), each with a count in ``meta``
#: (``changes:{table}``) that triggers move on every insert, delete and update, so that no writer can forget
#: it. A listing's marks (``records.seen_run``) are not a change.
FOLLOWED = ("records", "classified", "subject_reviews")
_NOT_A_CHANGE = {"records": {"id", "seen_run"}}


def _triggers(db: sqlite3.Connection) -> None:
    """The counting triggers, made again only where they differ (columns added since): a schema change makes
    every other connection prepare its statements again."""
    have = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'").fetchall())
    for table in FOLLOWED:
        key = f"changes:{table}"
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, '0')", (key,))
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")
                   if r[1] not in _NOT_A_CHANGE.get(table, set())]
        for event in ("INSERT", "DELETE", f"UPDATE OF {', '.join(columns)}"):
            name = f"{table}_{event.split()[0].lower()}_counted"
            sql = (f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                   f"BEGIN UPDATE meta SET value = value + 1 WHERE key = '{key}'; END")
            if have.get(name) != sql:
                db.execute(f"DROP TRIGGER IF EXISTS {name}")
                db.execute(sql)


#: Columns added after the first release, with their definitions: added to older catalogs on opening.
ADDED_COLUMNS = {"runs": {"since": "TEXT", "checkpoint": "TEXT"},
                  "records": {"left_sets": "TEXT NOT NULL DEFAULT ''", "restricted_hash": "TEXT"}}


def connect(path: Path) -> sqlite3.Connection:
    """The catalog database at *path*, created or brought up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.executescript(SCHEMA)
    for table, columns in ADDED_COLUMNS.items():
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
    with _immediate(db):
        _move_payloads(db)
    with _immediate(db):
        _triggers(db)
    return db


@contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (another process opening the catalog waits for it)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _move_payloads(db: sqlite3.Connection) -> None:
    """Payloads kept in ``records.raw`` (catalogs made before 2026-12-02) moved to their own table, once: a
    row of about 3 KB filled a page, so marking the records a listing held rewrote a page per record."""
    if "raw" in {r[1] for r in db.execute("PRAGMA table_info(records)")}:
        db.execute("INSERT OR REPLACE INTO payloads (record_id, raw) SELECT id, raw FROM records")
        db.execute("ALTER TABLE records DROP COLUMN raw")

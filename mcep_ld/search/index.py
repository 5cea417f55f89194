"""The search index: SQLite FTS5 in ``search.sqlite`` of the data directory, derived from catalog and store.

It is a cache of what is published: ``sync`` brings it level with the catalog (each harvest calls it at
its end; a record is re-read only when its graphs or the vocabularies changed), ``rebuild`` starts it
again (``mcep search-index --rebuild``). Deleting the file loses nothing.

Ranking: a record whose identifier (document symbol, decision number, GEF ID, its IRI's key) is what the
reader typed comes first; then FTS5's BM25 with titles weighing most, then identifiers, concept labels and
descriptions (past ``RANK_MAX_HITS`` matches: title matches, then the rest, newest first).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from mcep_ld.search.documents import FACETS, SearchDocument, build
from mcep_ld.search.text import fts_query, identifier_key, index_text

#: Changes whenever what is indexed changes meaning (tokens, columns): an index of another version is rebuilt.
SCHEMA_VERSION = "4"
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id        INTEGER PRIMARY KEY,
    iri       TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL,
    year      INTEGER,
    signature TEXT NOT NULL,           -- the record's graphs and hashes, and the vocabularies, it was read from
    shown     TEXT NOT NULL            -- JSON: titles, descriptions (shortened), identifiers, for result lists
);
CREATE TABLE IF NOT EXISTS facets (
    facet TEXT NOT NULL, value TEXT NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (facet, value, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_doc ON facets (doc, facet, value);
CREATE TABLE IF NOT EXISTS identifiers (
    key TEXT NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(title, identifier, label, description, filter,
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'");
"""
#: BM25 weights of the columns of ``texts``: title, identifier, label, description, and ``filter`` (the
#: record's facet values as tokens, ``filter_token``), which selects and never ranks.
WEIGHTS = (10.0, 8.0, 3.0, 1.0, 0.0)
#: Past this many matching records, BM25 (which reads every match's column sizes) gives way to a cheaper order:
#: identifier matches, then title matches, then the rest, newest first.
RANK_MAX_HITS = 10_000
DESCRIPTION_SHOWN_CHARS = 300
SYNC_BATCH = 500


@dataclass(frozen=True)
class Entry:
    """A search document as the index stores it: its texts tokenised and stemmed (the costly part, made where
    the document is: in the preparing workers during a run), ready to insert."""

    iri: str
    kind: str
    year: int | None
    shown: str  # JSON: titles, descriptions (shortened), identifiers
    texts: tuple[str, str, str, str, str]  # title, identifier, label, description, filter
    facets: tuple[tuple[str, str], ...]
    keys: tuple[str, ...]  # identifier keys

    @classmethod
    def of(cls, doc: SearchDocument) -> Entry:
        shown = {"titles": doc.titles, "identifiers": doc.identifiers,
                 "descriptions": {lang: _shorten(text) for lang, text in doc.descriptions.items()}}
        texts = (_texts((t, lang) for lang, t in doc.titles.items()), _texts((i, "") for i in doc.identifiers),
                 " \n ".join(_label_text(text, lang) for text, lang in doc.labels),
                 _texts((t, lang) for lang, t in doc.descriptions.items()),
                 " ".join(filter_token(facet, value) for facet, values in sorted(doc.facets.items())
                          for value in sorted(values)))
        return cls(doc.iri, doc.kind, doc.year, json.dumps(shown, ensure_ascii=False), texts,
                   tuple((facet, value) for facet, values in doc.facets.items() for value in values),
                   tuple(sorted(doc.identifier_keys)))


@dataclass
class Hit:
    iri: str
    kind: str
    year: int | None
    titles: dict[str, str]
    descriptions: dict[str, str]
    identifiers: list[str]


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet → value → records


@dataclass
class SyncCounts:
    indexed: int = 0
    removed: int = 0
    unchanged: int = 0


class SearchIndex:
    """One SQLite file; a connection per thread (the service searches from several)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._table: FacetTable | None = None
        self.db.executescript(SCHEMA)
        if self._meta("schema") != SCHEMA_VERSION:  # made by another version: start again, it is derived
            self.db.executescript("DROP TABLE docs; DROP TABLE facets; DROP TABLE identifiers; DROP TABLE texts; "
                                  "DELETE FROM meta;" + SCHEMA)
            self.db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @property
    def db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- keeping it level with the catalog ---------------------------------------------------------------

    def sync(self, hub, *, progress: Callable[[int, int], None] | None = None) -> SyncCounts:  # noqa: ANN001 - the Hub
        """Index what the catalog publishes and the index lacks or holds in an older state; drop the rest.
        *progress* is told (records indexed, records to index) after each batch."""
        counts = SyncCounts()
        placed = hub.catalog.classified_hashes()  # the classifier's placements are part of what is indexed
        wanted = {iri: (kind, sources.split(","), self.signature(graphs, placed.get(iri, ""), hub.rules_digest))
                  for iri, kind, sources, graphs in hub.catalog.live_documents()}
        have = dict(self.db.execute("SELECT iri, signature FROM docs"))
        gone = [iri for iri in have if iri not in wanted]
        todo = [iri for iri, (_, _, sig) in wanted.items() if have.get(iri) != sig]
        counts.unchanged = len(wanted) - len(todo)
        for i in range(0, len(gone), SYNC_BATCH):
            with self._transaction():
                for iri in gone[i:i + SYNC_BATCH]:
                    self._remove(iri)
        counts.removed = len(gone)
        for i in range(0, len(todo), SYNC_BATCH):
            batch = todo[i:i + SYNC_BATCH]
            docs = []
            for iri in batch:
                kind, sources, signature = wanted[iri]
                triples = hub.store.record_triples(iri)
                if triples:
                    docs.append((Entry.of(build(iri, kind, sources, triples, hub.vocab)), signature))
            self.put_many(docs, next_generation=False)
            counts.indexed += len(docs)
            if progress:
                progress(min(i + SYNC_BATCH, len(todo)), len(todo))
        if counts.indexed or counts.removed:
            with self._transaction():
                self._next_generation()
        return counts

    def put_many(self, docs: list[tuple[Entry, str]], *, next_generation: bool = True) -> None:
        """Index entries with the signatures they were made from (a record's graphs and placements, the
        vocabularies: what ``sync`` compares), in one transaction; a new generation unless told (the pages'
        ETags follow it)."""
        if not docs:
            return
        with self._transaction():
            for doc, signature in docs:
                self._put(doc, signature)
            if next_generation:
                self._next_generation()

    def _next_generation(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)",
                        (str(int(self.generation()) + 1),))

    @staticmethod
    def signature(graphs: str, placed_hash: str, rules_digest: str) -> str:
        """What a record's document is made from: its graphs with their hashes (``graph=hash`` space-separated,
        as ``Catalog.live_documents`` gives them), the hash of its placements, the vocabularies and shapes."""
        return f"{graphs}|{placed_hash}|{rules_digest}"

    def rebuild(self, hub, *, progress: Callable[[int, int], None] | None = None) -> SyncCounts:  # noqa: ANN001
        """Start the index again from an empty file and index every published record."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._local = threading.local()
        self._table = None
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
        return self.sync(hub, progress=progress)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _remove(self, iri: str) -> None:
        row = self.db.execute("SELECT id FROM docs WHERE iri=?", (iri,)).fetchone()
        if row:
            self._remove_id(row[0])

    def _remove_id(self, doc_id: int) -> None:
        for sql in ("DELETE FROM docs WHERE id=?", "DELETE FROM texts WHERE rowid=?",
                    "DELETE FROM facets WHERE doc=?", "DELETE FROM identifiers WHERE doc=?"):
            self.db.execute(sql, (doc_id,))

    def _put(self, entry: Entry, signature: str) -> None:
        db = self.db
        row = db.execute("SELECT id FROM docs WHERE iri=?", (entry.iri,)).fetchone()
        if row:
            self._remove_id(row[0])
        doc_id = db.execute("INSERT INTO docs (iri, kind, year, signature, shown) VALUES (?, ?, ?, ?, ?)",
                            (entry.iri, entry.kind, entry.year, signature, entry.shown)).lastrowid
        db.execute("INSERT INTO texts (rowid, title, identifier, label, description, filter) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (doc_id, *entry.texts))
        db.executemany("INSERT OR IGNORE INTO facets (facet, value, doc) VALUES (?, ?, ?)",
                       [(facet, value, doc_id) for facet, value in entry.facets])
        db.executemany("INSERT OR IGNORE INTO identifiers (key, doc) VALUES (?, ?)",
                       [(key, doc_id) for key in entry.keys])

    # -- searching ---------------------------------------------------------------------------------------

    def search(self, query: str = "", *, filters: dict[str, list[str]] | None = None,
               languages: tuple[str, ...] = (), offset: int = 0, limit: int = 20) -> SearchResult:
        """Records matching *query* (every word, in any language; empty: every record, newest first) and
        *filters* (facet → values: any of the values of a facet, every facet), a page of them, and the
        facet counts over all of them."""
        db = self.db
        narrow = _filter_match(filters or {})
        typed = query.strip()
        match = fts_query(typed, languages) if typed else ""
        key = identifier_key(typed) if typed else ""
        everything = " AND ".join(f"({m})" for m in (match, narrow) if m)
        db.execute("BEGIN")  # one snapshot for the matches, the page and the counts
        try:
            table = self._facet_table()
            ident = _ids(db, "SELECT group_concat(doc) FROM identifiers WHERE key = ?", (key,)) if key else _NONE
            if len(ident) and narrow:
                ident = _ids(db, f"SELECT group_concat(rowid) FROM texts WHERE texts MATCH ? "
                                 f"AND rowid IN ({', '.join(map(str, ident))})", (narrow,))
            if typed and not match:  # only punctuation: nothing to look for
                found = _NONE
            elif everything:
                found = _ids(db, "SELECT group_concat(rowid) FROM texts WHERE texts MATCH ?", (everything,))
            else:
                found = table.docs  # browsing: every record, in the order made with the table
            ids = np.union1d(found, ident) if len(ident) else found
            if ids is table.docs:
                page = [int(i) for i in table.newest[offset:offset + limit]]
            elif not match:
                page = table.top(ids, np.zeros(len(ids), np.int8), offset, limit)
            elif len(ids) <= RANK_MAX_HITS:
                page = self._bm25_page(everything, ident, table, offset, limit)
            else:
                titles = _ids(db, "SELECT group_concat(rowid) FROM texts WHERE texts MATCH ?",
                              (f"{{title}} : ({match})",))
                tier = np.where(np.isin(ids, ident), 0, np.where(np.isin(ids, titles), 1, 2)).astype(np.int8)
                page = table.top(ids, tier, offset, limit)
            counts = {f: dict(v) for f, v in table.totals.items()} if ids is table.docs else table.count(ids)
            shown = {row[0]: row[1:] for row in db.execute(
                f"SELECT id, iri, kind, year, shown FROM docs WHERE id IN ({', '.join('?' * len(page))})",
                [int(i) for i in page])}
        finally:
            db.execute("COMMIT")
        hits = []
        for doc_id in page:
            iri, kind, year, data = shown[int(doc_id)]
            data = json.loads(data)
            hits.append(Hit(iri=iri, kind=kind, year=year, titles=data["titles"],
                            descriptions=data["descriptions"], identifiers=data["identifiers"]))
        return SearchResult(total=len(ids), hits=hits, facets=counts)

    def _bm25_page(self, match: str, ident: np.ndarray, table: FacetTable, offset: int, limit: int) -> list[int]:
        """Identifier matches (newest first), then by BM25 (*match* holds the filter's tokens too)."""
        first = [int(i) for i in table.top(ident, np.zeros(len(ident), np.int8), 0, len(ident))]
        rows = self.db.execute(f"SELECT rowid FROM texts WHERE texts MATCH ? "
                               f"ORDER BY bm25(texts, {', '.join(map(str, WEIGHTS))}), rowid LIMIT ?",
                               (match, offset + limit + len(first)))
        taken = set(first)
        ranked = first + [r for (r,) in rows if r not in taken]
        return ranked[offset:offset + limit]

    def _facet_table(self) -> FacetTable:
        """The facet table of the index as it is now (read again after a sync changed it)."""
        generation = self.generation()
        with self._lock:
            if self._table is None or self._table.generation != generation:
                self._table = FacetTable.load(self.db, generation)
            return self._table

    def generation(self) -> str:
        return self._meta("generation") or "0"

    def level(self) -> str | None:
        """What the index was last made level with (``mark_level``), kept in its file: a new file is not level."""
        return self._meta("level")

    def mark_level(self, mark: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('level', ?)", (mark,))

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def facet_values(self, facet: str) -> dict[str, int]:
        """Every value of *facet* with its number of records, most frequent first (landing page, dashboard):
        counted once per index generation, not per page view."""
        return self._facet_table().totals[facet]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def titles(self, iris: list[str]) -> dict[str, dict[str, str]]:
        """The titles (language → title) of the indexed records among *iris*: labels for links to records."""
        if not iris:
            return {}
        rows = self.db.execute(f"SELECT iri, shown FROM docs WHERE iri IN ({', '.join('?' * len(iris))})", iris)
        return {iri: json.loads(shown)["titles"] for iri, shown in rows}

    def hits(self, iris: list[str]) -> list[Hit]:
        """The indexed records among *iris*, as search hits (kind, year, titles), newest first; at most 999."""
        iris = iris[:999]  # SQLite's bound parameters
        if not iris:
            return []
        rows = self.db.execute(f"SELECT iri, kind, year, shown FROM docs WHERE iri IN ({', '.join('?' * len(iris))})"
                               " ORDER BY year DESC, iri", iris)
        out = []
        for iri, kind, year, shown in rows:
            data = json.loads(shown)
            out.append(Hit(iri=iri, kind=kind, year=year, titles=data["titles"], descriptions=data["descriptions"],
                           identifiers=data["identifiers"]))
        return out

    def iris(self) -> Iterator[str]:
        yield from (iri for (iri,) in self.db.execute("SELECT iri FROM docs ORDER BY iri"))


_NONE = np.empty(0, np.int64)


def _ids(db: sqlite3.Connection, sql: str, params: Iterable) -> np.ndarray:
    """The record ids a query lists (``group_concat`` of them, each once): one string across from SQLite
    instead of a Python object per row."""
    text = db.execute(sql, tuple(params)).fetchone()[0]
    return np.fromstring(text, dtype=np.int64, sep=",") if text else _NONE


class FacetTable:
    """Every (record, facet value) pair as arrays, to count the values of any set of records at once.

    Loaded per index generation (a sync that changed something moves it on): one ``group_concat`` per value.
    The pairs are kept sorted by record, so the values of a set of records are read from their own ranges:
    a count costs what the smaller of the set and the rest of the index holds, not a pass over every pair.
    """

    def __init__(self, generation: str, values: list[tuple[str, str]], pair_doc: np.ndarray,
                 pair_value: np.ndarray, year: np.ndarray, docs: np.ndarray) -> None:
        self.generation = generation
        self.values = values
        order = np.argsort(pair_doc, kind="stable")
        self.pair_value = pair_value[order]
        self.year = year
        self.docs = docs  # every record of the index, ascending
        self.start = np.searchsorted(pair_doc[order], np.arange(len(year) + 1))  # record id → its first pair
        self.newest = self._order(docs, np.zeros(len(docs), np.int8))  # the browsing order, made once

    @classmethod
    def load(cls, db: sqlite3.Connection, generation: str) -> FacetTable:
        values, docs, value_ids = [], [], []
        for facet, value, text in db.execute("SELECT facet, value, group_concat(doc) FROM facets "
                                             "GROUP BY facet, value"):
            ids = np.fromstring(text, dtype=np.int64, sep=",")
            docs.append(ids)
            value_ids.append(np.full(len(ids), len(values), np.int32))
            values.append((facet, value))
        size = (db.execute("SELECT MAX(id) FROM docs").fetchone()[0] or 0) + 1
        year = np.zeros(size, np.int32)
        every = _NONE
        text = db.execute("SELECT group_concat(id), group_concat(COALESCE(year, 0)) FROM docs").fetchone()
        if text[0]:
            every = np.fromstring(text[0], dtype=np.int64, sep=",")
            year[every] = np.fromstring(text[1], dtype=np.int32, sep=",")
        return cls(generation, values, np.concatenate(docs) if docs else _NONE,
                   np.concatenate(value_ids) if value_ids else np.empty(0, np.int32), year, np.sort(every))

    @cached_property
    def _total_counts(self) -> np.ndarray:
        return np.bincount(self.pair_value, minlength=len(self.values))

    @cached_property
    def totals(self) -> dict[str, dict[str, int]]:
        """facet → value → records having it, over the whole index."""
        return self._named(self._total_counts)

    def count(self, ids: np.ndarray) -> dict[str, dict[str, int]]:
        """facet → value → how many of *ids* (distinct record ids) have it, most frequent first."""
        ids = ids[ids < len(self.year)]
        if not (len(ids) and len(self.pair_value)):
            return {name: {} for name in FACETS}
        if 2 * len(ids) <= len(self.docs):
            return self._named(self._counts_of(ids))
        rest = np.setdiff1d(self.docs, ids, assume_unique=True)  # most of the index: count the rest and subtract
        return self._named(self._total_counts - self._counts_of(rest))

    def _counts_of(self, ids: np.ndarray) -> np.ndarray:
        starts, ends = self.start[ids], self.start[ids + 1]
        lengths = ends - starts
        if not lengths.sum():
            return np.zeros(len(self.values), np.int64)
        # the pairs of every record of ids, one range each: start of its range + position within it
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.bincount(self.pair_value[offsets], minlength=len(self.values))

    def _named(self, found: np.ndarray) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for n in np.flatnonzero(found):
            facet, value = self.values[n]
            counts[facet][value] = int(found[n])
        return {name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
                for name, values in counts.items()}

    def top(self, ids: np.ndarray, tier: np.ndarray, offset: int, limit: int) -> list[int]:
        """A page of *ids* ordered by *tier*, then newest first, then by id."""
        if not len(ids):
            return []
        if offset + limit < len(ids):  # only the first offset + limit need sorting
            year = self.year[np.minimum(ids, len(self.year) - 1)].astype(np.int64)
            key = (tier.astype(np.int64) << 50) | ((_YEAR_SPAN - year) << 34) | ids
            first = np.argpartition(key, offset + limit - 1)[:offset + limit]
            ids, tier = ids[first], tier[first]
        return [int(i) for i in self._order(ids, tier)[offset:offset + limit]]

    def _order(self, ids: np.ndarray, tier: np.ndarray) -> np.ndarray:
        year = self.year[np.minimum(ids, len(self.year) - 1)] if len(self.year) else np.zeros(len(ids), np.int32)
        return ids[np.lexsort((ids, -year, tier))]


#: Years are 0 (none) to 9999; ids below 2**34 (SQLite rowids of one index): one sortable int64 per record.
_YEAR_SPAN = 9_999


def filter_token(facet: str, value: str) -> str:
    """The token standing for *facet* = *value* in the ``filter`` column: a letter and 20 hex digits, one
    word to the tokenizer whatever the value holds (IRIs, years), and never a word a reader types."""
    return "f" + hashlib.sha1(f"{facet}\x00{value}".encode()).hexdigest()[:20]


def _filter_match(filters: dict[str, list[str]]) -> str:
    """The FTS5 expression selecting records with any of the values of each filtered facet.

    Filters are terms of the full-text query, so FTS5 intersects their lists with the words' lists itself
    (a filter checked row by row against a facet table cost 10–20 ms on 100,000 records)."""
    parts = []
    for facet, values in sorted(filters.items()):
        if facet not in FACETS:
            raise ValueError(f"no facet {facet!r}: one of {', '.join(FACETS)}")
        if values:
            parts.append("{filter} : (" + " OR ".join(filter_token(facet, v) for v in values) + ")")
    return " AND ".join(parts)


@lru_cache(maxsize=65_536)
def _label_text(text: str, language: str) -> str:
    """A concept's label or a keyword as indexed: the same few thousand recur in record after record."""
    return index_text(text, language)


def _texts(items: Iterable[tuple[str, str]]) -> str:
    """(text, language) pairs as one indexed column, each text stemmed in its language."""
    return " \n ".join(index_text(text, lang) for text, lang in items)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_SHOWN_CHARS else text[:DESCRIPTION_SHOWN_CHARS - 1].rstrip() + "…"

"""The catalog: the hub's bookkeeping in one SQLite file (WAL mode).

One row per record (what was received, what was published, when it changed), one row per harvest run,
and the validation reports (a quarantined record's SHACL report among them). It is the single change log:
``changed_since`` pages by keyset on ``(datestamp, id)`` so a deep page costs what the first one does.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from mcep_ld.catalog.classified import Classified, Review
from mcep_ld.catalog.feedback import Feedback, Feedbacks
from mcep_ld.catalog.reads import Reads
from mcep_ld.catalog.records import Records
from mcep_ld.catalog.reports import Reports
from mcep_ld.catalog.rows import COUNTERS, Checkpoint, KnownRecord, RecordRow, RunCounters, utc_now
from mcep_ld.catalog.runs import Runs
from mcep_ld.catalog.schema import connect
from mcep_ld.catalog.usage import UsageCounts

__all__ = ["COUNTERS", "Catalog", "Checkpoint", "Feedback", "KnownRecord", "RecordRow", "Review", "RunCounters",
           "utc_now"]


class Catalog(Runs, Records, Reads, Reports, Classified, Feedbacks, UsageCounts):
    """The SQLite catalog in ``data_dir/catalog.sqlite``: the only code that speaks SQL to it.

    Its parts, one module each: ``runs`` (harvest runs), ``records`` (what runs write), ``reads`` (what the
    read side asks), ``reports`` (what operators ask), ``classified`` (the classifier's placements and their
    reviews), ``feedback`` (readers' feedback, never published), ``usage`` (the service's use, in daily
    aggregates); ``schema`` holds the tables.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self.db = connect(path)

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

    def backup(self, target: Path) -> None:
        """A consistent copy of the catalog at *target*, taken while it may be written."""
        dest = sqlite3.connect(target)
        try:
            with dest:
                self.db.backup(dest)
        finally:
            dest.close()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def changes(self, *tables: str) -> str:
        """How many times each of *tables* (``schema.FOLLOWED``) changed, as one text: equal texts mean that
        nothing a derived step reads changed in between (its level mark, ``publish/derived.py``)."""
        counts = dict(self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'changes:%'").fetchall())
        return " ".join(f"{t}={counts[f'changes:{t}']}" for t in tables)

    def unmapped_fields(self, source: str) -> list[str]:
        """The columns or fields *source* sent in its last completed run that the mapping does not read."""
        return json.loads(self.get_meta(f"unmapped:{source}") or "[]")

    def save_unmapped_fields(self, source: str, names: list[str]) -> None:
        self.set_meta(f"unmapped:{source}", json.dumps(sorted(set(names))))

    def validators(self, source: str) -> dict[str, dict[str, str]]:
        """The ETag / Last-Modified last seen per URL of *source*, for conditional requests."""
        return json.loads(self.get_meta(f"validators:{source}") or "{}")

    def save_validators(self, source: str, validators: dict[str, dict[str, str]]) -> None:
        """Kept only after a completed run: a failed one must not make the next believe nothing changed."""
        self.set_meta(f"validators:{source}", json.dumps(validators, sort_keys=True))

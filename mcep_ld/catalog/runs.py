"""The runs table: opening, resuming, finishing and reading harvest runs."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from mcep_ld.catalog.part import Part
from mcep_ld.catalog.rows import COUNTERS, RunCounters, utc_now


class Runs(Part):
    """Harvest runs, one row each, with their counters, timings and checkpoint."""

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

    def time_run(self, run_id: int, *, duration_s: float, timings: dict[str, float]) -> None:
        """A finished run's duration and timings once the steps after its listing (VoID, search index, dumps)
        are done too."""
        with self._lock:
            self.db.execute("UPDATE runs SET duration_s=?, timings=? WHERE id=?",
                            (duration_s, json.dumps({k: round(v, 3) for k, v in timings.items()}), run_id))

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

    def run_ids(self) -> list[int]:
        """Every run's id, oldest first."""
        return [run_id for (run_id,) in self.db.execute("SELECT id FROM runs ORDER BY id")]

    def recent_runs(self, limit: int) -> list[sqlite3.Row]:
        """The last *limit* runs, newest first."""
        return self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

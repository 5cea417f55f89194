"""The benchmark scripts keep working: each run on a corpus small enough for the suite (the figures themselves
are measured by hand, never asserted)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.ingest import run_one


def test_the_ingest_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """It reads the harvester's own row handling: a change there broke it once without any test noticing."""
    result = run_one(60, tmp_path / "data", workers=0)
    for label in ("initial", "unchanged"):
        assert result[label]["counters"]["seen"] == 60, result[label]
    assert result["initial"]["counters"]["added"] == 60 and result["unchanged"]["counters"]["unchanged"] == 60
    assert {"fetch", "store", "catalog", "dumps", "search index"} <= set(result["initial"]["stage_s"])

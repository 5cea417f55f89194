"""The benchmark scripts keep working: each run on a corpus small enough for the suite (the figures themselves
are measured by hand, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.ingest import run_one
from mcep_ld.resources import PROJECT_ROOT
from tests.conftest import need_virtuoso


def test_the_ingest_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """It reads the harvester's own row handling: a change there broke it once without any test noticing."""
    result = run_one(60, tmp_path / "data", workers=0)
    for label in ("initial", "unchanged"):
        assert result[label]["counters"]["seen"] == 60, result[label]
    assert result["initial"]["counters"]["added"] == 60 and result["unchanged"]["counters"]["unchanged"] == 60
    assert {"fetch", "store", "catalog", "dumps", "search index"} <= set(result["initial"]["stage_s"])


def test_the_store_benchmark_runs_on_both_stores(tmp_path: Path) -> None:
    """benchmarks/stores.py end to end on a small corpus: a Virtuoso of its own, both ingests, the query mix."""
    need_virtuoso()
    proc = subprocess.run([sys.executable, "benchmarks/stores.py", "--records", "60", "--repeats", "1",
                           "--workers", "0"], capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    for store in ("embedded", "virtuoso"):
        assert result[f"ingest {store}"]["initial"]["records_per_s"] > 0
    assert set(result["queries"]["8 clients"]["10k rows"]) == {"embedded", "virtuoso", "virtuoso direct"}
    assert "ingest initial  : embedded" in proc.stderr

"""Ingest benchmark: the real pipeline (InforMEA mapping, SHACL gate, on-disk store, SQLite catalog) over
a synthetic corpus, for an initial ingest and an unchanged re-ingest.

    python benchmarks/ingest.py --records 100000          # one size, in this process
    python benchmarks/ingest.py --sizes 25000,50000,100000  # each size in a fresh process: is memory flat?

Prints records/s and peak RSS, and the ratio to a reference run in the same process: parsing and hashing
the same payloads, the least any ingest must do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcep_ld.harvesters.informea import ENTITY_SETS, InforMEAHarvester  # noqa: E402

from benchmarks.corpus import entities  # noqa: E402
from mcep_ld.config import load_settings  # noqa: E402
from mcep_ld.fetch.contract import Listing  # noqa: E402
from mcep_ld.fetch.http import HttpClient  # noqa: E402
from mcep_ld.hub import Hub  # noqa: E402
from mcep_ld.ingest.pipeline import Pipeline  # noqa: E402
from mcep_ld.mapping.records import SourceRecord  # noqa: E402


class SyntheticInforMEA(InforMEAHarvester):
    """The InforMEA harvester with its listing replaced by the synthetic corpus (mapping unchanged)."""

    def __init__(self, size: int, version: int, **kw: object) -> None:
        super().__init__(**kw)
        self.size, self.version = size, version

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        now = datetime.now(UTC)
        for entity_set, row in entities(self.size, version=self.version):
            yield SourceRecord(source=self.name, key=f"{entity_set}/{row['id']}", kind=ENTITY_SETS[entity_set][0],
                               payload=json.dumps(row, sort_keys=True, ensure_ascii=False).encode(),
                               url=row["__metadata"]["uri"], fetched_at=now)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process, or (RUSAGE_CHILDREN) of its largest worker, in MB."""
    return resource.getrusage(who).ru_maxrss / 1024


def reference(size: int) -> float:
    """Seconds to generate, serialise, parse and hash the payloads: the floor under any ingest."""
    start = time.perf_counter()
    for _, row in entities(size):
        payload = json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
        json.loads(payload)
        hashlib.sha256(payload).hexdigest()
    return time.perf_counter() - start


def run_one(size: int, data_dir: Path, *, workers: int | None = None, batch: int | None = None) -> dict:
    settings = load_settings(environ={}, overrides={"data_dir": str(data_dir), "ingest_workers": workers,
                                                    "harvest_batch_records": batch})
    out: dict = {"records": size, "ingest_workers": settings.ingest_workers,
                 "harvest_batch_records": settings.harvest_batch_records}
    with Hub(settings) as hub:
        for label, version in (("initial", 0), ("unchanged", 0)):
            h = SyntheticInforMEA(size, version, endpoint="synthetic", settings=settings,
                                  client=HttpClient.from_settings(settings))
            result = Pipeline(hub).harvest(h)
            assert result.ok, result.error
            out[label] = {"seconds": round(result.duration_s, 1),
                          "records_per_s": round(size / result.duration_s),
                          "counters": result.counters.as_dict(),
                          "stage_s": {k: round(v, 1) for k, v in sorted(result.timings.items())}}
    out["reference_s"] = round(reference(size), 1)
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["worker_peak_rss_mb"] = round(peak_rss_mb(resource.RUSAGE_CHILDREN))
    for label in ("initial", "unchanged"):
        out[label]["ratio_to_reference"] = round(out[label]["seconds"] / out["reference_s"], 1)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--sizes", help="comma-separated sizes, each run in a fresh process")
    p.add_argument("--data-dir", help="where to build the hub (default: a temporary folder)")
    p.add_argument("--workers", type=int, help="ingest_workers (default: the configuration's)")
    p.add_argument("--batch", type=int, help="harvest_batch_records (default: the configuration's)")
    args = p.parse_args()
    if args.sizes:
        for size in (int(s) for s in args.sizes.split(",")):
            extra = [a for flag in ("workers", "batch") if getattr(args, flag) is not None
                     for a in (f"--{flag}", str(getattr(args, flag)))]
            subprocess.run([sys.executable, __file__, "--records", str(size), *extra], check=True)
        return
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        result = run_one(args.records, Path(tmp) / "data", workers=args.workers, batch=args.batch)
    print(json.dumps(result))
    i, u = result["initial"], result["unchanged"]
    print(f"{args.records} records, {result['ingest_workers']} workers, "
          f"batch {result['harvest_batch_records']}: initial {i['records_per_s']} rec/s ({i['seconds']} s, "
          f"{i['ratio_to_reference']}x reference), unchanged {u['records_per_s']} rec/s ({u['seconds']} s, "
          f"{u['ratio_to_reference']}x reference), reference {result['reference_s']} s, "
          f"peak RSS {result['peak_rss_mb']} MB (largest worker {result['worker_peak_rss_mb']} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Ingest benchmark: the real pipeline (InforMEA mapping, SHACL gate, on-disk store, SQLite catalog) over
a synthetic corpus, for an initial ingest and an unchanged re-ingest.

    python benchmarks/ingest.py --records 100000          # one size, in this process
    python benchmarks/ingest.py --sizes 25000,50000,100000  # each size in a fresh process: is memory flat?

The corpus's pages are written to a file before the clock starts, as a server would hold them; the harvester
reads them from there instead of the network and does with each row what it does with a real response (parse
the page, check the treaty, serialise the payload, map). Both runs are full listings; the second finds
nothing changed.

Prints records/s and peak RSS, and the ratio to a reference run in the same process: reading, parsing,
serialising and hashing the same payloads, the least any ingest must do.
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
from mcep_ld.harvesters.informea.odata import Page, collection  # noqa: E402

from benchmarks.corpus import entities  # noqa: E402
from mcep_ld.config import load_settings  # noqa: E402
from mcep_ld.fetch.contract import Listing  # noqa: E402
from mcep_ld.fetch.http import HttpClient, loads_json  # noqa: E402
from mcep_ld.hub import Hub  # noqa: E402
from mcep_ld.ingest.pipeline import Pipeline  # noqa: E402
from mcep_ld.mapping.records import SourceRecord, json_payload  # noqa: E402

PAGE_ROWS = 100  # the InforMEA harvester's default page size ($top)


def write_pages(size: int, path: Path, *, version: int = 0) -> None:
    """The corpus as the OData service would send it, made before the clock starts: one line per page,
    ``{entity set}\t{"d": {"results": [...]}}``, in the order the corpus gives the records."""
    pending: dict[str, list[dict]] = {}
    with open(path, "w", encoding="utf-8") as out:
        def flush(entity_set: str) -> None:
            out.write(f"{entity_set}\t{json.dumps({'d': {'results': pending.pop(entity_set)}}, ensure_ascii=False)}\n")

        for entity_set, row in entities(size, version=version):
            pending.setdefault(entity_set, []).append(row)
            if len(pending[entity_set]) == PAGE_ROWS:
                flush(entity_set)
        for entity_set in list(pending):
            flush(entity_set)


def read_pages(path: Path) -> Iterator[tuple[str, int, list[dict]]]:
    """(entity set, page number, rows) of each page, parsed as the harvester parses a response body."""
    with open(path, "rb") as pages:
        for number, line in enumerate(pages):
            entity_set, _, body = line.partition(b"\t")
            yield entity_set.decode(), number, collection(loads_json(body)["d"])


class SyntheticInforMEA(InforMEAHarvester):
    """The InforMEA harvester reading the synthetic corpus's pages from a file instead of the network: each row
    goes through the harvester's own treaty check, record making (payload, key, dates) and mapping."""

    def __init__(self, pages: Path, **kw: object) -> None:
        super().__init__(**kw)
        self.pages = pages

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        for entity_set, number, rows in read_pages(self.pages):
            kind = ENTITY_SETS[entity_set][0]
            page = Page(entity_set, f"{self.endpoint}/{entity_set}", {"$top": str(PAGE_ROWS)}, number * PAGE_ROWS, None)
            now = datetime.now(UTC)
            for row in rows:  # as InforMEAHarvester.fetch does with each row (no deferred links here)
                linked = self.odata.linked_treaties(entity_set, row)
                if not self.odata.concerns_treaties(row, linked, keep_unlinked=self.keep_without_treaty):
                    continue
                yield self._record(entity_set, kind, page, row, now)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process, or (RUSAGE_CHILDREN) of its largest worker, in MB."""
    return resource.getrusage(who).ru_maxrss / 1024


def reference(pages: Path) -> float:
    """Seconds to read, parse, serialise and hash the payloads: the floor under any ingest."""
    start = time.perf_counter()
    for _, _, rows in read_pages(pages):
        for row in rows:
            hashlib.sha256(json_payload(row)).hexdigest()
    return time.perf_counter() - start


def run_one(size: int, data_dir: Path, *, workers: int | None = None, batch: int | None = None,
            store: dict[str, str] | None = None) -> dict:
    """An initial and an unchanged ingest of *size* records into a new hub in *data_dir*; *store*: settings
    naming a remote store (benchmarks/stores.py), else the embedded one."""
    settings = load_settings(environ={}, overrides={"data_dir": str(data_dir), "ingest_workers": workers,
                                                    "harvest_batch_records": batch, **(store or {})})
    out: dict = {"records": size, "ingest_workers": settings.ingest_workers,
                 "harvest_batch_records": settings.harvest_batch_records}
    pages = data_dir.parent / "pages.jsonl"
    write_pages(size, pages)
    seconds: dict[str, float] = {}
    with Hub(settings) as hub:
        for label in ("initial", "unchanged"):
            h = SyntheticInforMEA(pages, endpoint="synthetic", settings=settings,
                                  client=HttpClient.from_settings(settings))
            result = Pipeline(hub).harvest(h, full=True)
            assert result.ok, result.error
            seconds[label] = result.duration_s
            out[label] = {"seconds": round(result.duration_s, 1),
                          "records_per_s": round(size / result.duration_s),
                          "counters": result.counters.as_dict(),
                          "stage_s": {k: round(v, 1) for k, v in sorted(result.timings.items())}}
    floor = reference(pages)
    out["reference_s"] = round(floor, 2)
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["worker_peak_rss_mb"] = round(peak_rss_mb(resource.RUSAGE_CHILDREN))
    for label in ("initial", "unchanged"):
        out[label]["ratio_to_reference"] = round(seconds[label] / floor, 1)
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

"""OAI-PMH benchmark: sickle harvests a hub of synthetic records over loopback HTTP from `mcep serve`.

    python benchmarks/oai.py --records 100000 [--data-dir DIR]   # DIR is built once, then reused

Prints records/s for oai_dc and the latency of the last page against the first (keyset tokens: a deep page
should cost what the first does), for a first harvest (metadata made from the store) and a full re-harvest
(metadata the first one kept), and the ratio to a reference run in the same process: as many Identify
requests as there were pages, the cost of the HTTP round trips alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from lxml import etree
from sickle import Sickle
from sickle.iterator import OAIResponseIterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest import SyntheticInforMEA, write_pages  # noqa: E402
from mcep_ld.config import load_settings  # noqa: E402
from mcep_ld.fetch.http import HttpClient  # noqa: E402
from mcep_ld.hub import Hub  # noqa: E402
from mcep_ld.ingest.pipeline import Pipeline  # noqa: E402
from tests.conftest import free_port  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def build(data_dir: Path, size: int) -> None:
    settings = load_settings(environ={}, overrides={"data_dir": str(data_dir)})
    with Hub(settings) as hub:
        if hub.catalog.published_count() >= size:
            return
        pages = data_dir.parent / f"{data_dir.name}-pages.jsonl"
        write_pages(size, pages)
        h = SyntheticInforMEA(pages, endpoint="synthetic", settings=settings,
                              client=HttpClient.from_settings(settings))
        result = Pipeline(hub).harvest(h)
        pages.unlink()
        assert result.ok, result.error


def harvest(url: str, prefix: str) -> tuple[int, list[float]]:
    """Records harvested and the seconds each page took (request, transfer and sickle's parsing)."""
    pages: list[float] = []
    records = 0
    client = Sickle(url, iterator=OAIResponseIterator, max_retries=0)
    start = time.perf_counter()
    responses = client.ListRecords(metadataPrefix=prefix)  # sickle asks for the first page here
    first = time.perf_counter() - start
    while True:
        start = time.perf_counter()
        try:
            response = next(responses)
        except StopIteration:
            return records, pages
        records += sum(1 for _ in response.xml.iter(f"{OAI}record"))
        pages.append(time.perf_counter() - start + (first if not pages else 0.0))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--data-dir", help="a hub to build once and reuse (default: a temporary one)")
    p.add_argument("--prefix", default="oai_dc")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        build(data, args.records)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")}
        proc = subprocess.Popen([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port), "--data-dir",
                                 str(data)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd=Path(__file__).resolve().parent.parent)
        try:
            url = f"http://127.0.0.1:{port}/oai"
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(url, params={"verb": "Identify"}, timeout=1)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            runs = []
            for _ in ("first harvest", "full re-harvest"):  # the second reads the metadata the first kept
                start = time.perf_counter()
                records, pages = harvest(url, args.prefix)
                runs.append((records, pages, time.perf_counter() - start))
            ref_start = time.perf_counter()
            for _ in pages:
                etree.fromstring(requests.get(url, params={"verb": "Identify"}, timeout=10).content)
            reference = time.perf_counter() - ref_start
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    out: dict = {"records": runs[0][0], "prefix": args.prefix, "pages": len(runs[0][1]),
                 "reference_s": round(reference, 1)}
    for label, (records, pages, seconds) in zip(("first", "again"), runs, strict=True):
        first, last = pages[0], pages[-2] if len(pages) > 1 else pages[-1]  # the last full page
        out[label] = {"seconds": round(seconds, 1), "records_per_s": round(records / seconds),
                      "first_page_s": round(first, 4), "last_full_page_s": round(last, 4),
                      "last_to_first": round(last / first, 2), "median_page_s": round(statistics.median(pages), 4),
                      "ratio_to_reference": round(seconds / reference, 1)}
    print(json.dumps(out))
    for label, run in (("first harvest", out["first"]), ("full re-harvest", out["again"])):
        print(f"{label}: {out['records']} records ({args.prefix}) in {run['seconds']} s: {run['records_per_s']} "
              f"rec/s; first page {run['first_page_s']} s, last full page {run['last_full_page_s']} s "
              f"({run['last_to_first']}x); {run['ratio_to_reference']}x the reference ({out['pages']} Identify "
              f"requests, {out['reference_s']} s)", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Search and record-page latency on the synthetic corpus, over HTTP against `mcep serve`.

Query mix: single words in the six languages (broad: the synthetic titles draw on a dozen words per language,
so these match most of the corpus, the worst case for ranking and facet counts), selective words (a focal
point's name), phrases, identifiers as typed, and faceted queries (a word plus a country or region filter).
The reference, in the same process: the same word as a bare FTS5 MATCH on the index file (SQLite's floor).

    python3 benchmarks/search.py --records 100000 --data-dir /tmp/bench-oai-100k --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.oai import build  # noqa: E402
from benchmarks.sparql import start  # noqa: E402
from tests.conftest import free_port  # noqa: E402

BASE = "http://localhost:8000/"
QUERIES = {
    "word en": {"q": "mercury"}, "word fr": {"q": "mercure", "lang": "fr"}, "word es": {"q": "mercurio"},
    "word ru": {"q": "ртуть"}, "word ar": {"q": "الزئبق"}, "word zh": {"q": "汞"},
    "selective word": {"q": "Person74876"}, "phrase": {"q": '"mercury emissions"'},
    "identifier": {"q": "MC-5/11"},
    "word + country": {"q": "gold", "country": f"{BASE}vocab/country/GH"},
    "word + region": {"q": "waste", "region": f"{BASE}vocab/region/002"},
    "browse all": {},
}


def measure(fn, repeats: int) -> tuple[float, float]:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        start_s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start_s)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--data-dir", required=True, help="a hub to build once and reuse")
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args()
    data = Path(args.data_dir)
    build(data, args.records)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mcep_ld.cli", "search-index", "--data-dir", str(data)], check=True,
                   stdout=sys.stderr)
    print(f"search index levelled in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")}
    proc = start([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port), "--data-dir", str(data)],
                 f"http://127.0.0.1:{port}/sparql", env)
    url = f"http://127.0.0.1:{port}"
    fts = sqlite3.connect(data / "search.sqlite")
    results: dict = {"records": args.records, "repeats": args.repeats, "queries": {}}
    try:
        session = requests.Session()
        for name, params in QUERIES.items():
            def ours(params: dict = params) -> None:
                resp = session.get(f"{url}/api/search", params=params, timeout=60)
                assert resp.status_code == 200, resp.text
            ours()  # warm (the facet table is loaded at the first search)
            med, p95 = measure(ours, args.repeats)
            total = session.get(f"{url}/api/search", params=params, timeout=60).json()["total"]
            word = params.get("q", "").strip('"').split()[0].lower() if params.get("q") else ""
            ref = measure(lambda w=word: fts.execute("SELECT rowid FROM texts WHERE texts MATCH ? LIMIT 20",
                                                     (f'"{w}"',)).fetchall(), args.repeats)[0] if word else None
            results["queries"][name] = {"median_s": round(med, 4), "p95_s": round(p95, 4), "matches": total,
                                        "fts5_floor_median_s": round(ref, 5) if ref is not None else None}
            print(f"{name:16s} {total:7d} matches  median {med * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"
                  + (f"  (bare FTS5 MATCH {ref * 1000:.2f} ms)" if ref is not None else ""), file=sys.stderr)
        iris = session.get(f"{url}/api/search", params={"q": "mercury", "page_size": 50}, timeout=60).json()["hits"]
        pages = [h["iri"].replace("http://localhost:8000", url) for h in iris]
        counter = iter(range(10 ** 9))

        def page() -> None:
            resp = session.get(pages[next(counter) % len(pages)], headers={"Accept": "text/html"}, timeout=60)
            assert resp.status_code == 200
        page()
        med, p95 = measure(page, max(args.repeats, 50))
        results["record page"] = {"median_s": round(med, 4), "p95_s": round(p95, 4)}
        print(f"record page      median {med * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

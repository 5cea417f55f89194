"""Search and record-page latency on the synthetic corpus, over HTTP against `mcep serve`.

Query mix: single words in the six languages (broad: the synthetic titles draw on a dozen words per language,
so these match most of the corpus, the worst case for ranking and facet counts), selective words (a focal
point's name), phrases, identifiers as typed, and faceted queries (a word plus a country or region filter).
The references, in the same process: the same word as a bare FTS5 MATCH on the index file (SQLite's floor), and
the whole mix with usage analytics off, in rounds alternating with runs where they are on (their cost as a ratio).

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


def run_mix(url: str, fts: sqlite3.Connection, repeats: int) -> dict:
    """The query mix and record pages against the service at *url*: median and p95 of each."""
    results: dict = {"queries": {}}
    session = requests.Session()
    for name, params in QUERIES.items():
        def ours(params: dict = params) -> None:
            resp = session.get(f"{url}/api/search", params=params, timeout=60)
            assert resp.status_code == 200, resp.text
        ours()  # warm (the facet table is loaded at the first search)
        med, p95 = measure(ours, repeats)
        total = session.get(f"{url}/api/search", params=params, timeout=60).json()["total"]
        word = params.get("q", "").strip('"').split()[0].lower() if params.get("q") else ""
        ref = measure(lambda w=word: fts.execute("SELECT rowid FROM texts WHERE texts MATCH ? LIMIT 20",
                                                 (f'"{w}"',)).fetchall(), repeats)[0] if word else None
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
    med, p95 = measure(page, max(repeats, 50))
    results["record page"] = {"median_s": round(med, 4), "p95_s": round(p95, 4)}
    print(f"record page      median {med * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms", file=sys.stderr)
    return results


def serve(data: Path, *, usage: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")}
    env["MCEP_USAGE_ANALYTICS"] = "true" if usage else "false"
    proc = start([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port), "--data-dir", str(data)],
                 f"http://127.0.0.1:{port}/sparql", env)
    return proc, f"http://127.0.0.1:{port}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--data-dir", required=True, help="a hub to build once and reuse")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--usage-rounds", type=int, default=2,
                   help="alternating runs with usage analytics off (the reference) and on, each")
    args = p.parse_args()
    data = Path(args.data_dir)
    build(data, args.records)
    t0 = time.perf_counter()
    # Everything derived levelled first (placements, search index, dumps), so no service start below does it.
    subprocess.run([sys.executable, "-m", "mcep_ld.cli", "classify", "--data-dir", str(data)], check=True,
                   stdout=sys.stderr)
    print(f"placements, search index and dumps levelled in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    fts = sqlite3.connect(data / "search.sqlite")
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(args.usage_rounds):
        for usage in (False, True):
            print(f"-- usage analytics {'on' if usage else 'off'}", file=sys.stderr)
            proc, url = serve(data, usage=usage)
            try:
                runs[usage].append(run_mix(url, fts, args.repeats))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    # Each setting's figure: the median over its rounds of each query's p95 (this machine varies by a third
    # between runs: alternating rounds keep drift out of the ratio).
    results: dict = {"records": args.records, "repeats": args.repeats, "rounds": args.usage_rounds, "queries": {}}
    names = [*QUERIES, "record page"]
    print(f"{'query':16s} {'p95 off ms':>10s} {'p95 on ms':>10s} {'on/off':>7s}", file=sys.stderr)
    for name in names:
        def p95s(usage: bool, name: str = name) -> float:
            cells = [r["queries"][name] if name in QUERIES else r[name] for r in runs[usage]]
            return statistics.median(c["p95_s"] for c in cells)
        off, on = p95s(False), p95s(True)
        first = runs[True][0]["queries"][name] if name in QUERIES else runs[True][0][name]
        results["queries"][name] = {**first, "p95_off_s": round(off, 4), "p95_on_s": round(on, 4),
                                    "ratio": round(on / off, 3) if off else None}
        print(f"{name:16s} {off * 1000:10.1f} {on * 1000:10.1f} {on / off if off else 0:7.2f}", file=sys.stderr)
    worst = max(names, key=lambda n: results["queries"][n]["p95_on_s"])
    results["worst"] = {"query": worst, **{k: results["queries"][worst][k] for k in ("p95_off_s", "p95_on_s", "ratio")}}
    print(f"worst query ({worst}): p95 {results['worst']['p95_off_s'] * 1000:.1f} ms without usage analytics, "
          f"{results['worst']['p95_on_s'] * 1000:.1f} ms with them ({results['worst']['ratio']:.2f}x)",
          file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

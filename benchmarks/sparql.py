"""SPARQL benchmark: the hub's `/sparql` against `oxigraph serve` on a copy of the same store.

    python benchmarks/sparql.py --records 100000 --data-dir /tmp/bench-oai-100k   # builds the hub once

A query mix (point lookup, faceted count, multilingual label filter, a 10,000-row SELECT, CONSTRUCT of one
record) runs against both servers, sequentially and from 8 concurrent clients. Prints the median and p95
latency per query and the ratio ours / Oxigraph's: the reference run, in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.oai import build  # noqa: E402
from tests.conftest import free_port  # noqa: E402

DCT = "http://purl.org/dc/terms/"
MCEP = "https://w3id.org/mcep/ontology#"


def mix(record: str) -> dict[str, tuple[str, str]]:
    """name → (query, Accept)."""
    results, graph = "application/sparql-results+json", "application/n-triples"
    return {
        "point lookup": (f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}", results),
        "faceted count": ("SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?kind } GROUP BY ?kind", results),
        "label filter": (f'SELECT ?s ?t WHERE {{ ?s <{DCT}title> ?t FILTER(LANG(?t) = "es" && '
                         f'CONTAINS(LCASE(?t), "mercurio")) }} LIMIT 100', results),
        "10k rows": (f"SELECT ?s ?t WHERE {{ ?s <{DCT}title> ?t }} LIMIT 10000", results),
        "construct record": (f"CONSTRUCT {{ <{record}> ?p ?o }} WHERE {{ <{record}> ?p ?o }}", graph),
    }


def first_decision(url: str) -> str:
    """The decision the mix's one-record queries ask about: the first by IRI, the same on every store."""
    first = f"SELECT ?s WHERE {{ ?s a <{MCEP}Decision> }} ORDER BY ?s LIMIT 1"
    rows = requests.get(url, params={"query": first}, headers={"Accept": "application/sparql-results+json"},
                        timeout=60).json()
    return rows["results"]["bindings"][0]["s"]["value"]


def start(cmd: list[str], probe: str, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(probe, params={"query": "ASK {}"}, timeout=2)
            return proc
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"{cmd[0]} did not start") from None
            time.sleep(0.3)


def timed(url: str, query: str, accept: str) -> float:
    start_s = time.perf_counter()
    resp = requests.get(url, params={"query": query}, headers={"Accept": accept}, timeout=120)
    _ = resp.content
    elapsed = time.perf_counter() - start_s
    assert resp.status_code == 200, (url, resp.status_code, resp.text[:200])
    return elapsed


def measure(url: str, queries: dict[str, tuple[str, str]], repeats: int, clients: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in queries}

    def one_client() -> dict[str, list[float]]:
        mine: dict[str, list[float]] = {name: [] for name in queries}
        for _ in range(repeats):
            for name, (query, accept) in queries.items():
                mine[name].append(timed(url, query, accept))
        return mine

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for result in pool.map(lambda _: one_client(), range(clients)):
            for name, values in result.items():
                times[name] += values
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--data-dir", help="a hub to build once and reuse (default: a temporary one)")
    p.add_argument("--repeats", type=int, default=10)
    args = p.parse_args()
    oxigraph = shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("pip install oxigraph (the server) first")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        build(data, args.records)
        copy = Path(tmp) / "oxigraph-store"
        shutil.copytree(data / "store", copy)
        ours_port, theirs_port = free_port(), free_port()
        # the 8 clients all come from 127.0.0.1: one client address to the hub, so its share is raised to 8
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")} | {
            "MCEP_SPARQL_TIMEOUT_S": "120", "MCEP_SPARQL_MAX_PER_CLIENT": "8"}
        ours = start([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(ours_port), "--data-dir", str(data)],
                     f"http://127.0.0.1:{ours_port}/sparql", env)
        theirs = start([oxigraph, "serve", "--location", str(copy), "--bind", f"127.0.0.1:{theirs_port}",
                        "--union-default-graph"], f"http://127.0.0.1:{theirs_port}/query")
        try:
            urls = {"ours": f"http://127.0.0.1:{ours_port}/sparql", "oxigraph": f"http://127.0.0.1:{theirs_port}/query"}
            queries = mix(first_decision(urls["oxigraph"]))
            for url in urls.values():  # warm both caches alike
                measure(url, queries, 1, 1)
            out: dict = {"records": args.records, "repeats": args.repeats}
            for label, clients in (("sequential", 1), ("8 clients", 8)):
                runs = {name: measure(url, queries, args.repeats, clients) for name, url in urls.items()}
                out[label] = {q: {"ours_median_s": round(statistics.median(runs["ours"][q]), 4),
                                  "ours_p95_s": round(p95(runs["ours"][q]), 4),
                                  "oxigraph_median_s": round(statistics.median(runs["oxigraph"][q]), 4),
                                  "oxigraph_p95_s": round(p95(runs["oxigraph"][q]), 4),
                                  "ratio_median": round(statistics.median(runs["ours"][q])
                                                        / statistics.median(runs["oxigraph"][q]), 2)}
                              for q in queries}
        finally:
            for proc in (ours, theirs):
                proc.terminate()
                proc.wait(timeout=20)
    print(json.dumps(out))
    for label in ("sequential", "8 clients"):
        for q, r in out[label].items():
            print(f"{label:10} {q:17} ours {r['ours_median_s']:.4f} s (p95 {r['ours_p95_s']:.4f}), oxigraph "
                  f"{r['oxigraph_median_s']:.4f} s (p95 {r['oxigraph_p95_s']:.4f}): {r['ratio_median']}x",
                  file=sys.stderr)


if __name__ == "__main__":
    main()

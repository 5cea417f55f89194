"""Store benchmark: the embedded Oxigraph store beside Virtuoso 7 (Debian's), the same hub in front of each.

    python3 benchmarks/stores.py --records 20000

Ingest: the ingest benchmark's synthetic InforMEA corpus through the real pipeline (`benchmarks/ingest.py`,
an initial and an unchanged run) into a hub on the embedded store, then into a hub on a Virtuoso started here
with `deploy/virtuoso` (as `tests/test_virtuoso.py` starts it). Queries: the SPARQL benchmark's mix
(`benchmarks/sparql.py`) through each hub's `/sparql`, sequentially and from 8 clients, and on Virtuoso's own
endpoint (what the hub costs in front of it). One JSON line, then a line per figure with the ratio
Virtuoso / embedded: both measured in this run, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest import run_one  # noqa: E402
from benchmarks.sparql import first_decision, measure, mix, p95, start  # noqa: E402
from tests import conftest  # noqa: E402

QUERY_CLIENTS = (("sequential", 1), ("8 clients", 8))


def serve(data: Path, env: dict[str, str]) -> tuple[object, str]:
    """`mcep serve` on *data*: the process and its /sparql URL."""
    port = conftest.free_port()
    # the 8 clients all come from 127.0.0.1: one client address to the hub, so its share is raised to 8
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")} | env | {
        "MCEP_SPARQL_TIMEOUT_S": "120", "MCEP_SPARQL_MAX_PER_CLIENT": "8"}
    url = f"http://127.0.0.1:{port}/sparql"
    return start([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port), "--data-dir", str(data)],
                 url, full_env), url


def megabytes(folder: Path) -> float:
    """What *folder* holds on disk (a Virtuoso database right after a run: before its next checkpoint)."""
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 1)


def query_mix(urls: dict[str, str], repeats: int) -> dict:
    """Median and p95 seconds of each query of the mix at each endpoint of *urls*."""
    queries = mix(first_decision(urls["embedded"]))
    for url in urls.values():  # warm every cache alike
        measure(url, queries, 1, 1)
    out: dict = {}
    for label, clients in QUERY_CLIENTS:
        runs = {name: measure(url, queries, repeats, clients) for name, url in urls.items()}
        out[label] = {q: {name: {"median_s": round(statistics.median(runs[name][q]), 4),
                                 "p95_s": round(p95(runs[name][q]), 4)} for name in urls} for q in queries}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--workers", type=int, help="ingest_workers (default: the configuration's)")
    args = p.parse_args()
    if conftest.VIRTUOSO is None or conftest.VIRTUOSO_ISQL is None:
        raise SystemExit("Virtuoso is not installed: bash tests/install-test-tools.sh")
    out: dict = {"records": args.records, "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp, conftest.running_virtuoso(Path(tmp) / "virtuoso") as virtuoso:
        datas = {"embedded": Path(tmp) / "embedded" / "data", "virtuoso": Path(tmp) / "on-virtuoso" / "data"}
        envs = {"embedded": {}, "virtuoso": virtuoso.environment()}
        for name, data in datas.items():
            data.parent.mkdir(parents=True)
            run = run_one(args.records, data, workers=args.workers,
                          store=virtuoso.settings() if name == "virtuoso" else None)
            out[f"ingest {name}"] = {label: {k: run[label][k] for k in ("seconds", "records_per_s", "stage_s")}
                                     for label in ("initial", "unchanged")}
            print(f"ingest into {name}: {json.dumps(out[f'ingest {name}'])}", file=sys.stderr)
        out["disk_mb"] = {"embedded data directory": megabytes(datas["embedded"]),
                          "data directory beside virtuoso": megabytes(datas["virtuoso"]),
                          "virtuoso database": megabytes(virtuoso.directory)}
        servers = {name: serve(data, envs[name]) for name, data in datas.items()}
        try:
            urls = {name: url for name, (_, url) in servers.items()} | {"virtuoso direct": f"{virtuoso.http}/sparql"}
            out["queries"] = query_mix(urls, args.repeats)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)
    print(json.dumps(out))
    for label in ("initial", "unchanged"):
        e, v = out["ingest embedded"][label], out["ingest virtuoso"][label]
        print(f"ingest {label:9}: embedded {e['records_per_s']} rec/s ({e['seconds']} s), virtuoso "
              f"{v['records_per_s']} rec/s ({v['seconds']} s): {v['seconds'] / e['seconds']:.2f}x the time",
              file=sys.stderr)
    print(", ".join(f"{k} {v} MB" for k, v in out["disk_mb"].items()), file=sys.stderr)
    for label, _ in QUERY_CLIENTS:
        for q, r in out["queries"][label].items():
            e, v, d = r["embedded"], r["virtuoso"], r["virtuoso direct"]
            print(f"{label:10} {q:17} embedded {e['median_s']:.4f} s (p95 {e['p95_s']:.4f}), virtuoso "
                  f"{v['median_s']:.4f} s (p95 {v['p95_s']:.4f}; direct {d['median_s']:.4f}): "
                  f"{v['median_s'] / e['median_s']:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    main()

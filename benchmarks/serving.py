"""Serving while harvesting: latency of search, a point SPARQL query and an OAI-PMH page with the service
idle and while it harvests a large corpus, and whether an OAI-PMH harvester walking the hub during that
harvest misses or repeats a record.

    python benchmarks/serving.py --base 10000 --records 100000

`mcep serve` runs on a fresh data directory; a synthetic InforMEA OData provider (the corpus of `corpus.py`,
served on 127.0.0.1) is harvested through the admin API: first `--base` records, then `--records` more in
one run while three clients time their requests. The reference is the same requests against the same
service, idle, in the same process. Prints one JSON line and a summary.
"""

from __future__ import annotations

import argparse
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from sickle import Sickle
from sickle.iterator import OAIResponseIterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import WORDS, entities  # noqa: E402
from tests.conftest import free_port  # noqa: E402

SETS = ("Decisions", "Meetings", "Contacts")


class Provider:
    """An OData v2 provider over the synthetic corpus: pages of `$top` rows from `$skip`, with `__next`."""

    def __init__(self) -> None:
        self.rows: dict[str, list[bytes]] = {s: [] for s in SETS}
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                name = parts.path.rsplit("/", 1)[-1]
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                rows = provider.rows.get(name, [])
                skip, top = int(query.get("$skip", 0)), int(query.get("$top", 100))
                page = rows[skip: skip + top]
                body = b'{"d": {"results": [' + b",".join(page) + b"]"
                if skip + top < len(rows):
                    query["$skip"] = str(skip + top)
                    nxt = f"{provider.url}/{name}?" + "&".join(f"{k}={v}" for k, v in query.items())
                    body += b', "__next": ' + json.dumps(nxt).encode()
                body += b"}}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/informea.svc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, size: int, seed: int) -> None:
        for entity_set, row in entities(size, seed=seed):
            self.rows[entity_set].append(json.dumps(row).encode())


def p(values: list[float], q: float) -> float:
    return round(sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


class Clients:
    """Three clients, one request at a time each: search, a point SPARQL query, the first OAI-PMH page."""

    def __init__(self, url: str, record: str) -> None:
        self.url, self.record = url, record
        self.words = WORDS["en"][:50]

    def one_round(self, n: int, times: dict[str, list[float]]) -> None:
        s = requests.Session()
        for name, call in (
            ("search", lambda: s.get(f"{self.url}/api/search", params={"q": self.words[n % len(self.words)]})),
            ("sparql point", lambda: s.get(f"{self.url}/sparql", params={
                "query": f"SELECT ?p ?o WHERE {{ <{self.record}> ?p ?o }}"},
                headers={"Accept": "application/sparql-results+json"})),
            ("oai page", lambda: s.get(f"{self.url}/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})),
        ):
            start = time.perf_counter()
            resp = call()
            times[name].append(time.perf_counter() - start)
            assert resp.status_code == 200, (name, resp.status_code, resp.text[:200])


def walk(url: str, *, pause_s: float = 0.0) -> list[str]:
    """Every identifier an OAI-PMH harvester gets from one ListIdentifiers walk, in order; *pause_s* between
    pages, so that a walk during a harvest overlaps it (new records are committed while it pages)."""
    out: list[str] = []
    pages = Sickle(f"{url}/oai", iterator=OAIResponseIterator, max_retries=0).ListIdentifiers(metadataPrefix="oai_dc")
    for page in pages:
        out += [e.text for e in page.xml.iter("{http://www.openarchives.org/OAI/2.0/}identifier")]
        time.sleep(pause_s)
    return out


def harvest(url: str, token: str, provider: Provider) -> int:
    resp = requests.post(f"{url}/admin/harvests", json={"source": "informea", "endpoint": provider.url, "full": True},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    resp.raise_for_status()
    return resp.json()["id"]


def state(url: str, token: str, run: int) -> dict:
    return requests.get(f"{url}/admin/harvests/{run}", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--base", type=int, default=10_000, help="records in the hub before the measured harvest")
    a.add_argument("--records", type=int, default=100_000, help="records the measured harvest adds")
    a.add_argument("--rounds", type=int, default=200, help="rounds of the three requests while idle")
    args = a.parse_args()
    provider = Provider()
    provider.add(args.base, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        config = Path(tmp) / "mcep.toml"
        config.write_text(f'http_requests_per_s = 10000.0\n[sources.informea]\nendpoint = "{provider.url}"\n'
                          f'entity_sets = {json.dumps(list(SETS))}\npage_size_records = 500\n')
        port = free_port()
        log = (Path(tmp) / "serve.log").open("w")
        proc = subprocess.Popen([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port), "--data-dir",
                                 str(data), "--config", str(config)], stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if requests.get(f"{url}/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            token = (data / "admin-token").read_text().strip()
            run = harvest(url, token, provider)
            while state(url, token, run)["state"] in ("queued", "running"):
                time.sleep(1)
            record = requests.get(f"{url}/sparql", params={
                "query": "SELECT ?s WHERE { ?s a <https://w3id.org/mcep/ontology#Decision> } LIMIT 1"},
                headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"][0]["s"]["value"]
            clients = Clients(url, record)
            idle: dict[str, list[float]] = {"search": [], "sparql point": [], "oai page": []}
            for n in range(args.rounds):
                clients.one_round(n, idle)
            before = walk(url)

            provider.add(args.records, seed=2)
            busy: dict[str, list[float]] = {"search": [], "sparql point": [], "oai page": []}
            run = harvest(url, token, provider)
            walked: list[str] = []
            # the walk starts once the harvest has committed records, and pages slowly enough to overlap it
            walker = threading.Thread(target=lambda: walked.extend(walk(url, pause_s=0.2)))
            started = time.monotonic()
            while state(url, token, run)["counters"]["added"] < 1000:
                time.sleep(0.2)
            walker.start()
            n = 0
            while (final := state(url, token, run))["state"] == "running":
                clients.one_round(n, busy)
                n += 1
            walker.join()
            elapsed = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(30)
            log.close()
    assert final["state"] == "completed", final
    out = {"base": args.base, "records": args.records, "harvest_s": round(final["duration_s"], 1),
           "records_per_s": round(args.records / final["duration_s"]), "wall_s": round(elapsed, 1),
           "counters": final["counters"], "rounds_idle": args.rounds, "rounds_during": n}
    for name in idle:
        out[name] = {"idle_p50_ms": p(idle[name], 0.5), "idle_p95_ms": p(idle[name], 0.95),
                     "during_p50_ms": p(busy[name], 0.5), "during_p95_ms": p(busy[name], 0.95),
                     "p95_ratio": round(p(busy[name], 0.95) / p(idle[name], 0.95), 1)}
    seen = set(walked)
    out["oai_walk"] = {"listed": len(walked), "repeated": len(walked) - len(seen),
                       "missing_of_those_before": len(set(before) - seen), "before": len(before),
                       "listed_new": len(seen - set(before))}
    print(json.dumps(out))
    for name in idle:
        r = out[name]
        print(f"{name}: p95 {r['idle_p95_ms']} ms idle, {r['during_p95_ms']} ms during the harvest "
              f"({r['p95_ratio']}x); p50 {r['idle_p50_ms']} / {r['during_p50_ms']} ms", file=sys.stderr)
    w = out["oai_walk"]
    print(f"harvest of {args.records} records in {out['harvest_s']} s ({out['records_per_s']} rec/s) while serving; "
          f"an OAI-PMH walk during it listed {w['listed']} ({w['listed_new']} added by the harvest as it paged): "
          f"{w['repeated']} repeated, {w['missing_of_those_before']} of the {w['before']} records before it missing",
          file=sys.stderr)


if __name__ == "__main__":
    main()

"""Writing the gzipped N-Quads dumps of the synthetic corpus, from nothing and when already level.

The reference, in the same process: Oxigraph's own N-Quads dump of the same store (``Store.dump``, Rust
from end to end, uncompressed), the floor for reading every statement out of the store.

    python3 benchmarks/dumps.py --records 100000 --data-dir /tmp/bench-oai-100k
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.oai import build  # noqa: E402
from mcep_ld.config import load_settings  # noqa: E402
from mcep_ld.hub import Hub  # noqa: E402
from mcep_ld.publish import dumps  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--data-dir", required=True, help="a hub to build once and reuse")
    args = p.parse_args()
    data = Path(args.data_dir)
    build(data, args.records)
    import pyoxigraph as ox

    with Hub(load_settings(overrides={"data_dir": str(data)}, environ={})) as hub:
        shutil.rmtree(dumps.dump_dir(hub), ignore_errors=True)
        t0 = time.perf_counter()
        written = dumps.refresh(hub)
        fresh = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = dumps.refresh(hub)
        level = time.perf_counter() - t0
        parts = dumps.parts(hub)
        with tempfile.TemporaryFile() as out:
            t0 = time.perf_counter()
            hub.store.public.dump(out, format=ox.RdfFormat.N_QUADS)
            reference = time.perf_counter() - t0
            raw_bytes = out.tell()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full = parts[dumps.FULL]
    results = {"records": args.records, "written": written, "level_rewrote": again, "quads": full.quads,
               "gzip_bytes": full.bytes, "nquads_bytes": raw_bytes, "from_nothing_s": round(fresh, 1),
               "level_s": round(level, 2), "oxigraph_dump_s": round(reference, 1),
               "ratio_to_oxigraph": round(fresh / reference, 2), "peak_rss_mb": round(rss_mb)}
    print(f"{full.quads:,} statements, {raw_bytes / 1e6:,.0f} MB of N-Quads, {full.bytes / 1e6:,.1f} MB gzipped; "
          f"from nothing {fresh:.1f} s ({fresh / reference:.2f}× Oxigraph's own dump, {reference:.1f} s), "
          f"level {level:.2f} s; peak RSS {rss_mb:.0f} MB", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

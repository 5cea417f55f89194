"""How well the classifier places records on the Convention's themes, and how many demo records carry one.

1. The labelled set (``benchmarks/classify-labelled/``: 66 resources, eleven in each of the six languages,
   written for this measure; ``expected.json`` holds the themes a curator gives each) is harvested as a
   folder of curated submissions, through the whole pipeline, into a fresh hub; precision and recall of the
   themes placed are printed overall and by language. ``--folder`` and ``--expected`` measure another set
   (a held-back one) the same way.
2. The demo's bundled samples are harvested into another fresh hub and the share of its decisions,
   documents, meetings, reports, plans, projects, resources and case studies carrying a theme is printed by
   kind, with the records that carry none.

    python3 benchmarks/classify.py [--folder DIR --expected FILE] [--no-demo]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mcep_ld.classify.evaluate import coverage, score, themes_of  # noqa: E402
from mcep_ld.cli import demo_sources, harvest_source  # noqa: E402
from mcep_ld.config import load_settings  # noqa: E402
from mcep_ld.hub import Hub  # noqa: E402

HERE = Path(__file__).resolve().parent / "classify-labelled"


def labelled(folder: Path, expected: dict[str, list[str]], data_dir: Path) -> dict:
    settings = load_settings(None, environ={}, overrides={"data_dir": str(data_dir), "base_uri": "http://localhost:8000/"})
    start = time.perf_counter()
    result = harvest_source(settings, "files", str(folder))
    seconds = time.perf_counter() - start
    with Hub(settings) as hub:
        scores = score(hub, "files", expected)
    print(f"labelled set: {len(expected)} records harvested and placed in {seconds:.1f} s ({result.status})")
    print(f"{'language':10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for language, s in sorted(scores.items(), key=lambda kv: (kv[0] != "", kv[0])):
        print(f"{language or 'all':10} {s.precision:9.3f} {s.recall:7.3f} {s.true_positives:4} "
              f"{s.false_positives:4} {s.false_negatives:4}")
    for key, theme, what in scores[""].wrong:
        print(f"  {what:6} {theme:8} {key}")
    return {"precision": scores[""].precision, "recall": scores[""].recall}


def demo(data_dir: Path) -> dict:
    from mcep_ld.fetch.sample_server import SampleServer
    from mcep_ld.resources import SAMPLES_DIR

    settings = load_settings(None, environ={}, overrides={"data_dir": str(data_dir), "base_uri": "http://localhost:8000/",
                                                       "http_requests_per_s": 1000.0})
    with SampleServer(SAMPLES_DIR) as server:
        for source, endpoint, options in demo_sources(server):  # what `mcep demo` harvests
            harvest_source(settings, source, endpoint, options=options)
    with Hub(settings) as hub:
        by_kind = coverage(hub)
        bare = [(kind, iri) for iri, kind, _, _ in hub.catalog.live_documents()
                if kind in by_kind and not themes_of(hub, iri)]
    have, total = sum(n for n, _ in by_kind.values()), sum(t for _, t in by_kind.values())
    print(f"\ndemo: {have} of {total} records carry a theme ({have / total:.1%})")
    for kind, (n, t) in by_kind.items():
        print(f"  {kind:16} {n:3} / {t:3}")
    for kind, iri in sorted(bare):
        print(f"  no theme: {kind:16} {iri}")
    return {"demo_with_theme": have, "demo_records": total}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folder", type=Path, default=HERE)
    p.add_argument("--expected", type=Path, default=HERE / "expected.json")
    p.add_argument("--no-demo", action="store_true")
    args = p.parse_args()
    expected = json.loads(args.expected.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        figures = labelled(args.folder, expected, Path(tmp) / "labelled")
        if not args.no_demo:
            figures |= demo(Path(tmp) / "demo")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

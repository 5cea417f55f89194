"""The curators' commands (``mcep classify``, ``mcep review``, ``mcep reviews``, ``mcep feedback``, ``mcep report
usage``), registered on the main parser by ``register``.

``mcep classify`` brings the classifier's placements level with the catalog (each harvest run does it at its
end) and prints how many records of each kind carry a theme. ``mcep review RECORD CONCEPT accept|reject``
records a curator's decision in the catalog and applies it; while ``mcep serve`` holds the data directory the
decision is kept and applied at the service's next run (``POST /admin/reviews`` applies it at once).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from contextlib import nullcontext
from dataclasses import asdict
from datetime import UTC, datetime

from mcep_ld.config import Settings, UsageError, load_settings
from mcep_ld.store import StoreBusyError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("classify", parents=[common],
                       help="place records on the Convention's themes, products and processes")
    p.add_argument("--rebuild", action="store_true", help="classify every record again")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("review", parents=[common], help="accept or reject a record's placement on a concept")
    p.add_argument("record", help="the record's IRI")
    p.add_argument("concept", help="the concept's IRI, or scheme/notation as in its IRI (theme/art-7)")
    p.add_argument("decision", choices=("accept", "reject", "withdraw"),
                   help="accept or reject the placement; withdraw a decision made before")
    p.add_argument("--curator", help="who decides (required to accept or reject)")
    p.add_argument("--note", default="", help="why")
    p.set_defaults(func=cmd_review)

    feedback = sub.add_parser("feedback", parents=[common], help="readers' feedback (never published)")
    actions = feedback.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    p = actions.add_parser("list", parents=[common], help="the entries, newest first")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=cmd_feedback_list)
    p = actions.add_parser("export", parents=[common], help="every entry as CSV")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_feedback_export)

    report = sub.add_parser("report", parents=[common], help="reports on the hub's use")
    kinds = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    p = kinds.add_parser("usage", parents=[common], help="a month's use of the service (daily aggregates)")
    p.add_argument("--month", type=_month, default=None, help="YYYY-MM (default: this month, UTC)")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="as JSON")
    shape.add_argument("--csv", action="store_true", help="every aggregate of the month as CSV (day, metric, key, n, "
                       "total)")
    p.set_defaults(func=cmd_report_usage)

    p = sub.add_parser("reviews", parents=[common], help="the curators' decisions on placements")
    p.add_argument("--record", help="only this record's")
    p.set_defaults(func=cmd_reviews)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, overrides={"data_dir": args.data_dir})


def cmd_classify(args: argparse.Namespace) -> int:
    from mcep_ld.classify.assign import Classifier
    from mcep_ld.classify.evaluate import coverage
    from mcep_ld.hub import Hub
    from mcep_ld.publish.derived import remake

    with Hub(_settings(args)) as hub:
        classifier = Classifier(hub)
        if args.rebuild:
            classifier.forget()
        counts = classifier.sync()
        remake(hub, after="classification")
        print(f"classified {counts.classified} records ({counts.placed} placed on a concept), "
              f"{counts.unchanged} unchanged, {counts.removed} removed")
        for kind, (placed, total) in coverage(hub).items():
            print(f"  {kind:16} {placed:6} of {total:6} carry a theme")
    return 0


def concept_iri(settings: Settings, text: str) -> str:
    return text if "://" in text else f"{settings.base_uri}vocab/{text.strip('/')}"


def cmd_review(args: argparse.Namespace) -> int:
    from mcep_ld.catalog import Catalog
    from mcep_ld.hub import Hub
    from mcep_ld.publish.derived import remake

    settings = _settings(args)
    concept = concept_iri(settings, args.concept)
    catalog = Catalog(settings.data_path / "catalog.sqlite")
    try:
        if args.decision == "withdraw":
            if not catalog.withdraw_review(args.record, concept):
                raise UsageError(f"no decision on {args.record} and {concept} to withdraw")
            said = "withdrawn"
        else:
            if not args.curator:
                raise UsageError("--curator is required to accept or reject")
            review = catalog.review(args.record, concept, f"{args.decision}ed", curator=args.curator, note=args.note)
            said = f"{review.decision} by {review.curator}"
    finally:
        catalog.close()
    try:
        with Hub(settings) as hub:
            remake(hub)
    except StoreBusyError:
        print(f"{said}; the service holding {settings.data_path} applies it at its next run")
        return 0
    print(f"{said}; applied")
    return 0


def cmd_reviews(args: argparse.Namespace) -> int:
    from mcep_ld.catalog import Catalog

    catalog = Catalog(_settings(args).data_path / "catalog.sqlite")
    try:
        for r in catalog.reviews(args.record):
            print(f"{r.at}  {r.decision:8}  {r.curator:20}  {r.iri}  {r.concept}  {r.note}")
    finally:
        catalog.close()
    return 0


def _feedback(args: argparse.Namespace) -> list:
    from mcep_ld.catalog import Catalog

    catalog = Catalog(_settings(args).data_path / "catalog.sqlite")
    try:
        return catalog.feedback()
    finally:
        catalog.close()


def cmd_feedback_list(args: argparse.Namespace) -> int:
    entries = _feedback(args)
    if args.json:
        print(json.dumps([asdict(f) for f in entries], ensure_ascii=False, indent=1))
        return 0
    for f in entries:
        useful = {True: "useful", False: "not useful", None: "-"}[f.useful]
        print(f"{f.at}  {useful:10}  {f.lang:2}  {f.page}  {f.comment[:80]!r}" + (f"  <{f.email}>" if f.email else ""))
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    entries = _feedback(args)
    with open(args.output, "w", newline="", encoding="utf-8") if args.output else nullcontext(sys.stdout) as out:
        writer = csv.writer(out)
        writer.writerow(["id", "at", "page", "useful", "comment", "email", "lang"])
        for f in entries:
            writer.writerow([f.id, f.at, f.page, "" if f.useful is None else f.useful, f.comment, f.email, f.lang])
    return 0


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: YYYY-MM")
    return text


def cmd_report_usage(args: argparse.Namespace) -> int:
    from mcep_ld.catalog import Catalog

    month = args.month or datetime.now(UTC).strftime("%Y-%m")
    catalog = Catalog(_settings(args).data_path / "catalog.sqlite")
    try:
        if args.csv:
            writer = csv.writer(sys.stdout)
            writer.writerow(["day", "metric", "key", "n", "total"])
            writer.writerows(catalog.usage_rows(month))
            return 0
        report = catalog.usage_report(month)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    views, searches, sparql = report["page_views"], report["searches"], report["sparql"]
    print(f"usage in {month}: {views['total']} page views ({views['by_robots']} more by crawlers), "
          f"{report['visitors_daily_sum']} visitors (daily distinct, added up over {len(report['days'])} days)")
    print("  pages:     " + ", ".join(f"{k} {n}" for k, n in views["by_kind"].items()))
    print("  languages: " + ", ".join(f"{k} {n}" for k, n in views["by_language"].items()))
    print(f"  searches:  {searches['total']}, {searches['found_nothing']} found nothing: "
          + ", ".join(f"{t['term']!r} {t['n']}" for t in searches["zero_result_terms"][:10]))
    print(f"  SPARQL:    {sparql['queries']} queries, {sparql['errors']} errors, {sparql['timeouts']} timeouts, "
          f"mean {sparql['mean_ms']} ms")
    print("  OAI-PMH:   " + ", ".join(f"{h['verb']} {h['format']} {h['set'] or '(all)'} {h['n']}"
                                      for h in report["oai"]["harvests"][:10]))
    for title, rows, name in (("most viewed records", report["records_viewed"], "record"),
                              ("downloads", report["downloads"], "file"),
                              ("referring sites", report["referrers"], "domain")):
        print(f"  {title}: " + ", ".join(f"{r[name]} {r['n']}" for r in rows[:10]))
    return 0

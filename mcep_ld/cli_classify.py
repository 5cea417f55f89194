"""The ``mcep classify`` and ``mcep review`` commands, registered on the main parser by ``register``.

``mcep classify`` brings the classifier's placements level with the catalog (each harvest run does it at its
end) and prints how many records of each kind carry a theme. ``mcep review RECORD CONCEPT accept|reject``
records a curator's decision in the catalog and applies it; while ``mcep serve`` holds the data directory the
decision is kept and applied at the service's next run (``POST /admin/reviews`` applies it at once).
"""

from __future__ import annotations

import argparse

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

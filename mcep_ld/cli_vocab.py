"""The ``mcep vocab`` commands, registered on the main parser by ``register``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rdflib import Graph

from mcep_ld.config import Settings, UsageError, load_settings
from mcep_ld.mapping.iris import slug
from mcep_ld.resources import vocabularies_dir
from mcep_ld.vocab.curation.check import Report, check_files, parse_file
from mcep_ld.vocab.curation.diff import diff_graphs
from mcep_ld.vocab.curation.importer import VocabularyImportError, import_file


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    vocab = sub.add_parser("vocab", parents=[common], help="check, compare, import and publish vocabularies")
    actions = vocab.add_subparsers(dest="vocab_command", required=True, metavar="ACTION")

    p = actions.add_parser("check", parents=[common], help="qSKOS-style checks and skosify's analysis")
    p.add_argument("files", nargs="*", help="Turtle files (default: every file of the vocabularies folder)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--coverage", action="store_true", help="prefLabel coverage per scheme and language")
    p.set_defaults(func=cmd_check)

    p = actions.add_parser("diff", parents=[common], help="concepts added, removed, relabelled, moved")
    p.add_argument("old", help="a vocabulary file or folder")
    p.add_argument("new", help="a vocabulary file or folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_diff)

    p = actions.add_parser("import", parents=[common], help="an outside SKOS file as a new vocabulary file")
    p.add_argument("file", help="RDF/XML, Turtle, N-Triples, JSON-LD, or RDF/XML converted to JSON")
    p.add_argument("--name", help="the new file's name (default: from the file's name)")
    p.add_argument("--output", help="where to write the Turtle (default: vocabularies folder/NAME.ttl)")
    p.add_argument("--replace", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_import)

    p = actions.add_parser("publish", parents=[common],
                           help="check, then load changed vocabularies into the store")
    p.set_defaults(func=cmd_publish)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, overrides={"data_dir": args.data_dir})


def _folder_files(settings: Settings) -> list[Path]:
    return sorted(vocabularies_dir(settings).glob("*.ttl"))


def _print_report(report: Report, *, coverage: bool) -> None:
    for f in report.findings:
        where = f" ({f.file})" if f.file and f.file != f.resource else ""
        print(f"{f.severity:7} {f.check:11} {f.resource}  {f.message}{where}")
    if coverage:
        print("\nprefLabel coverage (concepts labelled / concepts):")
        for scheme, langs in sorted(report.coverage.items()):
            cells = "  ".join(f"{lang} {n}/{total} ({100 * n / total if total else 100:.0f}%)"
                              for lang, (n, total) in langs.items())
            print(f"  {scheme}: {cells}")
    print(f"\n{len(report.errors)} error(s), {len(report.warnings)} warning(s)")


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    files = [Path(f) for f in args.files] or _folder_files(settings)
    report = check_files(files, base_uri=settings.base_uri, context=_folder_files(settings))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, coverage=args.coverage)
    return 1 if report.errors else 0


def _load(path: Path, base_uri: str) -> Graph:
    g = Graph()
    for file in sorted(path.glob("*.ttl")) if path.is_dir() else [path]:
        g += parse_file(file, base_uri)
    return g


def cmd_diff(args: argparse.Namespace) -> int:
    settings = _settings(args)
    for p in (args.old, args.new):
        if not Path(p).exists():
            raise UsageError(f"{p}: no such file or folder")
    result = diff_graphs(_load(Path(args.old), settings.base_uri), _load(Path(args.new), settings.base_uri))
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(result.lines()) if not result.empty else "no change to concepts")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings(args)
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    name = args.name or slug(source.stem)
    out = Path(args.output) if args.output else vocabularies_dir(settings) / f"{name}.ttl"
    if out.exists() and not args.replace:
        raise UsageError(f"{out} exists: pass --replace to overwrite it, or --name for another name")
    try:
        g = import_file(source)
    except VocabularyImportError as exc:
        print(f"mcep vocab import: {exc}", file=sys.stderr)
        return 1
    out.write_text(f"# Imported by `mcep vocab import` from {source.name}.\n" + g.serialize(format="turtle"),
                   encoding="utf-8")
    concepts = len(set(g.subjects(predicate=None, object=None)))
    print(f"wrote {out} ({len(g)} triples, {concepts} resources)")
    report = check_files([out], base_uri=settings.base_uri, context=_folder_files(settings))
    print(f"check: {len(report.errors)} error(s), {len(report.warnings)} warning(s) (mcep vocab check {out})")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from mcep_ld.hub import Hub

    settings = _settings(args)
    files = _folder_files(settings)
    report = check_files(files, base_uri=settings.base_uri, context=files)
    if report.errors:
        _print_report(Report([f for f in report.findings if f.severity == "error"]), coverage=False)
        print("nothing published: correct the errors first", file=sys.stderr)
        return 1
    with Hub(settings) as hub:
        result = hub.publish_vocabularies()
        for name in result.changed:
            print(f"published {name} (version {hub.catalog.get_meta(f'vocab:{name}')[:12]})")
    if not result.changed:
        print("every vocabulary is already published")
    if result.relabelled:
        print(f"{len(result.relabelled)} concept(s) relabelled: {result.records_moved} record(s) get a new datestamp")
    return 0

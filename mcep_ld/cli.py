"""The ``mcep`` command.

Exit codes: 0 success; 1 the work failed (a harvest run failed, a file does not conform, a query is
malformed); 2 bad usage or configuration; 3 the store is held by another process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import BinaryIO

from mcep_ld import __version__, logs
from mcep_ld.catalog import COUNTERS, RunCounters
from mcep_ld.config import ConfigError, Settings, UsageError, harvested_by_all, load_settings
from mcep_ld.ingest.handoff import running_service
from mcep_ld.progress import Ticker
from mcep_ld.serve.listen import PortInUse, check_address
from mcep_ld.store import StoreBusyError

log = logging.getLogger("mcep")


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    return load_settings(args.config, overrides={"data_dir": args.data_dir, **extra})


def _run_pipeline(settings: Settings, hub, name: str):  # noqa: ANN001, ANN202 - the Hub, a Pipeline
    """A pipeline whose progress goes to a Ticker (a line on a terminal, a line per beat in a log)."""
    from mcep_ld.ingest.pipeline import Pipeline

    ticker = Ticker(name, interval_s=settings.progress_interval_s, json_lines=settings.log_format == "json")

    def counters(c: RunCounters) -> None:
        ticker.update(f"{c.seen} seen, {c.added} added, {c.updated} updated, {c.unchanged} unchanged, "
                      f"{c.quarantined} quarantined")

    def listed(n: int) -> None:
        if ticker.latest == "starting" or ticker.latest.endswith(" listed"):  # until the first batch is counted
            ticker.update(f"{n} records listed")

    return ticker, Pipeline(hub, progress=counters, listed=listed, stage=ticker.stage)


def _print_run(result) -> None:  # noqa: ANN001 - RunResult, imported lazily
    counts = ", ".join(f"{name} {getattr(result.counters, name)}" for name in COUNTERS)
    resumed = " (resumed from its checkpoint)" if result.resumed else ""
    print(f"{result.source}: run {result.run_id}{resumed} {result.status} in {result.duration_s:.1f} s: {counts}")
    if result.error:
        print(f"{result.source}: error: {result.error}", file=sys.stderr)


def harvest_source(settings: Settings, source: str, endpoint: str | None = None, *,
                   options: dict[str, str] | None = None, full: bool = False,
                   restart: bool = False, allow_deletions: bool = False):  # noqa: ANN201
    """Run one source's harvester into the hub of *settings*; returns the RunResult.

    *options* go to the harvester (the OAI harvester's ``name``, ``set_spec``, ``metadata_prefix``);
    ``name`` is also the source's name in the catalog and the configuration.
    """
    from mcep_ld.fetch.registry import make_harvester
    from mcep_ld.hub import Hub

    harvester = make_harvester(settings, source, endpoint, options=options)
    with Hub(settings) as hub:
        ticker, pipeline = _run_pipeline(settings, hub, harvester.name)
        with ticker:
            return pipeline.harvest(harvester, full=full, restart=restart, allow_deletions=allow_deletions)


def _hand_off(settings: Settings, url: str, source: str, endpoint: str | None, options: dict[str, str],
              args: argparse.Namespace) -> bool:
    """The run handed to the service holding the data directory, followed to its end; whether it completed."""
    from mcep_ld.ingest.handoff import hand_off

    request = {"source": source, "endpoint": endpoint, "full": args.full, "restart": args.restart,
               "allow_deletions": args.allow_deletions, "asked_by": "command line",
               "name": options.get("name"), "set": options.get("set_spec"),
               "metadata_prefix": options.get("metadata_prefix")}
    state, ok = hand_off(settings, url, request)
    counts = ", ".join(f"{name} {state.get('counters', {}).get(name, 0)}" for name in COUNTERS)
    if state.get("run_id") is not None:
        print(f"{state['source']}: run {state['run_id']} {state['state']} in {state.get('duration_s') or 0:.1f} s "
              f"(by the service at {url}): {counts}")
    if state.get("error"):
        print(f"{state['source']}: error: {state['error']}", file=sys.stderr)
    return ok


# -- commands ---------------------------------------------------------------------------------------

def cmd_harvest(args: argparse.Namespace) -> int:
    from mcep_ld.fetch.registry import harvester_class, harvester_names, source_class

    settings = _settings(args)
    if args.all:
        if args.source or args.path or args.endpoint or args.name or args.set or args.metadata_prefix:
            raise UsageError("--all harvests the configured sources: give no source, endpoint or oai option")
        names = harvested_by_all(settings)
        if not names:
            raise UsageError("no source is configured with an endpoint (see [sources.NAME] in docs/settings.md)")
        if url := running_service(settings.data_path):
            return 0 if all([_hand_off(settings, url, n, None, {}, args) for n in names]) else 1
        results = []
        for name in names:  # one failing source does not stop the others
            results.append(harvest_source(settings, name, full=args.full, restart=args.restart,
                                          allow_deletions=args.allow_deletions))
            _print_run(results[-1])
        return 0 if all(r.ok for r in results) else 1
    if not args.source:
        raise UsageError("name a source (informea, gef, oai, files or a configured one), or pass --all")
    if args.path and (args.endpoint or not source_class(settings, args.source, name=args.name).reads_folders):
        readers = [n for n in harvester_names() if harvester_class(n).reads_folders]
        raise UsageError(f"a PATH goes with a source that reads folders ({', '.join(readers)}) only")
    endpoint = str(Path(args.path).resolve()) if args.path else args.endpoint
    options = {k: v for k, v in (("name", args.name), ("set_spec", args.set),
                                 ("metadata_prefix", args.metadata_prefix)) if v is not None}
    if url := running_service(settings.data_path):  # `mcep serve` holds the store: the run is its to do
        return 0 if _hand_off(settings, url, args.source, endpoint, options, args) else 1
    try:
        result = harvest_source(settings, args.source, endpoint, options=options, full=args.full,
                                restart=args.restart, allow_deletions=args.allow_deletions)
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    _print_run(result)
    return 0 if result.ok else 1


def cmd_remap(args: argparse.Namespace) -> int:
    from mcep_ld.fetch.registry import make_harvester
    from mcep_ld.hub import Hub

    settings = _settings(args)
    # a remap reads the stored payloads: the endpoint only names the harvester's source
    harvester = make_harvester(settings, args.source, settings.source(args.source)["endpoint"] or "remap")
    with Hub(settings) as hub:
        ticker, pipeline = _run_pipeline(settings, hub, args.source)
        with ticker:
            result = pipeline.remap(harvester)
    _print_run(result)
    return 0 if result.ok else 1


def status_report(settings: Settings) -> dict:
    """What ``mcep status --json`` prints: per source, record counts by kind and the last run."""
    from mcep_ld.catalog import Catalog

    catalog = Catalog(settings.data_path / "catalog.sqlite")
    try:
        sources = {}
        for source in catalog.sources():
            last = catalog.last_run(source)
            sources[source] = {
                "records": catalog.counts_by_kind(source),
                "unmapped_fields": catalog.unmapped_fields(source),
                "last_run": {**{k: last[k] for k in ("id", "status", "complete", "started", "ended", "duration_s",
                                                     "endpoint", "error", *COUNTERS)},
                             "timings_s": json.loads(last["timings"] or "{}")} if last else None,
            }
        return {"data_dir": str(settings.data_path), "sources": sources, "quarantine": catalog.quarantine()}
    finally:
        catalog.close()


def cmd_status(args: argparse.Namespace) -> int:
    report = status_report(_settings(args))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"data directory: {report['data_dir']}")
    if not report["sources"]:
        print("no records yet: run `mcep harvest SOURCE` or `mcep demo`")
    for source, info in report["sources"].items():
        print(f"\n{source}")
        for kind, c in info["records"].items():
            print(f"  {kind:<16} {c['published']:>7} published {c['quarantined']:>5} quarantined "
                  f"{c['deleted']:>5} deleted")
        if run := info["last_run"]:
            counts = ", ".join(f"{n} {run[n]}" for n in COUNTERS)
            print(f"  last run {run['id']}: {run['status']} at {run['ended'] or run['started']}: {counts}")
            if run["error"]:
                print(f"  error: {run['error']}")
        if info["unmapped_fields"]:
            print(f"  sent but not mapped (kept in the payloads): {', '.join(info['unmapped_fields'])}")
    if report["quarantine"]:
        print(f"\nquarantine ({len(report['quarantine'])} records):")
        for q in report["quarantine"]:
            first = q["report"].splitlines()[0] if q["report"] else ""
            print(f"  {q['source']} {q['source_key']} [{q['stage']}]: {first}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from mcep_ld.hub import Hub
    from mcep_ld.serve.queries import QueryError, evaluate, write

    class Out:
        """Standard output, remembering whether the answer ended its last line."""
        last = b"\n"

        def write(self, chunk: bytes) -> int:
            self.last = chunk[-1:] or self.last
            return sys.stdout.buffer.write(chunk)

        def flush(self) -> None:
            sys.stdout.buffer.flush()

    sparql = sys.stdin.read() if args.sparql == "-" else args.sparql
    out = Out()
    with Hub(_settings(args)) as hub:
        try:
            result, fmt = evaluate(hub.store.public, sparql, lambda graph: args.format)
            write(result, fmt, out)  # streamed: a large answer is never held in memory
            del result
        except QueryError as exc:
            print(f"mcep query: {exc}", file=sys.stderr)
            return 1
    if out.last != b"\n":
        sys.stdout.buffer.write(b"\n")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from mcep_ld.resources import shapes_dir
    from mcep_ld.validate.gate import ShaclGate, validate_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    settings = _settings(args)
    gate = ShaclGate(shapes_dir(settings), base_uri=settings.base_uri)
    try:
        conforms, report = validate_file(gate, path)
    except (ValueError, SyntaxError) as exc:  # unknown suffix or unparsable RDF
        print(f"mcep validate: {exc}", file=sys.stderr)
        return 1
    print(report)
    return 0 if conforms else 1


def cmd_dump(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    from mcep_ld.hub import Hub

    settings = _settings(args)
    with Hub(settings) as hub, Ticker("dump", interval_s=settings.progress_interval_s,
                                      json_lines=settings.log_format == "json") as ticker:
        with open(args.output, "wb") if args.output else nullcontext(sys.stdout.buffer) as out:
            hub.store.public.dump(Counted(out, ticker), format=ox.RdfFormat.N_QUADS)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


class Counted:
    """A binary output that tells a Ticker how much has been written through it."""

    def __init__(self, out: BinaryIO, ticker: Ticker) -> None:
        self.out, self.ticker, self.written = out, ticker, 0

    def write(self, chunk: bytes) -> int:
        self.written += self.out.write(chunk) or len(chunk)
        self.ticker.update(f"{self.written / 1e6:,.1f} MB written")
        return len(chunk)

    def flush(self) -> None:
        self.out.flush()


def cmd_backup(args: argparse.Namespace) -> int:
    from mcep_ld.backups import backup

    settings = _settings(args)
    backup(settings, Path(args.directory))
    print(f"backed up {settings.data_path} to {args.directory}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from mcep_ld.backups import remake_derived, restore

    settings = _settings(args)
    aside = restore(settings, Path(args.directory), replace=args.replace)
    remake_derived(_settings(args))  # read again: the base is now the backup's
    print(f"restored {args.directory} into {settings.data_path}"
          + (f"; what it held is in {aside}" if aside else ""))
    return 0


def cmd_search_index(args: argparse.Namespace) -> int:
    from mcep_ld.hub import Hub

    settings = _settings(args)
    with Hub(settings) as hub, Ticker("search index", interval_s=settings.progress_interval_s,
                                      json_lines=settings.log_format == "json") as ticker:
        def done(n: int, of: int) -> None:
            ticker.update(f"{n} of {of} records indexed")

        counts = hub.search.rebuild(hub, progress=done) if args.rebuild else hub.search.sync(hub, progress=done)
        print(f"search index: {counts.indexed} indexed, {counts.removed} removed, {counts.unchanged} unchanged; "
              f"{hub.search.count()} records in {hub.search.path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from mcep_ld.ingest.schedules import scheduled_sources
    from mcep_ld.serve.web.app import serve

    settings = _settings(args, http_host=args.host, http_port=args.port)
    scheduled_sources(settings)  # a malformed schedule stops us here (exit 2), not in the running service
    check_address(settings.http_host, settings.http_port)  # a taken port stops us here (exit 4)
    serve(settings)
    return 0


def demo_sources(server) -> list[tuple[str, str, dict[str, str] | None]]:  # noqa: ANN001 - a SampleServer
    """What `mcep demo` harvests from the bundled samples: (source, endpoint, options), the sources a default
    configuration harvests (the CBD clearing-house is off by default: its samples serve its tests)."""
    from mcep_ld.resources import SAMPLES_DIR

    return [("informea", server.informea_endpoint, None), ("gef", server.file_url("gef/projects.csv"), None),
            ("oai", server.oai_endpoint, {"name": "wedocs"}), ("convention", server.file_url("convention"), None),
            ("files", str(SAMPLES_DIR / "files"), None), ("answers", str(SAMPLES_DIR / "answers"), None)]


def cmd_demo(args: argparse.Namespace) -> int:
    from mcep_ld.fetch.sample_server import SampleServer
    from mcep_ld.resources import SAMPLES_DIR

    # The samples are local: no need to pace requests as for a real server.
    # Harvested for the address it will serve (IRIs follow it when base_uri is not set).
    settings = _settings(args, http_requests_per_s=1000.0, http_host=args.host, http_port=args.port)
    if not args.no_serve:  # before the harvests, not after them
        check_address(settings.http_host, settings.http_port)
    with SampleServer(SAMPLES_DIR) as server:
        print(f"demo: serving the bundled samples at {server.url}")
        results = [harvest_source(settings, source, endpoint, options=options)
                   for source, endpoint, options in demo_sources(server)]
    for result in results:
        _print_run(result)
    if not all(r.ok for r in results):
        return 1
    print(f"demo: data in {settings.data_path}; `mcep status --data-dir {settings.data_path}` shows it")
    if args.no_serve:
        return 0
    return cmd_serve(args)


# -- parser -----------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="data directory (default from config: ./mcep-data)")
    common.add_argument("--config", help="TOML configuration file (default: $MCEP_CONFIG or ./mcep.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log details")

    parser = argparse.ArgumentParser(prog="mcep", description="The Minamata Convention Exchange Platform hub.")
    parser.add_argument("--version", action="version", version=f"mcep-ld {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", parents=[common], help="harvest the bundled sample data, then serve")
    p.add_argument("--no-serve", action="store_true", help="populate the data directory and exit")
    p.add_argument("--host", help="address to listen on")
    p.add_argument("--port", type=int, help="port to listen on")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("harvest", parents=[common], help="harvest one source")
    p.add_argument("source", nargs="?",
                   help="source: informea, gef, oai, files, or one configured in [sources.NAME]")
    p.add_argument("path", nargs="?", help="files: the folder of curated submissions")
    p.add_argument("--all", action="store_true", help="every enabled source configured with an endpoint")
    p.add_argument("--endpoint", help="service root URL (default from config)")
    p.add_argument("--full", action="store_true",
                   help="read the whole listing even where the source could give only what changed")
    p.add_argument("--restart", action="store_true",
                   help="start a new run even if the last one stopped early (by default it resumes "
                        "from its checkpoint)")
    p.add_argument("--allow-deletions", action="store_true",
                   help="let this run delete more than max_delete_fraction of the source's records (or all)")
    p.add_argument("--name", help="oai: the repository's name in the catalog (default: oai)")
    p.add_argument("--set", help="oai: harvest this set only")
    p.add_argument("--metadata-prefix", help="oai: metadata format (oai_dc)")
    p.set_defaults(func=cmd_harvest)

    p = sub.add_parser("remap", parents=[common],
                       help="re-map stored payloads after a mapping, shape or vocabulary change (no network)")
    p.add_argument("source")
    p.set_defaults(func=cmd_remap)

    p = sub.add_parser("status", parents=[common], help="records per source and kind, last runs, quarantine")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("query", parents=[common], help="run a SPARQL query on the public dataset")
    p.add_argument("sparql", help="the query, or - to read it from standard input")
    p.add_argument("--format", choices=["json", "csv", "tsv", "xml", "ttl"], default="json")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("validate", parents=[common], help="check an RDF file against the SHACL shapes")
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("search-index", parents=[common],
                       help="bring the search index level with the catalog (harvests and serve do it too)")
    p.add_argument("--rebuild", action="store_true", help="start the index again from nothing")
    p.set_defaults(func=cmd_search_index)

    p = sub.add_parser("serve", parents=[common], help="start the web service")
    p.add_argument("--host", help="address to listen on (default from config: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default from config: 8000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("dump", parents=[common], help="write the public dataset as N-Quads")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser("backup", parents=[common], help="copy store, restricted store and catalog to DIR")
    p.add_argument("directory")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="make the data directory what a backup in DIR holds")
    p.add_argument("directory")
    p.add_argument("--replace", action="store_true",
                   help="restore over a data directory that holds data (moved aside into a sibling folder)")
    p.set_defaults(func=cmd_restore)

    from mcep_ld import cli_curators, cli_vocab

    cli_vocab.register(sub, common)
    cli_curators.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        log_format = _settings(args).log_format
    except ConfigError:  # said by the command itself, with its exit code
        log_format = "text"
    logs.configure(log_format, verbose=args.verbose)
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"mcep {args.command}: {exc}", file=sys.stderr)
        return 2
    except StoreBusyError as exc:
        print(f"mcep {args.command}: {exc}", file=sys.stderr)
        return 3
    except PortInUse as exc:
        print(f"mcep {args.command}: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print(f"mcep {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mcep dump | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""Gzipped N-Quads dumps of the public dataset, for those who want all of it at once (``/dumps/``).

One part per source (its live record graphs), one for the classifier's placements (``classified``) and one
for the hub's own graphs (vocabularies, VoID, harvest runs); a source not republished (``republish = false``,
publish/rights.py) has no part, nor its records' placements; ``all.nq.gz`` is the parts one after another,
which gzip readers take as one stream (RFC 1952 allows several members), so the full dump costs a file
copy, not a second serialisation.

A part is rewritten only when what it holds changed: a source's signature is its live graphs and their
content hashes from the catalog (and the mapping rules' digest); the hub part's is the hash of its
statements. Files are written beside the old ones and renamed over them, so a reader never gets half a
dump, and a failed harvest, which publishes nothing, leaves them as they were. Gzip headers carry no
time, so the same data gives the same bytes and the same ETag.

Reading a part back from the store costs about 8 µs a statement. A run that only adds records need not pay
it: each committed batch is also written, gzipped, to ``staged/`` (``stage``), and when a part's new signature
is its old one plus exactly the staged graphs, the part becomes the old file followed by the staged members.
A signature is a sum over its graphs (``signature``), so that equation is checked without the old list; any
other change (an update, a deletion, new rules) makes the part again from the store.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from mcep_ld.hub import Hub
from mcep_ld.publish import rights
from mcep_ld.store import nquads

FULL = "all"
#: The classifier's placements (mcep_ld/classify): machine-made, so a part of their own.
CLASSIFIED_PART = "classified"
HUB_PART = "hub"
INDEX = "index.json"
#: Where the catalog keeps the change counts the record parts were last level with (``refresh``).
LEVEL = "level:dumps"
#: zlib's level 6 (gzip's default) costs twice level 3's time for 5–8 % smaller N-Quads; dumps are rewritten
#: after harvests, so the quicker level.
COMPRESS_LEVEL = 3


@dataclass(frozen=True)
class Part:
    """One dump file as the index describes it."""

    name: str
    file: str
    quads: int
    bytes: int
    modified: str
    signature: str


def file_name(name: str) -> str:
    """The file of part *name* (``all``, ``hub`` or a source), also the last segment of its URL."""
    return f"{name}.nq.gz"


def dump_dir(hub: Hub) -> Path:
    return Path(hub.settings.data_dir) / "dumps"


STAGED = "staged"
_MODULUS = 1 << 128


def signature(rules_digest: str, rows: list[tuple[str, str]]) -> str:
    """A part's signature: the rules' digest, and the sum of its graphs' ``graph=hash`` hashes (a graph added
    adds its term: ``plus``)."""
    return f"{hashlib.sha256(rules_digest.encode()).hexdigest()[:16]}:{_sum(rows):032x}"


def _sum(rows: list[tuple[str, str]]) -> int:
    return sum(int.from_bytes(hashlib.sha256(f"{g}={h}".encode()).digest()[:16], "big") for g, h in rows) % _MODULUS


def plus(old: str, added: int) -> str | None:
    """*old* signature with graphs summing to *added* more (None when *old* is of another form)."""
    rules, _, total = old.partition(":")
    try:
        return f"{rules}:{(int(total, 16) + added) % _MODULUS:032x}"
    except ValueError:
        return None


def stage(hub: Hub, name: str, graphs: dict[str, tuple[str, list[str]]]) -> None:
    """Keep a committed batch's graphs of part *name* (graph → (its hash, its N-Triples statements)) for the
    next refresh. Called with ``hub.derived_lock`` held, as ``refresh`` runs: never half a member read."""
    if not graphs or name in rights.withheld(hub.settings):
        return
    folder = dump_dir(hub) / STAGED
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(nquads(statements, f"<{graph}>") for graph, (_, statements) in graphs.items())
    with open(folder / file_name(name), "ab") as out:
        out.write(gzip.compress(lines.encode(), compresslevel=COMPRESS_LEVEL, mtime=0))
    ledger = folder / f"{name}.json"
    kept = json.loads(ledger.read_text(encoding="utf-8")) if ledger.exists() else {"sum": 0, "quads": 0}
    kept["sum"] = (kept["sum"] + _sum([(g, h) for g, (h, _) in graphs.items()])) % _MODULUS
    kept["quads"] += sum(len(statements) for _, statements in graphs.values())
    _replace(ledger, json.dumps(kept).encode())


def _staged(folder: Path) -> dict[str, dict]:
    """What runs staged since the last refresh: part → its ledger (sum, quads)."""
    staged = folder / STAGED
    if not staged.is_dir():
        return {}
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in staged.glob("*.json")}


def parts(hub: Hub) -> dict[str, Part]:
    """The dumps on disk, by name (``all``, ``hub`` and one per source), as the last refresh left them."""
    path = dump_dir(hub) / INDEX
    if not path.exists():
        return {}
    return {name: Part(**fields) for name, fields in json.loads(path.read_text(encoding="utf-8")).items()}


def refresh(hub: Hub) -> list[str]:
    """Bring the dumps level with the store; the names of the parts rewritten (empty when none was)."""
    folder = dump_dir(hub)
    folder.mkdir(parents=True, exist_ok=True)
    known = parts(hub)
    mark = f"{hub.catalog.changes('records', 'classified')}|{hub.rules_digest}|{sorted(rights.withheld(hub.settings))}"
    staged = _staged(folder)
    current: dict[str, Part] = {}
    written: list[str] = []
    if known and hub.catalog.get_meta(LEVEL) == mark and not staged and all(
            (folder / part.file).exists() for part in known.values()):
        # nothing a source's or the placements' part holds changed since they were last level
        current.update((name, part) for name, part in known.items() if name not in (HUB_PART, FULL))
    else:
        written += _record_parts(hub, folder, known, staged, current)
    shutil.rmtree(folder / STAGED, ignore_errors=True)  # the parts are level with the catalog now

    hub_quads = sorted(_graph_quads(hub, hub.own_graphs()), key=str)
    hub_signature = hashlib.sha256(ox.serialize(hub_quads, format=ox.RdfFormat.N_QUADS)).hexdigest()
    old = known.get(HUB_PART)
    if _level(folder, old, hub_signature):
        current[HUB_PART] = old
    else:
        current[HUB_PART] = _write(folder, HUB_PART, hub_signature, iter(hub_quads))
        written.append(HUB_PART)

    for name in set(known) - set(current) - {FULL}:  # a source with no live record left
        (folder / known[name].file).unlink(missing_ok=True)
        written.append(name)
    if written or FULL not in known or not (folder / known[FULL].file).exists():
        current[FULL] = _concatenate(folder, [current[name] for name in sorted(current)])
        written.append(FULL)
    else:
        current[FULL] = known[FULL]
    _replace(folder / INDEX, json.dumps({name: asdict(part) for name, part in current.items()}, indent=1).encode())
    hub.catalog.set_meta(LEVEL, mark)
    return written


def _record_parts(hub: Hub, folder: Path, known: dict[str, Part], staged: dict[str, dict],
                  current: dict[str, Part]) -> list[str]:
    """Each source's part and the placements' brought level with the catalog (into *current*); the names of
    those rewritten."""
    written = []
    withheld = rights.withheld(hub.settings)  # not republished: no part (an old one is removed)
    groups = [(source, hub.catalog.live_graphs(source)) for source in hub.catalog.live_sources()
              if source not in withheld]
    if placed := hub.catalog.classified_graphs(withheld=withheld):
        groups.append((CLASSIFIED_PART, placed))
    for source, rows in groups:
        made_from = signature(hub.rules_digest, rows)
        old = known.get(source)
        if _level(folder, old, made_from):
            current[source] = old
            continue
        extra = staged.get(source)
        kept = old if old is not None and (folder / old.file).exists() else None  # none yet: from nothing
        if extra and plus(kept.signature if kept else signature(hub.rules_digest, []), extra["sum"]) == made_from:
            current[source] = _append(folder, source, kept, made_from, extra["quads"])
        else:
            current[source] = _write(folder, source, made_from, _graph_quads(hub, [row[0] for row in rows]))
        written.append(source)
    return written


def _level(folder: Path, part: Part | None, signature: str) -> bool:
    """Whether *part* on disk already holds what *signature* stands for."""
    return part is not None and part.signature == signature and (folder / part.file).exists()


def _graph_quads(hub: Hub, graphs: list[str]) -> Iterator[ox.Quad]:
    for graph in graphs:
        yield from hub.store.public.quads(graph)


def _write(folder: Path, name: str, signature: str, quads: Iterator[ox.Quad]) -> Part:
    """Serialise *quads* gzipped into ``{name}.nq.gz``, streaming: memory does not grow with the part."""
    count = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal count
        for quad in quads:
            count += 1
            yield quad

    path = folder / file_name(name)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=COMPRESS_LEVEL,
                                                   mtime=0, filename="") as out:
        ox.serialize(counted(), out, format=ox.RdfFormat.N_QUADS)
    os.replace(partial, path)
    return _part(path, name, count, signature)


def _append(folder: Path, name: str, old: Part | None, made_from: str, quads: int) -> Part:
    """Part *old* (or nothing) followed by what was staged for part *name* (gzip members one after another are
    one stream)."""
    path = folder / file_name(name)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as out:
        for member in ([path] if old else []) + [folder / STAGED / file_name(name)]:
            with open(member, "rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
    os.replace(partial, path)
    return _part(path, name, (old.quads if old else 0) + quads, made_from)


def _concatenate(folder: Path, members: list[Part]) -> Part:
    path = folder / file_name(FULL)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as out:
        for part in members:
            with open(folder / part.file, "rb") as member:
                shutil.copyfileobj(member, out, 1 << 20)
    os.replace(partial, path)
    signature = hashlib.sha256("".join(p.signature for p in members).encode()).hexdigest()
    return _part(path, FULL, sum(p.quads for p in members), signature)


def _part(path: Path, name: str, quads: int, signature: str) -> Part:
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Part(name, path.name, quads, path.stat().st_size, modified, signature)


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)

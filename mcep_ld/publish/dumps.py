"""Gzipped N-Quads dumps of the public dataset, for those who want all of it at once (``/dumps/``).

One part per source (its live record graphs), one for the classifier's placements (``classified``) and one
for the hub's own graphs (vocabularies, VoID, harvest runs); ``all.nq.gz`` is the parts one after another,
which gzip readers take as one stream (RFC 1952 allows several members), so the full dump costs a file
copy, not a second serialisation.

A part is rewritten only when what it holds changed: a source's signature is its live graphs and their
content hashes from the catalog (and the mapping rules' digest); the hub part's is the hash of its
statements. Files are written beside the old ones and renamed over them, so a reader never gets half a
dump, and a failed harvest, which publishes nothing, leaves them as they were. Gzip headers carry no
time, so the same data gives the same bytes and the same ETag.
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

FULL = "all"
#: The classifier's placements (mcep_ld/classify): machine-made, so a part of their own.
CLASSIFIED_PART = "classified"
HUB_PART = "hub"
INDEX = "index.json"
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
    current: dict[str, Part] = {}
    written: list[str] = []
    groups = [(source, hub.catalog.live_graphs(source)) for source in hub.catalog.live_sources()]
    if placed := hub.catalog.classified_graphs():
        groups.append((CLASSIFIED_PART, placed))
    for source, rows in groups:
        digest = hashlib.sha256(hub.rules_digest.encode())
        for graph, graph_hash in rows:
            digest.update(f"{graph}={graph_hash}\n".encode())
        signature = digest.hexdigest()
        old = known.get(source)
        if _level(folder, old, signature):
            current[source] = old
            continue
        current[source] = _write(folder, source, signature, _graph_quads(hub, [row[0] for row in rows]))
        written.append(source)

    hub_quads = sorted(_graph_quads(hub, hub.own_graphs()), key=str)
    signature = hashlib.sha256(ox.serialize(hub_quads, format=ox.RdfFormat.N_QUADS)).hexdigest()
    old = known.get(HUB_PART)
    if _level(folder, old, signature):
        current[HUB_PART] = old
    else:
        current[HUB_PART] = _write(folder, HUB_PART, signature, iter(hub_quads))
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

"""Backing up a data directory and restoring one, for ``mcep backup`` and ``mcep restore``.

A backup holds what cannot be made again: the store and the restricted store (Oxigraph checkpoints), the
catalog (SQLite's online backup) and the base the IRIs were minted with. The search index, the dumps and the
VoID description are derived: a restore makes them again. A restore never destroys: what the data directory
held is moved aside first, into a sibling folder named for the time.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from mcep_ld.config import BASE_URI_FILE, Settings, UsageError
from mcep_ld.hub import Hub
from mcep_ld.ingest.handoff import running_service
from mcep_ld.publish.derived import remake
from mcep_ld.store import StoreBusyError

#: What a backup holds, in the data directory's own layout
PARTS = ("store", "restricted-store", "catalog.sqlite", BASE_URI_FILE)
#: What a restore moves aside besides those: derived data, made again from what is restored
DERIVED_FILES = ("search.sqlite", "search.sqlite-wal", "search.sqlite-shm", "catalog.sqlite-wal", "catalog.sqlite-shm",
                 "dumps")


def backup(settings: Settings, target: Path) -> None:
    """A consistent copy of the data directory's store, restricted store, catalog and base into an empty
    *target*, taken while the hub may be harvesting (not while a service holds the store)."""
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"backup directory {target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    with Hub(settings) as hub:
        hub.store.public.backup(target / "store")
        hub.store.restricted.backup(target / "restricted-store")
        hub.catalog.backup(target / "catalog.sqlite")
        shutil.copy2(hub.data_dir / BASE_URI_FILE, target / BASE_URI_FILE)


def check_backup(source: Path) -> str:
    """Why *source* is not a usable backup (empty when it is): every part there, the catalog whole, the stores
    readable."""
    missing = [part for part in PARTS if not (source / part).exists()]
    if missing:
        return f"{source} is not a backup: {', '.join(missing)} missing"
    try:
        with sqlite3.connect(f"file:{source / 'catalog.sqlite'}?mode=ro", uri=True) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        return f"{source}/catalog.sqlite cannot be read: {exc}"
    if verdict != "ok":
        return f"{source}/catalog.sqlite is damaged: {verdict}"
    for store in ("store", "restricted-store"):
        try:
            opened = ox.Store.read_only(str(source / store))
            del opened
        except OSError as exc:
            return f"{source}/{store} cannot be opened: {exc}"
    return ""


def restore(settings: Settings, source: Path, *, replace: bool) -> Path | None:
    """Make the data directory of *settings* what the backup in *source* holds (then :func:`remake_derived`,
    with settings read again: the base may be the backup's). Returns where what the data directory held was
    moved (None when it held nothing).

    Refused (UsageError) for a folder that is not a whole backup, or, without *replace*, over a data directory
    that holds data; StoreBusyError while a service holds the data directory.
    """
    data = settings.data_path
    if url := running_service(data):
        raise StoreBusyError(f"a service at {url} holds {data}: stop it before restoring")
    if problem := check_backup(source):
        raise UsageError(problem)
    held = [name for name in (*PARTS, *DERIVED_FILES) if (data / name).exists()]
    if any(name in held for name in ("store", "catalog.sqlite")) and not replace:
        raise UsageError(f"{data} holds data: pass --replace to restore over it (it is moved aside, not deleted)")
    aside = None
    if held:
        aside = data.with_name(f"{data.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        aside.mkdir()
        for name in held:
            (data / name).rename(aside / name)
    data.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, data / part)
        else:
            shutil.copy2(source / part, data / part)
    return aside


def remake_derived(settings: Settings) -> None:
    """The placements, the search index, the dumps and the VoID description, made from the catalog and the
    store."""
    with Hub(settings) as hub:
        remake(hub)

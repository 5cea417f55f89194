"""What the hub derives from its catalog and store and publishes beside them: the OAI-PMH datestamps of sources
withheld or released (publish/rights.py), the classifier's placements, the VoID description, the search index
and the dumps. Each harvest run remakes them at its end and the service at its start, in this order (the
search index and dumps hold the placements, the dumps the VoID graph); each is cheap when already level with
what it is made from."""

from __future__ import annotations

import logging
from collections.abc import Callable

from mcep_ld.classify import assign
from mcep_ld.hub import Hub
from mcep_ld.publish import dumps, rights, void

log = logging.getLogger(__name__)


def _search_index(hub: Hub) -> None:
    """Skipped when nothing the index holds changed since it was last level: the catalog's records and
    placements (their change counts) and the vocabularies and shapes."""
    mark = f"{hub.catalog.changes('records', 'classified')}|{hub.rules_digest}"
    if hub.search.level() == mark:
        return
    hub.search.sync(hub)
    hub.search.mark_level(mark)


#: (name, remake) in the order they are remade
DERIVED: tuple[tuple[str, Callable[[Hub], object]], ...] = (
    ("withheld sources", rights.sync_withheld), ("classification", assign.refresh),
    ("VoID description", void.publish), ("search index", _search_index), ("dumps", dumps.refresh))


def remake(hub: Hub, *, after: str | None = None, stage: Callable[[str], None] | None = None,
           lap: Callable[[str], None] | None = None) -> None:
    """Remake what is derived, in order (only the steps after the one named *after*), one caller at a time
    (``hub.derived_lock``: a harvest run's end and a curator's review in the service). A step that fails is
    logged and remade at the next run or start-up; *stage* is told each step's name as it begins, *lap* as
    it ends."""
    steps = [name for name, _ in DERIVED]
    first = steps.index(after) + 1 if after else 0
    with hub.derived_lock:
        for name, step in DERIVED[first:]:
            if stage:
                stage(name)
            try:
                step(hub)
            except Exception:  # noqa: BLE001 - remade at the next run or start-up
                log.exception("could not remake the %s", name)
            if lap:
                lap(name)

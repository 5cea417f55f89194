"""What the hub derives from its catalog and store and publishes beside them: the classifier's placements,
the VoID description, the search index and the dumps. Each harvest run remakes them at its end and the
service at its start, in this order (the search index and dumps hold the placements, the dumps the VoID
graph); each is cheap when already level with what it is made from."""

from __future__ import annotations

from collections.abc import Callable

from mcep_ld.classify import assign
from mcep_ld.hub import Hub
from mcep_ld.publish import dumps, void


def _search_index(hub: Hub) -> None:
    hub.search.sync(hub)


#: (name, remake) in the order they are remade
DERIVED: tuple[tuple[str, Callable[[Hub], object]], ...] = (
    ("classification", assign.refresh), ("VoID description", void.publish), ("search index", _search_index),
    ("dumps", dumps.refresh))

"""The harvesters installed, by name: the ``mcep_ld.harvesters`` entry-point group.

Entry points keep the hub free of imports of the ``harvesters`` package (which imports the hub's contract),
and let another distribution add a source without editing the hub: it declares, in its ``pyproject.toml``,
``[project.entry-points."mcep_ld.harvesters"] mysource = "mypackage.harvester:MyHarvester"``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from mcep_ld.fetch.contract import Harvester

GROUP = "mcep_ld.harvesters"


def harvester_names() -> list[str]:
    """The names of the installed harvesters, sorted."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def harvester_class(name: str) -> type[Harvester]:
    """The harvester class registered as *name*; KeyError names the known ones."""
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(harvester_names())}")
    return next(iter(found)).load()

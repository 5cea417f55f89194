"""One module per source: how to fetch its records and how to map one record to RDF.

Harvesters know protocols and formats, nothing about the store or the catalog: they yield
``SourceRecord``s and turn one into a ``MappedRecord``. :data:`REGISTRY` names them for the CLI.
"""

from __future__ import annotations

from importlib import import_module

from harvesters.base import Harvester

REGISTRY = {
    "informea": "harvesters.informea:InforMEAHarvester",
    "gef": "harvesters.gef:GEFHarvester",
    "oai": "harvesters.oai:OAIHarvester",
    "files": "harvesters.files:FilesHarvester",
    "cbd": "harvesters.cbd:CBDHarvester",
    "convention": "harvesters.convention:ConventionHarvester",
}


def harvester_class(name: str) -> type[Harvester]:
    """The harvester class registered as *name*; KeyError names the known ones."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)

"""What every harvester provides, and what its mapping is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from mcep_ld.config import Settings
from mcep_ld.fetch.http import HttpClient
from mcep_ld.mapping.records import MappedRecord, SourceRecord
from mcep_ld.vocab import Vocabulary


@dataclass(frozen=True)
class MappingContext:
    """Everything a mapping may consult: the hub's base IRI and the vocabularies. Nothing else."""

    base_uri: str
    vocab: Vocabulary


class Harvester(Protocol):
    #: The source name used in the catalog, in graph IRIs and in ``mcep harvest NAME``; the class gives a
    #: default, the ``name`` argument another (a second InforMEA provider, a named OAI repository).
    name: str
    #: Bumped whenever ``map`` would produce different triples: every record is then re-mapped.
    mapping_version: ClassVar[str]

    endpoint: str

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        ...

    def records(self, since: datetime | None = None, *, resume: str | None = None) -> Iterator[SourceRecord]:
        """The source's records, changed since *since* where the source can say (else all of them).

        Raises ``SourceError`` when the listing cannot be read to its end. A record yielded with
        ``deleted=True`` is tombstoned. Each record carries the ``position`` from which the listing can
        be read again up to and including it (its page); *resume* is such a position, from a stopped
        run's checkpoint. A source that cannot resume mid-listing gives no positions and ignores it.
        """
        ...

    def listing_is_complete(self, since: datetime | None) -> bool:
        """Whether a listing read to its end held every live record, so that absent ones are deleted.

        Optional: without it, every listing counts as complete.
        """
        ...

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        """One record as a graph. Raises ``MappingError`` for a record that cannot be mapped."""
        ...


class HarvesterBase:
    """What every harvester's constructor does, so that each module holds only its protocol and mapping."""

    name: str
    mapping_version: ClassVar[str]

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.client = client
        if name:
            self.name = name

    def listing_is_complete(self, since: datetime | None) -> bool:
        """By default a listing asked only for changes since a time is not complete."""
        return since is None

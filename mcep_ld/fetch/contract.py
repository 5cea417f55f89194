"""The harvester contract: what every harvester provides, what is optional (with its default here, on the
base class), and what its mapping is given. The pipeline relies on nothing else; it never probes a
harvester for attributes.

A harvester knows a protocol and a format, nothing of the store or the catalog. What a run keeps between runs
for a source (the validators of conditional requests) is handed in to :meth:`Harvester.records` and comes back
on the :class:`Listing` it returns, never set on the harvester and read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Self

from mcep_ld.config import Settings
from mcep_ld.fetch.http import HttpClient
from mcep_ld.mapping.records import MappedRecord, SourceRecord

if TYPE_CHECKING:
    from mcep_ld.vocab import Vocabulary

#: Per URL, the ``ETag`` / ``Last-Modified`` a source sent, for the next run's conditional requests.
Validators = dict[str, dict[str, str]]


@dataclass(frozen=True)
class MappingContext:
    """Everything a mapping may consult: the hub's base IRI and the vocabularies. Nothing else."""

    base_uri: str
    vocab: Vocabulary


@dataclass
class Listing:
    """One reading of a source's listing, returned by :meth:`Harvester.records`: its records (read lazily, by
    iterating it) and what the run learns by reading them, known once they have all been read."""

    #: Read to its end, the listing held every live record, so that records absent from it are deleted.
    complete: bool
    #: The validators to send next time (updated while reading); None for a source not asked conditionally.
    validators: Validators | None = None
    #: The source answered "304 Not Modified": nothing was listed because nothing changed.
    not_modified: bool = False
    #: Columns or fields the source sent that the mapping does not read (kept in each payload, reported by
    #: ``mcep status``): a source that grows a column is seen, not silently cut.
    unmapped: list[str] = field(default_factory=list)
    records: Iterable[SourceRecord] = field(default=(), repr=False)

    def __iter__(self) -> Iterator[SourceRecord]:
        return iter(self.records)


class Harvester:
    """The base of every harvester: the constructor, the entry points and the optional capabilities' defaults.

    A harvester implements :meth:`fetch` and :meth:`map`, and overrides a default below where its source can
    do better.
    """

    #: The source name used in the catalog, in graph IRIs and in ``mcep harvest NAME``; the class gives a
    #: default, the ``name`` argument another (a second InforMEA provider, a named OAI repository).
    name: str
    #: Bumped whenever ``map`` would produce different triples: every record is then re-mapped.
    mapping_version: ClassVar[str]
    #: The keyword options the constructor takes beyond the common ones (``mcep harvest`` and the admin API).
    options: ClassVar[frozenset[str]] = frozenset()
    #: Whether the source is asked with conditional requests: the run then hands in the last validators.
    conditional: ClassVar[bool] = False
    #: Whether the endpoint may be a folder of this machine (``mcep harvest NAME PATH``).
    reads_folders: ClassVar[bool] = False

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.client = client
        if name:
            self.name = name

    @classmethod
    def from_settings(cls, settings: Settings, *, name: str, endpoint: str, client: HttpClient,
                      options: dict[str, str]) -> Self:
        """The harvester of source *name*, from its ``[sources.NAME]`` settings and the run's *options*.

        Raises ``ValueError`` for an option value the source cannot take.
        """
        return cls(endpoint=endpoint, settings=settings, client=client, **options)

    def records(self, since: datetime | None = None, *, resume: str | None = None,
                validators: Validators | None = None) -> Listing:
        """The source's records, changed since *since* where the source can say (else all of them).

        *resume* is a record's ``position`` from a stopped run's checkpoint; *validators* what the last run
        of a :attr:`conditional` source returned. Reading the listing raises ``SourceError`` when it cannot be
        read to its end.
        """
        listing = Listing(complete=self.listing_is_complete(since),
                          validators=dict(validators or {}) if self.conditional else None)
        listing.records = self.fetch(since, resume=resume, listing=listing)
        return listing

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The records of :meth:`records`, read from the source; required.

        A record yielded with ``deleted=True`` is tombstoned. Each record carries the ``position`` from which
        the listing can be read again up to and including it (its page); a source that cannot resume
        mid-listing gives no positions and ignores *resume*. A conditional source reads and updates
        ``listing.validators`` and sets ``listing.not_modified``.
        """
        raise NotImplementedError

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        """One record as a graph; required. Raises ``MappingError`` for a record that cannot be mapped."""
        raise NotImplementedError

    def listing_is_complete(self, since: datetime | None) -> bool:
        """Whether a listing read to its end holds every live record, so that absent ones are deleted.

        By default a listing asked only for changes since a time is not complete.
        """
        return since is None

    def still_exists(self, key: str) -> bool:
        """Whether the record *key*, missing from a complete listing, is still at the source.

        A listing paged by offset misses a record when the source changes between two pages; a source that
        can be asked for one record says so here. By default it cannot: a record absent from a complete
        listing is gone.
        """
        return False

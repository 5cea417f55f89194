"""What the catalog hands out and takes in: run counters, checkpoints, a record as known and as saved."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

COUNTERS = ("seen", "added", "updated", "unchanged", "deleted", "quarantined", "failed")


def utc_now() -> str:
    """Now, as the catalog writes times: UTC, second granularity, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RunCounters:
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass
class Checkpoint:
    """How far a run got: the listing position to resume from and the counters of what was written.

    Saved in the same transaction as the records it accounts for, so the two always agree.
    """

    position: str | None
    counters: RunCounters

    def to_json(self) -> str:
        return json.dumps({"position": self.position, "counters": self.counters.as_dict(), "at": utc_now()})

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(data["position"], RunCounters(**data["counters"]))


@dataclass
class KnownRecord:
    """What the catalog knows of a record before this run touched it."""

    id: int
    content_hash: str
    published: bool
    deleted: bool
    graph: str
    iri: str | None
    graph_hash: str | None = None
    seen_run: int | None = None
    restricted_hash: str | None = None


@dataclass
class RecordRow:
    """A record's new catalog state after processing."""

    source: str
    source_key: str
    kind: str
    iri: str | None
    graph: str
    content_hash: str
    raw: bytes
    raw_url: str
    source_modified: str | None
    sets: list[str]
    published: bool
    status: str
    datestamp_moves: bool
    graph_hash: str | None = None
    reports: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, stage, text)
    restricted_hash: str | None = None
    #: metadata formats made with the record, kept for the OAI-PMH provider: (prefix, version, packed xml)
    disseminations: list[tuple[str, str, bytes]] = field(default_factory=list)

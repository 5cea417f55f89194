"""The record model passed between harvesters and the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from rdflib import Graph, URIRef


@dataclass(frozen=True)
class SourceRecord:
    """One record as fetched: the raw payload is kept byte for byte so it can be re-mapped later."""

    source: str
    key: str
    kind: str
    payload: bytes
    url: str
    fetched_at: datetime
    modified: datetime | None = None

    def fingerprint(self, mapping_version: str) -> str:
        """Hash of payload and mapping version: equal fingerprints mean nothing to redo."""
        h = hashlib.sha256(mapping_version.encode())
        h.update(b"\0")
        h.update(self.payload)
        return h.hexdigest()


@dataclass
class MappedRecord:
    """A record graph ready for validation: its hub IRI, the triples, and the OAI sets it belongs to."""

    iri: URIRef
    graph: Graph
    sets: list[str] = field(default_factory=list)


class MappingError(ValueError):
    """A source record cannot be mapped (bad JSON, impossible date…); it goes to quarantine."""

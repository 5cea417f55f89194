"""Minting the hub's IRIs from natural keys (ARCHITECTURE.md, "Identifiers").

``{base_uri}id/{kind}/{key}`` for records, ``{base_uri}vocab/{scheme}/{concept}`` for concepts and
``{base_uri}graph/{source}/{source key}`` for a record's named graph.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from rdflib import URIRef

_NON_KEY = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A natural key as an IRI segment: ``MC-5/16`` → ``mc-5-16``, ``UNEP/MC/COP.5/19`` → ``unep-mc-cop-5-19``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = _NON_KEY.sub("-", ascii_text.lower()).strip("-")
    if not key:
        raise ValueError(f"no key can be made of {text!r}")
    return key


#: Decision numbers as each treaty writes them: a bare "5/16" of the Minamata Convention is "MC-5/16".
DECISION_PREFIXES = {"minamata": "MC"}
_DECISION_NUMBER = re.compile(r"^\s*(?:([A-Za-z]+)\s*-\s*)?(\d+)\s*/\s*(\d+)\s*$")


def decision_key(number: str, treaty: str | None) -> str:
    """The natural key of a decision, one for every way its number is written: ``5/16`` and ``MC-5/16`` of the
    Minamata Convention are both ``MC-5/16`` (``mc-5-16`` as an IRI segment), so InforMEA's record and the
    Convention website's page of the same decision are one resource. A bare number of a treaty without a known
    prefix keeps the treaty's id before it; a number of another form is kept as it is."""
    m = _DECISION_NUMBER.match(number)
    if m is None:
        return number.strip()
    if m.group(1):
        prefix = m.group(1).upper()
    else:
        code = (treaty or "").strip().casefold()
        prefix = DECISION_PREFIXES.get(code, code or "x")
    return f"{prefix}-{m.group(2)}/{m.group(3)}"


def record_iri(base_uri: str, kind: str, key: str) -> URIRef:
    return URIRef(f"{base_uri}id/{kind}/{key}")


def distribution_iri(record: URIRef, download_url: str) -> URIRef:
    """A file of a record, named by its download URL: the same file listed by two sources is one
    distribution, and two different files never share a name (a position in a list would)."""
    return URIRef(f"{record}#file-{hashlib.sha1(download_url.encode()).hexdigest()[:12]}")


def concept_iri(base_uri: str, scheme: str, concept: str) -> URIRef:
    return URIRef(f"{base_uri}vocab/{scheme}/{quote(concept, safe='')}")


def graph_iri(base_uri: str, source: str, source_key: str) -> str:
    """One named graph per source record, so two sources describing one resource never overwrite each other."""
    return f"{base_uri}graph/{source}/{quote(source_key, safe='')}"


def restricted_graph_iri(base_uri: str, source: str, source_key: str) -> str:
    return f"{base_uri}graph/restricted/{source}/{quote(source_key, safe='')}"


def run_graph_iri(base_uri: str, run_id: int) -> str:
    """The graph of one harvest run, described as a PROV activity (the hub's own metadata)."""
    return f"{base_uri}graph/hub/run/{run_id}"


def vocab_graph_iri(base_uri: str, scheme: str) -> str:
    return f"{base_uri}graph/vocab/{scheme}"


def void_graph_iri(base_uri: str) -> str:
    """The graph of the VoID description of the public dataset (the hub's own metadata)."""
    return f"{base_uri}graph/hub/void"


def run_iri(base_uri: str, run_id: int) -> URIRef:
    return URIRef(f"{base_uri}id/harvest-run/{run_id}")

"""Who publishes the data, under which licence, and whom to ask (FAIR R1.1): ``data_license``,
``data_publisher`` and ``data_contact``, stated on the DCAT catalog, its datasets and distributions, the VoID
description, and shown on each record's page.

Each source has terms of its own (``sources.NAME.rights``, ``license``): they go on each of its records (in
the record's graph, so a change of terms moves its OAI-PMH datestamp), its DCAT dataset and its dump. A source
whose terms do not allow republishing (``republish = false``) is *withheld*: its records serve search, record
pages and links, and stay out of the dumps, the OData provider and OAI-PMH, where they are listed as deleted
so that a harvester that took them before drops them.

Nothing is asserted until the operator says it: the hub does not know under which terms its sources'
records may be reused, so an unset licence stays unstated rather than guessed.
"""

from __future__ import annotations

import hashlib
import logging

import pyoxigraph as ox

from mcep_ld.config import Settings
from mcep_ld.hub import Hub

log = logging.getLogger(__name__)
#: Where the catalog keeps the withheld sources the datestamps were last moved for (``sync_withheld``).
WITHHELD_META = "withheld-sources"

DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def publisher_node(settings: Settings) -> ox.NamedNode | None:
    """The publisher: its own IRI when ``data_publisher`` is one, else the catalog's ``#publisher`` node."""
    given = settings.data_publisher
    if not given:
        return None
    return ox.NamedNode(given if given.startswith(("http://", "https://")) else f"{settings.base_uri}catalog#publisher")


def licence_triples(settings: Settings, subjects: list[ox.NamedNode]) -> list[ox.Triple]:
    """``dct:license`` of each of *subjects* (distributions: the licence only)."""
    if not settings.data_license:
        return []
    return [ox.Triple(s, ox.NamedNode(f"{DCT}license"), ox.NamedNode(settings.data_license)) for s in subjects]


def triples(settings: Settings, subjects: list[ox.NamedNode]) -> list[ox.Triple]:
    """``dct:license``, ``dct:publisher`` and ``dcat:contactPoint`` of each of *subjects* (a catalog, its
    datasets), with the publisher and contact nodes described once."""
    out = licence_triples(settings, subjects)
    publisher = publisher_node(settings)
    point = ox.NamedNode(f"{settings.base_uri}catalog#contact") if settings.data_contact else None
    for subject in subjects:
        if publisher is not None:
            out.append(ox.Triple(subject, ox.NamedNode(f"{DCT}publisher"), publisher))
        if point is not None:
            out.append(ox.Triple(subject, ox.NamedNode(f"{DCAT}contactPoint"), point))
    if publisher is not None and not settings.data_publisher.startswith(("http://", "https://")):
        out += [ox.Triple(publisher, RDF_TYPE, ox.NamedNode(f"{FOAF}Agent")),
                ox.Triple(publisher, ox.NamedNode(f"{FOAF}name"), ox.Literal(settings.data_publisher))]
    if point is not None:
        value = settings.data_contact
        link = ox.NamedNode(f"mailto:{value}" if "@" in value and "://" not in value else value)
        out += [ox.Triple(point, RDF_TYPE, ox.NamedNode(f"{VCARD}Kind")),
                ox.Triple(point, ox.NamedNode(f"{VCARD}fn"),
                          ox.Literal(settings.data_publisher if publisher is not None and not
                                     settings.data_publisher.startswith("http") else "Contact")),
                ox.Triple(point, ox.NamedNode(f"{VCARD}hasEmail" if link.value.startswith("mailto:")
                                              else f"{VCARD}hasURL"), link)]
    return out


def withheld(settings: Settings) -> frozenset[str]:
    """The sources whose records are not republished (``republish = false``)."""
    return frozenset(name for name in settings.sources if not settings.source(name)["republish"])


def source_licence(settings: Settings, source: str) -> str:
    """The licence of *source*'s records: its own, else the hub's ``data_license`` (either may be empty)."""
    return settings.source(source)["license"] or settings.data_license


def terms_digest(settings: Settings, source: str) -> str:
    """What of the source's terms its records' graphs hold (a change prepares them again)."""
    terms = settings.source(source)
    return hashlib.sha256(f"{terms['rights']}\0{terms['license']}".encode()).hexdigest()[:16]


def source_triples(settings: Settings, source: str, dataset: ox.NamedNode,
                   distributions: list[ox.NamedNode]) -> list[ox.Triple]:
    """The source's licence and rights statement on its dataset and its distributions (the rights as a
    ``dct:RightsStatement``, as DCAT-AP has it)."""
    out = []
    licence = source_licence(settings, source)
    stated = settings.source(source)["rights"]
    statement = ox.NamedNode(f"{dataset.value}-rights")
    for subject in [dataset, *distributions]:
        if licence:
            out.append(ox.Triple(subject, ox.NamedNode(f"{DCT}license"), ox.NamedNode(licence)))
        if stated:
            out.append(ox.Triple(subject, ox.NamedNode(f"{DCT}rights"), statement))
    if stated:
        out += [ox.Triple(statement, RDF_TYPE, ox.NamedNode(f"{DCT}RightsStatement")),
                ox.Triple(statement, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                          ox.Literal(stated))]
    return out


def sync_withheld(hub: Hub) -> int:
    """Move the datestamps of the records of each source withheld or released since the last call, so that
    incremental OAI-PMH harvesters hear of it (as deletions, or as the records again); how many moved."""
    now = sorted(withheld(hub.settings))
    was = set((hub.catalog.get_meta(WITHHELD_META) or "").split())  # first call: nothing was withheld
    moved = sum(hub.catalog.touch_source(source) for source in sorted(was ^ set(now)))
    if moved:
        log.info("%d record(s) of sources withheld or released since the last run have new datestamps", moved)
    hub.catalog.set_meta(WITHHELD_META, " ".join(now))
    return moved

"""Who publishes the data, under which licence, and whom to ask (FAIR R1.1): ``data_license``,
``data_publisher`` and ``data_contact``, stated on the DCAT catalog, its datasets and distributions, the VoID
description, and shown on each record's page.

Nothing is asserted until the operator says it: the hub does not know under which terms its sources'
records may be reused, so an unset licence stays unstated rather than guessed.
"""

from __future__ import annotations

import pyoxigraph as ox

from mcep_ld.config import Settings

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

"""The hub's DCAT catalog: its datasets (everything, and each source's records), their distributions (the
gzipped N-Quads dumps, the source's OAI-PMH set) and the services that serve them (SPARQL, OAI-PMH). Each
source's dataset and distributions carry its own terms (its licence, else ``data_license``, and its rights
statement); a source not republished has neither dump nor OAI-PMH distribution (publish/rights.py).

The datasets are the VoID description's own resources (``void#dataset``, ``void#source-{name}``), so DCAT
and VoID speak of the same things and a harvester of either can follow to the other. Built from the
catalog and the dumps' index on each request: a few dozen statements.
"""

from __future__ import annotations

import pyoxigraph as ox

from mcep_ld.config import UN_LANGUAGES
from mcep_ld.hub import Hub
from mcep_ld.messages import message
from mcep_ld.publish import dumps, rights

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
XSD = "http://www.w3.org/2001/XMLSchema#"
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
OAI_PMH = "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm"


def catalog_iri(base_uri: str) -> str:
    return f"{base_uri}catalog"


def triples(hub: Hub) -> list[ox.Triple]:
    """The catalog as triples."""
    base = hub.settings.base_uri  # the IRIs of what is described
    site = hub.settings.public_url  # where the service answers: pages, endpoints, downloads
    catalog = ox.NamedNode(catalog_iri(base))
    everything = ox.NamedNode(f"{base}void#dataset")
    sparql, oai = ox.NamedNode(f"{base}sparql"), ox.NamedNode(f"{base}oai")
    on_disk = dumps.parts(hub)
    rows = hub.catalog.live_by_source()
    out: list[ox.Triple] = []
    distributions: list[ox.NamedNode] = []

    def add(subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    def literal(value: object, datatype: str) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(f"{XSD}{datatype}"))

    out.append(ox.Triple(catalog, RDF_TYPE, ox.NamedNode(f"{DCAT}Catalog")))
    for lang in UN_LANGUAGES:
        add(catalog, f"{DCT}title", ox.Literal(message("hub", lang), language=lang))
        add(catalog, f"{DCT}language", ox.NamedNode(f"{base}vocab/language/{lang}"))
    add(catalog, f"{DCT}description", ox.Literal(
        "Records on mercury gathered from InforMEA, the GEF, the Convention's own sources and other clearing "
        "houses, in the six UN languages, as linked data.", language="en"))
    add(catalog, f"{FOAF}homepage", ox.NamedNode(site))
    add(catalog, f"{DCAT}service", sparql)
    add(catalog, f"{DCAT}service", oai)
    out.append(ox.Triple(catalog, RDFS_SEE_ALSO, ox.NamedNode(f"{site}void")))
    if rows:
        add(catalog, f"{DCT}modified", literal(max(r[2] for r in rows), "dateTime"))

    datasets = [(everything, "", sum(r[1] for r in rows), max((r[2] for r in rows), default=""))]
    datasets += [(ox.NamedNode(f"{base}void#source-{source}"), source, n, newest) for source, n, newest in rows]
    withheld = rights.withheld(hub.settings)
    for dataset, source, count, newest in datasets:
        own: list[ox.NamedNode] = []  # a source's distributions, which carry its terms
        add(catalog, f"{DCAT}dataset", dataset)
        out.append(ox.Triple(dataset, RDF_TYPE, ox.NamedNode(f"{DCAT}Dataset")))
        title = f"Records harvested from {source}" if source else "All records of the hub, with its vocabularies"
        add(dataset, f"{DCT}title", ox.Literal(title, language="en"))
        add(dataset, f"{DCT}description", ox.Literal(
            f"The {count} live records the hub holds from the source {source}, mapped to Dublin Core and SKOS, "
            "one named graph per record with its provenance." if source else
            f"The {count} live records of every source, with the Convention's controlled vocabularies, the "
            "harvest runs and the VoID description.", language="en"))
        if source:
            add(dataset, f"{DCT}identifier", ox.Literal(source))
        add(dataset, f"{DCAT}landingPage", ox.NamedNode(f"{site}search" + (f"?source={source}" if source else "")))
        add(dataset, "http://rdfs.org/ns/void#entities", literal(count, "integer"))
        if newest:
            add(dataset, f"{DCT}modified", literal(newest, "dateTime"))
        part = on_disk.get(source or dumps.FULL)
        if part:  # a withheld source has none (dumps.py)
            dump = ox.NamedNode(f"{base}catalog#dump-{part.name}")
            add(dataset, f"{DCAT}distribution", dump)
            (own if source else distributions).append(dump)
            out.append(ox.Triple(dump, RDF_TYPE, ox.NamedNode(f"{DCAT}Distribution")))
            add(dump, f"{DCT}title", ox.Literal(f"{part.file}: gzipped N-Quads, one named graph per record",
                                                language="en"))
            add(dump, f"{DCAT}downloadURL", ox.NamedNode(f"{site}dumps/{part.file}"))
            add(dump, f"{DCAT}accessURL", ox.NamedNode(f"{site}dumps/"))
            add(dump, f"{DCAT}mediaType", ox.NamedNode(f"{IANA}application/n-quads"))
            add(dump, f"{DCAT}compressFormat", ox.NamedNode(f"{IANA}application/gzip"))
            add(dump, f"{DCAT}byteSize", literal(part.bytes, "nonNegativeInteger"))
            add(dump, f"{DCT}modified", literal(part.modified, "dateTime"))
        if source and source not in withheld:
            harvest = ox.NamedNode(f"{base}catalog#oai-{source}")
            add(dataset, f"{DCAT}distribution", harvest)
            own.append(harvest)
            out.append(ox.Triple(harvest, RDF_TYPE, ox.NamedNode(f"{DCAT}Distribution")))
            add(harvest, f"{DCT}title", ox.Literal(f"OAI-PMH set source:{source}", language="en"))
            add(harvest, f"{DCAT}accessURL", ox.NamedNode(
                f"{site}oai?verb=ListRecords&metadataPrefix=oai_dc&set=source:{source}"))
            add(harvest, f"{DCAT}accessService", oai)
        if not source:  # the endpoint serves everything; each source is a part of it
            add(sparql, f"{DCAT}servesDataset", dataset)
        if source not in withheld:
            add(oai, f"{DCAT}servesDataset", dataset)
        if source:
            out += rights.source_triples(hub.settings, source, dataset, own)

    for service, title, endpoint, standard, description in (
            (sparql, "SPARQL 1.1 endpoint", f"{site}sparql", SPARQL_PROTOCOL, f"{site}sparql"),
            (oai, "OAI-PMH 2.0 provider", f"{site}oai", OAI_PMH, f"{site}oai?verb=Identify")):
        out.append(ox.Triple(service, RDF_TYPE, ox.NamedNode(f"{DCAT}DataService")))
        add(service, f"{DCT}title", ox.Literal(title, language="en"))
        add(service, f"{DCAT}endpointURL", ox.NamedNode(endpoint))
        add(service, f"{DCAT}endpointDescription", ox.NamedNode(description))
        add(service, f"{DCT}conformsTo", ox.NamedNode(standard))
    # publisher and contact on every dataset; the hub's licence on the catalog and the whole (a source's
    # dataset has its own: source_triples)
    of_sources = {d for d, source, *_ in datasets if source}
    out += [t for t in rights.triples(hub.settings, [catalog, *(d for d, *_ in datasets)])
            if not (t.subject in of_sources and t.predicate.value == f"{DCT}license")]
    out += rights.licence_triples(hub.settings, distributions)
    return out

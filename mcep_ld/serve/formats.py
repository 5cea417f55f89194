"""The formats the hub writes, as pyoxigraph's format objects, and the one Accept negotiation of every
route (python-mimeparse).

Two families: the RDF formats of resources (records, concepts, VoID, DCAT, the service description), each
also reachable by its file extension as a URL suffix; and the formats of SPARQL answers, named by the
protocol's ``format`` parameter (``json``, ``xml``, ``csv``, ``tsv``, ``ttl``, ``nt``, ``jsonld``). Media types
and extensions come from pyoxigraph (``RdfFormat.media_type``, ``.file_extension``), not from tables here.
"""

from __future__ import annotations

from dataclasses import dataclass

import mimeparse
import pyoxigraph as ox

#: The RDF formats of resources, in the order ``Link: rel=alternate`` headers list them; Turtle is the default.
RESOURCE_FORMATS: tuple[ox.RdfFormat, ...] = (
    ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML)


def resource_format(media: str) -> ox.RdfFormat | None:
    """The resource format of media type *media* (parameters and case ignored), if the hub writes it."""
    media = media.split(";")[0].strip().lower()
    return next((f for f in RESOURCE_FORMATS if f.media_type == media), None)


def resource_format_by_suffix(suffix: str) -> ox.RdfFormat | None:
    """The resource format of a suffix URL (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``), if the hub writes it."""
    return next((f for f in RESOURCE_FORMATS if f.file_extension == suffix), None)


@dataclass(frozen=True)
class ResultFormat:
    """A format of SPARQL answers: for SELECT/ASK results, for CONSTRUCT/DESCRIBE graphs, or both (``xml``)."""

    name: str
    results: ox.QueryResultsFormat | None
    graph: ox.RdfFormat | None
    #: media types besides the formats' own that ask for it in ``Accept``
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        """The Content-Type of answers in this format; text types say their charset."""
        media = (self.results or self.graph).media_type
        return f"{media}; charset=utf-8" if media.startswith("text/") and "charset" not in media else media

    def answering(self, *, graph: bool) -> ResultFormat:
        """This format for one kind of answer (a graph, or results): ``xml`` is RDF/XML for a graph, and its
        media type says so."""
        return ResultFormat(self.name, None, self.graph) if graph else ResultFormat(self.name, self.results, None)

    def media_types(self) -> list[str]:
        own = [f.media_type.split(";")[0] for f in (self.results, self.graph) if f is not None]
        return [*own, *self.aliases]


#: The SPARQL answer formats by their ``format`` name
FORMATS: dict[str, ResultFormat] = {f.name: f for f in (
    ResultFormat("json", ox.QueryResultsFormat.JSON, None, aliases=("application/json",)),
    ResultFormat("xml", ox.QueryResultsFormat.XML, ox.RdfFormat.RDF_XML, aliases=("application/xml",)),
    ResultFormat("csv", ox.QueryResultsFormat.CSV, None),
    ResultFormat("tsv", ox.QueryResultsFormat.TSV, None),
    ResultFormat("ttl", None, ox.RdfFormat.TURTLE),
    ResultFormat("nt", None, ox.RdfFormat.N_TRIPLES),
    ResultFormat("jsonld", None, ox.RdfFormat.JSON_LD),
)}


def result_format(media: str, *, graph: bool) -> ResultFormat | None:
    """The answer format media type *media* asks for, for a graph (CONSTRUCT/DESCRIBE) or results."""
    media = media.split(";")[0].strip().lower()
    for fmt in FORMATS.values():
        if media in fmt.media_types() and (fmt.graph if graph else fmt.results) is not None:
            return fmt
    return None


#: ``format`` values clients send for our formats (SPARQLWrapper's names, Virtuoso's and Fuseki's)
FORMAT_ALIASES = {"turtle": "ttl", "n3": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
                  "rdf+xml": "xml", "rdf": "xml", "rdfxml": "xml", "rdf/xml": "xml"}

#: What each kind of answer is offered in, least wanted first: the last is the answer to ``*/*``.
RESULTS_OFFER = ("text/tab-separated-values", "text/csv", "application/xml", "application/sparql-results+xml",
                 "application/json", "application/sparql-results+json")
GRAPH_OFFER = ("application/rdf+xml", "application/n-triples", "application/ld+json", "text/turtle")


def named_format(value: str) -> ResultFormat | None:
    """The answer format a ``format`` parameter names: ours (``ttl``), a client's alias (``turtle``, ``rdf+xml``)
    or a media type (``text/tab-separated-values``)."""
    value = value.strip().lower()
    if "/" in value:
        return result_format(value, graph=False) or result_format(value, graph=True)
    return FORMATS.get(FORMAT_ALIASES.get(value, value))


def best_media(header: str | None, offered: tuple[str, ...] | list[str]) -> str | None:
    """The offered media type an ``Accept`` header prefers, by python-mimeparse: the highest q-value, then the
    most specific range that gives it; a tie goes to the later offered; an unreadable weight counts as 1. None
    when there is no header, when it cannot be read (no preference, rather than an error) or when it refuses
    every offer (``q=0``)."""
    if not header or not header.strip():
        return None
    try:
        return mimeparse.best_match(list(offered), header.lower()) or None  # media types ignore case
    except (ValueError, IndexError):
        return None

"""The formats the hub writes, as pyoxigraph's format objects, and the one Accept parser of every route.

Two families: the RDF formats of resources (records, concepts, VoID, DCAT, the service description), each
also reachable by its file extension as a URL suffix; and the formats of SPARQL answers, named by the
protocol's ``format`` parameter (``json``, ``xml``, ``csv``, ``tsv``, ``ttl``, ``nt``, ``jsonld``). Media types
and extensions come from pyoxigraph (``RdfFormat.media_type``, ``.file_extension``), not from tables here.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def accepted(header: str | None) -> list[str]:
    """The media ranges of an ``Accept`` header, most wanted first: by q-value, then in the client's order.

    Ranges with ``q=0`` (refused) are left out; parameters other than q are dropped; lower case.
    """
    ranges: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0  # an unreadable weight counts as the default
        if q > 0:
            ranges.append((-q, n, media.lower()))
    return [media for _, _, media in sorted(ranges)]

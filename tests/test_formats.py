"""The one format registry (pyoxigraph's format objects) and the one Accept parser."""

from __future__ import annotations

import pyoxigraph as ox

from mcep_ld.serve.formats import (
    FORMATS,
    RESOURCE_FORMATS,
    accepted,
    resource_format,
    resource_format_by_suffix,
    result_format,
)


def test_accept_ranges_come_by_weight_then_in_the_clients_order() -> None:
    assert accepted("application/ld+json, text/turtle") == ["application/ld+json", "text/turtle"]
    assert accepted("text/html;q=0.5, text/turtle, */*;q=0.1") == ["text/turtle", "text/html", "*/*"]


def test_a_refused_range_is_left_out_and_a_bad_weight_is_the_default() -> None:
    assert accepted("text/turtle;q=0, application/n-triples;q=zero") == ["application/n-triples"]
    assert accepted("") == [] and accepted(None) == []


def test_resource_formats_are_pyoxigraphs() -> None:
    assert [f.file_extension for f in RESOURCE_FORMATS] == ["ttl", "jsonld", "nt", "rdf"]
    assert resource_format("Text/Turtle; charset=utf-8") is ox.RdfFormat.TURTLE
    assert resource_format_by_suffix("rdf") is ox.RdfFormat.RDF_XML
    assert resource_format("text/n3") is None and resource_format_by_suffix("n3") is None


def test_answer_formats_by_media_type_fit_the_query_form() -> None:
    assert result_format("application/rdf+xml", graph=True) is FORMATS["xml"]
    assert result_format("application/json", graph=False) is FORMATS["json"]
    assert result_format("application/json", graph=True) is None  # results only
    assert result_format("text/turtle", graph=False) is None  # graphs only
    assert FORMATS["ttl"].media_type == "text/turtle; charset=utf-8"
    assert FORMATS["json"].media_type == "application/sparql-results+json"

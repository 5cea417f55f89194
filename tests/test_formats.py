"""The one format registry (pyoxigraph's format objects) and the one Accept parser."""

from __future__ import annotations

import pyoxigraph as ox

from mcep_ld.serve.formats import (
    FORMATS,
    GRAPH_OFFER,
    RESOURCE_FORMATS,
    RESULTS_OFFER,
    best_media,
    named_format,
    resource_format,
    resource_format_by_suffix,
    result_format,
)


def test_the_accept_header_chooses_by_weight_then_specificity() -> None:
    offer = ("application/rdf+xml", "application/ld+json", "text/html", "text/turtle")
    assert best_media("text/html;q=0.1, text/turtle", offer) == "text/turtle"
    assert best_media("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offer) == "text/html"
    assert best_media("*/*", offer) == "text/turtle"  # a tie: the last offered
    assert best_media("application/*", offer) == "application/ld+json"
    assert best_media("application/ld+json;profile=\"http://www.w3.org/ns/json-ld#compacted\"", offer) == (
        "application/ld+json")
    assert best_media("Text/Turtle; charset=utf-8", offer) == "text/turtle"


def test_a_refused_or_unreadable_header_is_no_choice() -> None:
    assert best_media("application/sparql-results+json;q=0, text/csv", RESULTS_OFFER) == "text/csv"
    assert best_media("image/png", GRAPH_OFFER) is None
    assert best_media("text/turtle;q=0", GRAPH_OFFER) is None
    assert best_media("", GRAPH_OFFER) is None and best_media(None, GRAPH_OFFER) is None
    assert best_media("text/turtle;q=zero", GRAPH_OFFER) == "text/turtle"  # an unreadable weight: the default
    assert best_media("turtle", GRAPH_OFFER) is None  # no media type at all: no preference


def test_format_parameters_by_our_names_clients_names_and_media_types() -> None:
    assert named_format("turtle") is FORMATS["ttl"] and named_format("n3") is FORMATS["ttl"]
    assert named_format("rdf+xml") is FORMATS["xml"] and named_format("json-ld") is FORMATS["jsonld"]
    assert named_format("text/tab-separated-values") is FORMATS["tsv"]
    assert named_format("application/rdf+xml") is FORMATS["xml"]
    assert named_format("yaml") is None


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


def test_xml_answers_a_graph_as_rdf_xml_and_results_as_sparql_xml() -> None:
    graph, results = FORMATS["xml"].answering(graph=True), FORMATS["xml"].answering(graph=False)
    assert (graph.results, graph.graph, graph.media_type) == (None, ox.RdfFormat.RDF_XML, "application/rdf+xml")
    assert (results.results, results.graph) == (ox.QueryResultsFormat.XML, None)
    assert results.media_type == "application/sparql-results+xml"


def test_media_type_parameters_and_case_do_not_change_the_format() -> None:
    assert result_format("Application/SPARQL-Results+JSON; charset=utf-8", graph=False) is FORMATS["json"]
    assert result_format("text/turtle;q=0.9", graph=True) is FORMATS["ttl"]
    assert result_format("text/turtle", graph=False) is None  # Turtle answers no SELECT


def test_a_media_type_named_in_format_finds_results_formats_before_graph_ones() -> None:
    assert named_format("text/csv") is FORMATS["csv"]
    assert named_format(" Application/XML ") is FORMATS["xml"]
    assert named_format("text/turtle") is FORMATS["ttl"]
    assert named_format("application/n-triples") is FORMATS["nt"]
    assert named_format("image/png") is None

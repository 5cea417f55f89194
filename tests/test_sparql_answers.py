"""Rows of an answer are counted while pyoxigraph writes it, chunk by chunk: the count must equal the rows a
parser finds, whatever the literals hold and wherever the chunks are cut (JSON: once recounted exactly; its
quick count may only run high)."""

from __future__ import annotations

import csv
import io
import json
import random

import pyoxigraph as ox
import pytest
from lxml import etree

from mcep_ld.serve.formats import FORMATS
from mcep_ld.serve.queries import RowCounter

# Literals that look like the syntax the counter reads: JSON row openers, escapes, quotes, XML, line breaks.
NASTY = ['[{"a":1},{"b":2}]', '\\', '\\\\', '\\"', '"}},{"x":{', ',{}', '[{}', 'a\\"b",{"c', '<result>', "two\nlines",
         "tab\there", 'end\\', '', "{", "}", "日本語 «ru» عربى", "\r\n,{\r\n", "ends ,{", "[{", "a,{},{}"]


def _store(rows: int) -> ox.Store:
    store = ox.Store()
    rng = random.Random(7)
    for i in range(rows):
        s = ox.NamedNode(f"https://example.org/r/{i}")
        value = rng.choice(NASTY) * rng.randint(1, 3)
        lang = rng.choice([None, "en", "zh-Hans"])
        store.add(ox.Quad(s, ox.NamedNode("https://example.org/p"), ox.Literal(value, language=lang)))
        if i % 3:  # some rows leave ?o2 unbound, and one in five has no binding at all
            store.add(ox.Quad(s, ox.NamedNode("https://example.org/q"), ox.Literal(str(i))))
    return store


QUERY = """SELECT ?s ?o ?o2 WHERE {
  { ?s <https://example.org/p> ?o OPTIONAL { ?s <https://example.org/q> ?o2 } }
  UNION { BIND(1 AS ?unused) FILTER(false) } }"""
EMPTY_ROWS = "SELECT ?x WHERE { VALUES ?n { 1 2 3 } OPTIONAL { ?n <https://example.org/nothing> ?x } }"


def _parsed_rows(body: bytes, name: str) -> int:
    if name == "json":
        return len(json.loads(body)["results"]["bindings"])
    if name == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return len(etree.fromstring(body).findall(f"{ns}results/{ns}result"))
    if name == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return body.count(b"\n") - 1  # TSV escapes line breaks in values


def _chunks(body: bytes, chunk_sizes: list[int]) -> list[bytes]:
    out, at = [], 0
    for size in chunk_sizes:
        out.append(body[at:at + size])
        at += size
    return [*out, body[at:]]


def _counted(body: bytes, name: str, chunk_sizes: list[int], *, recount_after: int | None = None) -> int:
    """Rows counted over the chunks; with *recount_after*, recounted exactly after that many chunks."""
    counter = RowCounter(FORMATS[name])
    chunks = _chunks(body, chunk_sizes)
    for i, chunk in enumerate(chunks):
        if i == recount_after:
            counter.recount(chunks[:i])
        counter.feed(chunk)
    if recount_after is not None and recount_after >= len(chunks):
        counter.recount(chunks)
    return counter.total


@pytest.mark.parametrize("name", ["json", "xml", "tsv"])
@pytest.mark.parametrize("query", [QUERY, EMPTY_ROWS], ids=["nasty-literals", "empty-rows"])
def test_rows_counted_while_written_equal_rows_parsed(name: str, query: str) -> None:
    store = _store(600)
    body = store.query(query).serialize(format=FORMATS[name].results)
    expected = _parsed_rows(body, name)
    assert expected in (600, 3)
    rng = random.Random(name)
    for cuts in ([len(body)], [1] * 400, [rng.randint(1, 64) for _ in range(300)], [8192] * 3):
        for recount_after in (0, 1, 7, len(cuts) + 1):
            assert _counted(body, name, cuts, recount_after=recount_after) == expected, (cuts[:5], recount_after)
        quick = _counted(body, name, cuts)
        assert quick == expected if name != "json" or query == EMPTY_ROWS else quick > expected


def test_the_quick_json_count_is_exact_for_ordinary_literals() -> None:
    store = ox.Store()
    for i in range(500):
        store.add(ox.Quad(ox.NamedNode(f"https://example.org/r/{i}"), ox.NamedNode("https://example.org/p"),
                          ox.Literal(f"Decision MC-{i}/1: mercury, {{not}} [a] \"row\" {i}", language="en")))
    body = store.query("SELECT * WHERE { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.JSON)
    assert _counted(body, "json", [100] * 300) == 500


def test_csv_counts_high_only_where_a_value_holds_a_line_break() -> None:
    """CSV quotes a value holding a line break, and each of its breaks counts as a row: high, never low.
    Documented; the other formats are exact."""
    store = _store(600)
    body = store.query(QUERY).serialize(format=ox.QueryResultsFormat.CSV)
    breaks = sum(v.count("\n") for r in csv.reader(io.StringIO(body.decode(), newline="")) for v in r)
    assert breaks > 0
    for cuts in ([len(body)], [1] * 2000, [100] * 50):
        assert _counted(body, "csv", cuts) == _parsed_rows(body, "csv") + breaks


def test_ask_answers_have_no_rows() -> None:
    body = _store(3).query("ASK { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.JSON)
    assert _counted(body, "json", [5, 5]) == 0

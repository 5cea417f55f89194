"""The mapping toolkit: keys and IRIs, language tags, dates, country lookup, and the literal trap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.mapping.dates import as_utc, date_literal, day_literal
from mcep_ld.mapping.iris import record_iri, slug
from mcep_ld.mapping.languages import normalise_language, text_literal
from mcep_ld.mapping.records import MappingError
from mcep_ld.mapping.terms import graph_to_quads, quads_to_graph, to_ox, to_rdflib
from mcep_ld.resources import PROJECT_ROOT
from mcep_ld.vocab import Vocabulary

BASE = "http://hub.test/"


@pytest.mark.parametrize("natural, key", [
    ("MC-5/16", "mc-5-16"),
    ("UNEP/MC/COP.5/19", "unep-mc-cop-5-19"),
    ("UNEP/MC/COP.5/INF/36", "unep-mc-cop-5-inf-36"),
    ("UNEP(DTIE)/Hg/INC.5/1/Add.1", "unep-dtie-hg-inc-5-1-add-1"),
    ("10148", "10148"),
])
def test_slug_of_natural_keys(natural: str, key: str) -> None:
    assert slug(natural) == key
    assert record_iri(BASE, "decision", slug(natural)) == URIRef(f"{BASE}id/decision/{key}")


def test_slug_refuses_empty_keys() -> None:
    with pytest.raises(ValueError):
        slug("///")


@pytest.mark.parametrize("code, tag", [
    ("en", "en"), ("EN", "en"), ("zh-hans", "zh"), ("zh_CN", "zh"), ("zh-Hans", "zh"), ("zh", "zh"),
    ("zh-hant", "zh-Hant"), ("pt-br", "pt-BR"), ("sr-latn-rs", "sr-Latn-RS"), ("fra", "fr"),
    ("und", "und"), ("", None), ("not a tag!", None), (None, None),
])
def test_language_tags_become_bcp47(code: str | None, tag: str | None) -> None:
    assert normalise_language(code) == tag


def test_text_literal_keeps_text_without_a_usable_tag() -> None:
    assert text_literal("  Mercurio  ", "ES") == Literal("Mercurio", lang="es")
    assert text_literal("untagged", "??") == Literal("untagged")
    assert text_literal("   ", "en") is None


@pytest.mark.parametrize("value, lexical, datatype", [
    ("/Date(1206271611000)/", "2008-03-23T11:26:51", XSD.dateTime),
    ("/Date(1206271611000+0100)/", "2008-03-23T11:26:51", XSD.dateTime),
    ("2024-01-31", "2024-01-31", XSD.date),
    ("2024-01-31 10:00:00", "2024-01-31T10:00:00", XSD.dateTime),
    ("2024-01-31T10:00:00+02:00", "2024-01-31T08:00:00", XSD.dateTime),
    ("2024-01-31T10:00:00Z", "2024-01-31T10:00:00", XSD.dateTime),
    ("FY2019", "2019", XSD.gYear),
    ("2019-07", "2019-07", XSD.gYearMonth),
    ("2019", "2019", XSD.gYear),
])
def test_dates_in_every_source_form(value: str, lexical: str, datatype: URIRef) -> None:
    lit = date_literal(value)
    assert lit.datatype == datatype
    assert str(lit).startswith(lexical)


@pytest.mark.parametrize("value", ["2023-02-30", "2024-13-01", "2024-13", "/Date(99999999999999999999)/",
                                   "yesterday"])
def test_impossible_dates_raise_mapping_error(value: str) -> None:
    with pytest.raises(MappingError, match="impossible date"):
        date_literal(value)


def test_day_literal_reduces_moments_to_days() -> None:
    assert lexical(day_literal("/Date(1698624000000)/")) == ("2023-10-30", str(XSD.date))
    assert date_literal("") is None


def lexical(lit: Literal | None) -> tuple[str, str] | None:
    """A literal as the store keeps it: its lexical form and datatype (rdflib's == compares values, so
    "2023-10-30T" would equal "2023-10-30": the literal trap, shared/reference/sparql-shacl-skos.md)."""
    return None if lit is None else (str(lit), str(lit.datatype))


@pytest.mark.parametrize("value, literal", [
    ("/Date(1206271611000)/", Literal("2008-03-23T11:26:51Z", datatype=XSD.dateTime)),
    ("/Date(-86400000)/", Literal("1969-12-31T00:00:00Z", datatype=XSD.dateTime)),  # before 1970
    ("/Date(1206271611000-0500)/", Literal("2008-03-23T11:26:51Z", datatype=XSD.dateTime)),  # ticks are UTC
    ("  2024-01-31T23:30:00-01:00 ", Literal("2024-02-01T00:30:00Z", datatype=XSD.dateTime)),  # to UTC, next day
    ("2024-01-31 10:00:00", Literal("2024-01-31T10:00:00Z", datatype=XSD.dateTime)),  # naive: UTC
    ("fy 2019", Literal("2019", datatype=XSD.gYear)),
    ("0999", Literal("0999", datatype=XSD.gYear)),
    ("2019-01", Literal("2019-01", datatype=XSD.gYearMonth)),
    ("2019-12", Literal("2019-12", datatype=XSD.gYearMonth)),
    (None, None),
    ("   ", None),
])
def test_each_date_as_its_exact_literal(value: str | None, literal: Literal | None) -> None:
    assert lexical(date_literal(value)) == lexical(literal)


@pytest.mark.parametrize("value", ["2019-00", "2019-13", "FY19", "2024-01-31T25:00:00"])
def test_impossible_months_and_times_are_refused(value: str) -> None:
    with pytest.raises(MappingError, match="impossible date"):
        date_literal(value)


def test_an_impossible_month_is_named_in_the_quarantine_report() -> None:
    with pytest.raises(MappingError, match=r"impossible date '2019-13': no month 13$"):
        date_literal("2019-13")


@pytest.mark.parametrize("value, day", [
    ("2023-10-30T23:59:59Z", Literal("2023-10-30", datatype=XSD.date)),
    ("2023-10-30", Literal("2023-10-30", datatype=XSD.date)),  # a day stays a day
    ("2019", Literal("2019", datatype=XSD.gYear)),  # a year stays a year
    ("", None),
])
def test_day_literal_keeps_what_is_not_a_moment(value: str, day: Literal | None) -> None:
    assert lexical(day_literal(value)) == lexical(day)


@pytest.mark.parametrize("value, moment", [
    ("2024-01-31T10:00:00+02:00", datetime(2024, 1, 31, 8, tzinfo=UTC)),
    ("2024-01-31", datetime(2024, 1, 31, tzinfo=UTC)),
    ("FY2019", datetime(2019, 1, 1, tzinfo=UTC)),
    ("/Date(0)/", datetime(1970, 1, 1, tzinfo=UTC)),
    ("", None),
    (None, None),
])
def test_modification_times_as_aware_utc_moments(value: str | None, moment: datetime | None) -> None:
    found = as_utc(value)
    assert found == moment and (found is None or found.utcoffset() == timedelta(0))


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load(PROJECT_ROOT / "vocabularies", BASE)


@pytest.mark.parametrize("text, code", [
    ("HU", "HU"), ("hu", "HU"), ("ec", "EC"), ("BRA", "BR"), ("tza", "TZ"), ("076", "BR"),
    ("Congo DR", "CD"), ("Bosnia-Herzegovina", "BA"), ("Cote d'Ivoire", "CI"), ("côte d’ivoire", "CI"),
    ("Viet Nam", "VN"), ("France", "FR"), ("Francia", "FR"), ("Франция", "FR"), ("法国", "FR"),
])
def test_countries_through_the_vocabulary(vocab: Vocabulary, text: str, code: str) -> None:
    assert vocab.country(text) == f"{BASE}vocab/country/{code}"


@pytest.mark.parametrize("text", ["XX", "Atlantis", "", None])
def test_unknown_countries_are_none(vocab: Vocabulary, text: str | None) -> None:
    assert vocab.country(text) is None


def test_treaties_through_the_vocabulary(vocab: Vocabulary) -> None:
    assert vocab.lookup("treaty", "minamata") == f"{BASE}vocab/treaty/minamata"


def test_plain_literals_survive_a_round_trip_through_oxigraph() -> None:
    """The rdflib ↔ pyoxigraph trap: Oxigraph reports plain literals as xsd:string."""
    g = Graph()
    s = URIRef("http://x/s")
    g.add((s, URIRef("http://x/p"), Literal("plain")))
    g.add((s, URIRef("http://x/p"), Literal("tagged", lang="fr")))
    g.add((s, URIRef("http://x/p"), Literal("2024-01-01", datatype=XSD.date)))
    store = ox.Store()
    store.extend(graph_to_quads(g, "http://x/g"))
    back = quads_to_graph(store.quads_for_pattern(None, None, None, None))
    assert set(back) == set(g)
    assert to_rdflib(to_ox(Literal("plain"))) == Literal("plain")


@pytest.mark.parametrize("lexical, datatype", [
    ("0.800", "decimal"), ("2026-01-01T00:00:00+00:00", "dateTime"), ("2026-01-01+00:00", "date"),
    ("1", "boolean"), ("007", "int"), ("1E0", "double"), ("not a number", "integer"),
])
def test_typed_literals_take_the_form_the_store_reads_back(tmp_path, lexical: str, datatype: str) -> None:
    # Staged dumps and graph hashes are made from to_ox's terms; the store canonicalises what it holds.
    given = Literal(lexical, datatype=XSD[datatype])
    term = to_ox(given)
    store = ox.Store(str(tmp_path / "store"))
    s = ox.NamedNode("http://hub.test/s")
    store.add(ox.Quad(s, s, ox.Literal(str(given), datatype=ox.NamedNode(str(XSD[datatype])))))
    (back,) = [q.object for q in store.quads_for_pattern(s, None, None)]
    assert term == back
    assert str(term) == str(back)

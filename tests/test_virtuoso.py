"""The hub on Virtuoso 7 (Debian's) through the service, beside the same hub on the embedded store: the demo
harvested into each, then both served by `mcep serve` and asked the same things over HTTP. Everything the
public sees must be the same (records, counts, pages, OAI-PMH, SPARQL answers), apart from when each
harvest ran and the port of the sample server each harvested from.

Tests that change data (the tombstone, the protocol manifest's graphs) change both hubs the same way, so
the comparisons hold whatever order the tests run in.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from lxml import etree
from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic
from sickle import Sickle

from mcep_ld.fetch.sample_server import SampleServer
from tests.conftest import demo_copy, mcep, running_service, running_virtuoso
from tests.test_sparql_protocol import CASES, SUITE, manifest_graphs, run_case

TOKEN = "virtuoso-suite-token"
PROV = "http://www.w3.org/ns/prov#"
#: The statements that say when a harvest ran: they differ between any two harvests.
WHEN = {f"<{PROV}generatedAtTime>", f"<{PROV}startedAtTime>", f"<{PROV}endedAtTime>"}
SAMPLE_SERVER = re.compile(r"127\.0\.0\.1:\d+")


@dataclass(frozen=True)
class Twins:
    """The same hub served twice: on Virtuoso and on the embedded store."""

    virtuoso: str
    embedded: str
    virtuoso_data: Path
    embedded_data: Path
    virtuoso_env: dict[str, str]


@pytest.fixture(scope="module")
def twins(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twins]:
    # A Virtuoso of its own, stopped with the module: after this module the session's shared one stopped
    # answering queries (60 s timeouts) in the store tests that followed; not yet understood (see the issue note).
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso") / "db") as virtuoso:
        env = virtuoso.environment()
        on_virtuoso = tmp_path_factory.mktemp("on-virtuoso") / "data"
        mcep("demo", "--no-serve", "--data-dir", str(on_virtuoso), env=env, check=True, timeout=900)
        embedded = demo_copy(demo_template, tmp_path_factory, "embedded")
        token = {"MCEP_SPARQL_UPDATE_TOKEN": TOKEN}
        with running_service(on_virtuoso, env=env | token) as v, running_service(embedded, env=token) as e:
            yield Twins(virtuoso=v, embedded=e, virtuoso_data=on_virtuoso, embedded_data=embedded,
                        virtuoso_env=env)


def both(twins: Twins) -> tuple[str, str]:
    return twins.virtuoso, twins.embedded


def sparql(service: str, query: str, fmt: str = "tsv") -> str:
    resp = requests.post(f"{service}/sparql", data={"query": query, "format": fmt}, timeout=120)
    assert resp.status_code == 200, resp.text[:500]
    return resp.text


def public_dataset(service: str) -> set[str]:
    """Every public statement with its graph, as /sparql gives it (TSV rows), harvest times and the sample
    server's port made the same."""
    rows = sparql(service, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").splitlines()[1:]
    out = set()
    for row in rows:
        g, s, p, o = row.split("\t")
        out.add("\t".join((g, s, p, "<when>" if p in WHEN else SAMPLE_SERVER.sub("<samples>", o))))
    return out


def test_the_demo_publishes_the_same_statements(twins: Twins) -> None:
    on_virtuoso, embedded = (public_dataset(s) for s in both(twins))
    assert len(embedded) > 40_000
    assert sorted(on_virtuoso - embedded)[:5] == sorted(embedded - on_virtuoso)[:5] == []
    counts = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { GRAPH ?g { ?r a ?kind } }"
    assert sparql(twins.virtuoso, counts) == sparql(twins.embedded, counts)


def _rows(results: dict) -> list[str]:
    """A table's rows as a multiset, the parts of a GROUP_CONCAT (" | ") as a set: SPARQL leaves the order of
    ties under ORDER BY, and of a group's values, to the engine."""
    rows = []
    for row in results["results"]["bindings"]:
        for term in row.values():
            if " | " in term["value"]:
                term["value"] = " | ".join(sorted(term["value"].split(" | ")))
        rows.append(json.dumps(row, sort_keys=True))
    return sorted(rows)


def test_the_example_queries_answer_the_same(twins: Twins) -> None:
    """The queries the SPARQL page offers, and one of each other form, in every results format."""
    folder = Path(__file__).parent.parent / "mcep_ld" / "serve" / "web" / "example-queries"
    queries = [f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.rq"))]
    assert len(queries) >= 5
    for query in queries:
        a, b = (_rows(json.loads(sparql(s, query, "json"))) for s in both(twins))
        assert a == b and b, query
    ask = "ASK { ?d a <https://w3id.org/mcep/ontology#Decision> }"
    assert json.loads(sparql(twins.virtuoso, ask, "json"))["boolean"] is True
    construct = ("CONSTRUCT { ?c ?p ?o } WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ; ?p ?o "
                 "FILTER(isLiteral(?o)) }")
    graphs = [ox.Dataset(ox.parse(sparql(s, construct, "nt").encode(), format=ox.RdfFormat.N_TRIPLES))
              for s in both(twins)]
    assert len(graphs[1]) > 1000 and set(graphs[0]) == set(graphs[1])


def _live_pages(service: str) -> list[str]:
    root = etree.fromstring(requests.get(f"{service}/sitemap.xml", timeout=60).content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return sorted(loc.removeprefix("http://localhost:8000") for loc in root.xpath("//s:loc/text()", namespaces=ns))


def _harvest_times_blanked(html: str) -> str:
    """The page with the times of the last day (when its sources were harvested) blanked: only the
    harvests' times are that recent in the bundled samples."""
    recent = datetime.now(UTC) - timedelta(days=1)

    def blank(match: re.Match) -> str:
        when = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        return "<time>harvested</time>" if when.tzinfo and when > recent else match.group(0)

    return SAMPLE_SERVER.sub("<samples>", re.sub(r'<time datetime="([^"]+T[^"]+)">.*?</time>', blank, html))


def test_the_record_pages_are_the_same(twins: Twins) -> None:
    pages = _live_pages(twins.embedded)
    assert len(pages) > 900 and _live_pages(twins.virtuoso) == pages
    # every kind of record, in English and Arabic; the landing page and a search in both
    by_kind = {}
    for page in pages:
        by_kind.setdefault(page.split("/")[2], []).append(page)
    sample = [p for kind_pages in by_kind.values() for p in kind_pages[::25]]
    assert len(by_kind) >= 8 and len(sample) > 40
    for path in [*sample, "/", "/search?q=mercury", "/insights/17-1"]:
        for lang in ("en", "ar"):
            a, b = (requests.get(f"{s}{path}", params={"lang": lang}, headers={"Accept": "text/html"}, timeout=60)
                    for s in both(twins))
            assert a.status_code == b.status_code == 200, path
            assert _harvest_times_blanked(a.text) == _harvest_times_blanked(b.text), (path, lang)


def test_the_odata_service_is_the_same(twins: Twins) -> None:
    """Built from the public store: InforMEA's own format for the hub's focal points, decisions, meetings."""
    primary = set()
    for entity_set in ("Contacts", "Decisions", "Meetings"):
        a, b = (requests.get(f"{s}/informea.svc/{entity_set}", params={"$format": "json", "$top": "1000"},
                             timeout=60).json() for s in both(twins))
        primary |= {c.get("primary") for c in a["d"]["results"]}  # an xsd:boolean read back from the store
        assert len(b["d"]["results"]) > 10 and len(a["d"]["results"]) == len(b["d"]["results"]), entity_set
        for mine, theirs in zip(a["d"]["results"], b["d"]["results"], strict=True):
            assert mine.pop("updated") and theirs.pop("updated")  # when each hub harvested it
            assert mine == theirs
    assert {True, False} <= primary


def _oai_records(service: str, prefix: str, **args: str) -> dict[str, tuple]:
    records = {}
    for record in Sickle(f"{service}/oai").ListRecords(metadataPrefix=prefix, ignore_deleted=False, **args):
        header = record.header
        metadata = record.xml.find(".//{http://www.openarchives.org/OAI/2.0/}metadata")
        records[header.identifier] = (header.deleted, sorted(header.setSpecs), metadata)
    return records


def _without_when(metadata: etree._Element) -> Graph:
    g = Graph().parse(data=etree.tostring(metadata[0]), format="xml")
    for p in WHEN:
        g.remove((None, URIRef(p[1:-1]), None))
    return g


def test_oai_pmh_lists_the_same_records(twins: Twins) -> None:
    sets = [sorted(s.setSpec for s in Sickle(f"{url}/oai").ListSets()) for url in both(twins)]
    assert sets[0] == sets[1] and "source:informea" in sets[1]
    dc = [_oai_records(url, "oai_dc") for url in both(twins)]
    assert len(dc[1]) > 900 and dc[0].keys() == dc[1].keys()
    for key, (deleted, set_specs, metadata) in dc[1].items():
        there = dc[0][key]
        assert (there[0], there[1]) == (deleted, set_specs), key
        if metadata is not None:
            assert SAMPLE_SERVER.sub("", etree.tostring(there[2], method="c14n").decode()) == \
                SAMPLE_SERVER.sub("", etree.tostring(metadata, method="c14n").decode()), key
    rdf = [_oai_records(url, "rdf", set="source:informea") for url in both(twins)]
    assert len(rdf[1]) > 100 and rdf[0].keys() == rdf[1].keys()
    for key, (_, _, metadata) in rdf[1].items():
        if metadata is not None:
            assert to_isomorphic(_without_when(rdf[0][key][2])) == to_isomorphic(_without_when(metadata)), key


def test_a_hub_harvests_the_virtuoso_hubs_oai_pmh(twins: Twins, tmp_path: Path) -> None:
    """The round trip: the hub's own OAI harvester takes a set in ``rdf`` from the hub on Virtuoso."""
    listed = len(_oai_records(twins.virtuoso, "oai_dc", set="source:informea"))
    proc = mcep("harvest", "oai", "--endpoint", f"{twins.virtuoso}/oai", "--metadata-prefix", "rdf", "--name",
                "hub1", "--set", "source:informea", "--data-dir", str(tmp_path / "second"),
                env={"MCEP_HTTP_REQUESTS_PER_S": "1000"}, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"seen {listed}," in proc.stdout and "quarantined 0, failed 0" in proc.stdout, proc.stdout


def test_a_record_gone_at_its_source_is_a_tombstone_on_both(twins: Twins, samples: Path) -> None:
    meetings = samples / "informea" / "Meetings.json"
    doc = json.loads(meetings.read_text(encoding="utf-8"))
    gone = doc["d"]["results"].pop(0)["id"]
    meetings.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    iri = f"http://localhost:8000/id/meeting/{gone}"
    with SampleServer(samples) as srv:
        for service, data, env in ((twins.virtuoso, twins.virtuoso_data, twins.virtuoso_env),
                                   (twins.embedded, twins.embedded_data, {})):
            assert requests.get(f"{service}/id/meeting/{gone}", timeout=30).status_code == 200
            # handed to the running service, as an operator would
            proc = mcep("harvest", "informea", "--endpoint", srv.informea_endpoint, "--full", "--data-dir",
                        str(data), env=env | {"MCEP_HTTP_REQUESTS_PER_S": "1000"}, timeout=300)
            assert proc.returncode == 0 and "deleted 1," in proc.stdout, proc.stdout + proc.stderr
            assert requests.get(f"{service}/id/meeting/{gone}", timeout=30).status_code == 410
            deadline = time.monotonic() + 10  # the embedded store's queries read a checkpoint, a second behind at most
            while json.loads(sparql(service, f"ASK {{ <{iri}> ?p ?o }}", "json"))["boolean"]:
                assert time.monotonic() < deadline, f"{iri} is still in {service}'s SPARQL answers"
                time.sleep(0.2)
            header = Sickle(f"{service}/oai").GetRecord(identifier=_oai_identifier(service, iri),
                                                        metadataPrefix="oai_dc").header
            assert header.deleted


def _oai_identifier(service: str, iri: str) -> str:
    for header in Sickle(f"{service}/oai").ListIdentifiers(metadataPrefix="oai_dc", set="kind:meeting",
                                                           ignore_deleted=False):
        if header.identifier.endswith(iri.rsplit("/", 1)[-1]):
            return header.identifier
    raise AssertionError(f"{iri} is not listed")


@pytest.fixture(scope="module")
def protocol_graphs(twins: Twins) -> Twins:
    """The manifest's data files loaded into both hubs through /sparql, as an operator's update would."""
    for service in both(twins):
        for name, path in manifest_graphs().items():
            triples = path.read_text(encoding="utf-8")
            update = f"INSERT DATA {{ GRAPH <{name}> {{ {triples} }} }}"
            resp = requests.post(f"{service}/sparql", data={"update": update},
                                 headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
            assert resp.status_code == 204, resp.text[:300]
    return twins


QUERY_CASES = [(name, steps) for name, steps in CASES if name.startswith(("query_", "bad_query_"))]


@pytest.mark.skipif(not QUERY_CASES, reason=f"{SUITE} is absent (it comes with ../shared)")
@pytest.mark.parametrize("name, steps", QUERY_CASES or [("none", [])], ids=[c[0] for c in QUERY_CASES] or ["none"])
def test_protocol_query_case_on_virtuoso(protocol_graphs: Twins, name: str, steps: list[dict]) -> None:
    run_case(protocol_graphs.virtuoso, steps, token=TOKEN)


"""Federation round trip: the hub's own OAI harvester harvests the hub's OAI-PMH provider in the ``rdf``
format into a second data directory. Every record graph arrives isomorphic (the hubs' provenance about their
own graphs aside), and a deletion at the first hub arrives as a tombstone at the second."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_isomorphic

from mcep_ld.hub import Hub
from mcep_ld.mapping.iris import graph_iri
from mcep_ld.mapping.terms import quads_to_graph
from mcep_ld.serve.oai.provider import Provider
from tests.conftest import make_settings, mcep, running_service

FAST = {"MCEP_HTTP_REQUESTS_PER_S": "1000"}


def record_triples(hub: Hub, graph: str) -> Graph:
    """A record graph without the statements about the graph itself (each hub's own provenance)."""
    g = quads_to_graph(hub.store.public.quads(graph))
    for s in {s for s in g.subjects() if str(s) == graph or "/graph/" in str(s)}:
        g.remove((s, None, None))
    return g


def test_round_trip_in_rdf_with_deletions(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    mcep("demo", "--no-serve", "--data-dir", str(first), check=True)

    def harvest() -> str:
        with running_service(first) as url:
            proc = mcep("harvest", "oai", "--endpoint", f"{url}/oai", "--metadata-prefix", "rdf", "--name", "hub1",
                        "--data-dir", str(second), env=FAST)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    out = harvest()
    assert "failed 0" in out and "quarantined 0" in out, out
    with Hub(make_settings(first)) as one, Hub(make_settings(second)) as two:
        provider = Provider(one)
        rows = one.catalog.db.execute("SELECT * FROM records WHERE published=1").fetchall()
        assert len(rows) > 150
        for row in rows:
            key = provider.identifier(row)
            copy = two.catalog.record("hub1", key)
            assert copy is not None and copy["status"] in ("valid", "warning"), (key, copy and copy["status"])
            assert copy["kind"] == row["kind"]
            theirs = record_triples(two, graph_iri(two.settings.base_uri, "hub1", key))
            ours = record_triples(one, row["graph"])
            assert to_isomorphic(ours) == to_isomorphic(theirs), key
        gone = rows[0]
        one.catalog.tombstone([gone["id"]], run_id=0)  # what a run does when the source drops the record
        one.store.public.drop_graphs([gone["graph"]])
        gone_key = Provider(one).identifier(gone)

    out = harvest()  # incremental: `from` the start of the last run
    assert "deleted 1" in out, out
    with Hub(make_settings(second)) as two:
        assert two.catalog.record("hub1", gone_key)["deleted"] == 1
        assert not list(two.store.public.quads(graph_iri(two.settings.base_uri, "hub1", gone_key)))

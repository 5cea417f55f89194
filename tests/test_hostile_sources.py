"""Sources that send what they should not (issue 14, rows 5, 6, 12 and 14): contact details under other
predicates, damage in one record, a link out of the submissions folder. The damaged record is quarantined
with its reason, the rest of the run goes on, and nothing restricted shapes a public answer."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import requests
from mcep_ld.harvesters.files import FilesHarvester
from mcep_ld.harvesters.gef import GEFHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import answering, make_settings, running_service

BASE = "http://localhost:8000/"
CONTACTS = """@prefix mcep: <https://w3id.org/mcep/ontology#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
<id/resource/contact-sheet> a mcep:Resource ;
    dct:title "Contact sheet"@en ;
    <https://schema.org/email> "secret-https@example.org" ;
    <http://schema.org/telephone> "+1 555 0100" ;
    foaf:mbox <mailto:secret-mbox@example.org> ;
    vcard:hasEmail <mailto:secret-vcard@example.org> ;
    vcard:hasTelephone <tel:+15550101> ;
    vcard:hasAddress "1 Secret Street" .
"""
SECRETS = ["secret-https@example.org", "+1 555 0100", "secret-mbox", "secret-vcard", "+15550101", "Secret Street"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "submissions"
    shutil.copytree(SAMPLES_DIR / "files", target)
    return target


def harvest_files(hub: Hub, folder: Path) -> RunResult:
    result = Pipeline(hub).harvest(FilesHarvester(endpoint=str(folder), settings=hub.settings, client=HttpClient()))
    assert result.ok, result.error
    return result


def public_text(hub: Hub) -> str:
    return "\n".join(str(q) for q in hub.store.public.quads())


def test_contact_predicates_under_any_common_vocabulary_stay_restricted(tmp_path: Path, folder: Path) -> None:
    (folder / "contacts.ttl").write_text(CONTACTS, encoding="utf-8")
    with Hub(make_settings(tmp_path / "data")) as hub:
        harvest_files(hub, folder)
        text = public_text(hub)
        assert f"<{BASE}id/resource/contact-sheet>" in text  # the record itself is published
        for secret in SECRETS:
            assert secret not in text, secret
        held = "\n".join(str(q) for q in hub.store.restricted.quads())
        for secret in SECRETS:
            assert secret in held, secret


def test_a_restricted_change_moves_no_public_validator(tmp_path: Path, folder: Path) -> None:
    """A focal point whose e-mail alone changes: same ETag, Last-Modified, OAI datestamp and counters
    (before, the ETag hashed restricted statements too and confirmed a guessed address)."""
    data = tmp_path / "data"
    iri = f"{BASE}id/focal-point/files-nfp-2025-014"
    state = "SELECT datestamp, graph_hash FROM records WHERE iri=?"
    with Hub(make_settings(data)) as hub:
        harvest_files(hub, folder)
        before = dict(hub.catalog.db.execute(state, (iri,)).fetchone())

    def validators() -> tuple[str, str, str]:
        with running_service(data) as url:
            page = requests.get(f"{url}/id/focal-point/files-nfp-2025-014", headers={"Accept": "text/turtle"},
                                timeout=10)
            oai = requests.get(f"{url}/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, timeout=10)
        assert page.status_code == 200 and "amina.diallo" not in page.text
        listing = re.sub(r"<responseDate[^>]*>[^<]*</responseDate>", "", oai.text)  # every record's datestamp
        return page.headers["ETag"], page.headers["Last-Modified"], listing

    first = validators()
    csv = folder / "focal-points.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("amina.diallo@example.org", "a.diallo@example.org"),
                   encoding="utf-8")
    with Hub(make_settings(data)) as hub:
        result = harvest_files(hub, folder)
        assert (result.counters.updated, result.counters.added) == (0, 0)
        after = dict(hub.catalog.db.execute(state, (iri,)).fetchone())
        assert after == before
        held = "\n".join(str(q) for q in hub.store.restricted.quads())
        assert "a.diallo@example.org" in held and "amina.diallo@example.org" not in held
    assert validators() == first


def test_a_symlink_out_of_the_folder_is_not_read(tmp_path: Path, folder: Path) -> None:
    secret = tmp_path / "outside.csv"
    secret.write_text("id,kind,title\nleak-1,resource,THE-SECRET-OUTSIDE\n", encoding="utf-8")
    os.symlink(secret, folder / "linked.csv")
    with Hub(make_settings(tmp_path / "data")) as hub:
        result = harvest_files(hub, folder)
        assert result.counters.quarantined >= 1
        raw = b"".join(r[0] for r in hub.catalog.db.execute("SELECT raw FROM payloads"))
        assert b"THE-SECRET-OUTSIDE" not in raw
        reports = {q["source_key"]: q["report"] for q in hub.catalog.quarantine("files")}
        assert "symbolic link out of the submissions folder" in reports["linked.csv#unreadable"]


def test_damaged_rows_are_quarantined_alone(tmp_path: Path, folder: Path) -> None:
    """A 128 KB cell and bytes that are not UTF-8 cost their own row, not the file or the run."""
    rows = ("id,kind,title\n"
            f"big-1,resource,{'x' * 128_000}\n"
            "ok-1,resource,A readable resource\n").encode() + b"bad-1,resource,Caf\xe9 au lait\n"
    (folder / "hostile.csv").write_bytes(rows)
    with Hub(make_settings(tmp_path / "data")) as hub:
        harvest_files(hub, folder)
        reports = {q["source_key"]: q["report"] for q in hub.catalog.quarantine("files")}
        assert "harvest_max_field_chars" in reports["hostile.csv#row-1"]
        assert "not UTF-8" in reports["hostile.csv#bad-1"]
        assert hub.catalog.record("files", "hostile.csv#ok-1")["status"] == "valid"


def test_a_record_outside_base_uri_is_quarantined(tmp_path: Path, folder: Path) -> None:
    (folder / "elsewhere.ttl").write_text(
        '@prefix mcep: <https://w3id.org/mcep/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .\n'
        '<https://elsewhere.example/id/resource/x-1> a mcep:Resource ; dct:title "Elsewhere"@en .\n',
        encoding="utf-8")
    with Hub(make_settings(tmp_path / "data")) as hub:
        harvest_files(hub, folder)
        row = hub.catalog.record("files", "elsewhere.ttl#https://elsewhere.example/id/resource/x-1")
        assert row["status"] == "quarantined" and not row["published"]
        assert "elsewhere.example" not in public_text(hub)


def test_an_oversize_gef_cell_quarantines_its_row(tmp_path: Path, samples: Path) -> None:
    export = samples / "gef" / "projects.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = "mercury " + "y" * 128_000  # a title of 128 KB (about mercury: the hub's, so mapped)
    export.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        h = GEFHarvester(endpoint=server.file_url("gef/projects.csv"), settings=hub.settings, client=HttpClient())
        result = Pipeline(hub).harvest(h)
        assert result.ok, result.error
        # every project about mercury (20 in the sample) but the big one and the planted one
        assert result.counters.added == 19 and result.counters.quarantined == 2
        assert any("harvest_max_field_chars" in q["report"] for q in hub.catalog.quarantine("gef"))


FEDERATED = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="rdf">http://x/oai</request><ListRecords><record>
<header><identifier>oai:other-hub:resource-fed-1</identifier><datestamp>2024-01-01T00:00:00Z</datestamp>
<setSpec>kind:resource</setSpec></header><metadata>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
  xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:vcard="http://www.w3.org/2006/vcard/ns#"
  xmlns:s="https://schema.org/" xmlns:mcep="https://w3id.org/mcep/ontology#">
 <mcep:Resource rdf:about="http://localhost:8000/id/resource/fed-1">
  <dct:title xml:lang="en">A federated resource</dct:title>
  <dct:source rdf:resource="https://other-hub.example/id/resource/fed-1"/>
  <s:email>secret-https@example.org</s:email>
  <foaf:mbox rdf:resource="mailto:secret-mbox@example.org"/>
  <vcard:hasEmail rdf:resource="mailto:secret-vcard@example.org"/>
 </mcep:Resource>
</rdf:RDF></metadata></record></ListRecords></OAI-PMH>"""


def test_oai_rdf_federation_holds_contacts_back_too(tmp_path: Path) -> None:
    """Another hub's record graphs are taken as they come, but through the same split as every record."""
    from mcep_ld.harvesters.oai import OAIHarvester

    with answering(lambda path: FEDERATED.encode(), "text/xml; charset=utf-8") as url, \
            Hub(make_settings(tmp_path / "data")) as hub:
        h = OAIHarvester(endpoint=f"{url}/oai", settings=hub.settings, client=HttpClient(), metadata_prefix="rdf",
                         name="other")
        result = Pipeline(hub).harvest(h)
        assert result.ok and result.counters.added == 1, (result.error, result.counters)
        text = public_text(hub)
        assert "A federated resource" in text
        for secret in ("secret-https", "secret-mbox", "secret-vcard"):
            assert secret not in text
            assert secret in "\n".join(str(q) for q in hub.store.restricted.quads())

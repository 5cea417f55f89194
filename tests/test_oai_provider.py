"""The OAI-PMH provider, in process, over a demo hub: every response through the schema gate."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from mcep_ld.catalog import RecordRow
from mcep_ld.config import Settings
from mcep_ld.hub import Hub
from mcep_ld.publish.oai_metadata import oai_dc, pack, unpack, version
from mcep_ld.serve.oai.errors import BadResumptionToken
from mcep_ld.serve.oai.provider import OAI_CHUNK_BYTES, Provider
from mcep_ld.serve.oai.tokens import TokenSigner
from tests.conftest import demo_copy, make_settings
from tests.oai_checks import NS, available, check, schema

BASE = "http://localhost:8000/"
BASE_URL = f"{BASE}oai"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "oai")


@pytest.fixture
def data(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo hub, for tests that change it."""
    copy = tmp_path / "data"
    shutil.copytree(demo, copy)
    return copy


def open_hub(data: Path, **overrides: object) -> Hub:
    settings: Settings = make_settings(data, **overrides)
    return Hub(settings)


@pytest.fixture
def provider(demo: Path) -> Iterator[Provider]:
    with open_hub(demo) as hub:
        yield Provider(hub)


def ask(provider: Provider, **args: str) -> etree._Element:
    pairs = list(args.items())
    return check(provider.handle(pairs), base_url=BASE_URL, request=dict(pairs))


def error(root: etree._Element) -> str | None:
    e = root.find("o:error", NS)
    return e.get("code") if e is not None else None


def test_the_schema_gate_is_real() -> None:
    if not available():
        pytest.skip("../shared/conformance/oai-pmh/xsd is absent")
    bad = etree.fromstring(b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>now</responseDate>'
                           b'</OAI-PMH>')
    assert not schema().validate(etree.ElementTree(bad))


def test_identify(provider: Provider) -> None:
    root = ask(provider, verb="Identify")
    ident = root.find("o:Identify", NS)
    assert ident.findtext("o:baseURL", namespaces=NS) == BASE_URL
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    oldest = provider.hub.catalog.db.execute("SELECT MIN(datestamp) FROM records").fetchone()[0]
    assert ident.findtext("o:earliestDatestamp", namespaces=NS) == oldest


def test_list_metadata_formats_and_sets(provider: Provider) -> None:
    formats = ask(provider, verb="ListMetadataFormats")
    assert [f.text for f in formats.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "rdf"]
    sets = [s.text for s in ask(provider, verb="ListSets").iterfind(".//o:setSpec", NS)]
    assert {"kind", "kind:decision", "source", "source:gef", "country", "country:BR", "treaty:minamata"} <= set(sets)
    names = {s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
             for s in ask(provider, verb="ListSets").iterfind(".//o:set", NS)}
    assert names["country:BR"] == "Brazil" and names["kind:decision"] == "Decision"


def walk(provider: Provider, verb: str = "ListIdentifiers", **args: str) -> tuple[list[str], list[etree._Element]]:
    """Every identifier of a list, following tokens; and the pages' resumptionToken elements."""
    ids: list[str] = []
    tokens: list[etree._Element] = []
    root = ask(provider, verb=verb, **args)
    while True:
        if error(root) == "noRecordsMatch":
            return ids, tokens
        ids += [h.text for h in root.iterfind(".//o:header/o:identifier", NS)]
        token = root.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None:
            return ids, tokens
        tokens.append(token)
        if not token.text:
            return ids, tokens
        root = ask(provider, verb=verb, resumptionToken=token.text)


def test_get_record_in_both_formats(provider: Provider) -> None:
    ids, _ = walk(provider, metadataPrefix="oai_dc", set="kind:decision")
    dc = ask(provider, verb="GetRecord", identifier=ids[0], metadataPrefix="oai_dc")
    titles = {t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in
              dc.iterfind(".//{http://purl.org/dc/elements/1.1/}title")}
    assert {"en", "fr", "es", "ar", "ru", "zh"} <= titles
    rdf = ask(provider, verb="GetRecord", identifier=ids[0], metadataPrefix="rdf")
    assert rdf.find(".//o:metadata/{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF", NS) is not None
    assert error(ask(provider, verb="GetRecord", identifier="oai:elsewhere:x/1", metadataPrefix="oai_dc")) == \
        "idDoesNotExist"
    assert error(ask(provider, verb="GetRecord", identifier=ids[0], metadataPrefix="marc21")) == \
        "cannotDisseminateFormat"


@pytest.mark.parametrize("args, code", [
    ({}, "badVerb"), ({"verb": "identify"}, "badVerb"), ({"verb": "Identify", "test": "x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"), ({"verb": "ListRecords", "metadataPrefix": ""}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2001"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2001-01-01", "until": "2002-01-01T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2002-01-02", "until": "2002-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "junk"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "junk"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "kind:unicorn"}, "noRecordsMatch"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:nowhere:1"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": 'invalid"id', "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
])
def test_errors(provider: Provider, args: dict[str, str], code: str) -> None:
    assert error(ask(provider, **args)) == code


def test_repeated_arguments_are_seen(provider: Provider) -> None:
    pairs = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")]
    root = check(provider.handle(pairs), base_url=BASE_URL)
    assert error(root) == "badArgument"
    assert error(check(provider.handle([("verb", "Identify"), ("verb", "Identify")]), base_url=BASE_URL)) == "badVerb"


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_walks_of_n_minus_1_n_and_n_plus_1(demo: Path, offset: int) -> None:
    """A set of N records walked with pages of N+1, N and N-1: nothing missing, nothing twice, right counts."""
    with open_hub(demo) as hub:
        count = hub.catalog.db.execute("SELECT COUNT(*) FROM records WHERE sets LIKE '%kind:decision%' "
                                       "AND (published=1 OR deleted=1)").fetchone()[0]
    with open_hub(demo, oai_page_size=count - offset) as hub:
        ids, tokens = walk(Provider(hub), metadataPrefix="oai_dc", set="kind:decision")
    assert len(ids) == len(set(ids)) == count
    if offset <= 0:  # one page holds it all: no token
        assert tokens == []
    else:
        assert [t.get("cursor") for t in tokens] == [str(i * (count - offset)) for i in range(len(tokens))]
        assert {t.get("completeListSize") for t in tokens} == {str(count)}
        assert tokens[-1].text is None and all(t.text for t in tokens[:-1])


def test_a_walk_of_one_record_and_day_granularity_bounds(provider: Provider) -> None:
    rows = provider.hub.catalog.db.execute("SELECT * FROM records WHERE published=1 OR deleted=1").fetchall()
    members: dict[str, list] = {}
    for r in rows:
        for spec in r["sets"].split():
            members.setdefault(spec, []).append(r)
    spec, (row,) = next((spec, found) for spec, found in sorted(members.items()) if len(found) == 1)
    ids, tokens = walk(provider, metadataPrefix="oai_dc", set=spec)
    assert ids == [provider.identifier(row)] and tokens == []
    day = row["datestamp"][:10]  # until a day includes the whole of it; from a day, from its start
    assert provider.identifier(row) in walk(provider, metadataPrefix="oai_dc", until=day, **{"from": day})[0]
    second = row["datestamp"]
    assert provider.identifier(row) in walk(provider, metadataPrefix="oai_dc", until=second, **{"from": second})[0]


@pytest.mark.parametrize("page", [1, 7, 100])
def test_walks_of_k_pages_agree_with_the_catalog(demo: Path, page: int) -> None:
    with open_hub(demo, oai_page_size=page) as hub:
        provider = Provider(hub)
        ids, _ = walk(provider, metadataPrefix="oai_dc")
        rows = hub.catalog.db.execute("SELECT * FROM records WHERE published=1 OR deleted=1").fetchall()
        assert sorted(ids) == sorted(provider.identifier(r) for r in rows)
    assert len(ids) == len(set(ids))


def test_a_walk_survives_records_added_changed_and_deleted_between_pages(data: Path) -> None:
    with open_hub(data, oai_page_size=10) as hub:
        provider = Provider(hub)
        before = hub.catalog.db.execute("SELECT * FROM records WHERE published=1 ORDER BY datestamp, id").fetchall()
        root = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc")
        started = root.findtext("o:responseDate", namespaces=NS)  # the next harvest asks from the walk's start
        seen = [h.text for h in root.iterfind(".//o:header/o:identifier", NS)]
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
        # Meanwhile: a record not yet listed is deleted, another changes, one is added (a new datestamp each).
        gone, changed = before[-1], before[-2]
        hub.catalog.tombstone([gone["id"]], run_id=0)
        hub.catalog.touch_graphs([changed["graph"]])
        hub.catalog.save([RecordRow(
            source="files", source_key="added-during-the-walk", kind="resource", iri=f"{BASE}id/resource/x",
            graph=f"{BASE}graph/files/added", content_hash="x", raw=b"{}", raw_url="file:///x", source_modified=None,
            sets=["kind:resource"], published=True, status="valid", datestamp_moves=True)], run_id=0)
        again = ask(provider, verb="ListIdentifiers", resumptionToken=token)
        assert etree.tostring(again.find("o:ListIdentifiers", NS)) == etree.tostring(
            ask(provider, verb="ListIdentifiers", resumptionToken=token).find("o:ListIdentifiers", NS))
        while token:
            root = ask(provider, verb="ListIdentifiers", resumptionToken=token)
            seen += [h.text for h in root.iterfind(".//o:header/o:identifier", NS)]
            token = root.findtext(".//o:resumptionToken", namespaces=NS)
        assert len(seen) == len(set(seen))
        # What did not change is all there; what changed comes in the next harvest, from this one's start.
        unchanged = {provider.identifier(r) for r in before} - {provider.identifier(gone), provider.identifier(changed)}
        assert unchanged <= set(seen)
        later = walk(provider, metadataPrefix="oai_dc", **{"from": started})[0]
        assert {provider.identifier(gone), provider.identifier(changed)} <= set(later) | set(seen)
        assert "oai:localhost.localdomain:files/added-during-the-walk" in later


def test_deleted_records_have_deleted_headers(data: Path) -> None:
    with open_hub(data) as hub:
        provider = Provider(hub)
        row = hub.catalog.db.execute("SELECT * FROM records WHERE published=1 LIMIT 1").fetchone()
        hub.catalog.tombstone([row["id"]], run_id=0)
        root = ask(provider, verb="GetRecord", identifier=provider.identifier(row), metadataPrefix="oai_dc")
        header = root.find(".//o:header", NS)
        assert header.get("status") == "deleted" and root.find(".//o:metadata", NS) is None
        assert [s.text for s in header.iterfind("o:setSpec", NS)] == row["sets"].split()
        listed = ask(provider, verb="ListRecords", metadataPrefix="rdf", set=row["sets"].split()[0])
        deleted = [h for h in listed.iterfind(".//o:header", NS) if h.get("status") == "deleted"]
        assert [h.findtext("o:identifier", namespaces=NS) for h in deleted] == [provider.identifier(row)]


def test_tokens_are_signed_and_bound_to_their_verb(demo: Path) -> None:
    with open_hub(demo, oai_page_size=5) as hub:
        provider = Provider(hub)
        token = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc").findtext(".//o:resumptionToken",
                                                                                     namespaces=NS)
        body, mac = token.split(".")
        assert error(ask(provider, verb="ListIdentifiers", resumptionToken=f"{body}x.{mac}")) == "badResumptionToken"
        assert error(ask(provider, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
        assert error(ask(provider, verb="ListIdentifiers", resumptionToken=token)) is None
        # a token whose body decodes to a valid position, but with no MAC, an empty one or another key's
        forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        forged["cursor"] = 0
        forged["after"] = ["0000-01-01T00:00:00Z", 0]
        unsigned = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        other = TokenSigner(b"another key").encode(provider.signer.decode(token, "ListIdentifiers"))
        for bad in (unsigned, f"{unsigned}.", f"{body}.", body, other, f"{unsigned}.{mac}"):
            assert error(ask(provider, verb="ListIdentifiers", resumptionToken=bad)) == "badResumptionToken", bad
            with pytest.raises(BadResumptionToken):
                provider.signer.decode(bad, "ListIdentifiers")


def test_awkward_characters_give_valid_xml(data: Path) -> None:
    with open_hub(data) as hub:
        provider = Provider(hub)
        row = hub.catalog.db.execute("SELECT * FROM records WHERE kind='decision' AND published=1 LIMIT 1").fetchone()
        # N-Triples escapes for the control characters and the quotes; the rest as it is.
        title = r'Ctrl\u0001\u001F astral 𝔐𝔢𝔯𝔠𝔲𝔯𝔶 🜍 RTL زئبق & <b> ]]> \"quoted\"'
        statement = f'<{row["iri"]}> <http://purl.org/dc/terms/title> "{title}"@en'
        hub.store.public.replace_graphs({row["graph"]: [statement]})
        hub.catalog.db.execute("UPDATE records SET graph_hash='awkward' WHERE id=?", (row["id"],))  # as a commit would
        for prefix in ("oai_dc", "rdf"):
            root = ask(provider, verb="GetRecord", identifier=provider.identifier(row), metadataPrefix=prefix)
            text = etree.tostring(root, encoding="unicode")
            assert "astral 𝔐𝔢𝔯𝔠𝔲𝔯𝔶 🜍 RTL زئبق" in text and "]]&gt;" in text


def test_theme_sets_come_from_keywords_aligned_to_the_themes(provider: Provider) -> None:
    names = {s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
             for s in ask(provider, verb="ListSets").iterfind(".//o:set", NS)}
    assert names["theme:art-7"] == "Artisanal and small-scale gold mining" and names["theme"] == "Themes"
    root = ask(provider, verb="ListRecords", metadataPrefix="oai_dc", set="theme:art-7")
    subjects = {s.text for s in root.iterfind(".//{http://purl.org/dc/elements/1.1/}subject")}
    assert "Extracción de oro artesanal y en pequeña escala" in subjects  # the theme's labels, every language


def test_a_record_that_leaves_a_set_is_deleted_in_that_sets_view(tmp_path: Path, samples: Path) -> None:
    import json

    from mcep_ld.harvesters.informea import InforMEAHarvester

    from mcep_ld.fetch.http import HttpClient
    from mcep_ld.fetch.sample_server import SampleServer
    from mcep_ld.ingest.pipeline import Pipeline

    settings = make_settings(tmp_path / "data")
    settings.sources["informea"] = {"entity_sets": ["Contacts"]}
    path = samples / "informea" / "Contacts.json"
    with SampleServer(samples) as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        assert Pipeline(hub).harvest(harvester).ok
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc["d"] if isinstance(doc["d"], list) else doc["d"]["results"]
        moved = next(r for r in rows if r.get("country") == "FR")
        moved["country"] = "ES"  # the source corrects the focal point's country
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        assert Pipeline(hub).harvest(harvester, full=True).counters.updated == 1
        provider = Provider(hub)
        key = f"Contacts/{moved['id']}"
        identifier = provider.identifier(hub.catalog.db.execute(
            "SELECT * FROM records WHERE source_key=?", (key,)).fetchone())

        def status_in(spec: str) -> str | None:
            root = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
            headers = [h for h in root.iterfind(".//o:header", NS) if h.findtext("o:identifier", namespaces=NS)
                       == identifier]
            return headers[0].get("status", "live") if headers else None

        assert status_in("country:FR") == "deleted"
        assert status_in("country:ES") == "live"
        assert status_in("country") == "live"
        listed = ask(provider, verb="ListRecords", metadataPrefix="oai_dc", set="country:FR")
        (record,) = [r for r in listed.iterfind(".//o:record", NS)
                     if r.findtext("o:header/o:identifier", namespaces=NS) == identifier]
        assert record.find("o:header", NS).get("status") == "deleted" and record.find("o:metadata", NS) is None


def test_restricted_fields_appear_in_no_format(provider: Provider) -> None:
    emails = [str(r[0].value) for r in provider.hub.store.restricted.query(
        "SELECT ?o { ?s <http://schema.org/email> ?o }")]
    assert emails, "the sample's focal points have e-mail addresses (kept in the restricted store)"
    for prefix in ("oai_dc", "rdf"):
        ids, _ = walk(provider, metadataPrefix=prefix, set="kind:focal-point")
        assert ids
        body = provider.handle([("verb", "ListRecords"), ("metadataPrefix", prefix), ("set", "kind:focal-point")])
        text = body.decode("utf-8")
        assert "schema.org/email" not in text and "schema.org/telephone" not in text
        assert not [e for e in emails if e in text]


def test_kept_metadata_is_reused_only_while_it_is_current(data: Path) -> None:
    with open_hub(data, oai_page_size=10) as hub:
        provider = Provider(hub)
        ask(provider, verb="ListRecords", metadataPrefix="oai_dc")  # the first page's metadata is kept
        record_id, = hub.catalog.db.execute("SELECT record_id FROM disseminations WHERE prefix='oai_dc' "
                                            "ORDER BY record_id LIMIT 1").fetchone()
        marker = (b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                  b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                  b'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
                  b'http://www.openarchives.org/OAI/2.0/oai_dc.xsd"><dc:title>kept copy</dc:title></oai_dc:dc>')
        hub.catalog.db.execute("UPDATE disseminations SET xml=? WHERE record_id=?", (pack(marker), record_id))
        assert b"kept copy" in provider.handle([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
        # The record's triples change (a new graph hash): the kept copy is stale and made again.
        hub.catalog.db.execute("UPDATE records SET graph_hash='changed' WHERE id=?", (record_id,))
        assert b"kept copy" not in provider.handle([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])


def test_oai_dc_is_kept_when_a_record_is_committed_as_the_store_would_make_it(demo: Path) -> None:
    """A first harvest is served from metadata made in the preparing workers: it must be current for every
    published record of the demo, and byte for byte what the provider makes from the store."""
    with open_hub(demo) as hub:
        rows = hub.catalog.db.execute("SELECT * FROM records WHERE published=1 AND deleted=0").fetchall()
        kept = hub.catalog.disseminations([r["id"] for r in rows], "oai_dc")
        assert len(rows) > 50
        for row in rows:
            made_from, xml = kept[row["id"]]
            assert made_from == version(row["graph_hash"], hub.rules_digest), row["iri"]
            from_store = oai_dc(row["iri"], hub.store.public.quads(row["graph"], subject=row["iri"]), hub.vocab,
                                row["kind"])
            assert unpack(xml) == etree.tostring(from_store), row["iri"]


def test_a_list_is_sent_in_pieces_of_a_bounded_size_not_one_per_record(data: Path) -> None:
    with open_hub(data, oai_page_size=100) as hub:
        pieces = list(Provider(hub).stream([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]))
        body = b"".join(pieces)
        records = len(etree.fromstring(body).findall(".//o:record", NS))
        assert records > 50
        assert len(pieces) <= len(body) // OAI_CHUNK_BYTES + 2
        assert all(len(p) < OAI_CHUNK_BYTES + 64 * 1024 for p in pieces)  # a piece ends after the record that fills it

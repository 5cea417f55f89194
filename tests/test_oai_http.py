"""The OAI-PMH provider over HTTP, as harvesters meet it: the argument matrix over GET and POST, and full
harvests by sickle and pyoai that must agree with the catalog."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree
from sickle import Sickle

from tests.conftest import demo_copy, running_service
from tests.oai_checks import NS, check

BASE_URL = "http://localhost:8000/oai"
VERBS = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords"]


@pytest.fixture(scope="module")
def hub_data(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    return demo_copy(demo_template, tmp_path_factory, "oai-http")


@pytest.fixture(scope="module")
def service(hub_data: Path) -> Iterator[str]:
    with running_service(hub_data, env={"MCEP_OAI_PAGE_SIZE": "25"}) as url:
        yield url


def catalog_identifiers(data: Path) -> set[str]:
    db = sqlite3.connect(data / "catalog.sqlite")
    rows = db.execute("SELECT source, source_key FROM records WHERE published=1 OR deleted=1").fetchall()
    db.close()
    from urllib.parse import quote

    return {f"oai:localhost.localdomain:{s}/{quote(k, safe=chr(45) + '_.!~*' + chr(39) + '();/?:@&=+$,')}"
            for s, k in rows}


def oai(service: str, method: str, pairs: list[tuple[str, str]]) -> etree._Element:
    if method == "GET":
        resp = requests.get(f"{service}/oai", params=pairs, timeout=10)
    else:
        resp = requests.post(f"{service}/oai", data=pairs, timeout=10)
    assert resp.status_code == 200 and resp.headers["content-type"] == "text/xml; charset=UTF-8"
    return check(resp.content, base_url=BASE_URL)


def _matrix() -> list[tuple[str, str, list[tuple[str, str]], str]]:
    """(verb, case, arguments, expected error) for every verb: missing, unknown, repeated, empty, malformed."""
    base = {"Identify": [], "ListMetadataFormats": [], "ListSets": [],
            "GetRecord": [("identifier", "oai:localhost.localdomain:x/1"), ("metadataPrefix", "oai_dc")],
            "ListIdentifiers": [("metadataPrefix", "oai_dc")], "ListRecords": [("metadataPrefix", "oai_dc")]}
    cases = []
    for verb in VERBS:
        args = [("verb", verb), *base[verb]]
        if base[verb]:
            cases.append((verb, "missing", args[:-1], "badArgument"))
            cases.append((verb, "repeated", [*args, base[verb][-1]], "badArgument"))
            cases.append((verb, "empty", [*args[:-1], (base[verb][-1][0], "")], "badArgument"))
        cases.append((verb, "unknown", [*args, ("colour", "blue")], "badArgument"))
        cases.append((verb, "repeated verb", [*args, ("verb", verb)], "badVerb"))
        malformed = {"ListIdentifiers": ("from", "yesterday"), "ListRecords": ("until", "2020-13-45"),
                     "GetRecord": ("metadataPrefix", "oai dc"), "ListSets": ("resumptionToken", "junk"),
                     "ListMetadataFormats": ("identifier", "not-an-oai-id"), "Identify": ("verb", "identify")}[verb]
        expected = {"ListSets": "badResumptionToken", "ListMetadataFormats": "idDoesNotExist",
                    "Identify": "badVerb"}.get(verb, "badArgument")
        if verb == "Identify":
            cases.append((verb, "malformed", [malformed], expected))
        else:
            cases.append((verb, "malformed", [*[a for a in args if a[0] != malformed[0]], malformed], expected))
    return cases


MATRIX = _matrix()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("verb, case, pairs, code", MATRIX, ids=[f"{v}-{c}" for v, c, _, _ in MATRIX])
def test_argument_matrix(service: str, method: str, verb: str, case: str, pairs: list, code: str) -> None:
    root = oai(service, method, pairs)
    assert [e.get("code") for e in root.findall("o:error", NS)] == [code]


@pytest.mark.parametrize("verb", VERBS)
def test_get_and_post_answer_alike(service: str, hub_data: Path, verb: str) -> None:
    ident = sorted(catalog_identifiers(hub_data))[0]
    args = {"GetRecord": [("identifier", ident), ("metadataPrefix", "oai_dc")],
            "ListIdentifiers": [("metadataPrefix", "oai_dc")], "ListRecords": [("metadataPrefix", "rdf")],
            "ListMetadataFormats": [("identifier", ident)]}.get(verb, [])
    pairs = [("verb", verb), *args]
    get, post = oai(service, "GET", pairs), oai(service, "POST", pairs)
    for root in (get, post):  # the time of the answer, and the token's "until" fixed to it, may differ by a second
        root.remove(root.find("o:responseDate", NS))
        for token in root.iterfind(".//o:resumptionToken", NS):
            token.text = "…" if token.text else token.text
    assert etree.tostring(get) == etree.tostring(post)
    assert not get.findall("o:error", NS)


@pytest.mark.parametrize("prefix", ["oai_dc", "rdf"])
def test_every_page_a_harvester_gets_passes_the_gate(service: str, hub_data: Path, prefix: str) -> None:
    """The pages sickle and pyoai walk below, each through the schemas and the protocol checks."""
    root = oai(service, "GET", [("verb", "ListRecords"), ("metadataPrefix", prefix)])
    pages, seen = 1, len(root.findall(".//o:record", NS))
    while token := root.findtext(".//o:resumptionToken", namespaces=NS):
        root = oai(service, "GET", [("verb", "ListRecords"), ("resumptionToken", token)])
        pages, seen = pages + 1, seen + len(root.findall(".//o:record", NS))
    assert pages > 5 and seen == len(catalog_identifiers(hub_data))


def test_sickle_harvests_everything(service: str, hub_data: Path) -> None:
    client = Sickle(f"{service}/oai")
    headers = [r.header for r in client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)]
    identifiers = [h.identifier for h in headers]
    assert len(identifiers) == len(set(identifiers))
    assert set(identifiers) == catalog_identifiers(hub_data)
    decisions = {h.identifier for h in client.ListIdentifiers(metadataPrefix="rdf", set="kind:decision")}
    assert decisions and decisions < set(identifiers)
    assert client.Identify().repositoryName == "Minamata Convention Exchange Platform"


class _LxmlForPyoai:
    """lxml.etree as pyoai 2.5.0 expects it: its evaluators' ``evaluate`` method left lxml in 5.0 (calling the
    evaluator does the same). A compatibility shim around the client library, not a stand-in for our code."""

    class XPathEvaluator:
        def __init__(self, node: object, **kw: object) -> None:
            self._evaluate = etree.XPathEvaluator(node, **kw)

        def evaluate(self, expression: str) -> object:
            return self._evaluate(expression)

    def __getattr__(self, name: str) -> object:
        return getattr(etree, name)


def test_pyoai_harvests_everything(service: str, hub_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import oaipmh.client
    import oaipmh.metadata
    from oaipmh.client import Client
    from oaipmh.metadata import MetadataRegistry, oai_dc_reader

    for module in (oaipmh.client, oaipmh.metadata):
        monkeypatch.setattr(module, "etree", _LxmlForPyoai(), raising=False)

    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = Client(f"{service}/oai", registry)
    records = list(client.listRecords(metadataPrefix="oai_dc"))
    identifiers = [header.identifier() for header, _, _ in records]
    assert len(identifiers) == len(set(identifiers))
    assert set(identifiers) == catalog_identifiers(hub_data)
    titled = [metadata for header, metadata, _ in records if metadata is not None and metadata["title"]]
    assert len(titled) > 100
    assert client.identify().baseURL() == BASE_URL

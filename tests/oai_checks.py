"""The gate every OAI-PMH response of the tests goes through: the official schemas, offline, and the rules
the schemas cannot express (shared/reference/oai-pmh.md §1.5)."""

from __future__ import annotations

import re

from lxml import etree

from tests.conftest import SHARED

XSD_DIR = SHARED / "conformance" / "oai-pmh" / "xsd"
OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"o": OAI}
_MAP = {"http://www.openarchives.org/OAI/2.0/": "", "https://www.openarchives.org/OAI/2.0/": "",
        "http://www.openarchives.org/OAI/1.1/eprints.xsd": "eprints.xsd",
        "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
        "http://www.w3.org/2001/03/xml.xsd": "xml.xsd", "http://www.w3.org/2001/xml.xsd": "w3-2001/xml.xsd",
        "http://www.w3.org/2009/01/xml.xsd": "w3-2001/xml.xsd"}
_UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _Offline(etree.Resolver):
    """The catalog's mappings as an lxml resolver; any other network URL is refused."""

    def resolve(self, url: str, pubid: str, context: object) -> object:
        for prefix, local in _MAP.items():
            if url.startswith(prefix):
                rest = url[len(prefix):] if local == "" else ""
                return self.resolve_filename(str(XSD_DIR / (local or rest)), context)
        if url.startswith(("http://", "https://")):
            raise ValueError(f"schema import from the network refused: {url}")
        return None


_schema: etree.XMLSchema | None = None


def schema() -> etree.XMLSchema:
    global _schema  # noqa: PLW0603 - compiled once per test session
    if _schema is None:
        parser = etree.XMLParser(no_network=True)
        parser.resolvers.add(_Offline())
        _schema = etree.XMLSchema(etree.parse(str(XSD_DIR / "oai-pmh-driver.xsd"), parser))
    return _schema


def available() -> bool:
    return (XSD_DIR / "oai-pmh-driver.xsd").is_file()


def check(body: bytes, *, base_url: str, request: dict[str, str] | None = None) -> etree._Element:
    """Parse and check one response; returns its root. *request* is what was asked, for the echo."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    assert not _INVALID.search(body.decode("utf-8")), "a character XML 1.0 forbids"
    root = etree.fromstring(body)
    if available():
        doc = etree.ElementTree(root)
        assert schema().validate(doc), f"{schema().error_log}\n{body[:3000]!r}"
    assert _UTC_SECONDS.match(root.findtext("o:responseDate", namespaces=NS))
    echo = root.find("o:request", NS)
    assert echo.text == base_url
    errors = [e.get("code") for e in root.findall("o:error", NS)]
    if {"badVerb", "badArgument"} & set(errors):
        assert not echo.attrib, "no attributes in the request echo of badVerb/badArgument"
    elif request is not None:
        assert dict(echo.attrib) == request
    for stamp in root.iterfind(".//o:datestamp", NS):
        assert _UTC_SECONDS.match(stamp.text), stamp.text
    earliest = root.findtext(".//o:earliestDatestamp", namespaces=NS)
    if earliest is not None:
        assert _UTC_SECONDS.match(earliest)
    for record in root.iterfind(".//o:record", NS):
        header = record.find("o:header", NS)
        if header.get("status") == "deleted":
            assert record.find("o:metadata", NS) is None, "a deleted record carries no metadata"
        else:
            payload = record.find("o:metadata", NS)[0]
            assert payload.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    return root

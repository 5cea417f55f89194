"""The six verbs over the catalog (datestamps, sets, tombstones) and the public store (metadata).

Every response is built with lxml. OAI errors are answered with HTTP 200 (the web layer never turns them
into 4xx). Lists page by keyset on (datestamp, id), the catalog's own change-log index, so a deep page
costs what the first does; the position travels in a signed, stateless token.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from mcep_ld.catalog import utc_now
from mcep_ld.hub import Hub
from mcep_ld.publish import rights
from mcep_ld.publish.oai_metadata import FORMATS, oai_dc, pack, rdf, unpack, version, xml_text
from mcep_ld.serve.oai.arguments import Request, parse, window
from mcep_ld.serve.oai.errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
)
from mcep_ld.serve.oai.sets import in_set, set_name, set_specs
from mcep_ld.serve.oai.tokens import Position, TokenSigner

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
_ID_SAFE = "-_.!~*'();/?:@&=+$,"  # the oai-identifier local part's characters, besides letters and digits
#: A list response is sent in pieces of about this many bytes (each piece crosses a thread in the web layer).
OAI_CHUNK_BYTES = 64 * 1024


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{OAI}}}{tag}", **attrs)
    if text is not None:
        e.text = xml_text(text)
    return e


@dataclass
class _Page:
    position: Position
    rows: list[sqlite3.Row]
    token: etree._Element | None
    known: dict[int, tuple[str, bytes]]  # metadata kept before (packed), by record id: used if still current
    made: list[tuple[int, str, str, bytes]]  # metadata written for this page, to keep


class Provider:
    """Answers OAI-PMH requests for one hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.base_url = f"{self.settings.public_url}oai"
        host = urlsplit(self.settings.base_uri).hostname or "localhost"
        self.repository_id = self.settings.oai_repository_identifier or (host if "." in host else f"{host}.localdomain")
        self.signer = TokenSigner.for_data_dir(hub.data_dir, self.settings.oai_token_secret)
        self.withheld = rights.withheld(self.settings)
        self.page_size = self.settings.oai_page_size
        self.rules = hub.rules_digest  # the vocabularies (and shapes) the metadata is made with

    # -- the envelope -----------------------------------------------------------------------------

    def handle(self, pairs: list[tuple[str, str]]) -> bytes:
        """The response to one request, as UTF-8 XML bytes."""
        return b"".join(self.stream(pairs))

    def stream(self, pairs: list[tuple[str, str]]) -> Iterator[bytes]:
        """The response in pieces: a list is written a record at a time, so a large page is never held whole.

        Everything that can fail (arguments, token, the page's rows) is settled before the first piece, so an
        error is always a complete error response.
        """
        root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
        root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        _sub(root, "responseDate", utc_now())
        request = _sub(root, "request", self.base_url)
        try:
            req = parse(pairs)
        except OAIError as exc:  # badVerb, badArgument: the request is echoed without attributes
            _sub(root, "error", exc.message, code=exc.code)
            return iter([self._bytes(root)])
        for key, value in [("verb", req.verb), *req.args.items()]:
            request.set(key, xml_text(value))
        try:
            if req.verb in ("ListIdentifiers", "ListRecords"):
                return self._write_list(root, req, self._list(req))
            verb: Callable[[Request], etree._Element] = getattr(self, req.verb)
            root.append(verb(req))
        except OAIError as exc:
            _sub(root, "error", exc.message, code=exc.code)
        return iter([self._bytes(root)])

    def _write_list(self, root: etree._Element, req: Request, page: _Page) -> Iterator[bytes]:
        """The list in pieces of about OAI_CHUNK_BYTES: few enough for the web layer (each piece crosses a
        thread), small enough that a page is never held whole. Kept metadata goes in as the bytes it was kept as."""
        buffer = io.BytesIO()
        headers_only = req.verb == "ListIdentifiers"
        with etree.xmlfile(buffer, encoding="UTF-8") as xf:
            buffer.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
            with xf.element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap):
                for child in root:
                    xf.write(child)
                with xf.element(f"{{{OAI}}}{req.verb}"):
                    for row in page.rows:
                        gone = self._withheld(row) or (bool(page.position.set)
                                                       and not in_set(row["sets"], page.position.set))
                        if headers_only:
                            self._write_header(xf, row, gone)
                        else:
                            self._write_record(xf, buffer, row, gone, page)
                        if buffer.tell() >= OAI_CHUNK_BYTES:
                            xf.flush()
                            yield buffer.getvalue()
                            buffer.seek(0)
                            buffer.truncate()
                    if page.token is not None:
                        xf.write(page.token)
        yield buffer.getvalue()
        self.hub.catalog.keep_disseminations(page.made)

    def _write_header(self, xf: etree.xmlfile, row: sqlite3.Row, gone: bool) -> None:
        attrs = {"status": "deleted"} if row["deleted"] or gone else {}
        with xf.element(f"{{{OAI}}}header", attrib=attrs):
            for tag, text in (("identifier", self.identifier(row)), ("datestamp", row["datestamp"]),
                              *(("setSpec", spec) for spec in row["sets"].split())):
                with xf.element(f"{{{OAI}}}{tag}"):
                    xf.write(xml_text(text))

    def _write_record(self, xf: etree.xmlfile, buffer: io.BytesIO, row: sqlite3.Row, gone: bool,
                      page: _Page) -> None:
        with xf.element(f"{{{OAI}}}record"):
            self._write_header(xf, row, gone)
            if row["deleted"] or gone:
                return  # a deleted record has a header only
            with xf.element(f"{{{OAI}}}metadata"):
                metadata = self._metadata(row, page.position.prefix, page)
                xf.flush()
                buffer.write(metadata)

    @staticmethod
    def _bytes(root: etree._Element) -> bytes:
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")

    # -- identifiers and rows ---------------------------------------------------------------------

    def identifier(self, row: sqlite3.Row) -> str:
        return f"oai:{self.repository_id}:{row['source']}/{quote(row['source_key'], safe=_ID_SAFE)}"

    def _row(self, identifier: str) -> sqlite3.Row:
        prefix = f"oai:{self.repository_id}:"
        source, _, key = identifier.removeprefix(prefix).partition("/")
        row = None
        if identifier.startswith(prefix) and source and key:
            row = self.hub.catalog.oai_item(source, unquote(key))
        if row is None:
            raise IdDoesNotExist(f"no item {identifier!r} in this repository")
        return row

    def _earliest(self) -> str:
        stamps = [s for s in (self.settings.oai_earliest_datestamp, self.hub.catalog.oai_earliest()) if s]
        return min(stamps) if stamps else utc_now()

    # -- verbs ------------------------------------------------------------------------------------

    def Identify(self, req: Request) -> etree._Element:  # noqa: N802 - the protocol's verb names
        e = etree.Element(f"{{{OAI}}}Identify")
        _sub(e, "repositoryName", self.settings.oai_repository_name)
        _sub(e, "baseURL", self.base_url)
        _sub(e, "protocolVersion", "2.0")
        _sub(e, "adminEmail", self.settings.oai_admin_email)
        _sub(e, "earliestDatestamp", self._earliest())
        _sub(e, "deletedRecord", "persistent")
        _sub(e, "granularity", "YYYY-MM-DDThh:mm:ssZ")
        description = _sub(e, "description")
        ident = etree.SubElement(description, f"{{{OAI_ID}}}oai-identifier", nsmap={None: OAI_ID})
        ident.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
        for tag, text in (("scheme", "oai"), ("repositoryIdentifier", self.repository_id), ("delimiter", ":"),
                          ("sampleIdentifier", f"oai:{self.repository_id}:informea/Decisions/0001")):
            etree.SubElement(ident, f"{{{OAI_ID}}}{tag}").text = text
        return e

    def ListMetadataFormats(self, req: Request) -> etree._Element:  # noqa: N802
        if "identifier" in req.args:
            self._row(req.args["identifier"])  # every item is disseminated in every format
        e = etree.Element(f"{{{OAI}}}ListMetadataFormats")
        for fmt in FORMATS.values():
            f = _sub(e, "metadataFormat")
            _sub(f, "metadataPrefix", fmt.prefix)
            _sub(f, "schema", fmt.schema)
            _sub(f, "metadataNamespace", fmt.namespace)
        return e

    def ListSets(self, req: Request) -> etree._Element:  # noqa: N802
        if "resumptionToken" in req.args:
            raise BadResumptionToken("ListSets answers in one response: this repository issued no token for it")
        specs = set_specs(self.hub.catalog.oai_set_lists())
        if not specs:
            raise NoSetHierarchy("this repository has no sets")
        e = etree.Element(f"{{{OAI}}}ListSets")
        for spec in specs:
            s = _sub(e, "set")
            _sub(s, "setSpec", spec)
            _sub(s, "setName", set_name(spec, self.hub.vocab, self.settings.base_uri))
        return e

    def GetRecord(self, req: Request) -> etree._Element:  # noqa: N802
        prefix = self._prefix(req.args["metadataPrefix"])
        row = self._row(req.args["identifier"])
        e = etree.Element(f"{{{OAI}}}GetRecord")
        e.append(self._record(row, prefix))
        return e

    # -- lists ------------------------------------------------------------------------------------

    def _list(self, req: Request) -> _Page:
        """The page a list request asks for: its rows and its resumptionToken element (None: no token)."""
        if "resumptionToken" in req.args:
            position = self.signer.decode(req.args["resumptionToken"], req.verb)
        else:
            prefix = self._prefix(req.args["metadataPrefix"])
            spec = req.args.get("set")
            if spec is not None and not self.hub.catalog.oai_has_sets():
                raise NoSetHierarchy("this repository has no sets")
            start, until = window(req.args.get("from"), req.args.get("until"))
            until = until or utc_now()
            size = self.hub.catalog.oai_count(spec, start, until)
            if not size:
                raise NoRecordsMatch("no record matches these arguments")
            position = Position(req.verb, prefix, spec, start, until, ("", 0), 0, size)
        rows = self.hub.catalog.oai_page(position.set, position.start, position.until, after=position.after,
                                         limit=self.page_size + 1)
        if not rows:
            raise NoRecordsMatch("the rest of this list changed since it began: no record remains")
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        token = None
        if more or "resumptionToken" in req.args:  # a list of one page has no token; the last page an empty one
            text = ""
            if more:
                last = rows[-1]
                text = self.signer.encode(Position(
                    position.verb, position.prefix, position.set, position.start, position.until,
                    (last["datestamp"], last["id"]), position.cursor + len(rows), position.size))
            token = etree.Element(f"{{{OAI}}}resumptionToken", completeListSize=str(
                max(position.size, position.cursor + len(rows))), cursor=str(position.cursor))
            token.text = text
        known = self.hub.catalog.disseminations([r["id"] for r in rows], position.prefix)
        return _Page(position, rows, token, known, [])

    # -- pieces -----------------------------------------------------------------------------------

    def _prefix(self, prefix: str) -> str:
        if prefix not in FORMATS:
            raise CannotDisseminateFormat(f"metadataPrefix {prefix!r} is not disseminated: "
                                          f"{', '.join(FORMATS)} are")
        return prefix

    def _header(self, row: sqlite3.Row, gone: bool = False) -> etree._Element:
        h = etree.Element(f"{{{OAI}}}header")
        if row["deleted"] or gone:
            h.set("status", "deleted")
        _sub(h, "identifier", self.identifier(row))
        _sub(h, "datestamp", row["datestamp"])
        for spec in row["sets"].split():
            _sub(h, "setSpec", spec)
        return h

    def _record(self, row: sqlite3.Row, prefix: str) -> etree._Element:
        """One record, for GetRecord."""
        r = etree.Element(f"{{{OAI}}}record")
        r.append(self._header(row, self._withheld(row)))
        if not row["deleted"] and not self._withheld(row):
            _sub(r, "metadata").append(etree.fromstring(self._metadata(row, prefix)))
        return r

    def _withheld(self, row: sqlite3.Row) -> bool:
        """Whether the record's source is not republished: it is listed as deleted (publish/rights.py)."""
        return row["source"] in self.withheld

    def _metadata(self, row: sqlite3.Row, prefix: str, page: _Page | None = None) -> bytes:
        """A record's metadata: as kept in the catalog when made from the same graph, vocabularies and crosswalk
        (oai_dc is kept when a record is committed), else made from the store (and kept, by a list, for the next
        harvester)."""
        current = version(row["graph_hash"], self.rules)
        known = page.known.get(row["id"]) if page is not None else \
            self.hub.catalog.disseminations([row["id"]], prefix).get(row["id"])
        if known is not None and known[0] == current:
            return unpack(known[1])
        if prefix == "oai_dc":  # the record's own statements are all oai_dc reads
            quads = self.hub.store.public.quads(row["graph"], subject=row["iri"])
            xml = etree.tostring(oai_dc(row["iri"], quads, self.hub.vocab, row["kind"]))
        else:
            xml = etree.tostring(rdf(self.hub.store.public.quads(row["graph"])))
        if page is not None:  # a list keeps what it made; a GetRecord only reads
            page.made.append((row["id"], prefix, current, pack(xml)))
        return xml

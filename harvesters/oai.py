"""Any OAI-PMH 2.0 repository, through sickle, in ``oai_dc`` (Dublin Core).

Requests go through the hub's HttpClient (timeouts, retries with backoff, ``Retry-After``, rate limit,
User-Agent) by overriding sickle's one request method; sickle does the protocol: verbs, resumption
tokens, OAI errors as exceptions. Incremental runs ask ``from`` the start of the last completed run (in
the repository's granularity); deleted headers become tombstones. Only a run without ``from`` is a
complete listing, after which records the repository no longer lists are tombstoned too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlencode

import pyoxigraph as ox
from lxml import etree
from rdflib import Literal, URIRef
from rdflib.namespace import DC
from sickle import Sickle
from sickle.iterator import OAIItemIterator
from sickle.oaiexceptions import BadResumptionToken, NoRecordsMatch, OAIError

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.fetch.xmlchars import INVALID_XML_CHARS, REPLACEMENT, defuse
from mcep_ld.mapping.dates import date_literal
from mcep_ld.mapping.iris import concept_iri, record_iri, slug
from mcep_ld.mapping.languages import normalise_language, text_literal
from mcep_ld.mapping.namespaces import DCT, FOAF, MCEP, RDF
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples
from mcep_ld.mapping.terms import to_rdflib

log = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


#: Characters XML 1.0 forbids, raw or as character references; repositories do send them.
_INVALID_XML_REF = re.compile(r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"""(^\s*<\?xml[^>]*?encoding=["'])[^"']*(["'])""")
#: lxml, told to read only what is there: no DTD, no entities, no network, no huge documents.
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class _PageIterator(OAIItemIterator):
    """sickle's record iterator, remembering the resumption token that fetched the current page."""

    page_token: str | None = None

    def _next_response(self) -> None:
        if self.resumption_token and self.resumption_token.token:
            self.page_token = self.resumption_token.token
            seen = self.__dict__.setdefault("_tokens_seen", set())
            if self.page_token in seen:  # a repository handing back a token it gave before: an endless listing
                raise SourceError(f"{self.sickle.endpoint}: the resumption token {self.page_token!r} came back "
                                  "a second time: the listing loops")
            seen.add(self.page_token)
        else:
            self.page_token = self.params.get("resumptionToken")
        super()._next_response()


class _Sickle(Sickle):
    """sickle speaking through the hub's HTTP client."""

    def __init__(self, endpoint: str, client: HttpClient) -> None:
        super().__init__(endpoint, iterator=_PageIterator)
        self.client = client

    def _request(self, kwargs: dict[str, Any]) -> Any:
        """GET a page and make sure it is a whole OAI-PMH answer before sickle (whose parser recovers from
        anything, so a page cut short would read as a shorter listing) sees it.

        What one record can spoil is replaced by U+FFFD, so that record alone is quarantined: characters XML
        forbids, a DTD and its entities, elements nested too deeply. A page that is still not well-formed (cut
        short) is asked for again, then is a SourceError; an answer that is not OAI-PMH (an HTML page) is a
        SourceError at once.
        """
        attempt = 0
        while True:
            resp = self.client.get(self.endpoint, params=kwargs)
            text = resp.content.decode(resp.encoding or "utf-8", errors="replace")
            text = defuse(_INVALID_XML_REF.sub(REPLACEMENT, INVALID_XML_CHARS.sub(REPLACEMENT, text)))
            text = _DECLARED_ENCODING.sub(r"\1UTF-8\2", text, count=1)  # it is passed on as UTF-8
            try:
                root = etree.fromstring(text.encode("utf-8"), _STRICT)
            except etree.XMLSyntaxError as exc:
                problem = f"{resp.url}: not well-formed XML (a page cut short?): {exc}"
                if attempt >= self.client.retries:
                    raise SourceError(f"{problem} (after {attempt + 1} attempts)") from None
                log.warning("%s; asking again", problem)
                self.client.sleep(self.client.backoff_s * (2 ** attempt))
                attempt += 1
                continue
            if root.tag != f"{{{OAI}}}OAI-PMH":
                raise SourceError(f"{resp.url}: not an OAI-PMH answer (its root element is {root.tag!r}, served as "
                                  f"{resp.headers.get('Content-Type', '?')})")
            resp._content = text.encode("utf-8")
            resp.encoding = "utf-8"
            return resp


class OAIHarvester(Harvester):
    """Harvests one OAI-PMH repository; ``name`` tells repositories apart in the catalog."""

    name: str = "oai"
    mapping_version: ClassVar[str] = "oai-dc-1"
    options: ClassVar[frozenset[str]] = frozenset({"name", "set_spec", "metadata_prefix"})

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None,
                 metadata_prefix: str = "oai_dc", set_spec: str | None = None) -> None:
        if metadata_prefix not in ("oai_dc", "rdf"):
            raise ValueError(f"metadata prefix {metadata_prefix!r}: oai_dc and rdf are mapped")
        super().__init__(endpoint=endpoint, settings=settings, client=client, name=name)
        self.metadata_prefix = metadata_prefix
        self.set_spec = set_spec
        if metadata_prefix == "rdf":  # another hub's record graphs, taken as they are
            self.mapping_version = "oai-rdf-1"


    @classmethod
    def from_settings(cls, settings: Settings, *, name: str, endpoint: str, client: HttpClient,
                      options: dict[str, str]) -> Self:
        """A repository's set comes from ``[sources.NAME] set_spec`` unless the run names one."""
        set_spec = settings.source(name)["set_spec"]
        if set_spec and "set_spec" not in options:
            options = {**options, "set_spec": set_spec}
        return cls(endpoint=endpoint, settings=settings, client=client, **options)
    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The repository's records (``from`` *since*); each record's position is the resumption token of
        its page, and *resume* (such a token) starts there. A repository that no longer knows the token
        (they expire) is listed again from the start; what the run already wrote is skipped."""
        sickle = _Sickle(self.endpoint, self.client)
        params: dict[str, str] = {"metadataPrefix": self.metadata_prefix}
        if self.set_spec:
            params["set"] = self.set_spec
        try:
            if since is not None:
                granularity = sickle.Identify().granularity
                params["from"] = since.astimezone(UTC).strftime(
                    "%Y-%m-%d" if granularity == "YYYY-MM-DD" else "%Y-%m-%dT%H:%M:%SZ")
            listing = self._listing(sickle, params, resume)
            fetched = datetime.now(UTC)
            for rec in listing:
                identifier = rec.header.identifier
                url = f"{self.endpoint}?" + urlencode({"verb": "GetRecord", "metadataPrefix": self.metadata_prefix,
                                                       "identifier": identifier})
                kinds = [spec.removeprefix("kind:") for spec in rec.header.setSpecs if spec.startswith("kind:")]
                yield SourceRecord(source=self.name, key=identifier, kind=kinds[0] if kinds else "document",
                                   payload=rec.raw.encode("utf-8"), url=url, fetched_at=fetched,
                                   deleted=rec.deleted, position=listing.page_token)
        except NoRecordsMatch:
            return
        except OAIError as exc:
            raise SourceError(f"{self.endpoint}: OAI-PMH error {type(exc).__name__}: {exc}") from None
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"{self.endpoint}: not well-formed XML: {exc}") from None

    def _listing(self, sickle: _Sickle, params: dict[str, str], resume: str | None) -> _PageIterator:
        """ListRecords from the start, or from the resumption token *resume* while the repository knows it."""
        if resume:
            try:
                return sickle.ListRecords(ignore_deleted=False, resumptionToken=resume)
            except BadResumptionToken as exc:
                log.warning("%s: the checkpoint's resumption token is no longer valid (%s); listing from the "
                            "start", self.endpoint, exc)
        return sickle.ListRecords(ignore_deleted=False, **params)

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        if self.metadata_prefix == "rdf":
            return self._map_rdf(record)
        try:
            root = etree.fromstring(record.payload)
        except etree.XMLSyntaxError as exc:
            raise MappingError(f"record is not well-formed XML: {exc}") from None
        identifier = root.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier") or record.key
        dc = root.find(f"{{{OAI}}}metadata/{{{OAI_DC}}}dc")
        if dc is None:
            raise MappingError("record has no oai_dc metadata")
        key = slug(identifier.removeprefix("oai:"))
        iri = record_iri(ctx.base_uri, "document", key)
        g = Triples()
        g.add((iri, RDF.type, MCEP.Document))
        g.add((iri, DCT.source, URIRef(record.url)))
        g.add((iri, DCT.identifier, Literal(identifier)))

        def values(element: str) -> list[etree._Element]:
            return [e for e in dc.findall(f"{{{DC_NS}}}{element}") if (e.text or "").strip()]

        languages = [normalise_language(e.text) for e in values("language")]
        languages = [lang for lang in languages if lang]
        default_lang = languages[0] if len(languages) == 1 else None
        for element, prop in (("title", DCT.title), ("description", DCT.description)):
            for e in values(element):
                lit = text_literal(e.text, e.get(XML_LANG) or default_lang)
                if lit is not None:
                    g.add((iri, prop, lit))
        for element, prop in (("creator", DC.creator), ("contributor", DC.contributor), ("subject", DC.subject),
                              ("publisher", DC.publisher), ("type", DC.type), ("format", DC.format),
                              ("rights", DC.rights), ("coverage", DC.coverage), ("relation", DC.relation)):
            for e in values(element):
                g.add((iri, prop, Literal(e.text.strip())))
        dates = values("date")
        if dates:
            g.add((iri, DCT.issued, date_literal(dates[0].text)))  # MappingError for an impossible date
        for e in values("identifier"):
            text = e.text.strip()
            if text.startswith(("http://", "https://")) and " " not in text:
                g.add((iri, FOAF.page, URIRef(text)))
            else:
                g.add((iri, DCT.identifier, Literal(text)))
        for lang in languages:
            g.add((iri, DCT.language, concept_iri(ctx.base_uri, "language", lang)))
        return MappedRecord(iri=iri, triples=g, sets=self._sets(root, record))

    def _sets(self, root: etree._Element, record: SourceRecord) -> list[str]:
        specs = [s.text for s in root.iter(f"{{{OAI}}}setSpec") if s.text]
        return sorted({f"kind:{record.kind}", f"source:{self.name}", *(f"{self.name}:{spec}" for spec in specs)})

    def _map_rdf(self, record: SourceRecord) -> MappedRecord:
        """The ``rdf`` format of another hub (or any repository sending RDF/XML): its triples as they are; the
        record is the subject minted under its kind's path (``…/id/{kind}/…``), else the first typed subject."""
        try:
            root = etree.fromstring(record.payload)
        except etree.XMLSyntaxError as exc:
            raise MappingError(f"record is not well-formed XML: {exc}") from None
        payload = root.find(f"{{{OAI}}}metadata/{{{RDF_NS}}}RDF")
        if payload is None:
            raise MappingError("record has no rdf:RDF metadata")
        try:
            triples = list(ox.parse(etree.tostring(payload), format=ox.RdfFormat.RDF_XML))
        except SyntaxError as exc:
            raise MappingError(f"the RDF/XML cannot be read: {exc}") from None
        typed = [t.subject.value for t in triples if t.predicate.value == str(RDF.type)
                 and isinstance(t.subject, ox.NamedNode)]
        if not typed:
            raise MappingError("no typed resource in the record's RDF")
        iri = next((s for s in typed if f"/id/{record.kind}/" in s), typed[0])
        g = Triples((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in triples)
        return MappedRecord(iri=URIRef(iri), triples=g, sets=self._sets(root, record))

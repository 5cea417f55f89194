"""The Convention's own website (mercuryconvention.org, shared/reference/sources.md §3).

The site has no API, so the harvester reads it as a polite crawler would: ``robots.txt`` first (its
``Disallow`` rules are obeyed, its ``Sitemap`` lines followed), then the sitemap, whose ``lastmod`` makes
runs incremental and whose ``hreflang`` alternates give each page's language versions (``/en /fr /es /ar
/ru /zh-hans``). Only document and decision pages are fetched. Document symbols (``UNEP/MC/COP.5/19``) and
decision numbers (``MC-5/16``) are read from page titles and are the records' natural keys, so a decision
or document also harvested from InforMEA is the same hub resource, with both sources in its provenance.

Pages are fetched by their path under the configured endpoint, and published under the URL the
sitemap gives: a mirror or a test server can stand in for the site without changing the record links.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from lxml import etree, html
from rdflib import Literal, URIRef

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext, Validators
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.concepts import add_treaty
from mcep_ld.mapping.dates import as_utc
from mcep_ld.mapping.iris import concept_iri, decision_key, distribution_iri, record_iri, slug
from mcep_ld.mapping.languages import normalise_language, text_literal
from mcep_ld.mapping.namespaces import DCAT, DCT, FOAF, MCEP, RDF
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples

log = logging.getLogger(__name__)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
#: Document symbols as the Convention writes them, INC-era ones included (sources.md §3).
SYMBOL = re.compile(r"UNEP(?:\(DTIE\))?/(?:MC|Hg)/(?:[A-Z]+(?:\.\d+)?/)?(?:(?:INF|CRP)[/ ])?\d+"
                    r"(?:/Add\.\d+)?(?:/Rev\.\d+)?")
#: A decision's page: its title begins with its number ("MC-1/3 - …", "Decision MC-1/3: …"). A number further
#: on is a mention ("UNEP/MC/COP.5/4 – … decision MC-4/3" is a document).
DECISION = re.compile(r"^\s*(?:decision\s+)?(MC\s*-\s*\d+\s*/\s*\d+)\b", re.IGNORECASE)
#: The sections whose pages are records.
SECTIONS = re.compile(r"^/[a-z-]+/(documents|decisions)/")
FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip")


def page_title(text: str) -> str:
    """The page's own title: its ``h1``, else ``<title>`` without the site name."""
    doc = html.fromstring(text)
    h1 = doc.xpath("string(//h1)").strip()
    if h1:
        return " ".join(h1.split())
    return doc.xpath("string(//title)").split(" | ")[0].strip()


def natural_key(title: str) -> tuple[str, str] | None:
    """(kind, natural key) read from a title: a decision number first, else a document symbol."""
    if m := DECISION.match(title):
        return "decision", decision_key(m.group(1), "minamata")
    if m := SYMBOL.search(title):
        return "document", m.group(0)
    return None


class ConventionHarvester(Harvester):
    """Reads mercuryconvention.org (the endpoint is the site root)."""

    name: str = "convention"
    mapping_version: ClassVar[str] = "convention-2"  # 2: a decision only when the title begins with its number
    conditional: ClassVar[bool] = True

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint.rstrip("/"), settings=settings, client=client, name=name)
        self.user_agent = settings.http_user_agent

    def _local(self, url: str) -> str:
        """Where to fetch *url*: its path under the configured endpoint."""
        parts = urlsplit(url)
        return self.endpoint + parts.path + (f"?{parts.query}" if parts.query else "")

    def _robots(self) -> RobotFileParser:
        robots = RobotFileParser()
        try:
            text = self.client.get(f"{self.endpoint}/robots.txt").text
        except SourceError as exc:
            if exc.status not in (404, 410):
                raise
            text = ""  # no robots.txt: everything is allowed
        robots.parse(text.splitlines())
        rate = robots.request_rate(self.user_agent)
        delay = robots.crawl_delay(self.user_agent) or (rate.seconds / rate.requests if rate else None)
        if delay:
            self.client.slow_down(float(delay))
        return robots

    def _get(self, url: str, validators: Validators | None) -> bytes | None:
        """The body of *url*; None when the server says it has not changed since the last run (304)."""
        resp = self.client.get_if_changed(url, validators)
        return None if resp is None else resp.content

    def _sitemap_urls(self, url: str, validators: Validators | None,
                      depth: int = 0) -> Iterator[tuple[str, str | None, dict[str, str]]]:
        """(loc, lastmod, {hreflang: href}) of every page of a sitemap or sitemap index; nothing from a
        sitemap that has not changed since the last run."""
        body = self._get(self._local(url), validators)
        if body is None:
            return
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"{url}: not a sitemap: {exc}") from None
        if root.tag == f"{{{SITEMAP}}}sitemapindex" and depth < 3:
            for loc in root.iterfind(f"{{{SITEMAP}}}sitemap/{{{SITEMAP}}}loc"):
                yield from self._sitemap_urls(loc.text.strip(), validators, depth + 1)
            return
        if root.tag != f"{{{SITEMAP}}}urlset":
            raise SourceError(f"{url}: not a sitemap (root element {root.tag})")
        for entry in root.iterfind(f"{{{SITEMAP}}}url"):
            loc = (entry.findtext(f"{{{SITEMAP}}}loc") or "").strip()
            if not loc:
                continue
            alternates = {link.get("hreflang"): link.get("href") for link in entry.iterfind(f"{{{XHTML}}}link")
                          if link.get("rel") == "alternate" and link.get("hreflang") and link.get("href")}
            yield loc, (entry.findtext(f"{{{SITEMAP}}}lastmod") or "").strip() or None, alternates

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The document and decision pages of the sitemap (those whose ``lastmod`` is after *since*).

        A record's position is its page's URL; *resume* (such a URL) starts the listing at that entry of
        the sitemap, or at its beginning if the page is no longer listed. Incremental runs ask for the
        sitemaps and pages conditionally (ETag, Last-Modified): a page whose ``lastmod`` moved but whose
        server says it has not changed is not listed, as if its date had not moved.
        """
        if since is None and listing.validators is not None:
            listing.validators.clear()  # a full run fetches everything (and keeps the new validators)
        robots = self._robots()
        sitemaps = robots.site_maps() or [f"{self.endpoint}/sitemap.xml"]
        entries = [entry for sitemap in sitemaps for entry in self._sitemap_urls(sitemap, listing.validators)]
        if resume:
            at = next((i for i, (loc, _, _) in enumerate(entries) if loc == resume), None)
            if at is None:
                log.warning("%s: the checkpoint's page %s is no longer in the sitemap; listing from the start",
                            self.endpoint, resume)
            entries = entries[at or 0:]
        for loc, lastmod, alternates in entries:
            path = urlsplit(loc).path
            if not SECTIONS.match(path) or not robots.can_fetch(self.user_agent, path):
                continue
            if since is not None and lastmod:
                try:
                    if (changed := as_utc(lastmod)) is not None and changed <= since:
                        continue
                except MappingError:
                    pass  # an unreadable lastmod: fetch the page
            if record := self._record(loc, lastmod, alternates or {path.split("/")[1]: loc}, listing.validators):
                yield record

    def _record(self, loc: str, lastmod: str | None, alternates: dict[str, str],
                validators: Validators | None) -> SourceRecord | None:
        bodies = {lang: self._get(self._local(href), validators) for lang, href in alternates.items()}
        if all(body is None for body in bodies.values()):
            return None  # no language version changed
        pages: dict[str, str] = {}
        for lang, body in bodies.items():
            if body is None:  # this version did not change, but the record is made of all of them
                body = self.client.get(self._local(alternates[lang])).content
            pages[lang] = body.decode("utf-8", errors="replace")
        first = pages.get("en") or next(iter(pages.values()))
        found = natural_key(page_title(first))
        if found is None:
            return None  # a page of the section that is not a document or decision (an index, say)
        kind, _ = found
        payload = json.dumps({"loc": loc, "lastmod": lastmod, "alternates": alternates, "pages": pages},
                             sort_keys=True, ensure_ascii=False).encode()
        return SourceRecord(source=self.name, key=urlsplit(loc).path, kind=kind, payload=payload, url=loc,
                            fetched_at=datetime.now(UTC), position=loc)

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        data = json.loads(record.payload)
        pages: dict[str, Any] = data["pages"]
        first = pages.get("en") or next(iter(pages.values()))
        found = natural_key(page_title(first))
        if found is None:
            raise MappingError("no document symbol or decision number in the page title")
        kind, natural = found
        iri = record_iri(ctx.base_uri, kind, slug(natural))
        g = Triples()
        g.add((iri, RDF.type, MCEP.Decision if kind == "decision" else MCEP.Document))
        g.add((iri, DCT.identifier, Literal(natural)))
        g.add((iri, DCT.source, URIRef(record.url)))
        files: dict[str, str | None] = {}  # every language version links the same files: one each
        for lang, text in pages.items():
            tag = normalise_language(lang)
            doc = html.fromstring(text)
            title = page_title(text)
            # "UNEP/MC/COP.5/19 - Guidance…" and "MC-5/1: Indigenous…" carry the key; the title is the rest.
            own = re.sub(rf"^\s*{re.escape(natural)}\s*(?:[-–:]\s*)?", "", title).strip() or title
            if (lit := text_literal(own, tag)) is not None:
                g.add((iri, DCT.title, lit))
            description = doc.xpath("string(//meta[@name='description']/@content)").strip()
            if description and description != own and (lit := text_literal(description, tag)) is not None:
                g.add((iri, DCT.description, lit))
            g.add((iri, FOAF.page, URIRef(data["alternates"].get(lang, record.url))))
            for a in doc.xpath("//a[@href]"):
                href = a.get("href")
                if urlsplit(href).path.lower().endswith(FILE_SUFFIXES):
                    files.setdefault(urljoin(record.url, href), normalise_language(a.get("hreflang") or lang))
        for url, file_lang in files.items():
            dist = distribution_iri(iri, url)
            g.add((iri, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.downloadURL, URIRef(url)))
            if file_lang:
                g.add((dist, DCT.language, concept_iri(ctx.base_uri, "language", file_lang)))
        if modified := data.get("lastmod"):
            try:
                if (moment := as_utc(modified)) is not None:
                    g.add((iri, DCT.modified, Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                      datatype=URIRef("http://www.w3.org/2001/XMLSchema#dateTime"))))
            except MappingError:
                pass  # the sitemap's date is a hint, not part of the record
        sets = [f"kind:{kind}", f"source:{self.name}"]
        sets += add_treaty(g, iri, "minamata", ctx.vocab)  # the site speaks for the Minamata Convention
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

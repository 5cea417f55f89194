"""The Convention's own website (mercuryconvention.org, shared/reference/sources.md §3).

The site has no API, so the harvester reads it as a polite crawler would: ``robots.txt`` first (its
``Disallow`` rules are obeyed, its ``Sitemap`` lines followed), then the sitemap, whose ``lastmod`` makes
runs incremental and whose ``hreflang`` alternates give each page's language versions (``/en /fr /es /ar
/ru /zh-hans``). Only document and decision pages are fetched. Document symbols (``UNEP/MC/COP.5/19``) and
decision numbers (``MC-5/16``) are read from page titles and are the records' natural keys, so a decision
or document also harvested from InforMEA is the same hub resource, with both sources in its provenance.

Decisions are pages of the documents section like any other (``/en/documents/guidance-relation-…``, titled
"MC-1/3 - Guidance in relation to …"). A page not yet translated is served, in English, under another
language's prefix (``/zh-hans/node/3905``): its text is tagged with the language it is written in, as
detected, not the one of its URL, and adds a language only when no translation has it. The page's tags
"Article 3" (in any of the six languages) and "Annex A" become the Convention's themes, and its date
("22.11.2017", day first) the record's ``dct:issued``.

Pages are fetched by their path under the configured endpoint, and published under the URL the
sitemap gives: a mirror or a test server can stand in for the site without changing the record links.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from lxml import etree, html
from rdflib import Literal, URIRef

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext, Validators
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.mapping.concepts import add_theme, add_treaty
from mcep_ld.mapping.dates import as_utc
from mcep_ld.mapping.iris import concept_iri, decision_key, distribution_iri, record_iri, slug
from mcep_ld.mapping.languages import load_language_identifier, normalise_language, text_literal, written_language
from mcep_ld.mapping.namespaces import DCAT, DCT, FOAF, MCEP, RDF, XSD
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
#: The section whose pages are records (documents, decisions among them).
SECTIONS = re.compile(r"^/[a-z-]+/documents/")
#: A tag naming an article, in the six languages: "Article 3", "Artículo 3", "Статья 3", "المادة 3", "第3条".
ARTICLE_TAG = re.compile(r"^(?:article|artículo|articulo|статья|المادة)\s*(\d{1,2})$|^第\s*(\d{1,2})\s*条$",
                         re.IGNORECASE)
#: A tag naming an annex: "Annex A", "Annexe B", "Anexo C", "Приложение D", "附件E", "المرفق ألف".
ANNEX_TAG = re.compile(r"^(?:annex|annexe|anexo|приложение|附件|المرفق)\s*(\S+)$", re.IGNORECASE)
#: Annex letters as the Russian (Cyrillic look-alikes) and Arabic (letter names) texts write them.
ANNEX_LETTERS = {"А": "A", "В": "B", "С": "C", "Е": "E", "ألف": "A", "باء": "B", "جيم": "C", "دال": "D", "هاء": "E"}
#: The page's date as the site prints it: day first ("22.11.2017").
PAGE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip")


def page_title(text: str) -> str:
    """The page's own title: its ``h1``, else ``<title>`` without the site name."""
    doc = html.fromstring(text)
    h1 = doc.xpath("string(//h1)").strip()
    if h1:
        return " ".join(h1.split())
    return doc.xpath("string(//title)").split(" | ")[0].strip()


def page_text(doc: html.HtmlElement) -> str:
    """The text of the page's content (``main``, else ``body``), without the site's navigation: what the
    language is detected from."""
    content = doc.find(".//main")
    if content is None:
        content = doc.find(".//body")
    return " ".join((content.text_content() if content is not None else "").split())


def page_themes(doc: html.HtmlElement) -> list[str]:
    """The notations ("3", "A") of the articles and annexes the page is tagged with."""
    found = []
    for item in doc.xpath("//main//li | //main//a"):
        text = " ".join(item.text_content().split())
        if m := ARTICLE_TAG.match(text):
            found.append(str(int(m.group(1) or m.group(2))))
        elif (m := ANNEX_TAG.match(text)) and (letter := ANNEX_LETTERS.get(m.group(1), m.group(1).upper())) in "ABCDE":
            found.append(letter)
    return sorted(set(found))


def page_date(doc: html.HtmlElement) -> date | None:
    """The date the page shows: a ``<time datetime>``, else the first text of its own that is a day-first
    date; None when there is none or it is impossible (31.02.2017): the page's date is not worth a record."""
    for stamp in doc.xpath("//main//time/@datetime"):
        try:
            return date.fromisoformat(stamp[:10])
        except ValueError:
            continue
    for text in doc.xpath("//main//text()"):
        if m := PAGE_DATE.match(text.strip()):
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return None
    return None


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
    # 2: a decision only when the title begins with its number; 3: detected languages, themes, dct:issued
    mapping_version: ClassVar[str] = "convention-3"
    conditional: ClassVar[bool] = True

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint.rstrip("/"), settings=settings, client=client, name=name)
        self.user_agent = settings.http_user_agent
        load_language_identifier()  # here, before the ingest workers are forked: they inherit it

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
        themes: set[str] = set()
        versions = []
        for lang, text in pages.items():
            doc = html.fromstring(text)
            declared = normalise_language(lang)
            versions.append((declared, written_language(page_text(doc), declared), lang, text, doc))
        # Translations first: an untranslated page adds its text only in a language no translation has.
        versions.sort(key=lambda v: v[0] != v[1])
        written: set[str | None] = set()
        for _declared, tag, lang, text, doc in versions:
            g.add((iri, FOAF.page, URIRef(data["alternates"].get(lang, record.url))))
            for a in doc.xpath("//a[@href]"):
                href = a.get("href")
                if urlsplit(href).path.lower().endswith(FILE_SUFFIXES):
                    files.setdefault(urljoin(record.url, href), normalise_language(a.get("hreflang") or lang))
            themes.update(page_themes(doc))
            if tag in written:
                continue
            written.add(tag)
            title = page_title(text)
            # "UNEP/MC/COP.5/19 - Guidance…" and "MC-5/1 - Indigenous…" carry the key; the title is the rest.
            own = re.sub(rf"^\s*{re.escape(natural)}\s*(?:[-–:]\s*)?", "", title).strip() or title
            if (lit := text_literal(own, tag)) is not None:
                g.add((iri, DCT.title, lit))
            description = doc.xpath("string(//meta[@name='description']/@content)").strip()
            if description and description != own and (lit := text_literal(description, tag)) is not None:
                g.add((iri, DCT.description, lit))
        if issued := page_date(html.fromstring(first)):
            g.add((iri, DCT.issued, Literal(issued.isoformat(), datatype=XSD.date)))
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
        for notation in sorted(themes):
            sets += add_theme(g, iri, notation, ctx.vocab)
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

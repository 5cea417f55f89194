"""Content and language negotiation, one way for every route that serves RDF or pages (records, concepts,
the VoID description, the service description)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from mcep_ld.config import UN_LANGUAGES
from mcep_ld.serve.formats import RESOURCE_FORMATS, best_media, resource_format, resource_format_by_suffix
from mcep_ld.serve.web import jsonld

TURTLE = ox.RdfFormat.TURTLE.media_type
#: Least wanted first: Turtle answers ``*/*``; a browser's ``text/html`` outweighs its ``*/*;q=0.8``.
RDF_OFFER = tuple(f.media_type for f in reversed(RESOURCE_FORMATS) if f is not ox.RdfFormat.TURTLE) + (TURTLE,)
HTML_OFFER = (*RDF_OFFER[:-1], "text/html", TURTLE)


def media_type(request: Request, suffix: str = "", *, html: bool = True) -> str:
    """The representation asked for: a suffix URL's (empty when the suffix is unknown), else the one the
    ``Accept`` header prefers among the RDF formats and, for browsers, text/html (when *html*); Turtle when
    it prefers none (no header, ``*/*``)."""
    if suffix:
        return fmt.media_type if (fmt := resource_format_by_suffix(suffix)) else ""
    return best_media(request.headers.get("accept"), HTML_OFFER if html else RDF_OFFER) or TURTLE


def no_format(suffix: str) -> Response:
    """The answer to a suffix URL in a format the hub does not write."""
    known = ", ".join(f".{f.file_extension}" for f in RESOURCE_FORMATS)
    return PlainTextResponse(f"no format .{suffix}: one of {known}", status_code=404)


def serialize(triples: list[ox.Triple], media: str, *, public_url: str) -> bytes:
    """*triples* in *media*: JSON-LD compacted with the published context, the others by pyoxigraph with the
    context's prefixes."""
    if media == "application/ld+json":
        return jsonld.compact(triples, public_url)
    return ox.serialize(triples, format=resource_format(media), prefixes=jsonld.prefixes())


def languages(request: Request, lang: str | None = None) -> list[str]:
    """The reader's languages: ``?lang=``, then ``Accept-Language`` in order, then the configured fallback."""
    wanted = [lang] if lang else []
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag and tag != "*":
            wanted.append(tag)
    fallback = request.app.state.hub.settings.language_fallback or UN_LANGUAGES
    return list(dict.fromkeys([*wanted, *fallback]))


def not_modified(request: Request, etag: str, modified: str) -> bool:
    """Whether the client's copy (``If-None-Match`` *etag*, the quoted tag, else ``If-Modified-Since``
    *modified*, an ``…Z`` UTC time) is current: the answer is then 304."""
    if (match := request.headers.get("if-none-match")) is not None:
        return etag in [t.strip() for t in match.split(",")] or match.strip() == "*"
    if since := request.headers.get("if-modified-since"):
        try:
            return _utc(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def validators(iri: str, state: str, modified: str, media: str, lang: str) -> dict[str, str]:
    """The headers of a negotiated resource: ``ETag`` (from *state*, what the answer is made from, with the
    media type and, for HTML, the page's language: each representation its own tag), ``Last-Modified``
    (*modified*, an ``…Z`` UTC time), ``Vary`` and a ``Link: rel=alternate`` per RDF format."""
    tag = hashlib.sha256(f"{state}|{media}|{lang if media == 'text/html' else ''}".encode()).hexdigest()[:32]
    return {"ETag": f'"{tag}"', "Vary": "Accept, Accept-Language",
            "Last-Modified": format_datetime(_utc(modified), usegmt=True),
            "Link": alternates(iri)}


def alternates(iri: str) -> str:
    """The ``Link`` header naming the suffix URL of *iri* in every RDF format."""
    return ", ".join(f'<{iri}.{f.file_extension}>; rel="alternate"; type="{f.media_type}"' for f in RESOURCE_FORMATS)


def _utc(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

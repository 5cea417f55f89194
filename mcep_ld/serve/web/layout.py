"""What every HTML page shares: its language and direction, links that keep the page's language, numbers and
dates as the reader's language writes them, and ``render``, which fills a page's template in the frame
(``templates/base.html``).

Pages are plain HTML with one small stylesheet served by the hub (``/static/hub.css``): nothing from another
host, so they work offline and on a slow line; the SPARQL page's editor is the one script, and the page works
without it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from markupsafe import Markup

from mcep_ld.config import UN_LANGUAGES
from mcep_ld.messages import LANGUAGE_NAMES, message
from mcep_ld.serve.web.negotiation import languages

RTL = {"ar"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def number(value: float, lang: str, *, decimals: int = 2) -> str:
    """*value* as the reader's language writes numbers (CLDR, by Babel): ``0,88`` in French."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang or "en")


def percent(share: float, lang: str) -> str:
    """*share* (0.25) as the reader's language writes a percentage (CLDR, by Babel): ``25%``, ``25 %`` in French."""
    return format_percent(share, locale=lang or "en")


def date_text(iso: str, lang: str) -> Markup:
    """An ``xsd:date`` as the reader's language writes dates (CLDR, by Babel), in a ``<time>`` element."""
    try:
        shown = format_date(date.fromisoformat(iso[:10]), format="long", locale=lang or "en")
    except ValueError:
        shown = iso
    return Markup(f'<time datetime="{esc(iso)}">{esc(shown)}</time>')  # HTML in templates too


def datetime_text(iso: str, lang: str) -> Markup:
    """An ``xsd:dateTime`` (UTC, ``…Z``) as the reader's language writes a date and time, in a ``<time>``."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        shown = format_datetime(moment, format="medium", tzinfo=UTC, locale=lang or "en") + " UTC"
    except ValueError:
        shown = iso
    return Markup(f'<time datetime="{esc(iso)}"><bdi>{esc(shown)}</bdi></time>')  # HTML in templates too


def literal_text(value: str, datatype: str, lang: str) -> Markup:
    """A literal as a reader reads it: dates and times in the reader's language, the rest as written."""
    if datatype.endswith("#dateTime") and "T" in value:  # midnight is how sources write a day: shown as one
        return date_text(value, lang) if value[10:19] == "T00:00:00" else datetime_text(value, lang)
    if datatype.endswith("#date"):
        return date_text(value, lang)
    return Markup(f"<bdi>{esc(value)}</bdi>")


@dataclass(frozen=True)
class Link:
    """A link as templates draw it (macro ``a`` in ``macros.html``): *href* is empty when the address is no web
    address (it is drawn as a span); *attrs* mark the text's language when it is not the page's; *note*
    follows the link (a record's year)."""

    href: str
    text: str
    attrs: Markup = Markup("")
    note: str = ""


def to(request: Request, iri: str, text: str, lang: str, *, text_lang: str = "", note: object = "") -> Link:
    """A link to *iri* (a hub IRI on the reader's site, keeping the page's language), its text in *text_lang*."""
    href = local(request, iri, lang)
    return Link(href if web_address(href) else "", text or iri, Markup(lang_attr(text_lang, lang)),
                str(note or ""))


def record_links(request: Request, hits: list, lang: str) -> list[Link]:
    """Records (search hits) as links titled in the reader's language, with their year."""
    return [to(request, h.iri, title, lang, text_lang=code, note=h.year)
            for h in hits for title, code in [text_in(h.titles, [lang])]]


def page_language(request: Request, available: list[str] | None = None) -> str:
    """The page's language: ``?lang=`` or the reader's ``Accept-Language``, among the six (or *available*)."""
    choices = available or list(UN_LANGUAGES)
    return next((code for code in languages(request, request.query_params.get("lang")) if code in choices),
                choices[0] if choices else "en")


def link(path: str, lang: str, **params: object) -> str:
    """An internal link that keeps the page's language."""
    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "")] + [("lang", lang)], doseq=True)
    return f"{path}?{query}"


def local(request: Request, iri: str, lang: str = "") -> str:
    """A hub IRI as a link on the site the reader is on (root-relative, so pages work under any host name
    and behind a proxy), keeping the page's language; any other IRI as it is."""
    base = request.app.state.hub.settings.base_uri
    if not iri.startswith(base):
        return iri
    path = "/" + iri[len(base):]
    return link(path, lang) if lang and "#" not in path and "?" not in path else path


def anchor(href: str, inner: str, attrs: str = "") -> str:
    """A link to *href* around *inner* (HTML already escaped), or *inner* in a span when *href* is no web
    address: IRIs come from sources and queries, and ``javascript:`` or ``data:`` must never be clickable."""
    if web_address(href):
        return f'<a href="{esc(href)}"{attrs}>{inner}</a>'
    return f"<span{attrs}>{inner}</span>"


def web_address(href: str) -> bool:
    """Whether *href* may be a link: a web address or a path on this site, never ``javascript:`` or ``data:``."""
    return href.startswith(("http://", "https://", "/", "?")) and not href.startswith("//")


def text_in(texts: dict[str, str], order: list[str]) -> tuple[str, str]:
    """The text in the first language of *order* it has (or any), with that language."""
    for code in [*order, *sorted(texts)]:
        if code in texts:
            return texts[code], code
    return "", ""


def lang_attr(code: str, page_lang: str) -> str:
    """``lang`` (and ``dir``) for an element whose text is in another language than the page."""
    if not code or code == page_lang:
        return ""
    direction = ' dir="rtl"' if code in RTL else (' dir="ltr"' if page_lang in RTL else "")
    return f' lang="{esc(code)}"{direction}'


def rooted(request: Request, page: str) -> str:
    """*page* with the proxy's path prefix (``root_path``) before every root-relative link and form action.

    Pages are written with root-relative links (``/search``); behind a proxy that serves the hub under
    ``/mcep/`` they must say ``/mcep/search``. Only the hub's own markup makes such links: addresses from
    data are absolute IRIs, and ``anchor`` refuses anything else.
    """
    root = request.app.state.hub.settings.root_path
    if not root:
        return page
    return page.replace(' href="/', f' href="{root}/').replace(' action="/', f' action="{root}/')


def route_path(request: Request) -> str:
    """The request's path without the proxy's prefix (uvicorn puts ``root_path`` before it)."""
    path, root = request.url.path, request.scope.get("root_path", "")
    return (path[len(root):] or "/") if root and path.startswith(root) else path


def render(request: Request, template: str, lang: str, title: str, *, head: str = "", feedback: bool = True,
           **context: object) -> str:
    """A whole page in *lang*: the page's *template* (it extends ``base.html``, the frame) with *context*; *head*
    is the hub's own HTML for the page's head; the feedback form at its foot unless told."""
    from mcep_ld.serve.web.feedback import EMAIL_MAX_CHARS
    from mcep_ld.serve.web.templating import render_template

    settings = request.app.state.hub.settings
    query = request.url.query
    here = route_path(request)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    site = message("hub", lang)
    page = render_template(
        settings.templates_dir, template, lang,
        direction="rtl" if lang in RTL else "ltr",
        full_title=site if title == site else f"{title} · {site}",  # the landing page is the site itself
        title=title, head=Markup(head),
        nav=[("/search", "search"), ("/vocab", "vocabularies"), ("/insights", "insights_nav"),
             ("/dashboard", "dashboard")],
        languages=[(code, LANGUAGE_NAMES[code], f"{here}?{urlencode([*params, ('lang', code)])}")
                   for code in UN_LANGUAGES],
        feedback_page=(here + (f"?{query}" if query else "")) if feedback else None,
        email_max_chars=EMAIL_MAX_CHARS, **context)
    return rooted(request, page)

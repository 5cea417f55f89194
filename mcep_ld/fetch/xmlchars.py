"""Characters XML 1.0 forbids (its §2.2 Char production): repositories send them, and no response of ours may
carry one — a single one spoils the whole document for its reader."""

from __future__ import annotations

import re

INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

#: What the hub puts where it could not read something: the record holding it is quarantined.
REPLACEMENT = "\ufffd"
#: Deeper than this, an element of a source's answer is damage, not metadata (lxml refuses 256 levels).
MAX_DEPTH = 64

_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL | re.IGNORECASE)
_ENTITY_REF = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);|#)[A-Za-z_:][\w.:-]*;")
_TAGS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)[^>]*?(/?)>", re.DOTALL)


def defuse(text: str, *, max_depth: int = MAX_DEPTH) -> str:
    """*text* (an XML document from a source) without what a parser must not be given, each replaced by
    U+FFFD so that only the record holding it is lost: a DTD (entity bombs, external entities: OAI-PMH
    answers have none), references to the entities it declared, and elements nested deeper than *max_depth*
    (their content)."""
    if "<!DOCTYPE" in text or "<!doctype" in text:
        text = _ENTITY_REF.sub(REPLACEMENT, _DOCTYPE.sub("", text, count=1))
    return _flatten(text, max_depth)


def _flatten(text: str, max_depth: int) -> str:
    """The content of every element deeper than *max_depth* replaced by U+FFFD."""
    out: list[str] = []
    depth = 0
    cut_from: int | None = None  # where the content of the element being cut starts
    last = 0
    for m in _TAGS.finditer(text):
        closing, empty = m.group(1), m.group(2)
        if closing is None or empty:  # a comment, CDATA, processing instruction or empty element
            continue
        if closing:
            depth -= 1
            if cut_from is not None and depth == max_depth:
                out.append(text[last:cut_from] + REPLACEMENT)
                last, cut_from = m.end(), None  # the cut element's own closing tag goes with it
            continue
        depth += 1
        if depth == max_depth + 1 and cut_from is None:
            cut_from = m.start()
    if last == 0:
        return text
    out.append(text[last:])
    return "".join(out)

"""Language tags as BCP 47, and multilingual literals.

Sources write Chinese as ``zh``, ``zh-hans``, ``zh_CN`` or ``ZH``; the hub writes the six UN languages as
``ar en es fr ru zh`` (Simplified Chinese is the UN's Chinese, so ``zh-Hans`` becomes ``zh``) and any
other tag in BCP 47 case: language lower, script title, region upper.
"""

from __future__ import annotations

import re

from rdflib import Literal

_TAG = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")
_SIMPLIFIED = {"zh-hans", "zh-cn", "zh-hans-cn", "zh-sg", "zh-hans-sg", "chi", "zho"}
_THREE_LETTER = {"ara": "ar", "eng": "en", "spa": "es", "fre": "fr", "fra": "fr", "rus": "ru"}


def normalise_language(code: str | None) -> str | None:
    """*code* as the hub's BCP 47 tag, or None when there is no usable tag."""
    if code is None:
        return None
    raw = code.strip().replace("_", "-")
    if not raw or not _TAG.match(raw):
        return None
    low = raw.lower()
    if low in _SIMPLIFIED:
        return "zh"
    if low in _THREE_LETTER:
        return _THREE_LETTER[low]
    parts = low.split("-")
    out = [parts[0]]
    for p in parts[1:]:
        if len(p) == 4 and p.isalpha():
            out.append(p.title())
        elif len(p) == 2 and p.isalpha():
            out.append(p.upper())
        else:
            out.append(p)
    return "-".join(out)


def text_literal(value: object, language: str | None) -> Literal | None:
    """A trimmed language-tagged literal, or None for empty text.

    Text with no usable language tag is kept as a plain literal rather than dropped: nothing is lost.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    tag = normalise_language(language)
    return Literal(text, lang=tag) if tag else Literal(text)

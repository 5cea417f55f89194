"""Language tags as BCP 47, multilingual literals, and the language a text is written in.

Sources write Chinese as ``zh``, ``zh-hans``, ``zh_CN`` or ``ZH``; the hub writes the six UN languages as
``ar en es fr ru zh`` (Simplified Chinese is the UN's Chinese, so ``zh-Hans`` becomes ``zh``) and any
other tag in BCP 47 case: language lower, script title, region upper.

A source's tag can be wrong: a website serves a page not yet translated, in English, under ``/zh-hans/``.
``written_language`` asks a language identifier (py3langid, langid.py's model, restricted to the six UN
languages) and keeps the declared tag unless the identifier is sure.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rdflib import Literal

from mcep_ld.config import UN_LANGUAGES

#: How sure the identifier must be (a probability over the six UN languages) before its answer replaces the
#: language a source declares. Short titles ("Road map": 0.60) stay as declared; a sentence is above 0.99.
DETECTION_MIN_PROBABILITY = 0.95

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


@cache
def _identifier() -> Any:  # py3langid's LanguageIdentifier (untyped)
    """The identifier, loaded once per process (0.8 s): a harvester that uses it calls this before its workers
    are forked, so they inherit it."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(UN_LANGUAGES))
    return identifier


def load_language_identifier() -> None:
    """Load the identifier now (see ``_identifier``)."""
    _identifier()


def written_language(text: str, declared: str | None) -> str | None:
    """The UN language *text* is written in when the identifier is sure of it, else the *declared* one
    (normalised); None when neither is known."""
    declared = normalise_language(declared)
    if text.strip():
        found, probability = _identifier().classify(text)
        if probability >= DETECTION_MIN_PROBABILITY:
            return str(found)
    return declared

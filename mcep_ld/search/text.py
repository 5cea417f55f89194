"""Text as the search index sees it: the same steps for what is indexed and for what is asked.

SQLite's ``unicode61`` tokenizer splits words on anything that is not a letter or a digit, which serves the
Latin, Cyrillic and Arabic scripts; Chinese has no spaces, so every ideograph becomes a word of its own here
and a Chinese query is searched as a phrase of them (``汞排放`` finds the three characters in a row). Words
are stemmed by their text's language (Snowball: ``emissions`` and ``emission``, ``ртути`` and ``ртуть``,
``الزئبق`` and ``زئبق`` meet), then case and accents are folded. A query word is searched as itself or as
its stem in any language of its script, since a query does not say which language it is in.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from mcep_ld.mapping.iris import slug
from mcep_ld.vocab import fold

STEMMERS = {"en": "english", "es": "spanish", "fr": "french", "ru": "russian", "ar": "arabic"}
#: The languages whose stemmer applies to a query word, by its script.
_SCRIPT_LANGUAGES = {"latin": ("en", "es", "fr"), "cyrillic": ("ru",), "arabic": ("ar",)}

# Ideographs, kana and hangul: written without spaces, indexed one character per word.
_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK = re.compile(f"([{_CJK_RANGES}])")
# One CJK letter, or a run of other word characters: the words of text with every CJK character spaced out.
_WORD = re.compile(f"(?=\\w)[{_CJK_RANGES}]|[^\\W{_CJK_RANGES}]+")
# The Arabic article and the particles before it (Snowball leaves التخزين and تخزين apart): stripped first.
_ARTICLE = re.compile("^(?:و|ف|ب|ك)?(?:ال|لل)(?=...)")
_ARABIC = str.maketrans({"\u0640": None, "\u0649": "\u064a"})  # tatweel; alef maqsura as yeh


@lru_cache(maxsize=8)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no type hints
    return snowballstemmer.stemmer(STEMMERS[language])


@lru_cache(maxsize=262_144)
def stem(word: str, language: str) -> str:
    """*word* (already lower case) as indexed: in a language with a stemmer, its stem marked with the language
    (``mercuri_es``: a Spanish stem meets only Spanish text, so ``mercurio`` does not find English
    ``mercury``), folded; in any other language, just folded."""
    if language in STEMMERS and not word.isdigit():
        if language == "ar":
            word = _ARTICLE.sub("", word)
        return f"{fold(_stemmer(language).stemWord(word)).translate(_ARABIC)}_{language}"
    return fold(word).translate(_ARABIC)


def words(text: str) -> list[str]:
    """The words of *text*, lower case, with every CJK character a word of its own."""
    return _WORD.findall(text.casefold())


def index_text(text: str, language: str | None) -> str:
    """*text* as the index stores it: its words stemmed in its language, separated by spaces."""
    return " ".join(stem(w, language or "") for w in words(text))


def script(word: str) -> str:
    first = word[0]
    if "\u0400" <= first <= "\u04ff":
        return "cyrillic"
    if "\u0600" <= first <= "\u06ff":
        return "arabic"
    if first.isascii() or "\u00c0" <= first <= "\u024f":
        return "latin"
    return "other"


def identifier_key(text: str) -> str:
    """A document symbol, decision number or project ID as a key: ``UNEP/MC/COP.5/19`` → ``unep-mc-cop-5-19``,
    by the slug that mints record keys, so an identifier typed with other punctuation still matches; empty
    when nothing is left of it."""
    try:
        return slug(text)
    except ValueError:
        return ""


def fts_query(query: str, languages: tuple[str, ...] = ()) -> str:
    """An FTS5 MATCH expression for what a reader typed: every word must appear, as any of its forms; a quoted
    part, or a token that splits into several words (``UNEP/MC/COP.5``, ``汞排放``), must appear as a phrase.
    Never an FTS5 syntax error: the reader's text reaches FTS5 only as words inside double quotes."""
    parts = []
    for quoted, bare in re.findall(r'"([^"]*)"|([^\s"]+)', query):
        ws = words(quoted or bare)
        if not ws:
            continue
        in_languages = ("", *_script_languages(ws, languages))
        forms = sorted({" ".join(stem(w, lang) for w in ws) for lang in in_languages})
        parts.append("(" + " OR ".join(f'"{f}"' for f in forms) + ")")
    return " AND ".join(parts)


def _script_languages(ws: list[str], languages: tuple[str, ...]) -> tuple[str, ...]:
    """The stemming languages for a query part: those of its first non-CJK word's script; only *languages*
    among them when the reader said which and one of them is written in that script (a word in Latin letters
    on an Arabic page is stemmed as every Latin-script language, not left unstemmed)."""
    latin = next((w for w in ws if not _CJK.fullmatch(w)), None)
    if latin is None:
        return ()
    in_script = _SCRIPT_LANGUAGES.get(script(latin), ())
    return tuple(lang for lang in in_script if lang in languages) or in_script

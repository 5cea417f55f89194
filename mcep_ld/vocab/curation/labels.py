"""The label policy ``mcep vocab check`` holds the vocabularies to, beyond qSKOS.

- A label is in its language's script: Latin for en, fr and es, Cyrillic for ru, Arabic for ar, Han for zh.
  Latin letters may stand beside the expected script (codes such as "T5" or "CFL"), never alone ("Türkiye"@ar)
  and no third script may appear.
- Arabic labels carry no vowel marks (harakat, shadda, sukun, dagger alif): labels are written as UN texts
  write them, and a search for the bare word must find them.
- A label in a language other than English says where it comes from (``mcep:labelSource`` in that language)
  or is marked as a working translation (``mcep:labelStatus mcep:WorkingTranslation``), for a curator.
- A disputed territory is named with its sovereign in every language or in none (``DISPUTED``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

MCEP = "https://w3id.org/mcep/ontology#"
SCRIPTS = {"en": "LATIN", "fr": "LATIN", "es": "LATIN", "ru": "CYRILLIC", "ar": "ARABIC", "zh": "CJK"}
ARABIC_MARKS = {chr(c) for c in [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]}
#: Areas whose naming differs between States, by ISO code, with the code of the State their name may cite
DISPUTED = {"HK": "CN", "MO": "CN", "TW": "CN"}

Add = Callable[[str, str, object, str], None]


def script_of(ch: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, CYRILLIC, ARABIC, CJK…)."""
    try:
        return unicodedata.name(ch).split()[0]
    except ValueError:
        return ""


def check_label(add: Add, concept: object, label: Literal) -> None:
    """The script and Arabic vowel-mark rules, for one label."""
    lang = (label.language or "").split("-")[0]
    expected = SCRIPTS.get(lang)
    if expected is None:
        return
    scripts = {script_of(ch) for ch in str(label) if unicodedata.category(ch).startswith("L")}
    if scripts and expected not in scripts:
        add("error", "script", concept, f"{str(label)!r}@{lang} is not written in {expected.title()} script")
    elif scripts - {expected, "LATIN"}:
        others = ", ".join(sorted(s.title() for s in scripts - {expected, "LATIN"}))
        add("error", "script", concept, f"{str(label)!r}@{lang} mixes in {others} letters")
    elif expected == "LATIN" and scripts - {"LATIN"}:
        add("error", "script", concept, f"{str(label)!r}@{lang} mixes scripts")
    if lang == "ar" and ARABIC_MARKS & set(str(label)):
        add("error", "vowel-marks", concept, f"{str(label)!r}@ar carries vowel marks: write it without them")


def check_concept(g: Graph, add: Add, concept: URIRef) -> None:
    """The label rules for one concept: each label's script and marks, and where its labels come from."""
    labels = [o for p in (SKOS.prefLabel, SKOS.altLabel) for o in g.objects(concept, p) if isinstance(o, Literal)]
    for label in labels:
        check_label(add, concept, label)
    working = (concept, URIRef(f"{MCEP}labelStatus"), URIRef(f"{MCEP}WorkingTranslation")) in g
    sourced = {o.language for o in g.objects(concept, URIRef(f"{MCEP}labelSource")) if isinstance(o, Literal)}
    unsourced = sorted({label.language for label in g.objects(concept, SKOS.prefLabel)
                        if isinstance(label, Literal) and label.language and label.language != "en"} - sourced)
    if unsourced and not working:
        add("error", "label-status", concept, f"labels in {', '.join(unsourced)} name no source "
            "(mcep:labelSource) and are not marked mcep:WorkingTranslation")


def check_disputed(g: Graph, add: Add, country_prefix: str) -> None:
    """Each disputed area named with its State in all six languages or in none."""
    def labels(code: str) -> dict[str, str]:
        return {o.language: str(o).casefold() for o in g.objects(URIRef(f"{country_prefix}{code}"), SKOS.prefLabel)
                if isinstance(o, Literal)}

    for area, state in DISPUTED.items():
        named, by = labels(area), labels(state)
        cites = {lang: by[lang] in text for lang, text in named.items() if lang in by}
        if any(cites.values()) and not all(cites.values()):
            yes = ", ".join(sorted(lang for lang, c in cites.items() if c))
            no = ", ".join(sorted(lang for lang, c in cites.items() if not c))
            add("error", "disputed-naming", f"{country_prefix}{area}", f"named with {state} in {yes} but not in "
                f"{no}: one policy in every language")

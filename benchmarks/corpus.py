"""A synthetic corpus of InforMEA-shaped records at realistic scale, made on the fly (nothing held in memory).

Record shapes follow the bundled samples: decisions (six-language titles and summaries, keywords, one file
per language), meetings (titles in two or three languages, country in any code form) and focal points
(with restricted contact fields). The mix is 60 % decisions, 15 % meetings, 25 % focal points. The same
``seed`` and ``size`` always give the same records; ``version`` changes every record's ``updated`` field.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

LANGS = ["en", "fr", "es", "ar", "ru", "zh"]
WORDS = {
    "en": "mercury waste emissions releases storage products mining gold health guidance national plan".split(),
    "fr": "mercure déchets émissions rejets stockage produits extraction or santé orientations plan".split(),
    "es": "mercurio desechos emisiones liberaciones almacenamiento productos minería oro salud plan".split(),
    "ar": "الزئبق النفايات الانبعاثات الإطلاقات التخزين المنتجات التعدين الذهب الصحة توجيهات".split(),
    "ru": "ртуть отходы выбросы высвобождение хранение продукты добыча золото здоровье руководство".split(),
    "zh": "汞 废物 排放 释放 储存 产品 采矿 黄金 健康 指导".split(),
}
COUNTRIES = ["HU", "ec", "BRA", "FR", "es", "MAR", "EG", "RU", "CN", "jp", "IDN", "PE", "CO", "GH", "BF", "KE",
             "PH", "MN", "TZA", "JO", "Congo DR", "Bosnia-Herzegovina", "Viet Nam", "CH"]
TERMS = ["mercury", "artisanal mining", "hazardous waste", "emission", "release", "mercury-added product",
         "contaminated site", "health", "trade", "monitoring"]
SVC = "https://odata.informea.org/informea.svc"


_PHRASES = 997  # phrases made once per language and length, then picked by record number (cheap)
_rng = random.Random(42)
_TEXT = {(lang, n): [" ".join(_rng.choice(WORDS[lang]) for _ in range(n)) for _ in range(_PHRASES)]
         for lang in LANGS for n in (1, 8, 10, 30)}


def _ms(rng: random.Random, version: int) -> str:
    return f"/Date({1_500_000_000_000 + rng.randrange(200_000_000_000) + version * 1000})/"


def _text(rng: random.Random, lang: str, n: int) -> str:
    return _TEXT[(lang, n)][rng.randrange(_PHRASES)]


def entity(i: int, rng: random.Random, *, version: int = 0) -> tuple[str, dict[str, Any]]:
    """Record number *i*: its entity set and its OData entity."""
    eid = str(uuid.UUID(int=rng.getrandbits(128)))
    pick = i % 20
    if pick < 12:
        uri = f"{SVC}/Decisions('{eid}')"
        return "Decisions", {
            "__metadata": {"id": uri, "uri": uri, "type": "informea.Decision"}, "id": eid,
            "number": f"MC-{i // 1000 + 1}/{i % 1000 + 1}", "treaty": "minamata", "status": "active",
            "type": "decision", "link": f"https://www.informea.org/node/{i}",
            "published": _ms(rng, 0), "updated": _ms(rng, version), "meetingId": f"m-{i // 50}",
            "title": {"results": [{"language": lg, "value": _text(rng, lg, 8)} for lg in LANGS]},
            "summary": {"results": [{"language": lg, "value": _text(rng, lg, 30)} for lg in LANGS[:3]]},
            "keywords": {"results": [{"term": t} for t in rng.sample(TERMS, 3)]},
            "files": {"results": [{"url": f"https://example.org/d/{i}_{lg}.pdf", "language": lg,
                                   "mimeType": "application/pdf", "filename": f"{i}_{lg}.pdf"} for lg in LANGS]},
        }
    if pick < 15:
        uri = f"{SVC}/Meetings('{eid}')"
        return "Meetings", {
            "__metadata": {"uri": uri}, "id": eid, "treaty": "minamata", "type": "Workshop",
            "title": [{"language": lg, "value": _text(rng, lg, 10)} for lg in rng.sample(LANGS, 3)] +
                     [{"language": "en", "value": _text(rng, "en", 10)}][: 0],
            "start": _ms(rng, 0), "end": _ms(rng, 0), "updated": _ms(rng, version),
            "country": rng.choice(COUNTRIES), "city": "Geneva", "status": "over",
        }
    uri = f"{SVC}/Contacts('{eid}')"
    return "Contacts", {
        "__metadata": {"uri": uri}, "id": eid, "treaties": [{"value": "minamata"}],
        "country": rng.choice(COUNTRIES), "prefix": "Dr.", "firstName": _text(rng, "en", 1).title(),
        "lastName": f"Person{i}", "institution": "Ministry of Environment", "position": "Director",
        "email": f"p{i}@example.org", "phoneNumber": f"+00 {i}", "fax": f"+01 {i}",
        "address": f"{i} Main Street", "primary": i % 2, "updated": _ms(rng, version),
    }


def entities(size: int, *, seed: int = 1, version: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """The corpus, record by record; one random stream, so the same seed gives the same records."""
    rng = random.Random(seed)
    for i in range(size):
        yield entity(i, rng, version=version)

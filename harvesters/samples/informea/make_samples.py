"""Regenerate the bundled InforMEA OData sample files (the demo's and the tests' data).

Written by us in the real formats of shared/samples/informea-odata: Decisions.json in the verbose OData v2
shape (``d.results``, ``__metadata``, ``{"results": [...]}`` collections), Meetings.json with plain-array
collections as CBD's v3 service sends them, Contacts.json as an old WCF service's ``d`` list. Decision
numbers and titles follow the Minamata COPs; dates, ids, people and addresses are invented.
Planted faults: a decision with no title, a meeting with an impossible date, a focal point whose
country code is unknown: each must end in quarantine with its report.

Run: ``python harvesters/samples/informea/make_samples.py``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVC = "https://odata.informea.org/informea.svc"
NS = uuid.UUID("6f1c0e4e-1c57-4c2b-9a77-3f0d2a7c5e10")


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def ms(day: str) -> str:
    stamp = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
    return f"/Date({int(stamp * 1000)})/"


# Titles in the six languages where we have them (en always first).
T = {
    "rules": {"en": "Rules of procedure for the Conference of the Parties",
              "fr": "Règlement intérieur de la Conférence des Parties",
              "es": "Reglamento de la Conferencia de las Partes",
              "ar": "النظام الداخلي لمؤتمر الأطراف", "ru": "Правила процедуры Конференции Сторон",
              "zh": "缔约方大会议事规则"},
    "financial": {"en": "Financial rules", "fr": "Règles de gestion financière",
                  "es": "Reglamentación financiera", "ar": "القواعد المالية", "ru": "Финансовые правила",
                  "zh": "财务细则"},
    "asgm": {"en": "Guidance on artisanal and small-scale gold mining",
             "fr": "Orientations sur l'extraction minière artisanale et à petite échelle d'or",
             "es": "Orientaciones sobre la extracción de oro artesanal y en pequeña escala",
             "ar": "توجيهات بشأن تعدين الذهب الحرفي والضيق النطاق",
             "ru": "Руководство по кустарной и мелкомасштабной золотодобыче",
             "zh": "关于手工和小规模采金的指导意见"},
    "storage": {"en": "Interim storage of mercury, other than waste mercury",
                "fr": "Stockage provisoire du mercure, à l'exclusion des déchets de mercure",
                "es": "Almacenamiento provisional de mercurio, excepto los desechos de mercurio",
                "ar": "التخزين المؤقت للزئبق بخلاف نفايات الزئبق", "ru": "Временное хранение ртути, за исключением ртутных отходов",
                "zh": "汞废物以外的汞的临时储存"},
    "waste": {"en": "Mercury waste thresholds", "fr": "Seuils applicables aux déchets de mercure",
              "es": "Umbrales de desechos de mercurio", "ar": "عتبات نفايات الزئبق",
              "ru": "Пороговые значения для ртутных отходов", "zh": "汞废物阈值"},
    "sites": {"en": "Guidance on the management of contaminated sites", "fr": "Orientations sur la gestion des sites contaminés",
              "es": "Orientaciones sobre la gestión de sitios contaminados", "ar": "توجيهات بشأن إدارة المواقع الملوثة",
              "ru": "Руководство по регулированию загрязненных участков", "zh": "关于受污染场地管理的指导意见"},
    "effectiveness": {"en": "Effectiveness evaluation", "fr": "Évaluation de l'efficacité",
                      "es": "Evaluación de la eficacia", "ar": "تقييم الفعالية", "ru": "Оценка эффективности",
                      "zh": "成效评估"},
    "reporting": {"en": "Reporting by the Parties", "fr": "Établissement de rapports par les Parties",
                  "es": "Presentación de informes por las Partes", "ar": "الإبلاغ من جانب الأطراف",
                  "ru": "Представление отчетности Сторонами", "zh": "缔约方的报告"},
    "products": {"en": "Review of Annexes A and B: mercury-added products and manufacturing processes",
                 "fr": "Examen des annexes A et B : produits contenant du mercure ajouté et procédés de fabrication",
                 "es": "Examen de los anexos A y B: productos con mercurio añadido y procesos de fabricación",
                 "ru": "Обзор приложений A и B: продукты с добавлением ртути и производственные процессы",
                 "zh": "审查附件A和附件B：添汞产品和制造工艺", "ar": "استعراض المرفقين ألف وباء: المنتجات المضاف إليها الزئبق وعمليات التصنيع"},
    "releases": {"en": "Guidance on the identification of relevant point sources of releases of mercury",
                 "fr": "Orientations sur l'identification des sources ponctuelles pertinentes de rejets de mercure",
                 "es": "Orientaciones sobre la determinación de las fuentes puntuales pertinentes de liberaciones de mercurio"},
    "emissions": {"en": "Guidance on best available techniques and best environmental practices for emissions",
                  "fr": "Orientations sur les meilleures techniques disponibles et les meilleures pratiques environnementales pour les émissions",
                  "es": "Orientaciones sobre las mejores técnicas disponibles y las mejores prácticas ambientales para las emisiones",
                  "zh": "关于排放的最佳可得技术和最佳环境实践的指导意见"},
    "capacity": {"en": "Capacity-building, technical assistance and technology transfer",
                 "fr": "Renforcement des capacités, assistance technique et transfert de technologies",
                 "es": "Creación de capacidad, asistencia técnica y transferencia de tecnología",
                 "ar": "بناء القدرات والمساعدة التقنية ونقل التكنولوجيا",
                 "ru": "Создание потенциала, техническая помощь и передача технологий", "zh": "能力建设、技术援助和技术转让"},
    "sip": {"en": "Financial mechanism: the Specific International Programme",
            "fr": "Mécanisme de financement : le Programme international spécifique",
            "es": "Mecanismo financiero: el Programa Internacional Específico"},
    "gef": {"en": "Guidance to the Global Environment Facility",
            "fr": "Directives au Fonds pour l'environnement mondial",
            "es": "Orientaciones al Fondo para el Medio Ambiente Mundial"},
    "budget": {"en": "Programme of work and budget for the biennium 2024–2025",
               "fr": "Programme de travail et budget pour l'exercice biennal 2024-2025",
               "es": "Programa de trabajo y presupuesto para el bienio 2024-2025"},
    "gender": {"en": "Gender mainstreaming", "fr": "Intégration de la problématique femmes-hommes",
               "es": "Incorporación de la perspectiva de género"},
    "ipcl": {"en": "Indigenous peoples and local communities", "fr": "Peuples autochtones et communautés locales",
             "es": "Pueblos indígenas y comunidades locales", "ru": "Коренные народы и местные общины",
             "ar": "الشعوب الأصلية والمجتمعات المحلية", "zh": "土著人民和地方社区"},
    "amalgam": {"en": "Phasing down the use of dental amalgam", "fr": "Réduction progressive de l'utilisation des amalgames dentaires",
                "es": "Reducción del uso de la amalgama dental", "ru": "Поэтапное сокращение использования зубной амальгамы"},
    "brs": {"en": "Cooperation with the Basel, Rotterdam and Stockholm conventions",
            "fr": "Coopération avec les conventions de Bâle, de Rotterdam et de Stockholm",
            "es": "Cooperación con los convenios de Basilea, Rotterdam y Estocolmo"},
    "icc": {"en": "Implementation and Compliance Committee", "fr": "Comité de la mise en œuvre et du respect des obligations",
            "es": "Comité de Aplicación y Cumplimiento", "ru": "Комитет по осуществлению и соблюдению"},
    "health": {"en": "Health aspects of the Minamata Convention", "fr": "Aspects sanitaires de la Convention de Minamata",
               "es": "Aspectos relacionados con la salud del Convenio de Minamata"},
    "supply": {"en": "Mercury supply sources and trade: forms for consent to import",
               "fr": "Sources d'approvisionnement en mercure et commerce : formulaires de consentement à l'importation",
               "es": "Fuentes de suministro y comercio de mercurio: formularios de consentimiento para la importación"},
    "exemptions": {"en": "Register of exemptions", "fr": "Registre des dérogations", "es": "Registro de exenciones",
                   "zh": "豁免登记簿"},
    "secretariat": {"en": "Permanent arrangements for the secretariat",
                    "fr": "Arrangements permanents pour le secrétariat",
                    "es": "Arreglos permanentes para la secretaría"},
    "monitoring": {"en": "Arrangements for the provision of comparable monitoring data",
                   "fr": "Arrangements pour la fourniture de données de surveillance comparables",
                   "es": "Arreglos para el suministro de datos de vigilancia comparables"},
    "awareness": {"en": "Public information, awareness and education", "fr": "Information, sensibilisation et éducation du public",
                  "es": "Información, sensibilización y educación del público"},
    "nap": {"en": "National action plans for artisanal and small-scale gold mining",
            "fr": "Plans d'action nationaux pour l'extraction minière artisanale et à petite échelle d'or",
            "es": "Planes de acción nacionales para la extracción de oro artesanal y en pequeña escala",
            "ru": "Национальные планы действий по кустарной и мелкомасштабной золотодобыче"},
}

KEYWORDS = {"asgm": ["artisanal mining", "mercury"], "storage": ["mercury", "waste management"],
            "waste": ["hazardous waste", "mercury"], "sites": ["contaminated site"],
            "products": ["mercury-added product"], "emissions": ["emission", "best available techniques"],
            "releases": ["release"], "health": ["health"], "amalgam": ["mercury-added product"],
            "nap": ["artisanal mining"], "supply": ["trade"], "monitoring": ["monitoring"]}

MEETINGS = [  # (key, title key/en, type, start, end, city, country, status)
    ("cop1", "First meeting of the Conference of the Parties to the Minamata Convention on Mercury",
     "COP", "2017-09-24", "2017-09-29", "Geneva", "CH", "over"),
    ("cop2", "Second meeting of the Conference of the Parties to the Minamata Convention on Mercury",
     "COP", "2018-11-19", "2018-11-23", "Geneva", "ch", "over"),
    ("cop3", "Third meeting of the Conference of the Parties to the Minamata Convention on Mercury",
     "COP", "2019-11-25", "2019-11-29", "Geneva", "CHE", "over"),
    ("cop4-1", "Fourth meeting of the Conference of the Parties (first segment, online)",
     "COP", "2021-11-01", "2021-11-05", None, None, "over"),
    ("cop4-2", "Fourth meeting of the Conference of the Parties (second segment)",
     "COP", "2022-03-21", "2022-03-25", "Nusa Dua, Bali", "ID", "over"),
    ("cop5", "Fifth meeting of the Conference of the Parties to the Minamata Convention on Mercury",
     "COP", "2023-10-30", "2023-11-03", "Geneva", "CH", "over"),
    ("cop6", "Sixth meeting of the Conference of the Parties to the Minamata Convention on Mercury",
     "COP", "2025-11-03", "2025-11-07", "Geneva", "CH", "confirmed"),
    ("inc5", "Fifth session of the intergovernmental negotiating committee to prepare a global legally "
     "binding instrument on mercury", "INC", "2013-01-13", "2013-01-18", "Geneva", "CH", "over"),
    ("dipcon", "Conference of Plenipotentiaries on the Minamata Convention on Mercury",
     "DIPCON", "2013-10-10", "2013-10-11", "Kumamoto", "JP", "over"),
    ("icc1", "First meeting of the Implementation and Compliance Committee", "ICC", "2019-11-20",
     "2019-11-22", "Geneva", "CH", "over"),
    ("icc5", "Fifth meeting of the Implementation and Compliance Committee", "ICC", "2022-03-15",
     "2022-03-17", "Geneva", "CH", "over"),
    ("ws-asgm-lac", "Regional workshop on national action plans for artisanal gold mining in Latin America",
     "Workshop", "2019-06-11", "2019-06-13", "Lima", "PE", "over"),
    ("ws-asgm-africa", "Atelier régional sur l'extraction minière artisanale et à petite échelle d'or en "
     "Afrique de l'Ouest", "Workshop", "2022-09-06", "2022-09-08", "Ouagadougou", "BF", "over"),
    ("ws-waste-asia", "Asia-Pacific workshop on environmentally sound management of mercury waste",
     "Workshop", "2023-05-16", "2023-05-18", "Bangkok", "TH", "over"),
    ("ws-dental", "Taller sobre la eliminación progresiva de la amalgama dental", "Workshop",
     "2024-04-09", "2024-04-10", "Montevideo", "UY", "over"),
    ("oewg-ee", "Meeting of the ad hoc group of experts on effectiveness evaluation", "Expert group",
     "2019-03-26", "2019-03-28", "Ottawa", "CA", "over"),
    ("ws-bad-date", "Workshop on mercury monitoring in the Arctic", "Workshop",
     "2023-02-30", "2023-03-01", "Tromsø", "NO", "over"),  # planted: impossible date
    ("ws-sids", "Workshop for small island developing States on mercury-added products", "Workshop",
     "2024-10-01", "2024-10-03", "Apia", "WS", "confirmed"),
]

MEETING_TITLES = {
    "cop5": {"fr": "Cinquième réunion de la Conférence des Parties à la Convention de Minamata sur le mercure",
             "es": "Quinta reunión de la Conferencia de las Partes en el Convenio de Minamata sobre el Mercurio",
             "ar": "الاجتماع الخامس لمؤتمر الأطراف في اتفاقية ميناماتا بشأن الزئبق",
             "ru": "Пятое совещание Конференции Сторон Минаматской конвенции о ртути",
             "zh": "关于汞的水俣公约缔约方大会第五次会议"},
    "cop4-2": {"fr": "Quatrième réunion de la Conférence des Parties (deuxième segment)",
               "es": "Cuarta reunión de la Conferencia de las Partes (segunda parte)"},
    "cop1": {"fr": "Première réunion de la Conférence des Parties à la Convention de Minamata sur le mercure",
             "es": "Primera reunión de la Conferencia de las Partes en el Convenio de Minamata sobre el Mercurio",
             "zh": "关于汞的水俣公约缔约方大会第一次会议"},
}

DECISIONS = [  # (number, meeting, topic key)
    ("MC-1/1", "cop1", "rules"), ("MC-1/2", "cop1", "financial"), ("MC-1/3", "cop1", "supply"),
    ("MC-1/4", "cop1", "exemptions"), ("MC-1/5", "cop1", "sip"), ("MC-1/6", "cop1", "gef"),
    ("MC-1/7", "cop1", "emissions"), ("MC-1/8", "cop1", "nap"), ("MC-1/9", "cop1", "effectiveness"),
    ("MC-1/10", "cop1", "reporting"), ("MC-1/11", "cop1", "secretariat"),
    ("MC-2/1", "cop2", "icc"), ("MC-2/2", "cop2", "releases"), ("MC-2/3", "cop2", "storage"),
    ("MC-2/4", "cop2", "waste"), ("MC-2/5", "cop2", "sites"), ("MC-2/6", "cop2", "health"),
    ("MC-3/1", "cop3", "products"), ("MC-3/2", "cop3", "monitoring"), ("MC-3/3", "cop3", "brs"),
    ("MC-3/4", "cop3", "gender"), ("MC-4/1", "cop4-2", "waste"), ("MC-4/2", "cop4-2", "products"),
    ("MC-4/3", "cop4-2", "amalgam"), ("MC-4/4", "cop4-2", "capacity"), ("MC-4/5", "cop4-2", "awareness"),
    ("MC-5/1", "cop5", "ipcl"), ("MC-5/2", "cop5", "asgm"), ("MC-5/3", "cop5", "effectiveness"),
    ("MC-5/4", "cop5", "products"), ("MC-5/5", "cop5", "budget"), ("MC-5/6", "cop5", "sites"),
    ("MC-5/7", "cop5", None),  # planted: no title at all
]

CONTACTS = [  # (country as the source writes it, prefix, first, last, type, institution, primary)
    ("HU", "Ms.", "Eva", "Kovács", "National focal point", "Ministry of Agriculture", 1),
    ("ec", "Mr.", "Diego", "Paredes", "National focal point", "Ministerio del Ambiente, Agua y Transición Ecológica", 1),
    ("BRA", "Ms.", "Ana", "Ribeiro", "National focal point", "Ministério do Meio Ambiente", 1),
    ("FR", "M.", "Julien", "Moreau", "National focal point", "Ministère de la Transition écologique", 1),
    ("ES", "Sra.", "Lucía", "Fernández", "National focal point", "Ministerio para la Transición Ecológica", 1),
    ("MA", "M.", "Youssef", "El Amrani", "National focal point", "Ministère de la Transition énergétique", 1),
    ("EG", "Dr.", "Mona", "Hassan", "National focal point", "Egyptian Environmental Affairs Agency", 1),
    ("RU", "Mr.", "Dmitry", "Sokolov", "National focal point", "Ministry of Natural Resources and Environment", 1),
    ("CN", "Mr.", "Wei", "Zhang", "National focal point", "Ministry of Ecology and Environment", 1),
    ("JP", "Ms.", "Yuki", "Tanaka", "National focal point", "Ministry of the Environment", 1),
    ("ID", "Mr.", "Budi", "Santoso", "National focal point", "Ministry of Environment and Forestry", 1),
    ("PE", "Sr.", "Carlos", "Quispe", "National focal point", "Ministerio del Ambiente", 1),
    ("CO", "Sra.", "Marcela", "Gómez", "National focal point", "Ministerio de Ambiente y Desarrollo Sostenible", 1),
    ("GH", "Mr.", "Kwame", "Mensah", "National focal point", "Environmental Protection Agency", 1),
    ("BF", "M.", "Issa", "Ouédraogo", "National focal point", "Ministère de l'Environnement", 1),
    ("KE", "Ms.", "Wanjiru", "Kamau", "National focal point", "National Environment Management Authority", 1),
    ("PH", "Ms.", "Maria", "Santos", "National focal point", "Environmental Management Bureau", 1),
    ("MN", "Mr.", "Bat-Erdene", "Dorj", "National focal point", "Ministry of Environment and Tourism", 1),
    ("TZA", "Mr.", "Juma", "Mwakyusa", "National focal point", "Vice President's Office", 1),
    ("JO", "Eng.", "Rania", "Khalil", "National focal point", "Ministry of Environment", 1),
    ("SA", "Mr.", "Faisal", "Al-Harbi", "National focal point", "National Center for Environmental Compliance", 1),
    ("KZ", "Ms.", "Aigerim", "Nurlanova", "National focal point", "Ministry of Ecology", 1),
    ("CH", "Mr.", "Lukas", "Meier", "Contact point for the exchange of information", "Federal Office for the Environment", 0),
    ("NG", "Dr.", "Ngozi", "Okafor", "Contact point for the exchange of information", "Federal Ministry of Environment", 0),
    ("XX", "Mr.", "Test", "Person", "National focal point", "Unknown authority", 1),  # planted: unknown country
]


def texts(titles: dict[str, str], uri: str, kind: str) -> dict:
    return {"results": [
        {"__metadata": {"uri": f"{uri}/{kind}", "type": f"informea.{kind}"}, "language": lang, "value": value}
        for lang, value in titles.items()]}


def decisions() -> dict:
    rows = []
    for i, (number, meeting, topic) in enumerate(DECISIONS):
        did = uid(number)
        uri = f"{SVC}/Decisions('{did}')"
        m = next(m for m in MEETINGS if m[0] == meeting)
        row = {
            "__metadata": {"id": uri, "uri": uri, "type": "informea.Decision"},
            "protocolVersion": 1, "id": did, "link": f"https://www.informea.org/node/{81000 + i}",
            "number": number, "status": "active", "type": "decision", "treaty": "minamata",
            "published": ms(m[4]), "updated": ms(f"2024-0{1 + i % 9}-1{i % 10}"),
            "meetingId": uid(meeting), "meetingTitle": m[1],
            "meetingUrl": f"https://mercuryconvention.org/en/meetings/{meeting}", "displayOrder": i + 1,
            "title": texts(T[topic], uri, "title") if topic else {"results": []},
            "longTitle": {"results": []}, "summary": {"results": []}, "content": {"results": []},
            "keywords": {"results": [{"namespace": "https://www.informea.org/terms/", "term": k}
                                     for k in KEYWORDS.get(topic or "", [])]},
            "files": {"results": [
                {"id": uid(f"{number}-{lang}"), "mimeType": "application/pdf", "language": lang,
                 "filename": f"{number.replace('/', '-')}_{lang}.pdf",
                 "url": f"https://mercuryconvention.org/sites/default/files/documents/decision/"
                        f"{number.replace('/', '-')}_{lang}.pdf"}
                for lang in (T[topic] if topic else {"en": ""})]},
        }
        rows.append(row)
    return {"d": {"results": rows, "__count": str(len(rows))}}


def meetings() -> dict:
    rows = []
    for key, title, mtype, start, end, city, country, status in MEETINGS:
        mid = uid(key)
        uri = f"{SVC}/Meetings('{mid}')"
        titles = {"en": title, **MEETING_TITLES.get(key, {})} if not title.startswith(("Atelier", "Taller")) \
            else {("fr" if title.startswith("Atelier") else "es"): title}
        rows.append({
            "__metadata": {"type": "Meeting", "id": uri, "uri": uri},
            "protocolVersion": 1, "id": mid, "treaty": "minamata",
            "url": f"https://mercuryconvention.org/en/meetings/{key}",
            "title": [{"__metadata": {"type": "LocalizableString"}, "language": lang, "value": v}
                      for lang, v in titles.items()],
            "description": [],
            "start": start if start == "2023-02-30" else ms(start),  # the planted one as D8 writes dates
            "end": ms(end), "repetition": None, "kind": "official", "type": mtype, "access": "Public",
            "status": status, "imageUrl": None, "imageCopyright": None,
            "location": city, "city": city, "country": country,
            "latitude": None, "longitude": None, "updated": ms("2024-06-01"),
        })
    return {"d": {"results": rows}}


def contacts() -> dict:
    rows = []
    for i, (country, prefix, first, last, ctype, inst, primary) in enumerate(CONTACTS):
        cid = uid(f"contact-{country}-{last}")
        rows.append({
            "__metadata": {"uri": f"{SVC}/Contacts('{cid}')", "type": "Contacts.Contact"},
            "protocolVersion": 1, "id": cid,
            "treaties": [{"__metadata": {"type": "Contacts.Treaty"}, "value": "minamata"}],
            "country": country, "prefix": prefix, "firstName": first, "lastName": last,
            "position": "Head of Division", "institution": inst, "department": "Chemicals and Waste",
            "address": f"{10 + i} Avenue of the Environment", "email": f"{first.lower()}.{i}@example.org",
            "phoneNumber": f"+00 555 01{i:02d}", "fax": f"+00 555 02{i:02d}", "primary": primary,
            "updated": ms(f"2024-0{1 + i % 9}-0{1 + i % 9}"), "type": ctype,
        })
    # One contact of another treaty only: the treaty filter must leave it out.
    rows.append({"__metadata": {"uri": f"{SVC}/Contacts('{uid('cbd-only')}')"}, "id": uid("cbd-only"),
                 "treaties": [{"value": "cbd"}], "country": "DE", "firstName": "Nur", "lastName": "CBD",
                 "updated": ms("2024-01-01")})
    return {"d": rows}


TREATY_TITLES = {"en": "Minamata Convention on Mercury", "fr": "Convention de Minamata sur le mercure",
                 "es": "Convenio de Minamata sobre el Mercurio", "ar": "اتفاقية ميناماتا بشأن الزئبق",
                 "ru": "Минаматская конвенция о ртути", "zh": "关于汞的水俣公约"}


def treaties() -> dict:
    uri = f"{SVC}/Treaties('minamata')"
    return {"d": {"results": [{
        "__metadata": {"id": uri, "uri": uri, "type": "informea.Treaty"}, "id": "minamata",
        "UUID": uid("treaty-minamata"), "url": "https://www.informea.org/treaties/minamata",
        "titleEnglish": "Minamata Convention on Mercury", "officialNameEnglish": "Minamata Convention on Mercury",
        "treatyWebsiteURL": "https://mercuryconvention.org", "title": texts(TREATY_TITLES, uri, "title"),
        "description": texts({"en": "A global treaty to protect human health and the environment from the "
                                    "adverse effects of mercury."}, uri, "description"),
    }]}}


REPORTS = [  # (country, year, kind of report, languages of the files)
    ("FR", 2021, "short-term", ["fr", "en"]), ("ES", 2021, "short-term", ["es"]), ("JP", 2021, "short-term", ["en"]),
    ("GH", 2021, "short-term", ["en"]), ("PE", 2021, "short-term", ["es"]), ("CN", 2021, "short-term", ["zh"]),
    ("RU", 2021, "short-term", ["ru"]), ("JO", 2021, "short-term", ["ar", "en"]), ("ID", 2021, "short-term", ["en"]),
    ("CH", 2021, "short-term", ["en", "fr"]), ("FR", 2025, "full", ["fr"]), ("JP", 2025, "full", ["en"]),
    ("BR", 2025, "full", ["en"]),
]
REPORT_TITLES = {
    "short-term": {"en": "Short-term national report on the implementation of the Minamata Convention",
                   "fr": "Rapport national abrégé sur la mise en œuvre de la Convention de Minamata",
                   "es": "Informe nacional breve sobre la aplicación del Convenio de Minamata"},
    "full": {"en": "Full national report on the implementation of the Minamata Convention",
             "fr": "Rapport national complet sur la mise en œuvre de la Convention de Minamata",
             "es": "Informe nacional completo sobre la aplicación del Convenio de Minamata"},
}


def files(stem: str, langs: list[str]) -> dict:
    return {"results": [{"id": uid(f"{stem}-{lang}"), "mimeType": "application/pdf", "language": lang,
                         "filename": f"{stem}_{lang}.pdf",
                         "url": f"https://mercuryconvention.org/sites/default/files/documents/{stem}_{lang}.pdf"}
                        for lang in langs]}


def country_reports() -> dict:
    rows = []
    for country, year, kind, langs in REPORTS:
        rid = uid(f"report-{country}-{year}")
        uri = f"{SVC}/CountryReports('{rid}')"
        rows.append({
            "__metadata": {"id": uri, "uri": uri, "type": "informea.CountryReport"}, "id": rid,
            "treaty": "minamata", "country": country, "submission": ms(f"{year}-12-2{len(country)}"),
            "url": f"https://mercuryconvention.org/en/parties/reporting/{country.lower()}-{year}",
            "updated": ms(f"{year + 1}-01-15"),
            "title": texts({lang: t for lang, t in REPORT_TITLES[kind].items()}, uri, "title"),
            "files": files(f"national-report-{country.lower()}-{year}", langs),
        })
    return {"d": {"results": rows}}


PLANS = [  # (country, type, title, year)
    ("GH", "nap", "National Action Plan for artisanal and small-scale gold mining in Ghana", 2020),
    ("BF", "nap", "Plan d'action national pour l'extraction minière artisanale et à petite échelle d'or au Burkina Faso", 2021),
    ("PE", "nap", "Plan de Acción Nacional sobre la minería de oro artesanal y en pequeña escala del Perú", 2019),
    ("CO", "nap", "Plan de Acción Nacional para la reducción del uso de mercurio en la minería de oro artesanal", 2020),
    ("ID", "nap", "National Action Plan on the reduction and elimination of mercury in ASGM in Indonesia", 2019),
    ("MN", "nap", "National Action Plan on artisanal and small-scale gold mining in Mongolia", 2021),
    ("PH", "nap", "National Action Plan for the phase-out of mercury in artisanal and small-scale gold mining", 2019),
    ("KE", "nap", "National Action Plan on ASGM in Kenya", 2022),
    ("NG", "mia", "Minamata Initial Assessment Report of Nigeria", 2019),
    ("EC", "mia", "Evaluación Inicial del Convenio de Minamata en Ecuador", 2020),
]


def national_plans() -> dict:
    rows = []
    for country, ptype, title, year in PLANS:
        pid = uid(f"plan-{country}-{ptype}")
        uri = f"{SVC}/NationalPlans('{pid}')"
        lang = "fr" if title.startswith("Plan d'") else "es" if title.startswith(("Plan de", "Evaluación")) else "en"
        rows.append({
            "__metadata": {"id": uri, "uri": uri, "type": "informea.NationalPlan"}, "id": pid,
            "treaty": "minamata", "country": country, "type": ptype, "submission": ms(f"{year}-06-30"),
            "url": f"https://mercuryconvention.org/en/parties/national-action-plans/{country.lower()}",
            "updated": ms(f"{year}-07-01"), "title": texts({lang: title}, uri, "title"),
            "files": files(f"{ptype}-{country.lower()}", [lang]),
        })
    return {"d": {"results": rows}}


DOCUMENTS = [  # (symbol, English title, type, keywords)
    ("UNEP/MC/COP.5/19", "Guidance on the management of contaminated sites", "meeting document", ["contaminated site"]),
    ("UNEP/MC/COP.5/INF/36", "Report on mercury waste thresholds", "information document", ["hazardous waste"]),
    ("UNEP/MC/COP.5/3", "Amendments to Annexes A and B", "meeting document", ["mercury-added product"]),
    ("UNEP/MC/COP.5/11", "Effectiveness evaluation framework", "meeting document", ["monitoring"]),
    ("UNEP/MC/COP.4/14", "Review of the financial mechanism", "meeting document", []),
    ("UNEP/MC/COP.4/INF/5", "Dental amalgam: information submitted by parties", "information document", ["mercury-added product"]),
    ("UNEP/MC/COP.3/7", "Guidance on the identification of individual stocks of mercury", "meeting document", ["mercury"]),
    ("UNEP(DTIE)/Hg/INC.5/1/Add.1", "Annotated provisional agenda of the fifth session", "meeting document", []),
    ("UNEP/MC/COP.1/17", "Guidance on national action plans for artisanal and small-scale gold mining", "meeting document", ["artisanal mining"]),
    ("UNEP/MC/COP.2/INF/12", "Report on the health aspects of the Minamata Convention", "information document", ["health"]),
]


def documents() -> dict:
    rows = []
    for i, (symbol, title, dtype, keywords) in enumerate(DOCUMENTS):
        did = uid(f"doc-{symbol}")
        uri = f"{SVC}/Documents('{did}')"
        rows.append({
            "__metadata": {"id": uri, "uri": uri, "type": "informea.Document"}, "id": did, "schemaVersion": "1",
            "treaty": "minamata", "published": ms(f"20{17 + i % 7}-0{1 + i % 9}-15"),
            "updated": ms(f"20{17 + i % 7}-0{1 + i % 9}-20"), "displayOrder": i,
            "title": texts({"en": title}, uri, "title"),
            "description": {"results": []},
            "identifiers": {"results": [{"name": "symbol", "value": symbol}]},
            "types": {"results": [{"value": dtype}]},
            "treaties": {"results": [{"value": "minamata"}]},
            "authors": {"results": [{"name": "Secretariat of the Minamata Convention", "type": "organization"}]},
            "keywords": {"results": [{"termURI": f"http://www.informea.org/terms/{k.replace(' ', '-')}", "literalForm": k,
                                      "scope": "leo", "sourceURL": "https://www.informea.org/taxonomy/term/1"}
                                     for k in keywords]},
            "files": files(symbol.replace("/", "-").replace("(", "").replace(")", "").lower(), ["en", "fr", "es"]),
        })
    return {"d": {"results": rows}}


def main() -> None:
    for name, doc in (("Decisions", decisions()), ("Meetings", meetings()), ("Contacts", contacts()),
                      ("Treaties", treaties()), ("CountryReports", country_reports()),
                      ("NationalPlans", national_plans()), ("Documents", documents())):
        (HERE / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {name}.json")


if __name__ == "__main__":
    main()

"""Writes answers.csv: SYNTHETIC national-report answers, for the demo and the tests, in the export format that
harvesters/answers.py reads. 40 Parties, the two full reporting cycles (2021, 2025), the questions of
vocabularies/report-questions.ttl. The answers are drawn with a fixed seed: they are not any Party's answers.
The share of "yes" to question 17.1 in the first cycle is set near the 66 % the Exchange Platform's proposal
quotes; later cycles answer "yes" more often. The last row is malformed on purpose (a question the format does
not have). Run: python3 harvesters/samples/answers/make_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

PARTIES = ["AR", "BF", "BJ", "BO", "BR", "CA", "CH", "CI", "CL", "CN", "CO", "DE", "EC", "EG", "FR", "GH", "GN", "GY",
           "ID", "IN", "JO", "JP", "KE", "KZ", "MA", "MG", "ML", "MN", "MX", "NE", "NG", "PE", "PH", "SE", "SN", "TG",
           "TZ", "UY", "VN", "ZA"]
#: question → (kind, chance of "yes" in 2021, in 2025)
QUESTIONS = {"3.1": ("choice", 0.1, 0.08), "4.1": ("choice", 0.55, 0.8), "7.1": ("choice", 0.4, 0.45),
             "8.1": ("number", 0, 0), "11.1": ("choice", 0.5, 0.7), "16.1": ("choice", 0.45, 0.6),
             "17.1": ("choice", 0.66, 0.8), "18.1": ("choice", 0.7, 0.85), "21.1": ("text", 0, 0)}
LANG = {"BF": "fr", "BJ": "fr", "CI": "fr", "FR": "fr", "GN": "fr", "MA": "ar", "MG": "fr", "ML": "fr", "NE": "fr",
        "SN": "fr", "TG": "fr", "CH": "fr", "AR": "es", "BO": "es", "CL": "es", "CO": "es", "EC": "es", "MX": "es",
        "PE": "es", "UY": "es", "EG": "ar", "JO": "ar", "CN": "zh", "KZ": "ru"}
CHALLENGES = {
    "en": ["Limited laboratory capacity to monitor mercury in fish and hair.",
           "Informal gold mining sites are hard to reach and to regulate.",
           "Customs officers need training to identify mercury-added products."],
    "fr": ["Capacités de laboratoire limitées pour la surveillance du mercure.",
           "L'orpaillage informel est difficile à encadrer sur le terrain."],
    "es": ["Falta de financiamiento para la gestión de desechos de mercurio.",
           "La minería artesanal informal dificulta el control del comercio de mercurio."],
    "ar": ["نقص القدرات المختبرية لرصد الزئبق.", "صعوبة إدارة نفايات الزئبق في المرافق الصحية."],
    "zh": ["汞废物的环境无害化管理能力不足。"],
    "ru": ["Недостаточно средств для мониторинга ртути в окружающей среде."],
}


def main() -> None:
    rng = random.Random(2026)
    rows = []
    for cycle, column in (("full-2021", 1), ("full-2025", 2)):
        year = cycle[-4:]
        for party in PARTIES:
            report = f"{party}-{cycle}"
            for question, (kind, *chances) in QUESTIONS.items():
                if kind == "choice":
                    answer = "yes" if rng.random() < chances[column - 1] else "no"
                    lang = ""
                elif kind == "number":
                    answer, lang = str(rng.randint(0, 40)), ""
                else:
                    lang = LANG.get(party, "en")
                    answer = rng.choice(CHALLENGES[lang])
                rows.append({"report": report, "party": party, "cycle": cycle, "question": question, "answer": answer,
                             "answer_lang": lang, "submitted": f"{year}-{rng.randint(10, 12)}-{rng.randint(10, 28)}"})
    rows.append({"report": "FR-full-2025", "party": "FR", "cycle": "full-2025", "question": "17.1x",
                 "answer": "maybe", "answer_lang": "", "submitted": "2025-12-01"})
    path = Path(__file__).with_name("answers.csv")
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} answers to {path}")


if __name__ == "__main__":
    main()

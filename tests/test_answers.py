"""National-report answers: the reporting tool's export harvested as Data Cube observations, each linked to its
report, Party, cycle, question and theme; counts by cycle read back with SPARQL match the export."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from mcep_ld.cli import harvest_source
from mcep_ld.hub import Hub
from mcep_ld.resources import SAMPLES_DIR
from tests.conftest import make_settings

BASE = "http://localhost:8000/"
MCEP = "https://w3id.org/mcep/ontology#"
FOLDER = SAMPLES_DIR / "answers"


def test_the_sample_export_is_harvested_as_observations(tmp_path: Path) -> None:
    rows = list(csv.DictReader((FOLDER / "answers.csv").open(encoding="utf-8")))
    settings = make_settings(tmp_path / "data", base_uri=BASE)
    result = harvest_source(settings, "answers", str(FOLDER))
    reports = {r["report"] for r in rows}
    assert result.ok and result.counters.added == len(rows) - 1 + len(reports)  # answers and their reports
    assert result.counters.quarantined == 1
    with Hub(settings) as hub:
        (bad,) = hub.catalog.quarantine("answers")
        assert "unknown question '17.1x'" in bad["report"]
        # "yes" to 17.1 per cycle, as the export says and as SPARQL over the published observations counts it
        expected = Counter(r["cycle"] for r in rows if r["question"] == "17.1" and r["answer"] == "yes")
        found = {row[0].value.rsplit("/", 1)[-1]: int(row[1].value) for row in hub.store.public.query(f"""
            PREFIX mcep: <{MCEP}> PREFIX qb: <http://purl.org/linked-data/cube#>
            SELECT ?cycle (COUNT(?o) AS ?n) WHERE {{
                ?o a qb:Observation ; qb:dataSet <{BASE}vocab/dataset/national-report-answers> ;
                   mcep:question <{BASE}vocab/report-question/17-1> ; mcep:reportingCycle ?cycle ;
                   mcep:answerChoice "yes" }} GROUP BY ?cycle""")}
        assert found == dict(expected) and set(found) == {"full-2021", "full-2025"}
        answer = f"{BASE}id/answer/answers-fr-full-2021-17-1"
        said = {q.predicate.value: q.object.value for q in hub.store.public.quads(None, subject=answer)}
        assert said[f"{MCEP}country"] == f"{BASE}vocab/country/FR"
        assert said["http://purl.org/dc/terms/subject"] == f"{BASE}vocab/theme/art-17"
        report = said["http://purl.org/dc/terms/isPartOf"]
        assert report == f"{BASE}id/national-report/answers-fr-full-2021"
        assert hub.catalog.rows_of_iri(report)  # the report is a record of its own
        # a free-text answer is searchable in its language
        hits = hub.search.search("orpaillage", filters={"kind": ["answer"]})
        assert hits.total >= 1


def test_the_json_export_is_read_like_the_csv(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    rows = [{"report": "KE-short-2023", "party": "Kenya", "cycle": "short-2023", "question": "17.1", "answer": "yes",
             "submitted": "2023-12-20"},
            {"report": "KE-short-2023", "party": "Kenya", "cycle": "short-2023", "question": "21.1",
             "answer": "Inventaire national publié en 2023.", "answer_lang": "fr"},
            {"report": "KE-short-2023", "party": "Kenya", "cycle": "short-2023", "question": "4.1", "answer": "maybe"}]
    (folder / "answers.json").write_text(json.dumps(rows), encoding="utf-8")
    settings = make_settings(tmp_path / "data", base_uri=BASE)
    result = harvest_source(settings, "answers", str(folder))
    assert result.ok and result.counters.added == 3 and result.counters.quarantined == 1  # two answers, one report
    with Hub(settings) as hub:
        (bad,) = hub.catalog.quarantine("answers")
        assert "maybe" in bad["report"]
        found = {q.predicate.value.rsplit("#", 1)[-1]: q.object for q in hub.store.public.quads(
            None, subject=f"{BASE}id/answer/answers-ke-short-2023-21-1")}
        assert found["answerText"].language == "fr" and found["country"].value == f"{BASE}vocab/country/KE"

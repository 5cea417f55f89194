"""The classifier: records placed on the Convention's themes, products and processes, apart from what their
sources say, each placement explained; curators' reviews kept across re-harvests; measured on labelled sets."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from mcep_ld.classify.assign import graph_of
from mcep_ld.classify.cues import Cues
from mcep_ld.classify.evaluate import coverage, score, themes_of
from mcep_ld.classify.rules import Evidence, classify
from mcep_ld.cli import harvest_source
from mcep_ld.hub import Hub
from mcep_ld.publish import dumps
from mcep_ld.publish.derived import remake
from mcep_ld.resources import PROJECT_ROOT
from tests.conftest import make_settings

LABELLED = PROJECT_ROOT / "benchmarks" / "classify-labelled"
HELD_OUT = PROJECT_ROOT / "benchmarks" / "classify-heldout"
DCT = "http://purl.org/dc/terms/"
MCEP = "https://w3id.org/mcep/ontology#"
BASE = "http://localhost:8000/"


def harvested(folder: Path, data: Path):  # noqa: ANN201 - Settings
    settings = make_settings(data, base_uri=BASE)
    assert harvest_source(settings, "files", str(folder)).ok
    return settings


@pytest.mark.parametrize("folder", [LABELLED, HELD_OUT], ids=["labelled", "held-out"])
def test_resources_in_six_languages_are_placed_on_their_themes(folder: Path, tmp_path: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert {key.split("-")[1] for key in expected} == {"ar", "en", "es", "fr", "ru", "zh"}
    with Hub(harvested(folder, tmp_path / "data")) as hub:
        scores = score(hub, "files", expected)
    overall = scores[""]
    assert overall.precision >= 0.8, overall.wrong
    assert overall.recall >= 0.7, overall.wrong
    for language in ("ar", "en", "es", "fr", "ru", "zh"):  # no language left behind
        assert scores[language].recall >= 0.7, (language, overall.wrong)


def _source_graph_subjects(hub: Hub, iri: str) -> set[str]:
    return {q.object.value for q in hub.store.public.quads(None, subject=iri)
            if q.predicate.value == f"{DCT}subject" and "/graph/classified/" not in q.graph_name.value}


def test_each_placement_is_published_apart_with_its_explanation_and_provenance(tmp_path: Path) -> None:
    with Hub(harvested(LABELLED, tmp_path / "data")) as hub:
        placed = hub.catalog.classified()
        assert len(placed) == 66
        checked = 0
        for iri in placed:
            graph = graph_of(BASE, iri)
            assert graph.startswith(f"{BASE}graph/classified/resource/")
            quads = list(hub.store.public.quads(graph))
            subjects = {q.object.value for q in quads
                        if q.subject.value == iri and q.predicate.value == f"{DCT}subject"}
            assert subjects, iri
            assert not subjects & _source_graph_subjects(hub, iri)  # the sources said none of them
            for concept in subjects:
                rows = list(hub.store.public.query(f"""
                    PREFIX mcep: <{MCEP}> PREFIX prov: <http://www.w3.org/ns/prov#>
                    SELECT ?score ?status ?agent ?at (GROUP_CONCAT(?rule) AS ?rules) (COUNT(?why) AS ?evidence)
                    WHERE {{ GRAPH <{graph}> {{
                        ?a a mcep:SubjectAssignment ; mcep:assignedTo <{iri}> ; mcep:concept <{concept}> ;
                           mcep:score ?score ; mcep:reviewStatus ?status ; mcep:rule ?rule ; mcep:evidence ?why .
                        <{graph}> a prov:Entity ; prov:wasAttributedTo ?agent ; prov:generatedAtTime ?at }} }}
                    GROUP BY ?score ?status ?agent ?at"""))
                assert len(rows) == 1, (iri, concept)
                score_, status, agent, _, rules, evidence = rows[0]
                assert 0.5 <= float(score_.value) <= 1.0
                assert status.value == f"{MCEP}Unreviewed"
                assert agent.value == f"{BASE}id/agent/classifier"
                assert rules.value and int(evidence.value) >= 1
                checked += 1
        assert checked >= 66


def test_a_title_places_by_its_words_and_the_evidence_names_them(tmp_path: Path) -> None:
    with Hub(harvested(LABELLED, tmp_path / "data")) as hub:
        iri = hub.catalog.live_keys("files")["resources.json#lab-fr-04"]
        evidence = [q.object.value for q in hub.store.public.quads(graph_of(BASE, iri))
                    if q.predicate.value == f"{MCEP}evidence"]
    assert "title@fr: “déchets de mercure”" in [e.casefold() for e in evidence]


def test_reviews_are_applied_and_outlive_re_harvests(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    shutil.copytree(LABELLED, folder)
    settings = harvested(folder, tmp_path / "data")
    art11, art16 = f"{BASE}vocab/theme/art-11", f"{BASE}vocab/theme/art-16"
    with Hub(settings) as hub:
        iri = hub.catalog.live_keys("files")["resources.json#lab-es-04"]  # mercury wastes in the health sector
        assert {"art-11", "art-16"} <= themes_of(hub, iri)
        hub.catalog.review(iri, art16, "rejected", curator="Ana", note="about waste only")
        hub.catalog.review(iri, art11, "accepted", curator="Ana")
        remake(hub)
        assert "art-16" not in themes_of(hub, iri)
        status = {q.predicate.value: q.object.value for q in hub.store.public.quads(graph_of(BASE, iri))
                  if q.subject.value.endswith("#vocab-theme-art-11")}
        assert status[f"{MCEP}reviewStatus"] == f"{MCEP}Accepted" and status[f"{MCEP}reviewedBy"] == "Ana"

    # the source changes the record: its new title no longer speaks of waste, and still of health
    data = json.loads((folder / "resources.json").read_text(encoding="utf-8"))
    record = next(r for r in data["records"] if r["id"] == "lab-es-04")
    record["title_es"] = "Termómetros rotos en las clínicas y la salud del personal"
    record["description_es"] = "Qué hacer cuando se rompe un termómetro."
    (folder / "resources.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert harvest_source(settings, "files", str(folder)).counters.updated == 1
    with Hub(settings) as hub:
        themes = themes_of(hub, iri)
        assert "art-16" not in themes  # still rejected
        assert "art-11" in themes  # accepted by a curator: kept although the words are gone
        rules = {q.object.value for q in hub.store.public.quads(graph_of(BASE, iri))
                 if q.subject.value.endswith("#vocab-theme-art-11") and q.predicate.value == f"{MCEP}rule"}
        assert rules == {"curator"}
        assert hub.catalog.withdraw_review(iri, art16)
        remake(hub)
        assert "art-16" in themes_of(hub, iri)  # the machine's placement is back


def test_records_of_another_treaty_or_marked_irrelevant_are_not_placed(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "r.json").write_text(json.dumps([
        {"id": "ours", "kind": "resource", "title": "Mercury waste thresholds"},
        {"id": "theirs", "kind": "resource", "treaty": "cbd", "title": "Mercury waste thresholds"},
    ]), encoding="utf-8")
    with Hub(harvested(folder, tmp_path / "data")) as hub:
        iris = hub.catalog.live_keys("files")
        assert themes_of(hub, iris["r.json#ours"]) == {"art-11"}
        assert themes_of(hub, iris["r.json#theirs"]) == set()


def test_placements_are_searched_dumped_and_dropped_with_their_record(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    path = folder / "r.json"
    path.write_text(json.dumps([{"id": "w", "kind": "resource", "title": "Interim storage of mercury"}]), "utf-8")
    settings = harvested(folder, tmp_path / "data")
    with Hub(settings) as hub:
        found = hub.search.search("", filters={"theme": [f"{BASE}vocab/theme/art-10"]})
        assert [h.iri for h in found.hits] == [f"{BASE}id/resource/files-w"]
        part = dumps.parts(hub)[dumps.CLASSIFIED_PART]  # the published dumps: a part of their own
        text = gzip.decompress((dumps.dump_dir(hub) / part.file).read_bytes()).decode()
        assert f"<{BASE}vocab/theme/art-10> <{BASE}graph/classified/resource/files-w> ." in text
    path.write_text("[]", encoding="utf-8")
    assert harvest_source(settings, "files", str(folder), allow_deletions=True).ok
    with Hub(settings) as hub:
        assert hub.catalog.classified() == {}
        assert not list(hub.store.public.quads(f"{BASE}graph/classified/resource/files-w"))


# -- the rules, one at a time -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def cues(tmp_path_factory: pytest.TempPathFactory) -> Cues:
    with Hub(make_settings(tmp_path_factory.mktemp("cues") / "data", base_uri=BASE)) as hub:
        return Cues.from_vocab(hub.vocab)


def placed(cues: Cues, *texts: tuple[str, str, str], kind: str = "resource", subjects: set[str] = frozenset()
           ) -> set[str]:
    ev = Evidence(iri=f"{BASE}id/{kind}/x", kind=kind, texts=list(texts), subjects=set(subjects))
    return {c.rsplit("/vocab/", 1)[1] for c in classify(ev, cues, base_uri=BASE)}


def test_a_label_matches_when_its_words_stand_close_together(cues: Cues) -> None:
    assert "theme/art-12" in placed(cues, ("title", "Managing sites contaminated by mercury", "en"))
    far = "Contaminated groundwater was found near the ministry, which runs a site for training inspectors"
    assert "theme/art-12" not in placed(cues, ("title", far, "en"))


def test_a_description_alone_needs_a_clear_match(cues: Cues) -> None:
    assert "theme/art-10" in placed(cues, ("description", "Interim storage of mercury in a warehouse.", "en"))
    assert placed(cues, ("description", "A note for the participants of a meeting.", "en")) == set()


def test_chinese_is_matched_as_a_run_of_characters(cues: Cues) -> None:
    assert "theme/art-11" in placed(cues, ("title", "医院含汞废物的处置", "zh"))
    assert "theme/art-11" not in placed(cues, ("title", "汞的废水和杂物", "zh"))  # 汞 废 物 apart


def test_untagged_text_is_read_in_each_language_of_its_script(cues: Cues) -> None:
    assert "theme/art-12" in placed(cues, ("title", "Gestion des sites contaminés", ""))
    assert "theme/art-11" in placed(cues, ("title", "Утилизация ртутных отходов", ""))


def test_keywords_place_through_true_alignments_only(cues: Cues) -> None:
    assert placed(cues, subjects={"http://www.informea.org/terms/mercury-added-product"}) >= {"theme/art-4"}
    # LEO's general terms are relatedMatch: a curator's hint, never a placement
    assert placed(cues, subjects={"http://www.informea.org/terms/waste-management",
                                  "http://www.informea.org/terms/health"}) == set()


def test_a_product_places_its_articles_and_a_national_report_article_21(cues: Cues) -> None:
    assert placed(cues, ("title", "Retiring clinical thermometers", "en")) == {
        "product/thermometers", "theme/art-4", "theme/annex-a"}
    assert placed(cues, kind="national-report") == {"theme/art-21"}


def test_nine_in_ten_of_the_demos_records_carry_a_theme(demo_template: Path, tmp_path: Path) -> None:
    data = tmp_path / "demo"
    shutil.copytree(demo_template, data)
    prefixes = f"PREFIX mcep: <{MCEP}> PREFIX dct: <{DCT}> PREFIX prov: <http://www.w3.org/ns/prov#> "
    classified = f"FILTER(STRSTARTS(STR(?g), '{BASE}graph/classified/'))"
    with Hub(make_settings(data)) as hub:
        by_kind = coverage(hub)
        bare = [iri for iri, kind, _, _ in hub.catalog.live_documents() if kind in by_kind and not themes_of(hub, iri)]
        # every machine placement has its explanation (score, rule, evidence) and its graph's provenance
        assert hub.store.public.query(prefixes + f"ASK {{ GRAPH ?g {{ ?r dct:subject ?c }} {classified} }}")
        assert not hub.store.public.query(prefixes + f"""ASK {{ GRAPH ?g {{ ?r dct:subject ?c }} {classified}
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?a mcep:assignedTo ?r ; mcep:concept ?c ; mcep:score ?s ;
                                             mcep:rule ?rule ; mcep:evidence ?why .
                                          ?g prov:wasAttributedTo ?agent ; prov:generatedAtTime ?t }} }} }}""")
    assert set(by_kind) == {"alternative", "answer", "case-study", "decision", "document", "exemption", "meeting",
                            "national-plan", "national-report", "project", "resource"}
    placed, total = sum(n for n, _ in by_kind.values()), sum(t for _, t in by_kind.values())
    assert placed >= 0.9 * total, bare

def test_a_one_word_alternative_label_is_a_cue_and_a_one_word_article_title_is_not(cues: Cues) -> None:
    # regression: "ASGM" is art-7's altLabel only (a hidden twin is refused by `mcep vocab check`), and was lost
    assert "theme/art-7" in placed(cues, ("title", "Global opportunities for the ASGM sector", "en"))
    # Article 1's title alone ("Objective") says nothing of the Convention's themes
    assert placed(cues, ("title", "Objective of the workshop", "en")) == set()

"""The curator's toolkit (`mcep vocab`): checks, coverage, diff, import and publishing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mcep_ld.harvesters.informea import InforMEAHarvester
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline
from mcep_ld.resources import PROJECT_ROOT
from mcep_ld.vocab.curation.check import check_files
from tests.conftest import SHARED, make_settings, mcep

VOCAB = PROJECT_ROOT / "vocabularies"
BASE = "http://localhost:8000/vocab/"
LEO_SAMPLE = SHARED / "samples" / "leo" / "informea_leo_skosxl_sample.json"

PLANTED = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<planted> a skos:ConceptScheme ; skos:prefLabel "Planted"@en ; skos:hasTopConcept <planted/top> .
<planted/top> a skos:Concept ; skos:inScheme <planted> ; skos:topConceptOf <planted> ;
    skos:prefLabel "Top"@en, "Haut"@fr, "Arriba"@es, "أعلى"@ar, "Верх"@ru, "顶"@zh ; skos:definition "t"@en .
<planted/cycle-a> a skos:Concept ; skos:inScheme <planted> ; skos:broader <planted/cycle-b> ;
    skos:prefLabel "A"@en, "A"@fr, "A"@es, "أ"@ar, "А"@ru, "甲"@zh ; skos:definition "a"@en .
<planted/cycle-b> a skos:Concept ; skos:inScheme <planted> ; skos:broader <planted/cycle-a> ;
    skos:prefLabel "B"@en, "B"@fr, "B"@es, "ب"@ar, "Б"@ru, "乙"@zh ; skos:definition "b"@en .
<planted/orphan> a skos:Concept ; skos:inScheme <planted> ;
    skos:prefLabel "Orphan"@en, "Orphelin"@fr, "Huérfano"@es, "يتيم"@ar, "Сирота"@ru, "孤"@zh ; skos:definition "o"@en .
<planted/twin> a skos:Concept ; skos:inScheme <planted> ; skos:broader <planted/top> ;
    skos:prefLabel "top"@en, "Jumeau"@fr, "Gemelo"@es, "توأم"@ar, "Близнец"@ru, "孪"@zh ; skos:definition "d"@en .
<planted/dangling> a skos:Concept ; skos:inScheme <planted> ; skos:broader <planted/top> ;
    skos:exactMatch <theme/art-99> ;
    skos:prefLabel "Dangling"@en, "Pendant"@fr, "Colgante"@es, "متدل"@ar, "Висячий"@ru, "悬"@zh ;
    skos:definition "x"@en .
<planted/no-russian> a skos:Concept ; skos:inScheme <planted> ; skos:broader <planted/top> ;
    skos:prefLabel "No Russian"@en, "Pas de russe"@fr, "Sin ruso"@es, "لا روسية"@ar, "无俄"@zh ;
    skos:definition "r"@en .
"""


def findings(report, check: str) -> set[str]:  # noqa: ANN001 - a Report
    return {f.resource for f in report.findings if f.check == check}


def test_shipped_vocabularies_pass_with_full_coverage_of_the_convention_schemes() -> None:
    proc = mcep("vocab", "check", "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == 0
    assert report["warnings"] == 0, [f for f in report["findings"] if f["severity"] == "warning"][:5]
    for scheme in ("theme", "product", "process"):
        coverage = report["coverage"][f"{BASE}{scheme}"]
        assert {lang: c["percent"] for lang, c in coverage.items()} == dict.fromkeys(
            ["en", "fr", "es", "ar", "ru", "zh"], 100.0), scheme
    text = mcep("vocab", "check", "--coverage").stdout
    assert f"{BASE}theme: en 40/40 (100%)" in text  # the 35 articles and 5 annexes


def test_countries_sit_in_their_m49_sub_regions() -> None:
    g = Graph()
    for name in ("countries.ttl", "regions.ttl"):
        g.parse(VOCAB / name, publicID=BASE)
    assert (URIRef(f"{BASE}country/BR"), SKOS.broader, URIRef(f"{BASE}region/005")) in g
    assert (URIRef(f"{BASE}region/005"), SKOS.broader, URIRef(f"{BASE}region/419")) in g
    assert (URIRef(f"{BASE}country/KE"), SKOS.broader, URIRef(f"{BASE}region/014")) in g
    assert (URIRef(f"{BASE}region/014"), SKOS.broader, URIRef(f"{BASE}region/202")) in g
    without = {c for c in g.subjects(SKOS.inScheme, URIRef(f"{BASE}country")) if not list(g.objects(c, SKOS.broader))}
    assert without == set()
    assert (URIRef(f"{BASE}country/AQ"), SKOS.broader, URIRef(f"{BASE}region/001")) in g  # M49: under World itself


def test_planted_defects_are_reported_with_the_concept_iri(tmp_path: Path) -> None:
    path = tmp_path / "planted.ttl"
    path.write_text(PLANTED, encoding="utf-8")
    report = check_files([path], base_uri="http://localhost:8000/", context=sorted(VOCAB.glob("*.ttl")))
    assert {f"{BASE}planted/cycle-a", f"{BASE}planted/cycle-b"} <= findings(report, "chr")
    assert findings(report, "oc") == {f"{BASE}planted/orphan"}
    assert findings(report, "ol") == {f"{BASE}planted/top", f"{BASE}planted/twin"}  # "Top" and "top"
    assert findings(report, "dangling") == {f"{BASE}planted/dangling"}
    missing = [f for f in report.findings if f.check == "ilc"]
    assert [(f.resource, f.message) for f in missing] == [(f"{BASE}planted/no-russian", "no prefLabel in ru")]
    assert any("cycle" in f.message.lower() for f in report.findings if f.check == "skosify")
    proc = mcep("vocab", "check", str(path))
    assert proc.returncode == 1 and f"{BASE}planted/cycle-a" in proc.stdout and "Traceback" not in proc.stderr


NARROWER_CYCLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<loop> a skos:ConceptScheme ; skos:prefLabel "Loop"@en ; skos:hasTopConcept <loop/c> .
<loop/c> a skos:Concept ; skos:inScheme <loop> ; skos:topConceptOf <loop> ; skos:narrower <loop/d> ;
    skos:prefLabel "C"@en, "C"@fr, "C"@es, "ج"@ar, "В"@ru, "丙"@zh ; skos:definition "c"@en .
<loop/d> a skos:Concept ; skos:inScheme <loop> ; skos:narrower <loop/e> ;
    skos:prefLabel "D"@en, "D"@fr, "D"@es, "د"@ar, "Г"@ru, "丁"@zh ; skos:definition "d"@en .
<loop/e> a skos:Concept ; skos:inScheme <loop> ; skos:narrower <loop/c> ;
    skos:prefLabel "E"@en, "E"@fr, "E"@es, "ه"@ar, "Д"@ru, "戊"@zh ; skos:definition "e"@en .
"""


def test_a_cycle_written_with_narrower_only_is_found(tmp_path: Path) -> None:
    """skos:narrower read backwards as broader: c > d > e > c is a cycle though no concept names a broader one."""
    path = tmp_path / "loop.ttl"
    path.write_text(NARROWER_CYCLE, encoding="utf-8")
    report = check_files([path], base_uri="http://localhost:8000/")
    assert findings(report, "chr") == {f"{BASE}loop/c", f"{BASE}loop/d", f"{BASE}loop/e"}
    proc = mcep("vocab", "check", str(path))
    assert proc.returncode == 1 and f"{BASE}loop/c" in proc.stdout


@pytest.mark.parametrize("text, check", [
    ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<x/a> a skos:Concept ; skos:prefLabel \"A\"@en .\n",
     "no-scheme"),
    ("this is not turtle", "parse"),
])
def test_a_file_that_is_no_vocabulary_gets_a_report_not_an_exit(tmp_path: Path, text: str, check: str) -> None:
    path = tmp_path / "odd.ttl"
    path.write_text(text, encoding="utf-8")
    report = check_files([path], base_uri="http://localhost:8000/")  # skosify would sys.exit on some of these
    assert report.errors[0].check == check and report.errors[0].resource == str(path)
    proc = mcep("vocab", "check", "--json", str(path))
    assert proc.returncode == 1 and json.loads(proc.stdout)["errors"] == len(report.errors)


@pytest.mark.skipif(not LEO_SAMPLE.is_file(), reason=f"{LEO_SAMPLE} is absent (it comes with ../shared)")
def test_import_of_the_leo_sample(tmp_path: Path) -> None:
    out = tmp_path / "leo.ttl"
    proc = mcep("vocab", "import", str(LEO_SAMPLE), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    g = Graph().parse(out)
    mercury = URIRef("http://www.informea.org/terms/mercury")
    assert (mercury, RDF.type, SKOS.Concept) in g
    assert (mercury, SKOS.prefLabel, Literal("mercury", lang="en")) in g
    definition = next(g.objects(mercury, SKOS.definition))
    assert definition.language == "en" and definition.startswith("A heavy silvery-white toxic liquid")
    assert definition.endswith("(Source: GEMET/ CED)")  # the export's trailing "/n" is gone
    assert not list(g.triples((None, URIRef("http://www.w3.org/2008/05/skos-xl#literalForm"), None)))
    for concept in g.subjects(RDF.type, SKOS.Concept):
        assert [lbl for lbl in g.objects(concept, SKOS.prefLabel) if lbl.language == "en"], concept
        assert [d for d in g.objects(concept, SKOS.definition) if d.language == "en"], concept
    again = mcep("vocab", "import", str(LEO_SAMPLE), "--output", str(out))
    assert again.returncode == 2 and "--replace" in again.stderr


def test_diff_names_added_removed_relabelled_and_moved(tmp_path: Path) -> None:
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    shutil.copy(VOCAB / "products.ttl", old)
    text = (VOCAB / "products.ttl").read_text(encoding="utf-8")
    text = text.replace('"Termómetros"@es', '"Termómetros clínicos"@es')
    text = text.replace("<product/hygrometers> a skos:Concept ; skos:inScheme <product> ; "
                        "skos:broader <product/non-electronic-measuring-devices>",
                        "<product/hygrometers> a skos:Concept ; skos:inScheme <product> ; "
                        "skos:broader <product/barometers>")
    start = text.index("<product/mercury-vacuum-pumps> a skos:Concept")
    text = text[:start] + text[text.index("<product/tire-balancers-wheel-weights> a", start):]
    text += ('\n<product/new-thing> a skos:Concept ; skos:inScheme <product> ; skos:broader <product/batteries> ;'
             ' skos:prefLabel "New"@en .\n')
    new.write_text(text, encoding="utf-8")
    result = json.loads(mcep("vocab", "diff", str(old), str(new), "--json", check=True).stdout)
    assert result["added"] == [f"{BASE}product/new-thing"]
    assert result["removed"] == [f"{BASE}product/mercury-vacuum-pumps"]
    assert result["relabelled"] == {f"{BASE}product/thermometers": {"es": [["Termómetros"], ["Termómetros clínicos"]]}}
    assert result["moved"] == {f"{BASE}product/hygrometers": [[f"{BASE}product/non-electronic-measuring-devices"],
                                                              [f"{BASE}product/barometers"]]}


def test_publishing_a_relabelled_concept_moves_the_datestamps_of_its_records_only(tmp_path: Path) -> None:
    vocab = tmp_path / "vocabularies"
    shutil.copytree(VOCAB, vocab, ignore=shutil.ignore_patterns("tools"))
    settings = make_settings(tmp_path / "data", vocabularies_dir=str(vocab))
    settings.sources["informea"] = {"entity_sets": ["Contacts"]}
    with SampleServer(PROJECT_ROOT / "harvesters" / "samples") as srv, Hub(settings) as hub:
        harvester = InforMEAHarvester(endpoint=srv.informea_endpoint, settings=settings,
                                      client=HttpClient.from_settings(settings))
        assert Pipeline(hub).harvest(harvester).ok
        hub.catalog.db.execute("UPDATE records SET datestamp='2000-01-01T00:00:00Z'")
        naming = {r[0].value for r in hub.store.public.query(
            f"SELECT DISTINCT ?g {{ GRAPH ?g {{ ?s ?p <{BASE}country/BR> }} }}")}
        assert naming, "the sample has a focal point of Brazil"
    path = vocab / "countries.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Brésil"@fr', '"République fédérative du Brésil"@fr'), encoding="utf-8")

    proc = mcep("vocab", "publish", "--data-dir", str(tmp_path / "data"),
                env={"MCEP_VOCABULARIES_DIR": str(vocab)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "published countries" in proc.stdout and f"{len(naming)} record(s) get a new datestamp" in proc.stdout
    with Hub(settings) as hub:
        rows = hub.catalog.db.execute("SELECT graph, datestamp FROM records").fetchall()
        moved = {g for g, stamp in rows if stamp != "2000-01-01T00:00:00Z"}
        assert moved == naming and len(rows) > len(moved)
        assert bool(hub.store.public.query(
            f'ASK {{ <{BASE}country/BR> <{SKOS.prefLabel}> "République fédérative du Brésil"@fr }}'))
    assert "already published" in mcep("vocab", "publish", "--data-dir", str(tmp_path / "data"),
                                       env={"MCEP_VOCABULARIES_DIR": str(vocab)}, check=True).stdout


def test_publish_refuses_vocabularies_with_errors(tmp_path: Path) -> None:
    vocab = tmp_path / "vocabularies"
    shutil.copytree(VOCAB, vocab, ignore=shutil.ignore_patterns("tools"))
    (vocab / "planted.ttl").write_text(PLANTED, encoding="utf-8")
    proc = mcep("vocab", "publish", "--data-dir", str(tmp_path / "data"), env={"MCEP_VOCABULARIES_DIR": str(vocab)})
    assert proc.returncode == 1 and "nothing published" in proc.stderr and "chr" in proc.stdout
    assert not (tmp_path / "data" / "store").exists()


def concepts(graph: Graph, scheme: str) -> set[URIRef]:
    return set(graph.subjects(SKOS.inScheme, URIRef(f"{BASE}{scheme}")))


def test_the_themes_are_every_article_and_annex_of_the_convention() -> None:
    g = Graph().parse(VOCAB / "themes.ttl", publicID=BASE)
    notations = {str(n) for c in concepts(g, "theme") for n in g.objects(c, SKOS.notation)}
    assert notations == {str(n) for n in range(1, 36)} | set("ABCDE")
    for concept in concepts(g, "theme"):
        assert {label.language for label in g.objects(concept, SKOS.prefLabel)} == {"en", "fr", "es", "ar", "ru", "zh"}


def test_annexes_a_and_b_are_as_amended() -> None:
    """MC-4/3 and MC-5/4 as shared/reference/convention.md reports them; nothing invented."""
    mcep = "https://w3id.org/mcep/ontology#"
    g = Graph().parse(VOCAB / "products.ttl", publicID=BASE).parse(VOCAB / "processes.ttl", publicID=BASE)
    by_label = {str(label): c for c in concepts(g, "product") | concepts(g, "process")
                for label in g.objects(c, SKOS.prefLabel) if label.language == "en"}

    def fact(label: str, prop: str) -> set[str]:
        return {str(v) for v in g.objects(by_label[label], URIRef(f"{mcep}{prop}"))}

    assert "Electrical and electronic measuring devices" not in by_label
    decision = "http://localhost:8000/id/decision/"
    for label in ("Strain gauges to be used in plethysmographs",
                  "Cold cathode and external electrode fluorescent lamps of all lengths for electronic displays",
                  "Mercury vacuum pumps", "Propellant for satellites and spacecraft"):
        assert fact(label, "phaseOutYear") == {"2025"} and fact(label, "introducedBy") == {f"{decision}mc-4-3"}
    polyurethane = "Polyurethane production using mercury-containing catalysts"
    assert fact(polyurethane, "annexPart") == {"B-I"} and fact(polyurethane, "phaseOutYear") == {"2025"}
    assert fact(polyurethane, "amendedBy") == {f"{decision}mc-5-4"}
    for label in ("Batteries", "Switches and relays", "Cosmetics"):
        assert fact(label, "amendedBy") == {f"{decision}mc-5-4"}, label
    amalgam = by_label["Dental amalgam"]
    measures = set(g.subjects(SKOS.broader, amalgam))
    assert len(measures) == 12  # nine of 2013, two of MC-4/3, MC-5/4's plan or report
    added = [m for m in measures if (m, URIRef(f"{mcep}introducedBy"), None) in g]
    assert sorted(str(d).rsplit("/", 1)[1] for m in added for d in g.objects(m, URIRef(f"{mcep}introducedBy"))) \
        == ["mc-4-3", "mc-4-3", "mc-5-4"]


def test_only_an_equal_or_narrower_outside_concept_places_a_record_on_ours(tmp_path: Path) -> None:
    """``ours skos:broadMatch leo:waste`` must not put every record about waste on "Mercury wastes"."""
    from mcep_ld.vocab import Vocabulary

    (tmp_path / "t.ttl").write_text("""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix leo: <http://www.informea.org/terms/> .
        <theme> a skos:ConceptScheme .
        <theme/wastes> a skos:Concept ; skos:inScheme <theme> ; skos:broadMatch leo:waste ;
            skos:narrowMatch leo:mercury-waste ; skos:relatedMatch leo:mercury .
        <theme/mining> a skos:Concept ; skos:inScheme <theme> ; skos:exactMatch leo:asgm ; skos:closeMatch leo:gold .
    """)
    vocab = Vocabulary.load(tmp_path, "http://localhost:8000/")
    leo = "http://www.informea.org/terms/"
    assert vocab.aligned(f"{leo}waste", "theme") == [] and vocab.aligned(f"{leo}mercury", "theme") == []
    assert vocab.aligned(f"{leo}mercury-waste", "theme") == ["http://localhost:8000/vocab/theme/wastes"]
    assert vocab.aligned(f"{leo}asgm", "theme") == vocab.aligned(f"{leo}gold", "theme") == [
        "http://localhost:8000/vocab/theme/mining"]


def test_the_label_policy_finds_planted_script_mixing_vowel_marks_and_missing_status(tmp_path: Path) -> None:
    """What the countries file held before its policy: "Türkiye"@ar in Latin letters, Arabic with vowel marks,
    Taiwan named with China in some languages only, and labels neither sourced nor flagged."""
    (tmp_path / "c.ttl").write_text("""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix mcep: <https://w3id.org/mcep/ontology#> .
        <country> a skos:ConceptScheme ; skos:prefLabel "Countries"@en ; skos:hasTopConcept <country/TR> .
        <country/TR> a skos:Concept ; skos:inScheme <country> ; skos:topConceptOf <country> ;
            skos:definition "Türkiye"@en ; mcep:labelStatus mcep:WorkingTranslation ;
            skos:prefLabel "Türkiye"@en, "Türkiye"@ar, "Turquie"@fr .
        <country/AE> a skos:Concept ; skos:inScheme <country> ; skos:topConceptOf <country> ;
            skos:definition "UAE"@en ; mcep:labelSource "CLDR"@ar, "CLDR"@ru ;
            skos:prefLabel "United Arab Emirates"@en, "الإمارات العربيّة المتحدّة"@ar, "ОАЭ Dubai"@ru,
                "Emiratos Árabes Unidos"@es .
        <country/CN> a skos:Concept ; skos:inScheme <country> ; skos:topConceptOf <country> ;
            skos:definition "China"@en ; mcep:labelSource "UN"@fr ;
            skos:prefLabel "China"@en, "Chine"@fr .
        <country/TW> a skos:Concept ; skos:inScheme <country> ; skos:topConceptOf <country> ;
            skos:definition "Taiwan"@en ; mcep:labelStatus mcep:WorkingTranslation ;
            skos:prefLabel "Taiwan"@en, "Taïwan, province de Chine"@fr .
    """)
    report = check_files([tmp_path / "c.ttl"], base_uri="http://localhost:8000/")
    found = {(f.check, f.resource.rsplit("/", 1)[1]) for f in report.errors}
    assert ("script", "TR") in found  # Latin letters in an Arabic label
    assert ("vowel-marks", "AE") in found and ("script", "AE") not in found  # Latin beside Cyrillic is allowed
    assert ("label-status", "CN") not in found and ("label-status", "AE") in found  # its es label names no source
    assert ("disputed-naming", "TW") in found
    messages = " ".join(f.message for f in report.errors if f.check == "label-status")
    assert "labels in es name no source" in messages


def test_the_country_labels_follow_one_policy() -> None:
    g = Graph().parse(VOCAB / "countries.ttl", publicID=BASE)
    label = {(str(c).rsplit("/", 1)[1], o.language): str(o) for c, o in g.subject_objects(SKOS.prefLabel)}
    assert label[("TR", "en")] == "Türkiye" and label[("VN", "en")] == "Viet Nam"
    assert label[("BO", "en")] == "Bolivia (Plurinational State of)" and label[("KR", "en")] == "Republic of Korea"
    assert label[("TW", "en")] == "Taiwan" and "Chin" not in label[("TW", "fr")]
    assert label[("HK", "zh")].startswith("中国") and label[("HK", "en")].startswith("China, ")
    sources = {(str(c).rsplit("/", 1)[1], o.language): str(o)
               for c, o in g.subject_objects(URIRef("https://w3id.org/mcep/ontology#labelSource"))}
    assert sources[("VN", "en")].startswith("UN M49") and sources[("VN", "ar")].startswith("CLDR")


def test_the_shipped_leo_alignments_carry_only_what_is_true() -> None:
    from mcep_ld.vocab import Vocabulary

    vocab = Vocabulary.load(VOCAB, "http://localhost:8000/")
    leo = "http://www.informea.org/terms/"
    assert vocab.aligned(f"{leo}mercury-added-product", "theme") == [f"{BASE}theme/art-4"]
    assert vocab.aligned(f"{leo}artisanal-mining", "theme") == [f"{BASE}theme/art-7"]
    for general in ("emission", "waste", "contaminated-site", "hazardous-waste", "trade", "mercury"):
        assert vocab.aligned(f"{leo}{general}", "theme") == [], general

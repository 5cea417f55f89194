"""Every shape in shapes/ has a failing example here, and fails it with its declared severity.

A shape added without an example fails ``test_every_shape_has_a_failing_example``: the examples are the
shapes' documentation for curators as much as their tests.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from mcep_ld.resources import PROJECT_ROOT
from mcep_ld.validate.gate import ShaclGate

SHAPES = "https://w3id.org/mcep/shapes#"
PREFIXES = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <http://schema.org/> . @prefix mcep: <https://w3id.org/mcep/ontology#> .
@prefix id: <http://localhost:8000/id/> . @prefix vocab: <http://localhost:8000/vocab/> .
"""
D = "id:decision\\/mc-1-1 a mcep:Decision"  # a decision record, to which each example adds its fault
M = "id:meeting\\/cop-1 a mcep:Meeting"
F = "id:focal-point\\/fp-1 a mcep:FocalPoint"
P = "id:project\\/gef-1 a mcep:Project"
R = "id:national-report\\/nr-1 a mcep:NationalReport"
FILE = "<http://x/file> a dcat:Distribution"
PARTY = ('id:party\\/p-1 a mcep:Party ; mcep:country <http://localhost:8000/vocab/country/GH> ; '
         'mcep:partyAction "ratification" ; mcep:depositDate "2017-03-23"^^xsd:date ; '
         'mcep:entryIntoForce "2017-08-16"^^xsd:date')
ALT = ('id:alternative\\/led a mcep:Alternative ; mcep:replaces vocab:product\\/cfl ; '
       'mcep:technicalFeasibility "Fits existing fittings"@en ; mcep:economicFeasibility "Pays back"@en ; '
       'dct:bibliographicCitation "U4E (2017)"')
EXEMPTION = ('id:exemption\\/gh-1 a mcep:Exemption ; mcep:country vocab:country\\/GH ; '
             'mcep:exemptionFor vocab:product\\/thermometers ; mcep:expiryDate "2025-12-31"^^xsd:date')
ANSWER = ('id:answer\\/fr-17-1 a mcep:ReportAnswer ; mcep:question vocab:report-question\\/17-1 ; '
          'mcep:reportingCycle vocab:reporting-cycle\\/full-2021 ; mcep:country vocab:country\\/FR ; '
          'dct:isPartOf id:national-report\\/answers-fr-2021 ; mcep:answerChoice "yes"')

#: shape → (a record breaking it, in Turtle)
EXAMPLES = {
    "Decision": "<http://localhost:8000/id/meeting/mc-1-1> a mcep:Decision .",
    "Meeting": "<http://localhost:8000/id/meeting/COP 1> a mcep:Meeting .",
    "FocalPoint": "<http://localhost:8000/id/person/x> a mcep:FocalPoint .",
    "Treaty": "<http://localhost:8000/id/decision/minamata> a mcep:Treaty .",
    "NationalReport": "<http://localhost:8000/id/national-plan/x> a mcep:NationalReport .",
    "NationalPlan": "<http://localhost:8000/id/national-report/x> a mcep:NationalPlan .",
    "Document": "<http://localhost:8000/id/document/UNEP/MC> a mcep:Document .",
    "Project": "<http://localhost:8000/id/projects/gef-1> a mcep:Project .",
    "CaseStudy": "<http://localhost:8000/id/case_study/x> a mcep:CaseStudy .",
    "Resource": "<http://localhost:8000/id/resources/x> a mcep:Resource .",
    "source": f"{D} .",
    "modified": f'{D} ; dct:modified "2024-01-01" .',
    "treaty": f'{D} ; mcep:treaty "minamata" .',
    "unknownTreaty": f'{D} ; mcep:treatyCode "unheard-of" .',
    "title": f"{D} .",
    "titleOnePerLanguage": f'{D} ; dct:title "One"@en, "Two"@en .',
    "page": f'{D} ; foaf:page "https://example.org/page" .',
    "decisionTreaty": f"{D} .",
    "decisionNumber": f'{D} ; dct:identifier "MC-1/1", "MC-1/2" .',
    "decisionNumberPresent": f"{D} .",
    "issued": f'{D} ; dct:issued "last spring" .',
    "decisionSubject": f'{D} ; dct:subject "mercury" .',
    "decisionMeeting": f"{D} ; mcep:meeting id:meeting\\/cop-1, id:meeting\\/cop-2 .",
    "decisionDistribution": f'{D} ; dcat:distribution "the PDF" .',
    "downloadURL": f"{FILE} .",
    "fileLanguage": f'{FILE} ; dct:language "English" .',
    "mediaType": f'{FILE} ; dcat:mediaType "application/pdf" .',
    "country": f'{M} ; mcep:country "FR" .',
    "unknownCountry": f'{M} ; mcep:countryCode "Atlantis" .',
    "meetingStart": f"{M} .",
    "meetingEnd": f'{M} ; schema:endDate "2023-11-03T18:00:00"^^xsd:dateTime .',
    "latitude": f'{M} ; schema:latitude "46.2"^^xsd:string .',
    "longitude": f'{M} ; schema:longitude 6.1, 6.2 .',
    "focalPointName": f"{F} .",
    "focalPointCountry": f'{F} ; foaf:name "A. Person" .',
    "primary": f'{F} ; mcep:primaryFocalPoint "yes" .',
    "projectIdentifier": f"{P} .",
    "projectPlace": f'{P} ; mcep:country "Brazil" .',
    "projectRegion": f'{P} ; mcep:region "Africa" .',
    "projectFocalArea": f'{P} ; mcep:focalArea "Chemicals and Waste" .',
    "unknownFocalArea": f'{P} ; mcep:focalAreaName "Ozone" .',
    "grant": f'{P} ; mcep:gefGrantUSD "1,000,000" .',
    "cofinancing": f'{P} ; mcep:cofinancingUSD 1.5, 2.5 .',
    "approvalYear": f'{P} ; mcep:approvalFiscalYear "FY2019" .',
    "minamataRelevant": f"{P} .",
    "documentLanguage": 'id:document\\/unep-mc-cop-1-1 a mcep:Document ; dct:language "en" .',
    "submissionCountry": f"{R} .",
    "submissionTreaty": f"{R} .",
    "submissionDistribution": f'{R} ; dcat:distribution "report.pdf" .',
    "documentSubject": 'id:document\\/unep-mc-cop-1-1 a mcep:Document ; dct:subject "waste" .',
    "caseStudyCountry": 'id:case-study\\/cs-1 a mcep:CaseStudy ; mcep:country "Peru" .',
    "Party": "<http://localhost:8000/id/parties/gh> a mcep:Party .",
    "partyCountry": 'id:party\\/p-1 a mcep:Party ; mcep:countryCode "Atlantis" .',
    "partyAction": PARTY.replace('"ratification"', '"signature"') + " .",
    "partyDeposit": f'{PARTY} ; mcep:depositDate "2017-03-24"^^xsd:date .',
    "partyEntryIntoForce": f'{PARTY} ; mcep:entryIntoForce "16 August 2017" .',
    "Alternative": "<http://localhost:8000/id/alternatives/led> a mcep:Alternative .",
    "alternativeReplaces": f'{ALT} ; mcep:replaces <http://localhost:8000/vocab/process/chlor-alkali> .',
    "alternativeTechnicalFeasibility": 'id:alternative\\/led a mcep:Alternative .',
    "alternativeEconomicFeasibility": 'id:alternative\\/led a mcep:Alternative .',
    "alternativeSource": 'id:alternative\\/led a mcep:Alternative .',
    "Exemption": "<http://localhost:8000/id/exemptions/gh-1> a mcep:Exemption .",
    "exemptionCountry": f'{EXEMPTION} ; mcep:country vocab:country\\/UY .',
    "exemptionFor": f'{EXEMPTION} ; mcep:exemptionFor vocab:theme\\/art-4 .',
    "exemptionExpiry": f'{EXEMPTION} ; mcep:expiryDate "2025" .',
    "ReportAnswer": "<http://localhost:8000/id/answers/fr-17-1> a mcep:ReportAnswer .",
    "answerQuestion": f'{ANSWER} ; mcep:question vocab:theme\\/art-17 .',
    "answerCycle": f'{ANSWER} ; mcep:reportingCycle vocab:reporting-cycle\\/full-2029 , vocab:reporting-cycle\\/x .',
    "answerParty": 'id:answer\\/fr-17-1 a mcep:ReportAnswer ; mcep:countryCode "Atlantis" .',
    "answerReport": f'{ANSWER} ; dct:isPartOf id:document\\/x .',
    "answerMeasure": 'id:answer\\/fr-17-1 a mcep:ReportAnswer ; mcep:answerNumber "twelve" .',
}


GATE = ShaclGate(PROJECT_ROOT / "shapes", base_uri="http://localhost:8000/")
SHAPES_GRAPH = GATE.shapes
NAMED = sorted(str(s).removeprefix(SHAPES) for kind in (SH.NodeShape, SH.PropertyShape)
               for s in SHAPES_GRAPH.subjects(RDF.type, kind) if str(s).startswith(SHAPES))


def test_every_shape_has_a_failing_example() -> None:
    assert sorted(EXAMPLES) == NAMED


@pytest.mark.parametrize("name", NAMED)
def test_the_example_fails_its_shape_with_the_declared_severity(name: str) -> None:
    data = Graph().parse(data=PREFIXES + EXAMPLES[name], format="turtle")
    found = [f for f in GATE.findings(data) if f.shape == SHAPES + name]
    assert found, f"{name}: its example does not fail it"
    declared = SHAPES_GRAPH.value(URIRef(SHAPES + name), SH.severity)
    assert {f.severity for f in found} == {str(declared).rsplit("#", 1)[-1]}


def test_records_describing_one_subject_are_judged_apart() -> None:
    """Two sources may describe one document, each with its own dct:modified: valid each in its own graph,
    so valid in one batch too (a batch graph would otherwise hold two values for maxCount 1)."""
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, XSD

    doc = URIRef("http://localhost:8000/id/document/unep-mc-cop-5-19")
    records = {
        source: [(doc, RDF.type, URIRef("https://w3id.org/mcep/ontology#Document")),
                 (doc, DCTERMS.modified, Literal(stamp, datatype=XSD.dateTime))]
        for source, stamp in (("informea", "2024-01-01T00:00:00Z"), ("convention", "2024-02-01T00:00:00Z"))}
    outcomes = GATE.validate_batch(records)
    for source in records:
        assert not [f for f in outcomes[source].findings if f.shape == SHAPES + "modified"], source
    merged = GATE.findings(Graph().parse(data=PREFIXES + """
        id:document\\/unep-mc-cop-5-19 a mcep:Document ;
        dct:modified "2024-01-01T00:00:00Z"^^xsd:dateTime, "2024-02-01T00:00:00Z"^^xsd:dateTime .""", format="turtle"))
    assert [f for f in merged if f.shape == SHAPES + "modified"], "the shape does see two values in one graph"


@pytest.mark.parametrize("kind", ["decision", "meeting", "focal-point", "document", "resource", "case-study"])
def test_a_record_outside_base_uri_is_refused(kind: str) -> None:
    """A record minted elsewhere would be published with no page here (issue 14, row 14)."""
    cls = {"focal-point": "FocalPoint", "case-study": "CaseStudy"}.get(kind, kind.capitalize())
    for iri, refused in ((f"https://elsewhere.example/id/{kind}/x-1", True),
                         (f"http://localhost:8000.evil.example/id/{kind}/x-1", True),
                         (f"http://localhost:8000/id/{kind}/x-1", False)):
        data = Graph().parse(data=PREFIXES + f"<{iri}> a mcep:{cls} .", format="turtle")
        found = [f for f in GATE.findings(data) if f.shape == SHAPES + cls]
        assert bool(found) is refused, iri

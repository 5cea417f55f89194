"""National-report answers as the online reporting tool exports them: a folder of CSV or JSON files, one row per
answer (Article 21; the format of decision MC-1/8 as amended by MC-5/13).

Columns (JSON: objects with the same fields):

- ``report``: the report's identifier in the reporting tool (stable; every answer of one report carries it);
- ``party``: the Party (any country code or name); ``cycle``: the reporting cycle's notation (``full-2021``,
  ``full-2025``, ``short-2019``, ``short-2023``: ``vocabularies/reporting-cycles.ttl``);
- ``question``: the question's identifier in the format (``17.1``: ``vocabularies/report-questions.ttl``, whose
  labels are the question texts in the six languages); ``question_text`` (and ``question_text_fr``…) as the
  export gives it, kept with the answer;
- ``answer``: a choice (one of the question's ``mcep:choices``), a number or text, as the question's
  ``mcep:answerType`` says; ``answer_lang``: the language of a text answer (default ``en``);
- ``submitted``: the date the report was submitted (optional).

Each answer is a record of kind ``answer``: a ``qb:Observation`` of the dataset of national-report answers
(W3C Data Cube), with its Party (``mcep:country``), cycle, question, measure and the theme of the question's
article (``dct:subject``); each report is a record of kind ``national-report`` that its answers are part of.
A row that names an unknown question, cycle or Party, or a choice the question does not offer, is quarantined
with its reason; the others go on.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from mcep_ld.harvesters.files import FilesHarvester, concept_cell, date_cell
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.fetch.contract import MappingContext
from mcep_ld.mapping.concepts import add_country, add_treaty
from mcep_ld.mapping.iris import record_iri, slug
from mcep_ld.mapping.languages import text_literal
from mcep_ld.mapping.namespaces import DCT, MCEP, RDF
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples

QB = "http://purl.org/linked-data/cube#"
#: The Data Cube dataset every answer is an observation of (its structure: vocabularies/report-answers.ttl).
DATASET = "vocab/dataset/national-report-answers"


class AnswersHarvester(FilesHarvester):
    """Reads an export of national-report answers (the endpoint is a folder)."""

    name: str = "answers"
    mapping_version: ClassVar[str] = "answers-1"

    def _items(self, path):  # noqa: ANN001, ANN202 - as FilesHarvester's
        """The answers of a file, then one record per report they belong to."""
        reports: dict[str, dict[str, Any]] = {}
        for key, row, kind in super()._items(path):
            yield key, row, kind
            if kind == "answer" and (report := str(row.get("report") or "").strip()):
                reports.setdefault(report, {"report": report, "party": row.get("party", ""),
                                            "cycle": row.get("cycle", ""), "submitted": row.get("submitted", "")})
        for report, fields in sorted(reports.items()):
            yield f"report/{report}", fields, "national-report"

    def _identify(self, row: dict[str, Any], n: int) -> tuple[str, str]:
        report, question = str(row.get("report") or "").strip(), str(row.get("question") or "").strip()
        return (f"{report}/{question}" if report and question else f"row-{n}"), "answer"

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        row = json.loads(record.payload)
        if "error" in row:
            raise MappingError(row["error"])
        report = str(row.get("report") or "").strip()
        if not report:
            raise MappingError("an answer needs the report it belongs to (report)")
        g = Triples()
        party = str(row.get("party") or "").strip()
        cycle = concept_cell(ctx, "reporting-cycle", str(row.get("cycle") or ""))
        if cycle is None:
            raise MappingError(f"unknown reporting cycle {row.get('cycle')!r}")
        report_iri = record_iri(ctx.base_uri, "national-report", slug(f"{self.name}-{report}"))
        if record.kind == "national-report":
            return self._report(g, report_iri, record, row, party, cycle, ctx)
        question = concept_cell(ctx, "report-question", str(row.get("question") or ""))
        if question is None:
            raise MappingError(f"unknown question {row.get('question')!r}: not in report-questions.ttl")
        iri = record_iri(ctx.base_uri, "answer", slug(f"{self.name}-{report}-{row['question']}"))
        g.add((iri, RDF.type, MCEP.ReportAnswer))
        g.add((iri, RDF.type, URIRef(f"{QB}Observation")))
        g.add((iri, URIRef(f"{QB}dataSet"), URIRef(f"{ctx.base_uri}{DATASET}")))
        g.add((iri, DCT.source, URIRef(record.url)))
        g.add((iri, DCT.isPartOf, report_iri))
        g.add((iri, MCEP.reportingCycle, URIRef(cycle)))
        g.add((iri, MCEP.question, URIRef(question)))
        sets = [f"kind:{record.kind}", f"source:{self.name}", *add_country(g, iri, party, ctx.vocab)]
        sets += add_treaty(g, iri, "minamata", ctx.vocab)
        about = _about(ctx, question)
        if theme := about.get("article"):
            g.add((iri, DCT.subject, URIRef(theme)))
        _measure(g, iri, row, about)
        for column, value in row.items():  # the question as the export words it
            if column == "question_text" or column.startswith("question_text_"):
                lang = column[len("question_text_"):] or "en"
                if (lit := text_literal(value, lang)) is not None:
                    g.add((iri, MCEP.questionText, lit))
        country = next((o for _, p, o in g if p == MCEP.country), None)
        places = ctx.vocab.pref_labels.get(str(country), {}) if country is not None else {}
        cycles = ctx.vocab.pref_labels.get(cycle, {})
        notation = str(row["question"]).strip()
        for lang in sorted(set(places) & set(cycles)):
            g.add((iri, DCT.title, Literal(f"{places[lang]}: {notation}, {cycles[lang]}", lang=lang)))
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

    def _report(self, g: Triples, iri: URIRef, record: SourceRecord, row: dict[str, Any], party: str, cycle: str,
                ctx: MappingContext) -> MappedRecord:
        """The report the answers are part of: its Party, cycle and submission date."""
        g.add((iri, RDF.type, MCEP.NationalReport))
        g.add((iri, DCT.source, URIRef(record.url)))
        g.add((iri, DCT.identifier, Literal(str(row["report"]))))
        g.add((iri, MCEP.reportingCycle, URIRef(cycle)))
        sets = [f"kind:{record.kind}", f"source:{self.name}", *add_country(g, iri, party, ctx.vocab)]
        sets += add_treaty(g, iri, "minamata", ctx.vocab)
        if submitted := date_cell(row.get("submitted"), "submitted"):
            g.add((iri, DCT.issued, Literal(submitted.isoformat(), datatype=XSD.date)))
        country = next((o for _, p, o in g if p == MCEP.country), None)
        places = ctx.vocab.pref_labels.get(str(country), {}) if country is not None else {}
        cycles = ctx.vocab.pref_labels.get(cycle, {})
        for lang in sorted(set(places) & set(cycles)):
            g.add((iri, DCT.title, Literal(f"{places[lang]}: {cycles[lang]}", lang=lang)))
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))


def _about(ctx: MappingContext, question: str) -> dict[str, str]:
    """The question's article (theme IRI), answer type and choices, from the vocabulary."""
    return {name: found[0].value for name in ("article", "answerType", "choices")
            if (found := ctx.vocab.objects(f"{MCEP}{name}").get(question))}


def _measure(g: Triples, iri: URIRef, row: dict[str, Any], about: dict[str, str]) -> None:
    """The answer as the question's type says: a choice it offers, a number, or text in its language."""
    answer = str(row.get("answer") or "").strip()
    if not answer:
        raise MappingError("no answer")
    kind = about.get("answerType", "text")
    if kind == "choice":
        choices = about.get("choices", "").split()
        if answer.lower() not in choices:
            raise MappingError(f"answer {answer!r} is not one of the question's choices: {', '.join(choices)}")
        g.add((iri, MCEP.answerChoice, Literal(answer.lower())))
    elif kind == "number":
        try:
            g.add((iri, MCEP.answerNumber, Literal(str(Decimal(answer.replace(",", ""))), datatype=XSD.decimal)))
        except InvalidOperation:
            raise MappingError(f"answer {answer!r} is not a number") from None
    else:
        lang = str(row.get("answer_lang") or "en").strip()
        if (lit := text_literal(answer, lang)) is None:
            raise MappingError(f"answer_lang {lang!r} is not a language")
        g.add((iri, MCEP.answerText, lit))
        g.add((iri, DCT.description, lit))  # searched, and placed on themes like other records' texts

"""Curated submissions: a folder of CSV, JSON or Turtle files that the secretariat keeps.

Party submissions (focal-point nominations, case studies, resources on mercury-added products) are
digitised into files and harvested like any other source: mapped, validated, quarantined with a report
when wrong. The folder is the whole source, so every run is a complete listing: a row or file removed
is a record tombstoned.

- CSV: one record per row; columns ``id`` (required, stable), ``kind`` (``focal-point``, ``case-study``,
  ``resource``, ``party``, ``alternative`` or ``exemption``), ``title`` and ``title_fr``, ``title_es``… (any
  language tag after ``_``),
  ``description`` likewise, ``country`` (any code or name), ``treaty``, ``date``, ``url``, ``keywords``
  (``;``-separated LEO terms); focal points: ``name``, ``position``, ``institution``, ``email``, ``phone``;
  parties (the register of parties): ``country``, ``action`` (ratification, acceptance, approval, accession),
  ``deposit`` (the date of deposit), ``entry_into_force`` (else the 90th day after deposit, or 16 August 2017
  for the first fifty: Article 31), ``declaration`` (Article 30.5); the title is the country's name;
  alternatives (the mercury-added products repository): ``product`` (the Annex A product it replaces: its
  name in any language or its key, ``thermometers``), the title is the alternative, ``technical_feasibility``
  and ``economic_feasibility`` (``_fr``… for other languages), ``source`` (the citation) and ``url``;
  exemptions (the register of Article 6): ``country``, ``product`` or ``process``, ``registered`` (a date),
  ``expires`` (else the end of the fifth year after the phase-out year: Article 6.2), titled from both.
- JSON: a list of objects (or ``{"records": [...]}``) with the same fields.
- Turtle: records already in RDF; each subject typed with a hub class is one record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.fetch.tables import csv_rows
from mcep_ld.mapping.concepts import add_country, add_treaty
from mcep_ld.mapping.dates import date_literal
from mcep_ld.mapping.iris import record_iri, slug
from mcep_ld.mapping.languages import text_literal
from mcep_ld.mapping.namespaces import DCT, FOAF, LEO, MCEP, RDF, SCHEMA
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples, json_payload
from mcep_ld.mapping.terms import to_rdflib

KINDS = {"focal-point": MCEP.FocalPoint, "case-study": MCEP.CaseStudy, "resource": MCEP.Resource,
         "party": MCEP.Party, "alternative": MCEP.Alternative, "exemption": MCEP.Exemption}
#: The Convention entered into force on 16 August 2017, ninety days after the fiftieth instrument (18 May 2017).
IN_FORCE, FIFTIETH_DEPOSIT = date(2017, 8, 16), date(2017, 5, 18)
_CLASS_KIND = {str(cls): kind for kind, cls in KINDS.items()}


class FilesHarvester(Harvester):
    """Reads a folder of curated submissions (the endpoint is a path)."""

    name: str = "files"
    reads_folders: ClassVar[bool] = True
    mapping_version: ClassVar[str] = "files-3"

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint, settings=settings, client=client, name=name)
        self.folder = Path(endpoint)

    def listing_is_complete(self, since: datetime | None) -> bool:
        return True  # the folder is read whole every time

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """Every submission in the folder (local: a resumed run reads it again and skips what it wrote)."""
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder}: not a folder of submissions")
        fetched = datetime.now(UTC)
        root = self.folder.resolve()
        for path in sorted(self.folder.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in (".csv", ".json", ".ttl"):
                continue
            rel = path.relative_to(self.folder).as_posix()
            try:
                if not path.resolve().is_relative_to(root):
                    raise ValueError("a symbolic link out of the submissions folder: not read")
                items = list(self._items(path))
            except (ValueError, SyntaxError, UnicodeDecodeError, RecursionError) as exc:
                # A file that cannot be read at all is one quarantined record: the rest go on.
                items = [("unreadable", {"error": f"{type(exc).__name__}: {exc}"}, "unknown")]
            for key, payload, kind in items:
                # The record's source is named, not located: a server's file paths are not published.
                yield SourceRecord(source=self.name, key=f"{rel}#{key}", kind=kind,
                                   payload=json_payload(payload),
                                   url=f"urn:mcep-ld:{quote(self.name)}:{quote(rel)}#{quote(key, safe='')}",
                                   fetched_at=fetched)

    def _items(self, path: Path) -> Iterator[tuple[str, dict[str, Any], str]]:
        suffix = path.suffix.lower()
        if suffix == ".ttl":
            subjects: dict[str, list[str]] = {}
            kinds: dict[str, str] = {}
            # relative IRIs (<id/resource/x>) are the hub's own: the records get pages here
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=self.settings.base_uri):
                subjects.setdefault(str(t.subject), []).append(f"{t.subject} {t.predicate} {t.object} .")
                if t.predicate.value == str(RDF.type) and t.object.value in _CLASS_KIND:
                    kinds[str(t.subject)] = _CLASS_KIND[t.object.value]
            for subject, kind in kinds.items():
                yield subject.strip("<>"), {"ntriples": "\n".join(sorted(subjects[subject]))}, kind
            return
        if suffix == ".csv":
            text = path.read_bytes().decode("utf-8-sig", errors="replace")  # a row with bad bytes is quarantined
            lines = csv_rows(text, max_field_chars=self.settings.harvest_max_field_chars)
            first = next(lines, [])
            if isinstance(first, str):
                raise ValueError(first)
            header = [h.strip() for h in first]
            rows: list[Any] = [cells if isinstance(cells, str) else
                               {k: v.strip() for k, v in zip(header, cells, strict=False) if k} for cells in lines]
        else:
            doc = json.loads(path.read_text(encoding="utf-8"))
            rows = doc.get("records", []) if isinstance(doc, dict) else doc
            if not isinstance(rows, list):
                raise ValueError("expected a list of records or {\"records\": [...]}")
        for n, row in enumerate(rows, start=1):
            if isinstance(row, str):  # a CSV row that could not be read
                yield f"row-{n}", {"error": row}, "unknown"
                continue
            if not isinstance(row, dict):
                yield f"item-{n}", {"error": f"item {n} is not an object"}, "unknown"
                continue
            if not any(str(v).strip() for v in row.values()):
                continue  # a blank line
            key, kind = self._identify(row, n)
            yield key, row, kind

    def _identify(self, row: dict[str, Any], n: int) -> tuple[str, str]:
        """A row's key (its ``id``) and kind; a subclass reading another format says otherwise."""
        return str(row.get("id") or "").strip() or f"row-{n}", str(row.get("kind") or "").strip() or "unknown"

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        row = json.loads(record.payload)
        if "error" in row:
            raise MappingError(row["error"])
        if record.kind not in KINDS:
            raise MappingError(f"kind {record.kind!r} is not one of {', '.join(KINDS)}")
        g = Triples()
        if "ntriples" in row:
            iri = URIRef(record.key.split("#", 1)[1])
            for t in ox.parse(row["ntriples"].encode(), format=ox.RdfFormat.N_TRIPLES):
                g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            if not any(p == DCT.source for _, p, _ in g):
                g.add((iri, DCT.source, URIRef(record.url)))
            return MappedRecord(iri=iri, triples=g, sets=[f"kind:{record.kind}", f"source:{self.name}"])
        if not str(row.get("id") or "").strip():
            raise MappingError("row has no id: every submission needs a stable id")
        iri = record_iri(ctx.base_uri, record.kind, slug(f"{self.name}-{row['id']}"))
        g.add((iri, RDF.type, KINDS[record.kind]))
        g.add((iri, DCT.source, URIRef(record.url)))
        g.add((iri, DCT.identifier, Literal(str(row["id"]).strip())))
        for column, value in row.items():
            base, _, lang = column.partition("_")
            if base in ("title", "description") and (lit := text_literal(value, lang or "en")) is not None:
                g.add((iri, DCT.title if base == "title" else DCT.description, lit))
        if lit := date_literal(str(row.get("date") or "") or None):
            g.add((iri, DCT.issued, lit))
        if url := str(row.get("url") or "").strip():
            g.add((iri, FOAF.page, URIRef(url)))
        for term in str(row.get("keywords") or "").split(";"):
            if term.strip():
                g.add((iri, DCT.subject, LEO[slug(term)]))
        sets = [f"kind:{record.kind}", f"source:{self.name}"]
        sets += add_country(g, iri, str(row.get("country") or ""), ctx.vocab)
        sets += add_treaty(g, iri, str(row.get("treaty") or ""), ctx.vocab)
        for column, prop in (("name", FOAF.name), ("position", SCHEMA.jobTitle), ("institution", MCEP.institution),
                             ("email", SCHEMA.email), ("phone", SCHEMA.telephone)):
            if value := str(row.get(column) or "").strip():
                g.add((iri, prop, Literal(value)))
        if record.kind == "party":
            _party(g, iri, row, ctx)
        elif record.kind == "alternative":
            _alternative(g, iri, row, ctx)
        elif record.kind == "exemption":
            _exemption(g, iri, row, ctx)
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))


def _party(g: Triples, iri: URIRef, row: dict[str, Any], ctx: MappingContext) -> None:
    """A row of the register of parties: how and when the country became a Party; titled with its name."""
    country = next((o for _, p, o in g if p == MCEP.country), None)
    if country is not None:
        for label in ctx.vocab.pref_labels.get(str(country), {}).items():
            g.add((iri, DCT.title, Literal(label[1], lang=label[0])))
    if action := str(row.get("action") or "").strip().lower():
        g.add((iri, MCEP.partyAction, Literal(action)))
    deposit = date_cell(row.get("deposit"), "deposit")
    if deposit is not None:
        g.add((iri, MCEP.depositDate, Literal(deposit.isoformat(), datatype=XSD.date)))
    in_force = date_cell(row.get("entry_into_force"), "entry_into_force")
    if in_force is None and deposit is not None:  # Article 31
        in_force = IN_FORCE if deposit <= FIFTIETH_DEPOSIT else deposit + timedelta(days=90)
    if in_force is not None:
        g.add((iri, MCEP.entryIntoForce, Literal(in_force.isoformat(), datatype=XSD.date)))
    if declaration := str(row.get("declaration") or "").strip():
        g.add((iri, MCEP.annexDeclaration, Literal(declaration, lang="en")))


def date_cell(value: Any, column: str) -> date | None:  # noqa: ANN401 - a cell
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MappingError(f"{column}: not a date (YYYY-MM-DD): {text!r}") from None


def concept_cell(ctx: MappingContext, scheme: str, text: str) -> str | None:
    """A concept of *scheme* by its key (``thermometers``), label in any language or notation."""
    text = text.strip()
    if not text:
        return None
    keyed = f"{ctx.base_uri}vocab/{scheme}/{quote(text, safe='')}"
    return keyed if keyed in ctx.vocab.pref_labels else ctx.vocab.lookup(scheme, text)


def _texts(g: Triples, iri: URIRef, row: dict[str, Any], column: str, prop: URIRef) -> None:
    """*column* (English) and ``{column}_{language}`` as texts tagged with their language."""
    for name, value in row.items():
        if name == column or name.startswith(f"{column}_"):
            lang = name[len(column) + 1:] or "en"
            if (lit := text_literal(value, lang)) is not None:
                g.add((iri, prop, lit))


def _alternative(g: Triples, iri: URIRef, row: dict[str, Any], ctx: MappingContext) -> None:
    """A mercury-free alternative to an Annex A product; a product the vocabulary lacks is named as given, so the
    shapes quarantine the row with their report."""
    named = str(row.get("product") or "")
    if product := concept_cell(ctx, "product", named):
        g.add((iri, MCEP.replaces, URIRef(product)))
    elif named.strip():
        g.add((iri, MCEP.replacesName, Literal(named.strip())))
    _texts(g, iri, row, "technical_feasibility", MCEP.technicalFeasibility)
    _texts(g, iri, row, "economic_feasibility", MCEP.economicFeasibility)
    if source := str(row.get("source") or "").strip():
        g.add((iri, DCT.bibliographicCitation, Literal(source)))


def _exemption(g: Triples, iri: URIRef, row: dict[str, Any], ctx: MappingContext) -> None:
    """An entry of the register of exemptions (Article 6), titled "{country}: {product}" in each language."""
    concept = concept_cell(ctx, "product", str(row.get("product") or "")) or \
        concept_cell(ctx, "process", str(row.get("process") or ""))
    if concept is not None:
        g.add((iri, MCEP.exemptionFor, URIRef(concept)))
    if registered := date_cell(row.get("registered"), "registered"):
        g.add((iri, MCEP.registeredOn, Literal(registered.isoformat(), datatype=XSD.date)))
    expires = date_cell(row.get("expires"), "expires")
    if expires is None and concept is not None and (year := _phase_out_year(ctx, concept)):
        expires = date(year + 5, 12, 31)  # "five years after the relevant phase-out date" (Article 6.2)
    if expires is not None:
        g.add((iri, MCEP.expiryDate, Literal(expires.isoformat(), datatype=XSD.date)))
    country = next((o for _, p, o in g if p == MCEP.country), None)
    if country is not None and concept is not None and not any(p == DCT.title for _, p, _ in g):
        places = ctx.vocab.pref_labels.get(str(country), {})
        things = ctx.vocab.pref_labels.get(concept, {})
        for lang in sorted(set(places) & set(things)):
            g.add((iri, DCT.title, Literal(f"{places[lang]}: {things[lang]}", lang=lang)))


def _phase_out_year(ctx: MappingContext, concept: str) -> int | None:
    found = ctx.vocab.objects(str(MCEP.phaseOutYear)).get(concept)
    return int(found[0].value[:4]) if found else None

"""The GEF projects database, from its CSV export (shared/reference/sources.md §2).

Two layouts are in the wild, told apart by their header: the current 14-column export (``Title, ID,
Countries, Focal Areas, Type, Agencies, GEF Grant, Cofinancing, Status, Approval FY, …``) and the 2020
9-column one (``ID, Title, Focal Areas, Grant and Cofinancing, Implementing Agencies, Countries, …``, grant
and co-financing in one cell, blank rows). The export has no modification date: every run reads the whole
snapshot, the row's fingerprint tells what changed, and a project missing from a complete export is
tombstoned by the pipeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcep_ld.config import Settings
from mcep_ld.fetch.contract import Harvester, Listing, MappingContext
from mcep_ld.fetch.http import HttpClient, SourceError
from mcep_ld.fetch.tables import csv_rows
from mcep_ld.mapping.dates import date_literal
from mcep_ld.mapping.iris import record_iri
from mcep_ld.mapping.namespaces import DCT, FOAF, MCEP, RDF
from mcep_ld.mapping.records import MappedRecord, MappingError, SourceRecord, Triples
from mcep_ld.mapping.relevance import about_mercury
from mcep_ld.vocab import Vocabulary

PROJECT_PAGE = "https://www.thegef.org/projects-operations/projects/{}"

#: Header of each layout → the hub's field names.
LAYOUTS: dict[str, dict[str, str]] = {
    "current": {
        "Title": "title", "ID": "id", "Countries": "countries", "Focal Areas": "focal_areas", "Type": "type",
        "Agencies": "agencies", "GEF Grant": "grant", "Cofinancing": "cofinancing", "Status": "status",
        "Approval FY": "approval_fy", "Funding Source (indexed field)": "funding_source",
        "Non-Grant Instrument (indexed field)": "non_grant_instrument",
        "Capacity-building Initiative for Transparency": "cbit", "GEF Period": "period",
    },
    "2020": {
        "ID": "id", "Title": "title", "Focal Areas": "focal_areas", "Grant and Cofinancing": "grant_and_cofinancing",
        "Implementing Agencies": "agencies", "Countries": "countries", "Fund Source": "funding_source",
        "Period": "period", "Status": "status",
    },
}

_AMOUNT = re.compile(r"\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)")


def relevant(row: dict[str, str]) -> bool:
    """Whether the project is about mercury: its title says so, in any language and whatever focal area
    (sources.md §2 names Chemicals and Waste; mercury projects before GEF-6 sit under POPs or several areas)."""
    return about_mercury([row.get("title", "")])


def detect_layout(header: list[str]) -> str:
    """The layout whose columns the header names; SourceError for anything else (an HTML page, say)."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    for layout, columns in LAYOUTS.items():
        if set(columns) <= set(names):
            return layout
    raise SourceError(f"not a GEF projects export: unknown header {names[:6]}")


def amounts(cell: str) -> list[Decimal]:
    """USD amounts written ``1,999,415`` or ``$700,000  $30,000``; MappingError for anything else."""
    text = cell.strip()
    if not text:
        return []
    found = _AMOUNT.findall(text)
    if not found or _AMOUNT.sub("", text).strip():
        raise MappingError(f"not an amount in USD: {cell!r}")
    try:
        return [Decimal(a.replace(",", "")) for a in found]
    except InvalidOperation:
        raise MappingError(f"not an amount in USD: {cell!r}") from None


def places(cell: str, vocab: Vocabulary) -> list[tuple[str, str]]:
    """The countries and regions of a ``Countries`` cell, as (scheme, IRI or the unknown name).

    Names are comma-separated, but a name may hold a comma (``Korea, Republic of``): the longest run of
    parts that the vocabulary knows wins.
    """
    parts = [p.strip() for p in cell.split(",") if p.strip()]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            name = ", ".join(parts[i:j])
            if iri := vocab.country(name):
                out.append(("country", iri))
                break
            if iri := vocab.lookup("region", name):
                out.append(("region", iri))
                break
        else:
            j = i + 1
            out.append(("unknown", parts[i]))
        i = j
    return out


class GEFHarvester(Harvester):
    """Reads a GEF projects CSV export from a URL."""

    name: str = "gef"
    mapping_version: ClassVar[str] = "gef-2"
    conditional: ClassVar[bool] = True

    def __init__(self, *, endpoint: str, settings: Settings, client: HttpClient, name: str | None = None) -> None:
        super().__init__(endpoint=endpoint, settings=settings, client=client, name=name)
        #: Only the projects about mercury are listed (``[sources.gef] relevant_only``, the default): the export
        #: holds every GEF project, nearly all on biodiversity, climate and land.
        self.relevant_only = bool(settings.source(self.name)["relevant_only"])

    def listing_is_complete(self, since: datetime | None) -> bool:
        return True  # every read is the whole export

    def fetch(self, since: datetime | None, *, resume: str | None, listing: Listing) -> Iterator[SourceRecord]:
        """The whole export: it has no dates to ask for less, but the server may say it has not changed.

        One file has no pages to resume at: a resumed run reads it again and skips what it already wrote.
        """
        resp = self.client.get_if_changed(self.endpoint, listing.validators, headers={"Accept": "text/csv"})
        if resp is None:
            listing.not_modified = True
            return
        text = resp.content.decode("utf-8-sig", errors="replace")  # a row with bad bytes is quarantined
        reader = csv_rows(text, max_field_chars=self.settings.harvest_max_field_chars)
        header = next(reader, None)
        if not isinstance(header, list):
            raise SourceError(f"{self.endpoint}: empty export" if header is None else f"{self.endpoint}: {header}")
        layout = detect_layout(header)
        columns = LAYOUTS[layout]
        names = [h.strip().lstrip("\ufeff") for h in header]
        listing.unmapped = [n for n in names if n and n not in columns]
        fetched = datetime.now(UTC)
        for line, cells in enumerate(reader, start=2):
            if isinstance(cells, str):  # a row that could not be read
                yield SourceRecord(source=self.name, key=f"line-{line}", kind="project",
                                   payload=json.dumps({"error": cells}).encode(),
                                   url=f"{self.endpoint}#line={line}", fetched_at=fetched)
                continue
            if not any(c.strip() for c in cells):
                continue  # the 2020 export's blank rows
            row = {columns[n]: v for n, v in zip(names, cells, strict=False) if n in columns}
            extra = {n: v for n, v in zip(names, cells, strict=False) if n and n not in columns}
            if self.relevant_only and not relevant(row):
                continue  # not a record of this hub: never listed, so tombstoned if it was published before
            gef_id = row.get("id", "").strip()
            key = gef_id if gef_id.isdigit() else f"line-{line}"  # a row without an ID is quarantined
            payload = json.dumps({"layout": layout, **row, **({"unmapped": extra} if extra else {})},
                                 sort_keys=True, ensure_ascii=False).encode()
            url = PROJECT_PAGE.format(gef_id) if gef_id.isdigit() else f"{self.endpoint}#line={line}"
            yield SourceRecord(source=self.name, key=key, kind="project", payload=payload, url=url,
                               fetched_at=fetched)

    def map(self, record: SourceRecord, ctx: MappingContext) -> MappedRecord:
        row = json.loads(record.payload)
        if "error" in row:
            raise MappingError(row["error"])
        gef_id = row.get("id", "").strip()
        if not gef_id.isdigit():
            raise MappingError(f"row has no GEF ID (got {gef_id!r})")
        iri = record_iri(ctx.base_uri, "project", f"gef-{gef_id}")
        g = Triples()
        g.add((iri, RDF.type, MCEP.Project))
        g.add((iri, DCT.identifier, Literal(f"GEF-{gef_id}")))
        g.add((iri, DCT.source, URIRef(record.url)))
        g.add((iri, FOAF.page, URIRef(PROJECT_PAGE.format(gef_id))))
        if title := row.get("title", "").strip():
            g.add((iri, DCT.title, Literal(title, lang="en")))
        sets = []

        for scheme, value in places(row.get("countries", ""), ctx.vocab):
            if scheme == "country":
                g.add((iri, MCEP.country, URIRef(value)))
                sets.append(f"country:{value.rsplit('/', 1)[-1]}")
            elif scheme == "region":
                g.add((iri, MCEP.region, URIRef(value)))
            else:
                g.add((iri, MCEP.countryCode, Literal(value)))

        areas = [a.strip() for a in row.get("focal_areas", "").split(",") if a.strip()]
        for area in areas:
            if concept := ctx.vocab.lookup("gef-focal-area", area):
                g.add((iri, MCEP.focalArea, URIRef(concept)))
                sets.append(f"gef-focal-area:{concept.rsplit('/', 1)[-1]}")
            else:
                g.add((iri, MCEP.focalAreaName, Literal(area)))

        if "grant_and_cofinancing" in row:
            found = amounts(row["grant_and_cofinancing"])
            grant, cofinancing = (found + [None, None])[:2]
        else:
            grant = (amounts(row.get("grant", "")) or [None])[0]
            cofinancing = (amounts(row.get("cofinancing", "")) or [None])[0]
        for prop, value in ((MCEP.gefGrantUSD, grant), (MCEP.cofinancingUSD, cofinancing)):
            if value is not None:
                g.add((iri, prop, Literal(str(value), datatype=XSD.decimal)))

        for agency in (a.strip() for a in row.get("agencies", "").split(",")):
            if agency:
                g.add((iri, MCEP.agency, Literal(agency)))
        for field, prop in (("type", MCEP.projectType), ("funding_source", MCEP.fundingSource),
                            ("period", MCEP.replenishmentPeriod)):
            if value := row.get(field, "").strip():
                g.add((iri, prop, Literal(value)))
        if status := row.get("status", "").strip():
            g.add((iri, MCEP.status, Literal(status.lower())))
        if fy := row.get("approval_fy", "").strip():
            g.add((iri, MCEP.approvalFiscalYear, date_literal(fy)))

        about_mercury = relevant(row)
        g.add((iri, MCEP.minamataRelevant, Literal(about_mercury)))
        if about_mercury:
            sets.append("relevance:minamata")
        sets += [f"kind:{record.kind}", f"source:{self.name}"]
        return MappedRecord(iri=iri, triples=g, sets=sorted(set(sets)))

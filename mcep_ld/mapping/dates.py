"""Dates in every form the sources use, as typed literals.

``/Date(1206271611000)/`` (OData v2, UTC), ``/Date(1206271611000+0100)/``, ``2024-01-31``,
``2024-01-31 10:00:00`` (Drupal, UTC), ISO 8601 with a zone, months (``2019-07``, W3CDTF as Dublin Core
records write them) and years, fiscal or not (``FY2019``, ``2019``).
An impossible date raises MappingError so the record is quarantined, not silently mis-dated.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from rdflib import Literal
from rdflib.namespace import XSD

from mcep_ld.mapping.records import MappingError

_ODATA = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_YEAR = re.compile(r"^(?:FY\s*)?(\d{4})$", re.IGNORECASE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_datetime(value: str) -> date | datetime | int:
    """A source date string as a date, an aware UTC datetime, or a year (int) for fiscal years."""
    text = value.strip()
    try:
        if m := _ODATA.match(text):
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(m.group(1)))
            # The offset suffix says which zone the ticks were shown in; the ticks themselves are UTC.
            return moment
        if m := _YEAR.match(text):
            return int(m.group(1))
        if _DAY.match(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except (ValueError, OverflowError) as exc:
        raise MappingError(f"impossible date {value!r}: {exc}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the sources document naive times as UTC
    return moment.astimezone(UTC)


def date_literal(value: str | None) -> Literal | None:
    """*value* as ``xsd:dateTime`` (UTC), ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``; None if empty."""
    if value is None or not str(value).strip():
        return None
    if m := _MONTH.match(str(value).strip()):
        if not 1 <= int(m.group(2)) <= 12:
            raise MappingError(f"impossible date {value!r}: no month {m.group(2)}")
        return Literal(m.group(0), datatype=XSD.gYearMonth)
    parsed = parse_datetime(str(value))
    if isinstance(parsed, int):
        return Literal(f"{parsed:04d}", datatype=XSD.gYear)
    if isinstance(parsed, datetime):
        return Literal(parsed.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
    return Literal(parsed.isoformat(), datatype=XSD.date)


def day_literal(value: str | None) -> Literal | None:
    """*value* reduced to an ``xsd:date`` (for dates that are days at the source, such as meeting starts)."""
    lit = date_literal(value)
    if lit is None or lit.datatype != XSD.dateTime:
        return lit
    return Literal(str(lit)[:10], datatype=XSD.date)


def as_utc(value: str | None) -> datetime | None:
    """A source modification time as an aware datetime (None when absent)."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
    return datetime(parsed, 1, 1, tzinfo=UTC)

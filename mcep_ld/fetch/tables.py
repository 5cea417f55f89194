"""Reading the tabular exports some sources publish (the GEF projects database, curated CSV files)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator


def csv_rows(text: str, *, max_field_chars: int) -> Iterator[list[str] | str]:
    """The rows of a CSV text; a row that cannot be read (a cell longer than *max_field_chars*) comes as the
    reason instead of its cells, and reading goes on: one bad row is one quarantined record, not a failed run."""
    csv.field_size_limit(max_field_chars)
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield f"line {reader.line_num}: {exc} (harvest_max_field_chars is {max_field_chars:,})"

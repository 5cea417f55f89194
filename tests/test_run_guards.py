"""A run's two guards (ingest/guards.py) alone, fast enough for a mutation run: the resume point and the deletion
guard. In a real run: test_checkpoints.py (a listing that fails, a pool killed mid-run) and test_pipeline.py,
test_cli.py (max_delete_fraction, --allow-deletions)."""

from __future__ import annotations

import pytest

from mcep_ld.ingest.guards import deletion_refusal, resume_point


@pytest.mark.parametrize("oldest, in_workers, listed_to, expected", [
    ("page-2", True, "page-5", "page-2"),  # batches in the workers: the oldest of them, not the last listed
    (None, True, "page-5", None),  # a source with no positions, a batch in the workers: from the start
    (None, False, "page-5", "page-5"),  # nothing in the workers: the last page listed
    (None, False, None, None),
])
def test_a_stopped_run_resumes_at_the_first_record_not_written(oldest: str | None, in_workers: bool,
                                                               listed_to: str | None, expected: str | None) -> None:
    assert resume_point(oldest, in_workers=in_workers, listed_to=listed_to) == expected


@pytest.mark.parametrize("gone, live, fraction, refused, says", [
    (0, 10, 0.2, False, ""),
    (0, 0, 0.2, False, ""),  # an empty source that stays empty: nothing to refuse
    (1, 10, 0.5, False, ""),  # under the fraction
    (2, 10, 0.2, False, ""),  # exactly the fraction: allowed
    (3, 10, 0.2, True, "would delete 3 of the 10 live records of gef (30%, more than max_delete_fraction 20%)"),
    (10, 10, 0.9, True, "held none of the 10 live records of gef"),  # all of them: whatever the fraction
    (11, 10, 1.0, True, "held none of the 10 live records of gef"),
    (1, 1, 1.0, True, "held none of the 1 live records of gef"),
    (5, 10, 0.5, False, ""),
    (6, 10, 0.5, True, "60%"),
    (1, 1000, 0.0, True, "more than max_delete_fraction 0%"),
])
def test_a_listing_may_not_tombstone_too_much(gone: int, live: int, fraction: float, refused: bool,
                                              says: str) -> None:
    why = deletion_refusal(gone, live, max_fraction=fraction, source="gef")
    assert (why is not None) == refused
    assert says in (why or "") and (why is None or "--allow-deletions" in why)

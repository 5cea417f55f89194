"""The two decisions that keep a run from losing what was published, apart from the run that applies them so
they can be tested alone (tests/test_run_guards.py, and the mutation run): where a stopped run must list again
from, and whether a complete listing may tombstone what it did not hold."""

from __future__ import annotations


def resume_point(oldest_in_workers: str | None, *, in_workers: bool, listed_to: str | None) -> str | None:
    """Where a resumed listing must start: at the first record of the oldest batch still in the workers (it is
    not written yet), else at the last record listed (its page is listed again and what it wrote is skipped)."""
    return oldest_in_workers if in_workers else listed_to


def deletion_refusal(gone: int, live: int, *, max_fraction: float, source: str) -> str | None:
    """Why a complete listing may not tombstone *gone* of the source's *live* records, or None when it may: it held
    none of them (a truncated export, an error page taken for an empty listing), or it would delete more than
    ``max_delete_fraction`` of them (a misconfigured set)."""
    if gone <= 0:
        return None
    if gone >= live:
        return (f"the listing held none of the {live} live records of {source}: nothing was deleted (if the source "
                "really is empty now, run again with --allow-deletions)")
    if gone > max_fraction * live:
        return (f"the listing would delete {gone} of the {live} live records of {source} ({gone / live:.0%}, more "
                f"than max_delete_fraction {max_fraction:.0%}): nothing was deleted (if the source really dropped "
                "them, run again with --allow-deletions)")
    return None

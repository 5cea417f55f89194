"""Ingesting: harvest runs (triage, commit, tombstones, checkpoints, provenance), their queue and timetable."""

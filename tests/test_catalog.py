"""The catalog: keyset paging of the change log, and the indexes that keep deep pages cheap."""

from __future__ import annotations

from pathlib import Path

from mcep_ld.catalog import Catalog, Checkpoint, RecordRow, RunCounters


def row(key: str, **kw: object) -> RecordRow:
    values = dict(source="s", source_key=key, kind="decision", iri=f"http://x/id/decision/{key}",
                  graph=f"http://x/graph/s/{key}", content_hash="h", raw=b"{}", raw_url="http://src",
                  source_modified=None, sets=["kind:decision"], published=True, status="valid",
                  datestamp_moves=True, graph_hash="g")
    values.update(kw)
    return RecordRow(**values)


def test_changed_since_walks_every_record_once_by_keyset(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.sqlite")
    run = cat.start_run("s", "http://src")
    cat.save([row(f"k{i:03d}") for i in range(250)], run)
    # Spread the datestamps so that pages cross datestamp boundaries.
    cat.db.execute("UPDATE records SET datestamp = printf('2024-01-%02dT00:00:00Z', 1 + id % 7)")
    seen, after = [], None
    while True:
        page = cat.changed_since("2024-01-01T00:00:00Z", after=after, limit=40)
        if not page:
            break
        seen.extend(r["source_key"] for r in page)
        after = (page[-1]["datestamp"], page[-1]["id"])
    assert len(seen) == 250 and len(set(seen)) == 250
    rows = cat.db.execute("SELECT source_key, datestamp, id FROM records").fetchall()
    expected = [key for key, _, _ in sorted(rows, key=lambda r: (r[1], r[2]))]  # (datestamp, id), made here
    assert seen == expected and seen != sorted(seen)  # the datestamps reorder the keys: the order is tested
    later = cat.changed_since("2024-01-05T00:00:00Z", limit=1000)
    assert [r["source_key"] for r in later] == [k for k, d, _ in sorted(rows, key=lambda r: (r[1], r[2]))
                                                if d >= "2024-01-05T00:00:00Z"]


def test_deep_pages_use_the_datestamp_index(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.sqlite")
    plan = " ".join(r[3] for r in cat.db.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM records WHERE datestamp >= ? AND (datestamp, id) > (?, ?) "
        "ORDER BY datestamp, id LIMIT 100", ("a", "b", 1)))
    assert "records_datestamp" in plan and "TEMP B-TREE" not in plan


def test_a_run_left_running_by_a_killed_process_becomes_aborted(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.sqlite")
    first = cat.start_run("s", "http://src")
    second = cat.start_run("s", "http://src")
    assert cat.run(first)["status"] == "aborted"
    cat.finish_run(second, status="completed", complete=True, counters=RunCounters(seen=3), duration_s=1.0,
                   timings={"map": 0.5})
    last = cat.last_run("s")
    assert last["status"] == "completed" and last["seen"] == 3 and '"map": 0.5' in last["timings"]


def test_quarantined_update_keeps_the_published_version(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.sqlite")
    run = cat.start_run("s", "http://src")
    cat.save([row("a")], run)
    before = cat.record("s", "a")
    cat.save([row("a", content_hash="h2", published=False, status="quarantined", datestamp_moves=False,
                  graph_hash=None, reports=[("Violation", "validate", "no title")])], run)
    after = cat.record("s", "a")
    assert after["published"] == 1 and after["status"] == "quarantined"
    assert after["datestamp"] == before["datestamp"] and after["graph_hash"] == "g"
    assert [q["report"] for q in cat.quarantine()] == ["no title"]


def test_payloads_are_kept_apart_and_an_older_catalog_moves_them_once(tmp_path: Path) -> None:
    """Rows of about 3 KB filled a page each, so marking a listing's records rewrote a page per record; the
    payloads live in their own table, and a catalog from before keeps every payload when it is opened."""
    cat = Catalog(tmp_path / "c.sqlite")
    run = cat.start_run("s", "http://src")
    cat.save([row("a", raw=b'{"a": 1}'), row("b", raw=b'{"b": 2}')], run)
    cat.save([row("a", raw=b'{"a": 3}')], run)  # a new payload replaces the old one
    assert "raw" not in {r[1] for r in cat.db.execute("PRAGMA table_info(records)")}
    assert {r["source_key"]: r["raw"] for r in cat.raw_records("s")} == {"a": b'{"a": 3}', "b": b'{"b": 2}'}
    # The layout before: the payload in a column of records, no payloads table.
    cat.db.execute("ALTER TABLE records ADD COLUMN raw BLOB NOT NULL DEFAULT x''")
    cat.db.execute("UPDATE records SET raw=(SELECT raw FROM payloads WHERE record_id=records.id)")
    cat.db.execute("DROP TABLE payloads")
    cat.close()
    again = Catalog(tmp_path / "c.sqlite")
    assert "raw" not in {r[1] for r in again.db.execute("PRAGMA table_info(records)")}
    assert {r["source_key"]: r["raw"] for r in again.raw_records("s")} == {"a": b'{"a": 3}', "b": b'{"b": 2}'}
    again.save([row("c", raw=b'{"c": 4}')], run)
    assert len(list(again.raw_records("s"))) == 3


def test_changes_count_what_the_derived_steps_read_and_not_a_listings_marks(tmp_path: Path) -> None:
    """The derived steps skip when these counts are as they were (publish/derived.py): every write that changes
    a record, a placement or a review must move them; marking the records a listing held must not."""
    cat = Catalog(tmp_path / "c.sqlite")
    run = cat.start_run("s", "http://src")
    followed = ("records", "classified", "subject_reviews")
    start = cat.changes(*followed)
    cat.save([row("a"), row("b")], run)
    saved = cat.changes(*followed)
    assert cat.changes("records") != start.split()[0] and saved.split()[1:] == start.split()[1:]
    ids = [r[0] for r in cat.db.execute("SELECT id FROM records ORDER BY id")]
    cat.mark_listed(run, unchanged=ids, deleted=[], checkpoint=Checkpoint(None, RunCounters()))
    assert cat.changes(*followed) == saved  # a listing's marks
    cat.touch_graphs(["http://x/graph/s/a"])
    touched = cat.changes(*followed)
    assert touched != saved
    cat.tombstone(ids[1:], run)
    assert cat.changes(*followed) != touched
    before = cat.changes(*followed)
    cat.save_classified([("http://x/id/decision/a", "sig", "http://x/graph/classified/a", "h", {"c": 0.9})])
    assert cat.changes("classified") != before.split()[1]
    before = cat.changes(*followed)
    cat.review("http://x/id/decision/a", "c", "rejected", curator="t")
    assert cat.changes("subject_reviews") != before.split()[2]
    before = cat.changes(*followed)
    assert cat.withdraw_review("http://x/id/decision/a", "c")
    assert cat.changes(*followed) != before
    final = cat.changes(*followed)
    cat.close()
    assert Catalog(tmp_path / "c.sqlite").changes(*followed) == final  # kept in the file; opening is no change

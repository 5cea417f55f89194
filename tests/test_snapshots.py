"""The checkpoints query workers read: a write is in the newest one once it has ended."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox

from mcep_ld.serve.engine.snapshots import Snapshots
from mcep_ld.store.embedded import EmbeddedStore


def test_a_checkpoint_taken_during_a_write_is_not_taken_for_one_after_it(tmp_path: Path) -> None:
    """The snapshot thread may take a checkpoint while an update runs. The update must then still reach the
    next checkpoint: the store's generation moves when a write ends, not when it begins (it moved first, and
    under load a SPARQL update was invisible to the queries after it)."""
    store = EmbeddedStore(tmp_path / "store")
    snapshots = Snapshots(store, tmp_path / "checkpoints")
    snapshots.refresh()
    before = store.generation
    body = " ".join(f"<http://x/s{n}> <http://x/p> {n} ." for n in range(50_000))
    writer = threading.Thread(target=store.update, args=(f"INSERT DATA {{ GRAPH <http://x/g> {{ {body} }} }}",))
    writer.start()
    while store.generation == before and writer.is_alive():
        pass  # the moment the generation moves, the snapshot thread would take its checkpoint
    snapshots.refresh()
    writer.join()
    newest = ox.Store.read_only(str(snapshots.refresh()))
    assert len(newest) == 50_000
    snapshots.close()
    store.close()

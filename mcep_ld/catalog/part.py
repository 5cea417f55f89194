"""What every part of the catalog shares."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from mcep_ld.catalog.rows import Checkpoint


class Part:
    """A part of :class:`~mcep_ld.catalog.Catalog` (a mixin): the connection, the write lock and the
    one-transaction writer are the catalog's."""

    db: sqlite3.Connection
    _lock: threading.RLock
    _write: Callable[[Callable[[], None], int | None, Checkpoint | None], None]

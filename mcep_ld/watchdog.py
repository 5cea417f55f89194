"""A child process that outlives its parent is a leak: killed with SIGKILL, a parent cannot stop its pool
workers or query workers, which would wait on their pipes (or finish a query nobody reads) for ever."""

from __future__ import annotations

import os
import threading
import time


def end_with_parent(interval_s: float = 0.5) -> None:
    """End this process, whatever it is doing, once its parent is gone (checked every *interval_s*)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()

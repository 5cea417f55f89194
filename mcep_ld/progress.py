"""How long work says it is going: harvest runs, ``search-index``, ``dump``.

On a terminal, one line rewritten as the work moves. Anywhere else (cron, journald, a pipe) a line every
``progress_interval_s`` seconds whatever the work does, so a log shows it alive and how far it got, and a
line at once when a stage begins (the search index, the dumps after a run), so no step runs unseen.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from mcep_ld.logs import entry


class Ticker:
    """Progress of one piece of work named *name*; use as a context manager around the work."""

    def __init__(self, name: str, *, interval_s: float, stream: TextIO | None = None, tty: bool | None = None,
                 json_lines: bool = False) -> None:
        """With *json_lines* (``log_format = "json"``) each line of a log is a JSON object, as the logs are."""
        self.name = name
        self.json_lines = json_lines
        self.interval_s = interval_s
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.latest = "starting"
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Ticker:
        self.started = time.monotonic()
        if not self.tty:
            self._write(f"{self.name}: starting\n")
            self._thread = threading.Thread(target=self._beat, name=f"progress-{self.name}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        # a log ends with where the work got to; a terminal's line is left as it stands
        self._write("\n" if self.tty else f"{self.name}: {self.latest} ({self.elapsed():.0f} s)\n")

    def update(self, text: str) -> None:
        """The work's state now; a terminal shows it at once, a log at the next beat."""
        self.latest = text
        if self.tty:
            self._write(f"\r{self.name}: {text} ")

    def stage(self, text: str) -> None:
        """A stage begins: said at once, on a line of its own."""
        self.latest = text
        line = f"{self.name}: {text} ({self.elapsed():.0f} s)"
        self._write(f"\r{line} " if self.tty else f"{line}\n")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._write(f"{self.name}: {self.latest} ({self.elapsed():.0f} s)\n")

    def _write(self, text: str) -> None:
        if self.json_lines and not self.tty and text.strip():
            text = entry("info", "mcep_ld.progress", text.strip(), work=self.name,
                         elapsed_s=round(self.elapsed(), 1)) + "\n"
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

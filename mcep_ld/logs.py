"""The hub's logs: plain lines, or one JSON object per line (``log_format = "json"``) for a log collector.

Every logger goes through one handler on standard error, uvicorn's too: its access log then carries the
request's client, method, path and status as fields, not only as text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")


def entry(level: str, logger: str, message: str, **fields: Any) -> str:  # noqa: ANN401
    """One JSON log line."""
    return json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                       "level": level, "logger": logger, "message": message, **fields}, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC), level, logger, message, and the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {}
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            fields = {"client": client, "method": method, "path": path, "http_version": version, "status": status}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return entry(record.levelname.lower(), record.name, record.getMessage(), **fields)


class WithoutClientAddress(logging.Filter):
    """Blanks the client's address in uvicorn's access log (``log_client_addresses = false``): the hub keeps
    no reader's address anywhere, its logs included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            record.args = ("-", *record.args[1:])
        return True


def hide_client_addresses() -> None:
    """Put :class:`WithoutClientAddress` on uvicorn's access log (once; after uvicorn configured its logging)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutClientAddress) for f in access.filters):
        access.addFilter(WithoutClientAddress())


def configure(log_format: str, *, verbose: bool) -> None:
    """The root logger: one handler on standard error, in *log_format*; INFO with *verbose*, else WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)


def uvicorn_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's logging configuration: its own for text; for JSON, its loggers sent to the root's handler."""
    if log_format != "json":
        return None
    return {"version": 1, "disable_existing_loggers": False,
            "loggers": {name: {"handlers": [], "propagate": True, "level": "INFO"}
                        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}}

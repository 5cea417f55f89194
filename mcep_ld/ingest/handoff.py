"""``mcep harvest`` on a data directory that a running ``mcep serve`` holds: the run is handed to the
service (its admin API), and its counters are shown as it goes, instead of failing because the store is
held. The service writes ``service.json`` in the data directory when it starts (where it listens, its
process id) and removes it when it stops; the admin token is the one the service uses (``admin_token``, else
the one it generated in ``admin-token``): whoever can read the data directory may run harvests."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import requests

from mcep_ld.config import Settings

SERVICE_FILE = "service.json"
TOKEN_FILE = "admin-token"
POLL_S = 0.5


def admin_token(settings: Settings) -> str:
    """The configured ``admin_token``, else one generated once and kept in the data directory (0600)."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_path / TOKEN_FILE
    if not path.exists():
        settings.data_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def announce(data_dir: Path, url: str) -> None:
    """Say where this service answers, for ``mcep harvest`` on the same data directory."""
    path = data_dir / SERVICE_FILE
    path.write_text(json.dumps({"url": url, "pid": os.getpid()}))


def withdraw(data_dir: Path) -> None:
    path = data_dir / SERVICE_FILE
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def running_service(data_dir: Path) -> str | None:
    """The URL of the service holding *data_dir*, if one announced itself and its process lives."""
    try:
        info = json.loads((data_dir / SERVICE_FILE).read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(info["url"])


def hand_off(settings: Settings, url: str, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Ask the service at *url* for a run, follow it to its end on standard error; (its last state, ok)."""
    headers = {"Authorization": f"Bearer {admin_token(settings)}"}
    resp = requests.post(f"{url}/admin/harvests", json=request, headers=headers, timeout=30)
    if resp.status_code != 202:
        return {"source": request["source"], "state": "failed",
                "error": f"the service at {url} refused the run: HTTP {resp.status_code}: {resp.text[:300]}"}, False
    state = resp.json()
    print(f"{state['source']}: handed to the service at {url} (harvest {state['id']})", file=sys.stderr)
    shown = None
    while state["state"] in ("queued", "running"):
        time.sleep(POLL_S)
        state = requests.get(f"{url}/admin/harvests/{state['id']}", headers=headers, timeout=30).json()
        line = f"{state['source']}: {state['state']}: " + ", ".join(f"{k} {v}" for k, v in state["counters"].items())
        if line != shown:
            print(line, file=sys.stderr)
            shown = line
    return state, state["state"] == "completed"

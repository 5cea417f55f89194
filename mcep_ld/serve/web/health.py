"""``/health``: whether the hub can answer, and if not, what is wrong.

Each part the service needs is tried for real: the catalog (a count), the store (an ``ASK``), the search
index (a count). One that fails makes the answer 503 ("failing"), so a load balancer or systemd watchdog takes
the hub out of rotation. A source whose last harvest failed leaves the hub answering: 200, "degraded", with the
source's error and its last successful run, so an operator sees which source to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mcep_ld import __version__

router = APIRouter()


def _try(probe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return {"ok": True, **probe()}
    except Exception as exc:  # noqa: BLE001 - what is wrong is the answer
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}


def sources(catalog) -> dict[str, dict[str, Any]]:  # noqa: ANN001 - the Catalog
    """Per source: its last run (status, when it started and ended, its error) and when its last successful run
    ended."""
    succeeded = {source: ended for source, status, _, ended in catalog.runs_by_outcome() if status == "completed"}
    out = {}
    for source in catalog.sources():
        last = catalog.last_run(source)
        if last is not None:
            out[source] = {"last_run": {k: last[k] for k in ("id", "status", "started", "ended", "error")},
                           "last_success": succeeded.get(source)}
    return out


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """Whether the hub can answer (200) or not (503), with what each part says and each source's last run."""
    hub = request.app.state.hub
    checks = {
        "catalog": _try(lambda: {"published_records": hub.catalog.published_count()}),
        "store": _try(lambda: {"answers": bool(hub.store.public.query("ASK { }"))}),
        "search_index": _try(lambda: {"documents": hub.search.count()}),
    }
    by_source = _try(lambda: {"sources": sources(hub.catalog)}).get("sources", {})
    failing = sorted(name for name, check in checks.items() if not check["ok"])
    degraded = sorted(s for s, r in by_source.items() if r["last_run"]["status"] in ("failed", "aborted"))
    status = "failing" if failing else "degraded" if degraded else "ok"
    body = {"status": status, "version": __version__,
            "published_records": checks["catalog"].get("published_records"),
            "problems": [f"{name}: {checks[name]['error']}" for name in failing]
            + [f"source {s}: last run {by_source[s]['last_run']['status']}: {by_source[s]['last_run']['error']}"
               for s in degraded],
            "checks": checks, "sources": by_source}
    return JSONResponse(body, status_code=503 if failing else 200, headers={"Cache-Control": "no-store"})

"""The admin API (``/admin/…``), behind the bearer token of ``admin_token`` (or the one the service generated
in the data directory): start a harvest run, follow its counters, cancel it; review the classifier's
placements.

- ``POST /admin/harvests`` with ``{"source": "gef", "endpoint": …, "full": false, "restart": false,
  "allow_deletions": false, "name": …, "set": …, "metadata_prefix": …}``: 202 and the queued run;
- ``GET /admin/harvests``: the runs queued, running and lately finished, newest first;
- ``GET /admin/harvests/{id}``: one run, with its counters as they move;
- ``DELETE /admin/harvests/{id}``: cancel it (a running one stops at its next commit);
- ``POST /admin/reviews`` with ``{"record": IRI, "concept": IRI, "decision": "accepted" | "rejected",
  "curator": …, "note": …}``: a curator's decision on a placement of the classifier, kept in the catalog and
  applied at once (the record's placements graph, the search index, the dumps) and after every re-harvest;
- ``GET /admin/reviews[?record=IRI]``: the decisions; ``DELETE /admin/reviews?record=…&concept=…``: withdraw one;
- ``GET /admin/feedback[?limit=N]``: readers' feedback, newest first.

Without the token: 401; with another: 403. The API is for operators: put it behind the proxy's own access
rules as well.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from mcep_ld.config import ConfigError, UsageError
from mcep_ld.ingest.handoff import admin_token
from mcep_ld.ingest.runs import HarvestRequest
from mcep_ld.publish.derived import remake
from mcep_ld.serve.web.bearer import check_bearer

router = APIRouter(prefix="/admin", tags=["admin"])


def authorised(request: Request) -> None:
    """The request's bearer token is the service's admin token."""
    verdict = check_bearer(request.headers.get("authorization"), admin_token(request.app.state.hub.settings))
    if verdict == "missing":
        raise HTTPException(401, "the admin API needs an Authorization: Bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if verdict != "allowed":
        raise HTTPException(403, "this token may not use the admin API")


class RunRequest(BaseModel):
    source: str = Field(max_length=100, description="informea, gef, oai, files, cbd, convention or a configured one")
    endpoint: str | None = Field(None, max_length=2000, description="the source's URL (default: its configuration)")
    full: bool = False
    restart: bool = False
    allow_deletions: bool = False
    name: str | None = Field(None, max_length=100, description="oai: the repository's name in the catalog")
    set: str | None = Field(None, max_length=500, description="oai: the set to harvest")
    metadata_prefix: str | None = Field(None, max_length=50, description="oai: oai_dc or rdf")
    asked_by: str = Field("api", max_length=50)


@router.post("/harvests", status_code=202, dependencies=[Depends(authorised)])
def start_run(request: Request, body: RunRequest) -> JSONResponse:
    """Queue a harvest run; 400 when the source cannot be harvested as asked."""
    options = {k: v for k, v in (("name", body.name), ("set_spec", body.set),
                                 ("metadata_prefix", body.metadata_prefix)) if v is not None}
    try:
        run = request.app.state.harvests.submit(body.source, endpoint=body.endpoint, full=body.full,
                                                restart=body.restart, allow_deletions=body.allow_deletions,
                                                options=options, asked_by=body.asked_by)
    except (UsageError, ConfigError) as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(run.as_json(), status_code=202, headers={"Location": f"/admin/harvests/{run.id}"})


@router.get("/harvests", dependencies=[Depends(authorised)])
def list_runs(request: Request) -> list[dict[str, Any]]:
    """The runs queued, running and lately finished, newest first."""
    return [r.as_json() for r in request.app.state.harvests.all()]


def _shown(found: HarvestRequest | None, run: int) -> dict[str, Any]:
    if found is None:
        raise HTTPException(404, f"no harvest {run} (finished ones are kept for a while only)")
    return found.as_json()


@router.get("/harvests/{run}", dependencies=[Depends(authorised)])
def show_run(request: Request, run: int) -> dict[str, Any]:
    """One run, its counters as they move."""
    return _shown(request.app.state.harvests.get(run), run)


@router.delete("/harvests/{run}", dependencies=[Depends(authorised)])
def cancel_run(request: Request, run: int) -> dict[str, Any]:
    """Cancel a queued run, or stop a running one at its next commit."""
    return _shown(request.app.state.harvests.cancel(run), run)


class ReviewRequest(BaseModel):
    record: str = Field(max_length=2000, description="the record's IRI")
    concept: str = Field(max_length=2000, description="the theme, product or process IRI")
    decision: str = Field(pattern="^(accepted|rejected)$")
    curator: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=2000)


def _placements(hub: Any, record: str) -> dict[str, Any]:  # noqa: ANN401 - the service's Hub
    return {"record": record, "placements": hub.catalog.placements(record),
            "reviews": [asdict(r) for r in hub.catalog.reviews(record)]}


@router.post("/reviews", dependencies=[Depends(authorised)])
async def review(request: Request, body: ReviewRequest) -> dict[str, Any]:
    """Record a curator's decision and apply it; 404 for a record the hub does not publish, 400 for a concept
    that is not one of its themes, products or processes."""
    hub = request.app.state.hub
    if body.record not in hub.catalog.classified():
        raise HTTPException(404, f"no placed record {body.record}")
    schemes = tuple(f"{hub.settings.base_uri}vocab/{s}/" for s in ("theme", "product", "process"))
    if not body.concept.startswith(schemes) or body.concept not in hub.vocab.pref_labels:
        raise HTTPException(400, f"{body.concept} is not a theme, product or process of the hub's vocabularies")
    hub.catalog.review(body.record, body.concept, body.decision, curator=body.curator, note=body.note)
    await run_in_threadpool(remake, hub)
    return _placements(hub, body.record)


@router.get("/reviews", dependencies=[Depends(authorised)])
def list_reviews(request: Request, record: str | None = Query(None, max_length=2000)) -> list[dict[str, Any]]:
    return [asdict(r) for r in request.app.state.hub.catalog.reviews(record)]


@router.delete("/reviews", dependencies=[Depends(authorised)])
async def withdraw_review(request: Request, record: str = Query(..., max_length=2000),
                          concept: str = Query(..., max_length=2000)) -> dict[str, Any]:
    hub = request.app.state.hub
    if not hub.catalog.withdraw_review(record, concept):
        raise HTTPException(404, "no such decision")
    await run_in_threadpool(remake, hub)
    return _placements(hub, record)


@router.get("/feedback", dependencies=[Depends(authorised)])
def list_feedback(request: Request, limit: int = Query(500, ge=1, le=100_000)) -> list[dict[str, Any]]:
    """Readers' feedback, newest first (e-mails included: curators only)."""
    return [asdict(f) for f in request.app.state.hub.catalog.feedback(limit=limit)]

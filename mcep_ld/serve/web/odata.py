"""``/informea.svc/``: the hub as an InforMEA-style OData service (the entities are built by
``mcep_ld/serve/odata.py``).

The query options InforMEA's harvester and the hub's own send: ``$format=json``, ``$top`` (at most
``ODATA_MAX_TOP``), ``$skip``, ``$orderby=updated asc|desc``, ``$inlinecount=allpages``, ``$expand`` (every
navigation property comes expanded, asked or not) and ``$filter`` made of ``and``-joined clauses: ``treaty eq
'…'`` alternatives joined by ``or`` (``id eq '…'`` on Treaties), ``updated gt|ge datetime'…'``. Any other filter
or option value is answered 400 in OData's JSON error shape, never guessed. A page that is not the last carries
``__next``; ``Set('id')`` is one entity (404 when there is none). Sources not republished (publish/rights.py)
are left out: their records, and their statements about records that other sources describe too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from mcep_ld.errors import MCEPError
from mcep_ld.hub import Hub
from mcep_ld.mapping.iris import slug
from mcep_ld.publish import rights
from mcep_ld.serve.odata import ENTITY_SETS, entity

router = APIRouter()
ODATA_MAX_TOP = 1000  # entities per page at most; a larger $top is answered with this many and __next
ODATA_DEFAULT_TOP = 100
_SINGLE = re.compile(r"^(\w+)\('((?:[^']|'')*)'\)$")
_TREATY = re.compile(r"^(treaty|id) eq '([A-Za-z0-9_.-]{1,100})'$")  # an id: never a LIKE wildcard
_UPDATED = re.compile(r"^updated (gt|ge) datetime'(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)Z?'$")


class ODataError(MCEPError, ValueError):
    """A request the service does not answer, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(exc: ODataError) -> JSONResponse:
    return JSONResponse({"error": {"code": "", "message": {"lang": "en-US", "value": str(exc)}}},
                        status_code=exc.status)


def _service(request: Request) -> str:
    return f"{request.app.state.hub.settings.public_url}informea.svc"


@router.get("/informea.svc")
@router.get("/informea.svc/")
async def service_document(request: Request) -> JSONResponse:
    """The service document: the entity sets."""
    return JSONResponse({"d": {"EntitySets": list(ENTITY_SETS)}})


def parse_filter(text: str, entity_set: str) -> tuple[list[str], str | None]:
    """``$filter`` as (treaty ids, the datestamp entities must be newer than); ODataError for anything else."""
    treaties: list[str] = []
    after = None
    for clause in re.split(r"\s+and\s+", text.strip()):
        clause = clause.strip()
        while clause.startswith("(") and clause.endswith(")"):
            clause = clause[1:-1].strip()
        if m := _UPDATED.match(clause):
            stamp = (m.group(2) if len(m.group(2)) == 19 else m.group(2) + ":00") + "Z"
            try:
                moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                raise ODataError(400, f"$filter: no such time {m.group(2)!r}") from None
            after = stamp if m.group(1) == "gt" else (moment - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            continue
        options = [o.strip().strip("()").strip() for o in re.split(r"\s+or\s+", clause)]
        found = [_TREATY.match(o) for o in options]
        if not all(found) or any((m.group(1) == "id") != (entity_set == "Treaties") for m in found if m):
            raise ODataError(400, f"$filter: not understood: {clause!r}; this service filters on treaty eq '…' "
                                  "(id eq '…' on Treaties) and updated gt datetime'…'")
        treaties += [m.group(2) for m in found if m]
    return treaties, after


def _count(params, name: str, default: int, most: int) -> int:  # noqa: ANN001 - the query parameters
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise ODataError(400, f"{name}: a whole number, got {value!r}")
    return min(int(value), most)


@router.get("/informea.svc/{target}")
async def entity_set(request: Request, target: str) -> JSONResponse:
    """A page of an entity set, or one entity (``Decisions('mc-1-1')``)."""
    hub = request.app.state.hub
    params = request.query_params
    try:
        if params.get("$format", "json") != "json":
            raise ODataError(400, "$format: this service answers json only")
        if m := _SINGLE.match(target):
            return await _single(request, m.group(1), m.group(2).replace("''", "'"))
        if target not in ENTITY_SETS:
            raise ODataError(404, f"no entity set {target!r}: one of {', '.join(ENTITY_SETS)}")
        top = _count(params, "$top", ODATA_DEFAULT_TOP, ODATA_MAX_TOP)
        skip = _count(params, "$skip", 0, 10**9)
        order = params.get("$orderby", "updated asc").strip()
        if order not in ("updated", "updated asc", "updated desc"):
            raise ODataError(400, f"$orderby: updated asc or updated desc, got {order!r}")
        if params.get("$inlinecount", "none") not in ("none", "allpages"):
            raise ODataError(400, "$inlinecount: allpages or none")
        treaties, after = parse_filter(params["$filter"], target) if params.get("$filter") else ([], None)
    except ODataError as exc:
        return _error(exc)
    kind = ENTITY_SETS[target]
    base, service = hub.settings.base_uri, _service(request)
    withheld = rights.withheld(hub.settings)

    def page() -> tuple[list[dict], int]:
        rows, total = hub.catalog.live_of_kind(kind, after=after, treaties=treaties, withheld=withheld,
                                               newest_first=order.endswith("desc"), offset=skip, limit=top)
        return [entity(target, iri, stamp, _triples(hub, iri, withheld), base_uri=base, service=service)
                for iri, stamp in rows], total

    entities, total = await run_in_threadpool(page)
    body: dict = {"results": entities}
    if params.get("$inlinecount") == "allpages":
        body["__count"] = str(total)
    if skip + len(entities) < total:
        rest = [(k, v) for k, v in params.multi_items() if k != "$skip"]
        body["__next"] = f"{service}/{target}?{urlencode([*rest, ('$skip', str(skip + len(entities)))])}"
    return JSONResponse({"d": body})


def _triples(hub: Hub, iri: str, withheld: frozenset[str]) -> list:
    """What the store says of *iri*, the graphs of sources not republished left out (publish/rights.py)."""
    leave_out = {r["graph"] for r in hub.catalog.rows_of_iri(iri) if r["source"] in withheld} if withheld else ()
    return hub.store.record_triples(iri, leave_out=leave_out)


async def _single(request: Request, entity_set_name: str, key: str) -> JSONResponse:
    hub = request.app.state.hub
    if entity_set_name not in ENTITY_SETS:
        raise ODataError(404, f"no entity set {entity_set_name!r}")
    kind = ENTITY_SETS[entity_set_name]
    try:
        iri = f"{hub.settings.base_uri}id/{kind}/{slug(key)}"
    except ValueError:
        raise ODataError(404, f"no {entity_set_name} entity {key!r}") from None
    withheld = rights.withheld(hub.settings)
    live = [r for r in hub.catalog.rows_of_iri(iri) if r["published"] and not r["deleted"]
            and r["source"] not in withheld]
    if not live:
        raise ODataError(404, f"no {entity_set_name} entity {key!r}")
    stamp = max(r["datestamp"] for r in live)
    found = await run_in_threadpool(_triples, hub, iri, withheld)
    return JSONResponse({"d": entity(entity_set_name, iri, stamp, found, base_uri=hub.settings.base_uri,
                                     service=_service(request))})

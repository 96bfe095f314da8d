"""Traktor tracks: list/search/filter, one track in full, write-back of track fields, the write queue."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from musictool.api.util import (
    bool_param,
    ctx_of,
    float_param,
    json_object,
    json_response,
    list_response,
    no_fields,
    page_params,
    path_int,
    problem,
)
from musictool.integrations.traktor import keys as keymod
from musictool.integrations.traktor.component import service_of
from musictool.integrations.traktor.writer import EDITABLE_FIELDS, EditError
from musictool.store import traktor as store

routes = web.RouteTableDef()


def _sort(request: web.Request) -> str:
    sort = request.query.get("sort", "artist")
    if sort.lstrip("-") not in store.SORTS:
        raise problem(
            400,
            "Bad parameter",
            f"sort must be one of {', '.join(sorted(store.SORTS))} (prefix - for descending)",
        )
    return sort


@routes.get("/tracks")
async def list_tracks(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    key_value = None
    if request.query.get("key"):
        k = keymod.parse(request.query["key"])
        if k is None:
            raise problem(
                400, "Bad parameter", f"key {request.query['key']!r} is not a key (e.g. Am, 8A, 1m, A minor)"
            )
        key_value = k.value
    bpm_min, bpm_max = float_param(request, "bpm_min"), float_param(request, "bpm_max")
    if bpm_min is not None and bpm_max is not None and bpm_min > bpm_max:
        raise problem(400, "Bad parameter", "bpm_min must not be above bpm_max")
    items, total = await store.list_tracks(
        ctx.db,
        limit=limit,
        offset=offset,
        q=(request.query.get("q") or "").strip() or None,
        sort=_sort(request),
        bpm_min=bpm_min,
        bpm_max=bpm_max,
        key_value=key_value,
        genre=request.query.get("genre") or None,
        include_removed=bool_param(request, "removed"),
    )
    return list_response(items, total)


@routes.get(r"/tracks/{id:\d+}")
async def get_track(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    row = await store.get_track(ctx.db, track_id)
    if row is None:
        raise problem(404, "Not found", f"no track {track_id}")
    return json_response(row)


async def _submit(request: web.Request, payload: dict[str, Any], summary: str) -> web.Response:
    svc = service_of(ctx_of(request))
    if svc is None:
        raise problem(503, "Traktor is not set up", "the Traktor component is not running")
    if svc.collection is None:
        raise problem(
            409,
            "Traktor is not set up",
            "no collection.nml is configured or found: see musictool traktor discover",
        )
    try:
        row = await svc.submit_write(payload, summary)
    except EditError as e:
        raise problem(400, "Bad edit", str(e)) from None
    if row["status"] == "failed":
        raise problem(409, "Edit not applied", row["error"] or "the edit could not be applied", write=row)
    return json_response(row, status=200 if row["status"] == "applied" else 202)


@routes.patch(r"/tracks/{id:\d+}")
async def edit_track(request: web.Request) -> web.Response:
    """Write fields back to collection.nml (queued while Traktor runs)."""
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    body = await json_object(request)
    unknown = set(body) - EDITABLE_FIELDS
    if unknown or not body:
        raise problem(
            400, "Bad body", f"editable fields: {', '.join(sorted(EDITABLE_FIELDS))}"
            + (f"; not editable: {', '.join(sorted(unknown))}" if unknown else "")
        )  # fmt: skip
    row = await store.track_identity(ctx.db, track_id)
    if row is None:
        raise problem(404, "Not found", f"no track {track_id}")
    summary = f"{', '.join(sorted(body))} of {row['artist'] or '?'} - {row['title'] or '?'}"
    return await _submit(request, {"edits": [{"location_key": row["location_key"], "fields": body}]}, summary)


@routes.get("/traktor/writes")
async def list_writes(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    items, total = await store.list_writes(ctx_of(request).db, limit=limit, offset=offset)
    return list_response(items, total)


@routes.post("/traktor/undo")
async def undo_last(request: web.Request) -> web.Response:
    """Restore the newest backup of collection.nml (queued while Traktor runs)."""
    body = await json_object(request, required=False)
    force = body.get("force", False)
    if set(body) - {"force"} or not isinstance(force, bool):
        raise problem(400, "Bad body", 'the body may hold only {"force": true|false}')
    return await _submit(request, {"undo": True, "force": force}, "the previous collection.nml (undo)")


@routes.post("/traktor/ingest")
async def ingest_now(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await no_fields(request)
    job_id = await ctx.queue.enqueue("traktor.ingest", {"force": True}, dedupe_key="traktor.ingest")
    return json_response({"job_id": job_id}, status=202)


@routes.get("/traktor/history")
async def list_sessions(request: web.Request) -> web.Response:
    """Traktor's History files: one DJ set each, newest first."""
    limit, offset = page_params(request)
    items, total = await store.list_sessions(ctx_of(request).db, limit=limit, offset=offset)
    return list_response(items, total)


@routes.get(r"/traktor/history/{id:\d+}")
async def get_session(request: web.Request) -> web.Response:
    sid = path_int(request, "id")
    row = await store.get_session(ctx_of(request).db, sid)
    if row is None:
        raise problem(404, "Not found", f"no history session {sid}")
    return json_response(row)

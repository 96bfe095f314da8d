"""Audio analysis and file quality: start analysis jobs, read results, list files worth upgrading."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from musictool.analysis.component import enqueue_library
from musictool.api.util import (
    ctx_of,
    int_param,
    json_object,
    json_response,
    list_response,
    page_params,
    path_int,
    problem,
)
from musictool.store import analysis as store
from musictool.store import jobs as jobs_store

routes = web.RouteTableDef()

MAX_TRACK_IDS = 10_000


def _track_ids(body: dict[str, Any]) -> list[int]:
    ids = body.get("track_ids")
    if not isinstance(ids, list) or not ids:
        raise problem(400, "Bad body", "track_ids must be a non-empty list of track ids")
    if len(ids) > MAX_TRACK_IDS:
        raise problem(400, "Bad body", f"at most {MAX_TRACK_IDS} track ids per request; use library: true")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise problem(400, "Bad body", "track_ids must contain positive whole numbers only")
    return sorted(set(ids))


@routes.post("/analysis")
async def start_analysis(request: web.Request) -> web.Response:
    """{"track_ids": [..]} or {"library": true}; optional "force" re-analyses unchanged files. 202 + the job."""
    ctx = ctx_of(request)
    body = await json_object(request)
    unknown_keys = set(body) - {"track_ids", "library", "force"}
    if unknown_keys:
        raise problem(400, "Bad body", f"unknown field(s): {', '.join(sorted(unknown_keys))}")
    force = body.get("force", None)
    if "force" in body and not isinstance(force, bool):
        raise problem(400, "Bad body", "force must be true or false")
    library = body.get("library", False)
    if not isinstance(library, bool):
        raise problem(400, "Bad body", "library must be true or false")
    if library and "track_ids" in body:
        raise problem(400, "Bad body", "give either track_ids or library: true, not both")
    if library:
        job_id = await enqueue_library(ctx, bool(force))
    else:
        if "track_ids" not in body:
            raise problem(400, "Bad body", "give track_ids (a list of track ids) or library: true")
        ids = _track_ids(body)
        known = {t["id"] for t in await store.tracks_by_ids(ctx.db, ids)}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise problem(404, "Not found", f"no such track(s): {', '.join(map(str, unknown[:20]))}",
                          unknown_track_ids=unknown[:100])  # fmt: skip
        job_id = await ctx.queue.submit("analysis.track", {"track_ids": ids, "force": True if force is None else force})
    job = await jobs_store.get(ctx.db, job_id)
    resp = json_response(job, status=202)
    resp.headers["Location"] = f"/api/v1/jobs/{job_id}"
    return resp


@routes.get(r"/tracks/{id:\d+}/analysis")
async def track_analysis(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    row = await store.get(ctx.db, track_id)
    if row is None:
        if not await store.tracks_by_ids(ctx.db, [track_id]):
            raise problem(404, "Not found", f"no track {track_id}")
        raise problem(404, "Not analysed", f"track {track_id} has not been analysed yet; POST /analysis")
    return json_response(row)


@routes.get("/quality")
async def list_quality(request: web.Request) -> web.Response:
    """Files worst first, with score (0-100), transcode suspicion and upgrade suggestions."""
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    max_score = int_param(request, "max_score", None, minimum=0, maximum=100)
    raw = request.query.get("transcoded")
    transcoded = None
    if raw is not None:
        if raw.lower() not in ("true", "false", "1", "0"):
            raise problem(400, "Bad parameter", "transcoded must be true or false")
        transcoded = raw.lower() in ("true", "1")
    items, total = await store.quality_list(ctx.db, limit, offset, max_score, transcoded)
    return list_response(items, total)

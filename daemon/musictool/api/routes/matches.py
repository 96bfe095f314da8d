"""Matches between vinyl tracks and Traktor files, and the user's confirm / reject decisions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from musictool.api.util import (
    ctx_of,
    int_param,
    json_body,
    json_response,
    list_response,
    no_fields,
    page_params,
    path_int,
    problem,
)
from musictool.library.component import JOB
from musictool.store import library as store

routes = web.RouteTableDef()

STATUSES = ("matched", "confirmed", "suggested", "none")


def _statuses(raw: str | None) -> list[str]:
    """Default: tracks that have a digital copy. 'all' or a comma list of statuses otherwise."""
    if raw is None:
        return ["matched", "confirmed"]
    if raw == "all":
        return list(STATUSES)
    out = [s.strip() for s in raw.split(",") if s.strip()]
    bad = [s for s in out if s not in STATUSES]
    if bad or not out:
        raise problem(400, "Bad parameter", f"status must be 'all' or a comma list of {', '.join(STATUSES)}")
    return out


@routes.get("/matches")
async def list_matches(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    items, total = await store.list_matches(
        ctx.db,
        _statuses(request.query.get("status")),
        limit,
        offset,
        release_id=int_param(request, "release_id"),
        track_id=int_param(request, "track_id"),
    )
    return list_response(items, total)


async def _target(request: web.Request) -> tuple[Any, int, str, dict[str, Any] | None]:
    ctx = ctx_of(request)
    release_id = path_int(request, "release_id")
    position = request.match_info["position"]
    if await store.vinyl_track(ctx.db, release_id, position) is None:
        raise problem(404, "Not found", f"no track {position!r} on release {release_id} in your collection")
    return ctx, release_id, position, await store.get_match(ctx.db, release_id, position)


async def _track_id(request: web.Request, current: dict[str, Any] | None, verb: str) -> int:
    body = await json_body(request, required=False)
    if not isinstance(body, dict):
        raise problem(400, "Bad body", 'the body must be a JSON object such as {"track_id": 12}')
    raw = body.get("track_id")
    if raw is None:
        if not current or current.get("track_id") is None:
            raise problem(
                409,
                "Nothing to " + verb,
                "this vinyl track has no matched or suggested file; name one with track_id",
            )
        return int(current["track_id"])
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise problem(400, "Bad body", "track_id must be a whole number")
    return raw


async def _recompute(ctx: Any, release_id: int) -> int:
    return await ctx.queue.enqueue(
        JOB, {"release_ids": [release_id]}, dedupe_key=f"{JOB}:release:{release_id}"
    )


@routes.post(r"/matches/{release_id:\d+}/{position}/confirm")
async def confirm(request: web.Request) -> web.Response:
    ctx, release_id, position, current = await _target(request)
    track_id = await _track_id(request, current, "confirm")
    if not await store.track_exists(ctx.db, track_id):
        raise problem(404, "Not found", f"no track {track_id} in the Traktor collection")
    await store.decide(ctx.db, release_id, position, track_id, "confirmed")
    job_id = await _recompute(ctx, release_id)  # the release's other tracks may now pick other files
    return json_response({**(await store.get_match(ctx.db, release_id, position) or {}), "job_id": job_id})


@routes.post(r"/matches/{release_id:\d+}/{position}/reject")
async def reject(request: web.Request) -> web.Response:
    ctx, release_id, position, current = await _target(request)
    track_id = await _track_id(request, current, "reject")
    await store.decide(ctx.db, release_id, position, track_id, "rejected")
    job_id = await _recompute(ctx, release_id)
    return json_response({**(await store.get_match(ctx.db, release_id, position) or {}), "job_id": job_id})


@routes.post("/matches/recompute")
async def recompute(request: web.Request) -> web.Response:
    """Queue a full recompute of every match (normally only what changed is recomputed)."""
    ctx = ctx_of(request)
    await no_fields(request)
    job_id = await ctx.queue.enqueue(JOB, {"mode": "full"}, dedupe_key=f"{JOB}:full")
    return json_response({"job_id": job_id}, status=202)

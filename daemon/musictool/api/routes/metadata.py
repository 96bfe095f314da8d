"""Provenance and enrichment: every value of a track with its source, the conflicts, and enrich jobs."""

from __future__ import annotations

import json
import re

from aiohttp import web

from musictool.api.util import (
    ctx_of,
    json_object,
    json_response,
    list_response,
    page_params,
    path_int,
    problem,
)
from musictool.enrich.service import service_of
from musictool.store import enrichment as enrich_store
from musictool.store import jobs as jobs_store
from musictool.store import provenance

routes = web.RouteTableDef()
MAX_TRACK_IDS = 10_000
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
OUTCOME_KEYS = (
    "status",
    "method",
    "recording_mbid",
    "score",
    "acoustid_id",
    "acoustid_score",
    "fingerprint_duration",
    "fingerprinted_at",
    "error",
    "enriched_at",
)


@routes.get(r"/tracks/{id:\d+}/metadata")
async def track_metadata(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    policy = service_of(ctx).policy
    track = await enrich_store.track(ctx.db, track_id)
    fields = await provenance.describe(ctx.db, track_id, policy)
    if track is None and not fields:
        raise problem(404, "Not found", f"no track {track_id}")
    outcome = await enrich_store.outcome(ctx.db, track_id)
    return json_response(
        {
            "track_id": track_id,
            "track": None
            if track is None
            else {"artist": track["artist"], "title": track["title"], "location": track["path"]},
            "fields": fields,
            "enrichment": None if outcome is None else {k: outcome.get(k) for k in OUTCOME_KEYS},
            "policy": policy.describe(),
        }
    )


def _field_of(request: web.Request) -> str:
    field = request.match_info["field"]
    if not FIELD_NAME.match(field):
        raise problem(400, "Bad field", "a field name is 1-64 lower-case letters, digits or underscores")
    return field


@routes.put(r"/tracks/{id:\d+}/metadata/{field}")
async def set_user_value(request: web.Request) -> web.Response:
    """The user's own value for a field (source "user"): it wins under the default policy, which is also
    how a conflict is settled by hand."""
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    field = _field_of(request)
    body = await json_object(request)
    if "value" not in body or body["value"] is None:
        raise problem(400, "Bad body", 'give {"value": ...}; DELETE removes your value')
    if len(json.dumps(body["value"])) > 10_000:
        raise problem(400, "Bad body", "the value is too large (10,000 characters of JSON at most)")
    if await enrich_store.track(ctx.db, track_id) is None:
        raise problem(404, "Not found", f"no track {track_id}")
    await provenance.record(ctx.db, track_id, field, body["value"], "user", 1.0)
    return json_response((await provenance.describe(ctx.db, track_id, service_of(ctx).policy))[field])


@routes.delete(r"/tracks/{id:\d+}/metadata/{field}")
async def clear_user_value(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    track_id = path_int(request, "id")
    field = _field_of(request)
    if not await provenance.record(ctx.db, track_id, field, None, "user"):
        raise problem(404, "Not found", f"track {track_id} has no value of yours for {field}")
    return web.Response(status=204)


@routes.get("/conflicts")
async def list_conflicts(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    field = request.query.get("field") or None
    items, total = await provenance.conflicts(ctx.db, limit, offset, field, service_of(ctx).policy)
    labels = await enrich_store.labels(ctx.db, sorted({i["track_id"] for i in items}))
    for item in items:
        label = labels.get(item["track_id"], {})
        item["artist"] = label.get("artist")
        item["title"] = label.get("title")
    return list_response(items, total)


@routes.post("/enrich")
async def enrich(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    body = await json_object(request)
    unknown = set(body) - {"library", "track_ids", "force"}
    if unknown:
        raise problem(400, "Bad body", f"unknown field(s): {', '.join(sorted(unknown))}")
    library = body.get("library")
    ids = body.get("track_ids")
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise problem(400, "Bad body", "force must be true or false")
    if "library" in body and not isinstance(library, bool):
        raise problem(400, "Bad body", "library must be true or false")
    if (library is True) == ("track_ids" in body):
        raise problem(400, "Bad body", 'give either "track_ids": [...] or "library": true')
    if library:
        payload = {"library": True, "force": force}
        dedupe = "enrich.library"
    else:
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > MAX_TRACK_IDS
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
        ):
            raise problem(
                400,
                "Bad body",
                f"track_ids must be a list of 1 to {MAX_TRACK_IDS} positive integer track ids",
            )
        ids = sorted(set(ids))
        known = await enrich_store.existing_ids(ctx.db, ids)
        missing = [i for i in ids if i not in known]
        if missing:
            raise problem(404, "Not found", f"no such tracks: {missing[:20]}", missing=missing[:100])
        payload = {"track_ids": ids, "force": body.get("force", True)}
        job_id = await ctx.queue.submit("enrich.batch", payload)
        return json_response(await jobs_store.get(ctx.db, job_id), status=202)
    job_id = await ctx.queue.enqueue("enrich.batch", payload, dedupe_key=dedupe)
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)

"""Library health: the score and per-field completeness, the issues by kind, quick fixes, duplicates."""

from __future__ import annotations

from typing import Any

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
from musictool.store import health as store
from musictool.store import jobs as jobs_store

routes = web.RouteTableDef()
FIXES = (
    "relocate",
    "fill_analysis",
    "fill_musicbrainz",
    "merge_duplicates",
    "embed_artwork",
    "accept",
    "unaccept",
)


@routes.get("/library/health")
async def health(request: web.Request) -> web.Response:
    """{score 0-100, completeness {field: ratio}, issues {kind: count}, tracks, files_checked, computed_at}:
    as of the last health pass (one runs after every Traktor ingest and quick fix)."""
    return json_response(await ctx_of(request).health.summary())


@routes.post("/library/health")
async def recheck(request: web.Request) -> web.Response:
    """Queue a health pass now (full: re-check every file and re-derive every issue)."""
    ctx = ctx_of(request)
    body = await json_object(request, required=False)
    full = body.get("full", False)
    if set(body) - {"full"} or not isinstance(full, bool):
        raise problem(400, "Bad body", 'the body may hold only {"full": true|false}')
    job_id = await ctx.queue.enqueue(
        "library.health", {"full": full}, dedupe_key=None if full else "library.health"
    )
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)


@routes.get("/library/issues")
async def issues(request: web.Request) -> web.Response:
    kind = request.query.get("kind") or None
    if kind is not None and kind not in store.KINDS:
        raise problem(400, "Bad parameter", f"kind must be one of {', '.join(store.KINDS)}")
    limit, offset = page_params(request)
    items, total = await store.issues(ctx_of(request).db, kind, limit, offset)
    return list_response(items, total)


def _ids(body: dict[str, Any], name: str) -> list[int] | None:
    ids = body.get(name)
    if name not in body:
        return None
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
    ):
        raise problem(400, "Bad body", f"{name} must be a non-empty list of positive ids")
    return sorted(set(ids))


@routes.post("/library/fixes")
async def fixes(request: web.Request) -> web.Response:
    """{"kind": relocate|fill_analysis|fill_musicbrainz|merge_duplicates|embed_artwork|accept|unaccept, "track_ids"?, "group_ids"?,
    "folders"?, "issue"? (accept), "preview": true} -> the plan (200), or the job applying it (202)."""
    ctx = ctx_of(request)
    body = await json_object(request)
    unknown = set(body) - {"kind", "track_ids", "group_ids", "folders", "issue", "preview", "delete_files"}
    if unknown:
        raise problem(400, "Bad body", f"unknown keys: {', '.join(sorted(unknown))}")
    kind = body.get("kind")
    if kind not in FIXES:
        raise problem(400, "Bad body", f"kind must be one of {', '.join(FIXES)}")
    payload: dict[str, Any] = {
        "kind": kind,
        "track_ids": _ids(body, "track_ids"),
        "group_ids": _ids(body, "group_ids"),
    }
    folders = body.get("folders", [])
    if not isinstance(folders, list) or not all(isinstance(f, str) and f.startswith("/") for f in folders):
        raise problem(400, "Bad body", "folders must be a list of absolute folder paths")
    payload["folders"] = folders
    if "issue" in body and not isinstance(body["issue"], str):
        raise problem(400, "Bad body", "issue must be an issue kind")
    if kind in ("accept", "unaccept"):
        if body.get("issue") not in store.KINDS:
            raise problem(400, "Bad body", f"{kind} needs issue: one of {', '.join(store.KINDS)}")
        payload["issue"] = body["issue"]
    delete_files = body.get("delete_files", False)
    if not isinstance(delete_files, bool) or (delete_files and kind != "merge_duplicates"):
        raise problem(400, "Bad body", "delete_files (true or false) goes only with merge_duplicates")
    payload["delete_files"] = delete_files
    preview = body.get("preview", False)
    if not isinstance(preview, bool):
        raise problem(400, "Bad body", "preview must be true or false")
    if preview:
        plan = await ctx.health.preview(kind, payload["track_ids"], payload)
        return json_response({"kind": kind, "plan": plan, "count": len(plan)})
    job_id = await ctx.queue.enqueue("library.fix", payload)
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)


@routes.get("/duplicates")
async def duplicate_groups(request: web.Request) -> web.Response:
    """Groups {id, track_ids, keep, reason, method, score, tracks} of one recording held more than once."""
    db = ctx_of(request).db
    limit, offset = page_params(request)
    items, total = await store.groups(db, limit, offset)
    brief = await store.tracks_brief(db, sorted({i for g in items for i in g["track_ids"]}))
    for g in items:
        g["tracks"] = [
            {k: brief[i][k] for k in ("id", "artist", "title", "location", "duration")}
            for i in g["track_ids"]
            if i in brief
        ]
    return list_response(items, total)


@routes.get(r"/duplicates/{id:\d+}")
async def duplicate_group(request: web.Request) -> web.Response:
    db = ctx_of(request).db
    gid = path_int(request, "id")
    g = await store.group(db, gid)
    if g is None:
        raise problem(404, "Not found", f"no duplicate group {gid}")
    return json_response(g)

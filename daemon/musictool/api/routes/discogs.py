"""/discogs/*: the collection and wantlist as stored, wantlist edits (through to Discogs), sync now."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from musictool.api.util import (
    ctx_of,
    int_param,
    json_object,
    json_response,
    list_response,
    no_fields,
    page_params,
    path_int,
    problem,
)
from musictool.integrations.discogs import csv_export, mapping
from musictool.integrations.discogs.client import (
    DiscogsAuthError,
    DiscogsError,
    DiscogsNotFound,
    DiscogsUnavailable,
)
from musictool.integrations.discogs.component import service_of
from musictool.integrations.discogs.service import DiscogsService
from musictool.store import discogs as store
from musictool.store import jobs as jobs_store

routes = web.RouteTableDef()


def _service(request: web.Request) -> DiscogsService:
    svc = service_of(ctx_of(request))
    if not svc.configured:
        raise problem(409, "Discogs is not configured", "set [discogs] username and token in config.toml")
    return svc


def _upstream(exc: DiscogsError) -> web.HTTPException:
    """A Discogs failure as a problem the caller can act on."""
    if isinstance(exc, DiscogsAuthError):
        return problem(
            502, "Discogs rejected the token", "fix [discogs] token in config.toml", upstream_status=401
        )
    if isinstance(exc, DiscogsNotFound):
        return problem(404, "Not found on Discogs", str(exc))
    if isinstance(exc, DiscogsUnavailable):
        return problem(503, "Discogs unavailable", str(exc), headers={"Retry-After": "60"})
    return problem(502, "Discogs error", str(exc), upstream_status=exc.status)


@routes.get("/discogs/releases")
async def list_releases(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    folder = int_param(request, "folder_id", None, minimum=0)
    items, total = await store.list_collection_releases(
        ctx_of(request).db, limit, offset, request.query.get("q") or None, folder or None
    )
    return list_response(items, total)


@routes.get(r"/discogs/releases/{id:\d+}")
async def get_release(request: web.Request) -> web.Response:
    release = await store.get_release(ctx_of(request).db, path_int(request, "id"))
    if release is None:
        raise problem(404, "Not found", "no such release in the local Discogs data")
    return json_response(release)


@routes.get("/discogs/folders")
async def list_folders(request: web.Request) -> web.Response:
    items = await store.folders(ctx_of(request).db)
    return list_response(items, len(items))


@routes.get("/discogs/wants")
async def list_wants(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    items, total = await store.list_wants(ctx_of(request).db, limit, offset)
    return list_response(items, total)


def _validate_want(body: dict[str, Any]) -> tuple[int, str | None, int | None, float | None, bool]:
    rid = body.get("release_id")
    if not isinstance(rid, int) or isinstance(rid, bool) or rid <= 0 or rid >= 2**31:
        raise problem(400, "Bad body", "release_id must be a positive whole number (a Discogs release id)")
    notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 10_000):
        raise problem(400, "Bad body", "notes must be a string (at most 10,000 characters)")
    rating = body.get("rating")
    if rating is not None and (
        not isinstance(rating, int) or isinstance(rating, bool) or not 0 <= rating <= 5
    ):
        raise problem(400, "Bad body", "rating must be a whole number from 0 to 5")
    target = body.get("target_price")
    if target is not None and (
        isinstance(target, bool)
        or not isinstance(target, int | float)
        or target < 0
        or target != target
        or target > 1e9
    ):
        raise problem(400, "Bad body", "target_price must be a non-negative number (or null)")
    unknown = set(body) - {"release_id", "notes", "rating", "target_price"}
    if unknown:
        raise problem(400, "Bad body", f"unknown field(s): {', '.join(sorted(unknown))}")
    return rid, notes, rating, None if target is None else float(target), "target_price" in body


@routes.post("/discogs/wants")
async def add_want(request: web.Request) -> web.Response:
    """Adds the release to the user's real Discogs wantlist, then to ours."""
    ctx = ctx_of(request)
    svc = _service(request)
    rid, notes, rating, target, has_target = _validate_want(await json_object(request))
    db = ctx.db
    now = mapping.now_iso()
    try:
        known = await store.release_known(db, rid)
        if not known:  # learn the release first: a wrong id fails here, before the wantlist is touched
            body = await svc.client.release(rid)
            await store.store_details(
                db,
                mapping.release_row_from_details(body),
                mapping.track_rows(rid, body.get("tracklist")),
                now,
            )
        await svc.client.add_want(svc.username or "", rid, notes=notes, rating=rating)
    except DiscogsError as exc:
        raise _upstream(exc) from exc
    existing = await store.get_want(db, rid)
    want_row = {
        "release_id": rid,
        "rating": rating if rating is not None else (existing or {}).get("rating") or 0,
        "notes": notes if notes is not None else (existing or {}).get("notes"),
        "date_added": None,
    }
    await store.apply_wants(db, [], [want_row], None, now)
    if has_target:
        await store.set_want_target(db, rid, target)
    return json_response(await store.get_want(db, rid), status=201 if existing is None else 200)


@routes.delete(r"/discogs/wants/{release_id:\d+}")
async def delete_want(request: web.Request) -> web.Response:
    """Removes the release from the user's real Discogs wantlist and marks ours removed."""
    ctx = ctx_of(request)
    svc = _service(request)
    rid = path_int(request, "release_id")
    local = await store.get_want(ctx.db, rid)
    try:
        await svc.client.remove_want(svc.username or "", rid)
    except DiscogsNotFound as exc:
        if local is None:
            raise problem(404, "Not found", "the release is not on the wantlist") from exc
    except DiscogsError as exc:
        raise _upstream(exc) from exc
    await store.remove_want(ctx.db, rid, mapping.now_iso())
    return web.Response(status=204)


@routes.post("/discogs/sync")
async def sync_now(request: web.Request) -> web.Response:
    """Queues a sync now (incremental unless {"full": true}); 202 with the job."""
    ctx = ctx_of(request)
    _service(request)
    body = await json_object(request, required=False)
    full = body.get("full", False)
    if not isinstance(full, bool) or set(body) - {"full"}:
        raise problem(400, "Bad body", 'the body is optional: {"full": true|false}')
    job_id = await ctx.queue.enqueue(
        "discogs.sync", {"mode": "full" if full else "incremental", "manual": True}, dedupe_key="discogs.sync"
    )
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)


@routes.post("/discogs/prices")
async def prices_now(request: web.Request) -> web.Response:
    """Queues a marketplace price run now (wants first, then gap releases); 202 with the job."""
    ctx = ctx_of(request)
    _service(request)
    await no_fields(request)
    job_id = await ctx.queue.enqueue("discogs.prices", {"manual": True}, dedupe_key="discogs.prices")
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)


@routes.post("/discogs/import")
async def import_export(request: web.Request) -> web.Response:
    """Loads Discogs' collection export (CSV text in {"csv": ...}) as the collection, before or without a
    token. Bad rows are listed by line and skipped; tracklists follow in a discogs.details job."""
    ctx = ctx_of(request)
    body = await json_object(request)
    text = body.get("csv")
    if not isinstance(text, str) or not text.strip() or set(body) - {"csv"}:
        raise problem(400, "Bad body", 'send {"csv": "<the text of the Discogs collection export>"}')
    try:
        result = await service_of(ctx).import_export(text)
    except csv_export.ExportError as exc:
        raise problem(400, "Not a Discogs collection export", str(exc)) from None
    if not result["imported"]:
        raise problem(422, "Nothing imported", "no row of the export could be read", errors=result["errors"])
    job = None
    if (await store.counts(ctx.db)).get("without_details"):
        job_id = await ctx.queue.enqueue("discogs.details", {}, dedupe_key="discogs.details")
        job = await jobs_store.get(ctx.db, job_id)
    return json_response({**result, "details_job": job})

"""File tags: push, pull, sync, batch set and undo (each queues a job: 202 with the job), and the batches."""

from __future__ import annotations

import math
import re
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
from musictool.store import jobs as jobs_store
from musictool.store import tags as store
from musictool.tags import formats

routes = web.RouteTableDef()
MAX_IDS = 100_000


def _bool(body: dict[str, Any], name: str) -> bool:
    v = body.get(name, False)
    if not isinstance(v, bool):
        raise problem(400, "Bad body", f"{name} must be true or false")
    return v


async def _track_ids(
    request: web.Request, body: dict[str, Any], *, required: bool = False
) -> list[int] | None:
    ids = body.get("track_ids")
    if "track_ids" not in body:
        if required:
            raise problem(400, "Bad body", 'give "track_ids": [...] or "where": {"q": ..., "genre": ...}')
        return None
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
    ):
        raise problem(400, "Bad body", f"track_ids must be a list of 1 to {MAX_IDS} positive track ids")
    ids = sorted(set(ids))
    missing = await store.missing_ids(ctx_of(request).db, ids)
    if missing:
        raise problem(404, "Not found", f"no such tracks: {missing[:20]}", missing=missing[:100])
    return ids


async def _queue(request: web.Request, kind: str, payload: dict[str, Any]) -> web.Response:
    ctx = ctx_of(request)
    job_id = await ctx.queue.enqueue(kind, payload)
    return json_response(await jobs_store.get(ctx.db, job_id), status=202)


# what a batch edit takes for the numeric fields, as api-spec/openapi.yaml says it (number range, text pattern)
NUMERIC_FORMS: dict[str, tuple[tuple[float, float], re.Pattern[str], str]] = {
    "bpm": (
        (0, 1000),
        re.compile(r"0*[1-9][0-9]{0,2}([.,][0-9]+)?|0*[.,][0-9]*[1-9][0-9]*"),
        "a number above 0 and below 1000",
    ),
    "rating": ((0, 5), re.compile(r"[0-5]"), "whole stars 0 to 5"),
    "year": (
        (1001, 2999),
        re.compile(r"(100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|2[0-9]{3})(-[0-9]{2}){0,2}"),
        "1001 to 2999, as a number or as text YYYY, YYYY-MM or YYYY-MM-DD",
    ),
}


def _numeric_ok(field: str, v: str | int | float) -> bool:
    (low, high), text, _ = NUMERIC_FORMS[field]
    if isinstance(v, str):
        return text.fullmatch(v) is not None
    if field == "bpm":
        return math.isfinite(v) and low < v < high
    return (isinstance(v, int) or v.is_integer()) and low <= v <= high


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise problem(
            400,
            "Bad body",
            f"unknown keys: {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})",
        )


@routes.post("/tags/push")
async def push(request: web.Request) -> web.Response:
    """Write the library's values into the files (dry_run: a job whose result previews the changes)."""
    body = await json_object(request, required=False)
    _only(body, {"track_ids", "dry_run"})
    payload = {"track_ids": await _track_ids(request, body), "dry_run": _bool(body, "dry_run")}
    return await _queue(request, "tags.push", payload)


@routes.post("/tags/pull")
async def pull(request: web.Request) -> web.Response:
    """Read the files' tags into the library (source "tag"); write_nml also into collection.nml."""
    body = await json_object(request, required=False)
    _only(body, {"track_ids", "write_nml"})
    payload = {"track_ids": await _track_ids(request, body), "write_nml": _bool(body, "write_nml")}
    return await _queue(request, "tags.pull", payload)


@routes.post("/tags/sync")
async def sync(request: web.Request) -> web.Response:
    body = await json_object(request, required=False)
    _only(body, {"track_ids"})
    return await _queue(request, "tags.sync", {"track_ids": await _track_ids(request, body)})


@routes.post("/tags/set")
async def set_tags(request: web.Request) -> web.Response:
    """A batch edit: {"fields": {"genre": "House"}, "track_ids": [...] | "where": {"q", "genre"}}."""
    body = await json_object(request)
    _only(body, {"fields", "track_ids", "where", "write_nml"})
    fields = body.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise problem(400, "Bad body", f"fields must be an object of {', '.join(formats.FIELDS)}")
    unknown = set(fields) - set(formats.FIELDS)
    if unknown:
        raise problem(400, "Bad body", f"unknown tag fields: {', '.join(sorted(unknown))}")
    for k, v in fields.items():
        if isinstance(v, bool) or (v is not None and not isinstance(v, str | int | float)):
            raise problem(400, "Bad body", f"{k} must be text, a number or null")
        if v is not None and k in NUMERIC_FORMS and not _numeric_ok(k, v):
            raise problem(400, "Bad body", f"{k} {v!r} is not a valid {k} ({NUMERIC_FORMS[k][2]})")
    where = body.get("where")
    if "where" in body:
        if (
            not isinstance(where, dict)
            or set(where) - {"q", "genre"}
            or not where
            or not all(isinstance(v, str) for v in where.values())
        ):
            raise problem(400, "Bad body", 'where must be {"q": "words", "genre": "name"}')
        ids = await store.ids_where(ctx_of(request).db, where.get("q"), where.get("genre"))
        if not ids:
            raise problem(404, "Not found", "no track matches where")
    else:
        ids = await _track_ids(request, body, required=True)
    payload = {"fields": fields, "track_ids": ids, "write_nml": _bool(body, "write_nml")}
    return await _queue(request, "tags.set", payload)


@routes.post("/tags/undo")
async def undo(request: web.Request) -> web.Response:
    """Restore every file of the last tag batch (or batch_id) byte for byte; force: even files changed since."""
    body = await json_object(request, required=False)
    _only(body, {"force", "batch_id"})
    batch_id = body.get("batch_id")
    if batch_id is not None:
        if (
            not isinstance(batch_id, int)
            or isinstance(batch_id, bool)
            or await store.batch(ctx_of(request).db, batch_id) is None
        ):
            raise problem(404, "Not found", f"no tag batch {batch_id!r}")
    elif await store.last_undoable(ctx_of(request).db) is None:
        raise problem(409, "Nothing to undo", "no tag change is left to undo")
    return await _queue(request, "tags.undo", {"force": _bool(body, "force"), "batch_id": batch_id})


@routes.get("/tags/batches")
async def batches(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    items, total = await store.list_batches(ctx_of(request).db, limit, offset)
    return list_response(items, total)


@routes.get(r"/tags/batches/{id:\d+}")
async def batch(request: web.Request) -> web.Response:
    db = ctx_of(request).db
    batch_id = path_int(request, "id")
    row = await store.batch(db, batch_id)
    if row is None:
        raise problem(404, "Not found", f"no tag batch {batch_id}")
    row["files"] = await store.batch_files(db, batch_id)
    return json_response(row)

"""Traktor playlists (folders, lists, smart lists, in Traktor's order) and their tracks; membership write-back."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from musictool.api.routes.tracks import _submit
from musictool.api.util import (
    ctx_of,
    json_object,
    json_response,
    list_response,
    page_params,
    path_int,
    problem,
)
from musictool.integrations.traktor import smartlist
from musictool.store import traktor as store

routes = web.RouteTableDef()
TYPES = ("FOLDER", "PLAYLIST", "SMARTLIST")
MAX_ID = 2**63 - 1  # SQLite's largest integer


@routes.get("/playlists")
async def list_playlists(request: web.Request) -> web.Response:
    limit, offset = page_params(request, default_limit=200)
    type_ = request.query.get("type")
    if type_ is not None and type_ not in (*TYPES, *(t.lower() for t in TYPES)):
        raise problem(400, "Bad parameter", f"type must be one of {', '.join(TYPES)}")
    db = ctx_of(request).db
    items, total = await store.list_playlists(db, limit=limit, offset=offset, type_=type_.upper() if type_ else None)
    for row in items:
        await _count_smart(db, row)
    return list_response(items, total)


async def _count_smart(db: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A smart list's entry_count is how many tracks its query selects now (null if it cannot be evaluated)."""
    if row["type"] == "SMARTLIST":
        try:
            where, params = smartlist.to_sql(row["query"] or "")
        except smartlist.SmartListError:
            row["entry_count"] = None
        else:
            row["entry_count"] = await store.smartlist_count(db, where, params)
    return row


@routes.get(r"/playlists/{id:\d+}")
async def get_playlist(request: web.Request) -> web.Response:
    pid = path_int(request, "id")
    db = ctx_of(request).db
    row = await store.get_playlist(db, pid)
    if row is None:
        raise problem(404, "Not found", f"no playlist {pid}")
    return json_response(await _count_smart(db, row))


@routes.get(r"/playlists/{id:\d+}/tracks")
async def playlist_tracks(request: web.Request) -> web.Response:
    """A playlist's entries in order; a smart list's are the tracks its query selects now."""
    ctx = ctx_of(request)
    pid = path_int(request, "id")
    pl = await store.get_playlist(ctx.db, pid)
    if pl is None:
        raise problem(404, "Not found", f"no playlist {pid}")
    limit, offset = page_params(request, default_limit=500, max_limit=5000)
    if pl["type"] == "SMARTLIST":
        try:
            where, params = smartlist.to_sql(pl["query"] or "")
        except smartlist.SmartListError as e:
            raise problem(422, "Smart list not evaluable", f"{pl['path']} ({pl['query']!r}): {e}") from None
        items, total = await store.smartlist_tracks(ctx.db, where, params, limit=limit, offset=offset)
    else:
        items, total = await store.playlist_tracks(ctx.db, pid, limit=limit, offset=offset)
    return list_response(items, total)


@routes.post(r"/playlists/{id:\d+}/tracks")
async def edit_membership(request: web.Request) -> web.Response:
    """{"add": [track ids], "remove": [track ids]}: written to collection.nml (queued while Traktor runs)."""
    ctx = ctx_of(request)
    pid = path_int(request, "id")
    pl = await store.get_playlist(ctx.db, pid)
    if pl is None:
        raise problem(404, "Not found", f"no playlist {pid}")
    if pl["type"] != "PLAYLIST":
        raise problem(
            409, "Not a playlist", f"{pl['path']} is a {pl['type'].lower()}: only playlists hold tracks"
        )
    body = await json_object(request)
    if set(body) - {"add", "remove"}:
        raise problem(400, "Bad body", f"unknown fields: {', '.join(sorted(set(body) - {'add', 'remove'}))}")
    add, remove = body.get("add", []), body.get("remove", [])
    if not isinstance(add, list) or not isinstance(remove, list) or not (add or remove):
        raise problem(400, "Bad body", 'give "add" and/or "remove": lists of track ids')
    for x in add + remove:
        # SQLite cannot bind an int beyond 64 bits (OverflowError): refuse it here rather than answer 500
        if not isinstance(x, int) or isinstance(x, bool) or not 1 <= x <= MAX_ID:
            raise problem(
                400, "Bad body", f"track ids are whole numbers from 1 to {MAX_ID}, not {json.dumps(x)}"
            )
    keys = await store.track_keys(ctx.db, list({*add, *remove}))
    missing = sorted({*add, *remove} - set(keys))
    if missing:
        raise problem(404, "Not found", f"no tracks {missing}")
    edit = {
        "playlist": pl["uuid"] or pl["path"],
        "add": [keys[i] for i in add],
        "remove": [keys[i] for i in remove],
    }
    summary = f"playlist {pl['path']}: +{len(add)} -{len(remove)}"
    return await _submit(request, {"edits": [edit]}, summary)

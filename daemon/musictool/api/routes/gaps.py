"""Gaps (vinyl tracks with no digital copy) with store search links, completion figures and exports."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from aiohttp import web

from musictool.api.util import (
    ctx_of,
    float_param,
    int_param,
    json_body,
    json_response,
    list_response,
    page_params,
    path_int,
    problem,
)
from musictool.integrations.stores.links import STORES, search_links
from musictool.library.component import JOB
from musictool.store import library as store

routes = web.RouteTableDef()


def _filters(request: web.Request) -> dict[str, Any]:
    min_priority = float_param(request, "min_priority")
    if min_priority is not None and not 0 <= min_priority <= 100:
        raise problem(400, "Bad parameter", "min_priority must be between 0 and 100")
    return {
        "release_id": int_param(request, "release_id", minimum=1),
        "artist": (request.query.get("artist") or "").strip() or None,
        "label": (request.query.get("label") or "").strip() or None,
        "min_priority": min_priority,
    }


def _with_links(item: dict[str, Any]) -> dict[str, Any]:
    item["links"] = search_links(item["artist"], item["title"], item["release_id"])
    return item


@routes.get("/gaps")
async def list_gaps(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    items, total = await store.list_gaps(ctx.db, limit, offset, **_filters(request))
    return list_response([_with_links(i) for i in items], total)


CSV_COLUMNS = [
    "priority",
    "artist",
    "title",
    "release_title",
    "release_id",
    "position",
    "label",
    "catno",
    "year",
]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: Discogs text is edited by anyone, so text starting with = + - @ tab or
    CR gets a leading ' (OWASP's CSV injection rule). Numbers stay numbers; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@routes.get("/gaps/export.csv")
async def export_csv(request: web.Request) -> web.Response:
    """The shopping list as CSV (UTF-8 with a BOM so spreadsheet programs pick the encoding)."""
    ctx = ctx_of(request)
    items, _ = await store.list_gaps(ctx.db, None, 0, **_filters(request))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*CSV_COLUMNS, "reasons", *STORES])
    for item in map(_with_links, items):
        row = [*(item.get(c) for c in CSV_COLUMNS), "; ".join(item["reasons"])]
        writer.writerow([csv_cell(v) for v in row + [item["links"][s] for s in STORES]])
    return web.Response(
        body=("\ufeff" + buf.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="musictool-gaps.csv"'},
    )


@routes.get("/gaps/export.html")
async def export_html(request: web.Request) -> web.Response:
    """The shopping list as a self-contained HTML page with a link to every store for every gap."""
    ctx = ctx_of(request)
    items, _ = await store.list_gaps(ctx.db, None, 0, **_filters(request))
    e = html.escape
    rows = []
    for item in map(_with_links, items):
        links = " ".join(
            f'<a href="{e(item["links"][s])}" rel="noopener noreferrer" target="_blank">{e(s)}</a>'
            for s in STORES
        )
        rows.append(
            f"<tr><td>{item['priority']:.0f}</td><td>{e(item['artist'])}</td><td>{e(item['title'])}</td>"
            f"<td>{e(item['release_title'])} ({e(item['position'])})</td><td>{e(item.get('label') or '')}</td>"
            f"<td>{e('; '.join(item['reasons']))}</td><td>{links}</td></tr>"
        )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MusicTool shopping list</title>'
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
        "a{margin-right:6px}</style></head><body>"
        f"<h1>Shopping list</h1><p>{len(rows)} vinyl tracks without a digital copy, highest priority first.</p>"
        "<table><thead><tr><th>Priority</th><th>Artist</th><th>Title</th><th>Record</th><th>Label</th>"
        "<th>Why</th><th>Search</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>"
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


async def _vinyl(request: web.Request) -> tuple[Any, int, str]:
    ctx = ctx_of(request)
    release_id = path_int(request, "release_id")
    position = request.match_info["position"]
    if await store.vinyl_track(ctx.db, release_id, position) is None:
        raise problem(404, "Not found", f"no track {position!r} on release {release_id} in your collection")
    return ctx, release_id, position


@routes.post(r"/gaps/{release_id:\d+}/{position}/ignore")
async def ignore(request: web.Request) -> web.Response:
    """'No digital copy wanted': the track leaves the gaps and the completion figures (until un-ignored)."""
    ctx, release_id, position = await _vinyl(request)
    body = await json_body(request, required=False)
    if not isinstance(body, dict):
        raise problem(400, "Bad body", 'the body must be a JSON object such as {"reason": "skit"}')
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise problem(400, "Bad body", "reason must be a string of at most 500 characters")
    await store.set_ignored(ctx.db, release_id, position, True, reason)
    await ctx.queue.enqueue(JOB, {"release_ids": [release_id]}, dedupe_key=f"{JOB}:release:{release_id}")
    return json_response({"release_id": release_id, "position": position, "ignored": True, "reason": reason})


@routes.delete(r"/gaps/{release_id:\d+}/{position}/ignore")
async def unignore(request: web.Request) -> web.Response:
    ctx, release_id, position = await _vinyl(request)
    await store.set_ignored(ctx.db, release_id, position, False, None)
    await ctx.queue.enqueue(JOB, {"release_ids": [release_id]}, dedupe_key=f"{JOB}:release:{release_id}")
    return json_response({"release_id": release_id, "position": position, "ignored": False, "reason": None})


@routes.get("/completion")
async def completion(request: web.Request) -> web.Response:
    """Completion per release (default), artist or label, least complete first, plus the overall rate."""
    ctx = ctx_of(request)
    by = request.query.get("by", "release")
    if by not in ("release", "artist", "label"):
        raise problem(400, "Bad parameter", "by must be release, artist or label")
    limit, offset = page_params(request)
    page, total = await store.completion(ctx.db, by, limit, offset)
    if by == "release" and page:
        titles = await store.release_titles(ctx.db, [g["release_id"] for g in page])
        for g in page:
            info = titles.get(g["release_id"]) or {}
            g["title"], g["artists"], g["year"] = info.get("title"), info.get("artists"), info.get("year")
    return json_response({"items": page, "total": total, "by": by, "overall": await store.overall(ctx.db)})

"""The timeline (how the collection changed) and notifications (what the user should know)."""

from __future__ import annotations

import uuid

from aiohttp import web

from musictool.api.util import (
    bool_param,
    ctx_of,
    json_response,
    list_response,
    no_fields,
    page_params,
    path_int,
    problem,
)
from musictool.library.notification_actions import ActionError, perform
from musictool.store import notifications, timeline

routes = web.RouteTableDef()


@routes.get("/timeline")
async def list_timeline(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    items, total = await timeline.list_(
        ctx.db, limit, offset, request.query.get("source") or None, request.query.get("kind") or None
    )
    return list_response(items, total)


@routes.get("/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    unread = bool_param(request, "unread")
    items, total = await notifications.list_(ctx.db, limit, offset, unread, request.query.get("kind") or None)
    return list_response(items, total)


@routes.post(r"/notifications/{id:\d+}/read")
async def read_notification(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await no_fields(request)
    notification_id = path_int(request, "id")
    if not await notifications.exists(ctx.db, notification_id):
        raise problem(404, "Not found", "no such notification")
    await notifications.mark_read(ctx.db, notification_id)
    return json_response({"id": notification_id, "read": True})


@routes.post("/notifications/test")
async def test_notification(request: web.Request) -> web.Response:
    """A test notification through every delivery (kept, streamed, on the desktop now, quiet hours or not)."""
    ctx = ctx_of(request)
    await no_fields(request)
    row = await ctx.notify(
        "test",
        "MusicTool test notification",
        "If you can read this, desktop notifications work. The button opens the dashboard.",
        {"test": True},
        dedupe_key=f"test:{uuid.uuid4().hex}",
        urgent=True,
    )
    if row is None:
        raise problem(409, "Switched off", "the 'test' notification kind is switched off in [notify] rules")
    return json_response(row)


@routes.post(r"/notifications/{id:\d+}/actions/{action}")
async def notification_action(request: web.Request) -> web.Response:
    """Do one of a notification's actions (what its desktop button does); an address comes back to open."""
    ctx = ctx_of(request)
    await no_fields(request)
    row = await notifications.get(ctx.db, path_int(request, "id"))
    if row is None:
        raise problem(404, "Not found", "no such notification")
    try:
        return json_response(await perform(ctx, row, request.match_info["action"]))
    except ActionError as exc:
        raise problem(404, "No such action", str(exc)) from None

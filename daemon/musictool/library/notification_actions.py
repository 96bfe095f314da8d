"""What a notification's buttons do. One place for the desktop click, the tray's menu and the API.

`perform` does the daemon-side part (adding to the wishlist, marking read, telling listeners) and
answers the address to open, if any; who opens it depends on who asked: the daemon itself for a desktop
click, the tray (in the user's session) for a tray click.
"""

from __future__ import annotations

from typing import Any

from musictool.library.wishlist import validate_new
from musictool.model.notifications import actions_for
from musictool.opener import dashboard_url
from musictool.store import library as library_store
from musictool.store import notifications as notifications_store


class ActionError(LookupError):
    """The notification does not offer that action."""


async def perform(ctx: Any, notification: dict[str, Any], action: str) -> dict[str, Any]:
    """Do `action` for a stored notification; {"action", "url"?, "wishlist_id"?, "created"?}."""
    offered = [a["id"] for a in actions_for(notification["kind"], notification.get("data"))]
    if action not in offered:
        raise ActionError(
            f"notification {notification['id']} offers {', '.join(offered)}, not {action!r}"
        )
    data = notification.get("data") or {}
    result: dict[str, Any] = {"action": action}
    if action == "open_listing":
        result["url"] = data["url"]
    elif action == "open_dashboard":
        result["url"] = dashboard_url(ctx.port, ctx.current_token())
    elif action == "add_to_wishlist":
        result.update(await _add_to_wishlist(ctx, notification, data))
    await notifications_store.mark_read(ctx.db, notification["id"])
    ctx.events.publish(
        "notification.action",
        {"id": notification["id"], "action": action, **{k: v for k, v in result.items() if k != "url"}},
    )
    return result


async def _add_to_wishlist(ctx: Any, notification: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The release (or, for a master or a store page, its address) as a wanted item; twice is once."""
    release_id = data.get("release_id") if data.get("type", "release") == "release" else None
    url = data.get("url")
    existing = await library_store.wishlist_find_whole(ctx.db, release_id, url)
    if existing:
        return {"wishlist_id": existing["id"], "created": False}
    title = data.get("title") or notification["title"].split(": ", 1)[-1]
    item = {
        "release_id": release_id,
        "artist": data.get("artist"),
        "title": title,
        "url": url,
        "target_price": data.get("target_price"),
        "currency": data.get("currency"),
        "status": "wanted",
        "source": "manual",
        "notes": f"from the notification '{notification['title']}'",
    }
    item_id = await library_store.wishlist_add(
        ctx.db, validate_new({k: v for k, v in item.items() if v is not None})
    )
    if release_id:
        from musictool.library.component import JOB

        await ctx.queue.enqueue(JOB, {"release_ids": [release_id]}, dedupe_key=f"{JOB}:release:{release_id}")
    return {"wishlist_id": item_id, "created": True}

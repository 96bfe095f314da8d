"""The local wishlist (from gaps, the API and the browser extension) and the budget plan."""

from __future__ import annotations

import sqlite3
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
from musictool.library.budget import PlanItem, plan
from musictool.library.component import JOB
from musictool.library.wishlist import STATUSES, WishlistError, validate_new, validate_patch
from musictool.store import library as store
from musictool.store import storepages

routes = web.RouteTableDef()


def _refused(exc: WishlistError) -> web.HTTPException:
    return problem(422, "Invalid wishlist item", str(exc), field=exc.field)


@routes.get("/wishlist")
async def list_wishlist(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    limit, offset = page_params(request)
    status = request.query.get("status")
    if status is not None and status not in STATUSES:
        raise problem(400, "Bad parameter", f"status must be one of {', '.join(STATUSES)}")
    items, total = await store.wishlist_list(ctx.db, limit, offset, status)
    return list_response(items, total)


@routes.post("/wishlist")
async def add_wishlist(request: web.Request) -> web.Response:
    """Add an item. For a release track (release_id + position) artist, title and priority default to the gap's."""
    ctx = ctx_of(request)
    body = await json_object(request)
    try:
        item = validate_new(body)
    except WishlistError as exc:
        raise _refused(exc) from None
    if item.get("release_id") and item.get("position"):
        existing = await store.wishlist_find(ctx.db, item["release_id"], item["position"])
        if existing:
            raise problem(
                409, "Already on the wishlist", f"item {existing['id']} is this track", id=existing["id"]
            )
        gap, _ = await store.list_gaps(ctx.db, 1000, 0, release_id=item["release_id"])
        match = next((g for g in gap if g["position"] == item["position"]), None)
        if match:
            item.setdefault("artist", match["artist"])
            item.setdefault("title", match["title"])
            if body.get("priority") is None:
                item["priority"] = match["priority"]
    try:
        item_id = await store.wishlist_add(ctx.db, item)
    except sqlite3.IntegrityError:  # the same release track added concurrently
        raise problem(
            409, "Already on the wishlist", "this release track is on the wishlist already"
        ) from None
    await _reprioritise(ctx, item.get("release_id"))
    return json_response(await store.wishlist_get(ctx.db, item_id), status=201)


async def _reprioritise(ctx: Any, release_id: int | None) -> None:
    """A wanted track raises its record's gap priority: recompute that release."""
    if release_id:
        await ctx.queue.enqueue(JOB, {"release_ids": [release_id]}, dedupe_key=f"{JOB}:release:{release_id}")


async def _existing(request: web.Request) -> tuple[Any, int]:
    ctx = ctx_of(request)
    item_id = path_int(request, "id")
    if await store.wishlist_get(ctx.db, item_id) is None:
        raise problem(404, "Not found", f"no wishlist item {item_id}")
    return ctx, item_id


@routes.get(r"/wishlist/{id:\d+}")
async def get_wishlist(request: web.Request) -> web.Response:
    ctx, item_id = await _existing(request)
    return json_response(await store.wishlist_get(ctx.db, item_id))


@routes.patch(r"/wishlist/{id:\d+}")
async def patch_wishlist(request: web.Request) -> web.Response:
    ctx, item_id = await _existing(request)
    try:
        changes = validate_patch(await json_object(request))
    except WishlistError as exc:
        raise _refused(exc) from None
    await store.wishlist_update(ctx.db, item_id, changes)
    item = await store.wishlist_get(ctx.db, item_id)
    await _reprioritise(ctx, (item or {}).get("release_id"))
    return json_response(item)


@routes.delete(r"/wishlist/{id:\d+}")
async def delete_wishlist(request: web.Request) -> web.Response:
    ctx, item_id = await _existing(request)
    item = await store.wishlist_get(ctx.db, item_id)
    await store.wishlist_delete(ctx.db, item_id)
    await _reprioritise(ctx, (item or {}).get("release_id"))
    return web.Response(status=204)


@routes.post("/wishlist/plan")
async def plan_purchases(request: web.Request) -> web.Response:
    """Choose the wanted items that maximise total priority within {"budget": 50}; explains the choice."""
    ctx = ctx_of(request)
    body = await json_object(request)
    budget = body.get("budget")
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 <= budget <= 1_000_000:
        raise problem(422, "Invalid plan", "budget must be a number between 0 and 1000000", field="budget")
    ids = body.get("ids")
    if "ids" in body and (not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        raise problem(422, "Invalid plan", "ids must be a list of wishlist item ids", field="ids")
    default_price = float(ctx.config.get("matching", "track_price"))
    track_price = body.get("track_price", default_price)
    if isinstance(track_price, bool) or not isinstance(track_price, int | float) or not 0 <= track_price <= 1_000_000:
        raise problem(
            422, "Invalid plan", "track_price must be a number between 0 and 1000000", field="track_price"
        )
    currency = ctx.config.get("matching", "currency")
    rows = await store.wishlist_open(ctx.db, ids)
    seen = await storepages.latest_prices(ctx.db, [r["id"] for r in rows])
    items = []
    for r in rows:
        if r["status"] != "wanted":
            continue
        label = " - ".join(x for x in (r["artist"], r["title"]) if x) or f"item {r['id']}"
        price = _best_seen(seen.get(r["id"], []), currency)
        if price is None and r["target_price"] is not None:
            price = r["target_price"]
        items.append(
            PlanItem(r["id"], label, r["priority"], float(track_price) if price is None else price, price is None)
        )
    result = plan(items, float(budget), currency).as_dict()
    result["currency"] = currency
    return json_response(result)


def _best_seen(prices: list[dict[str, Any]], currency: str) -> float | None:
    """The lowest latest store price seen for an item (in the plan's currency when there is one)."""
    same = [p["price"] for p in prices if p["currency"] in (None, currency)]
    return min(same or [p["price"] for p in prices], default=None)

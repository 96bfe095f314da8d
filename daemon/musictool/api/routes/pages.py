"""The browser extension's page calls: what we know about a store page, and adding it to the wishlist."""

from __future__ import annotations

from aiohttp import web

from musictool.api.util import ctx_of, int_param, json_object, json_response, list_response, path_int, problem
from musictool.extension.pages import Page, PageError, find_release, lookup, parse_page
from musictool.extension.prices import observe
from musictool.library.component import match_config
from musictool.store import library as library_store
from musictool.store import storepages as store

routes = web.RouteTableDef()


async def _page(request: web.Request) -> Page:
    try:
        return parse_page(await json_object(request))
    except PageError as exc:
        raise problem(422, "Invalid page", str(exc), field=exc.field) from None


@routes.post("/pages/lookup")
async def page_lookup(request: web.Request) -> web.Response:
    """One call per store page: owned / missing / wanted / unknown, in words. A price shown for an item on
    the wishlist is kept as an observation (and may notify)."""
    ctx = ctx_of(request)
    page = await _page(request)
    answer = await lookup(ctx.db, page, match_config(ctx), ctx.run_cpu)
    seen = None
    if answer["wishlist_id"] is not None:
        item = await library_store.wishlist_get(ctx.db, answer["wishlist_id"])
        seen = await observe(ctx, item, page) if item else None
    answer["price_observed"] = seen
    return json_response(answer)


@routes.post("/pages/wishlist")
async def page_wishlist(request: web.Request) -> web.Response:
    """Add what the page shows to the wishlist (or find it there) and keep the price it shows."""
    ctx = ctx_of(request)
    page = await _page(request)
    release = await find_release(ctx.db, page)
    release_id = release["id"] if release else None
    item = await store.wishlist_for_page(ctx.db, page.url, release_id, page.artist, page.title)
    created = item is None
    if item is None:
        item_id = await library_store.wishlist_add(
            ctx.db,
            {
                "release_id": release_id,
                "artist": page.artist or (release["artists"] if release else None),
                "title": page.title or (release["title"] if release else None),
                "url": page.url,
                "store": page.store,
                "currency": page.currency,
                "source": "extension",
                "status": "wanted",
                "priority": 50.0,
            },
        )
        item = await library_store.wishlist_get(ctx.db, item_id)
    assert item is not None
    seen = await observe(ctx, item, page)
    return json_response(
        {"item": item, "created": created, "price_observed": seen}, status=201 if created else 200
    )


@routes.get(r"/wishlist/{id:\d+}/prices")
async def item_prices(request: web.Request) -> web.Response:
    """Every store price seen for a wishlist item, newest first."""
    ctx = ctx_of(request)
    item_id = path_int(request, "id")
    if await library_store.wishlist_get(ctx.db, item_id) is None:
        raise problem(404, "Not found", f"no wishlist item {item_id}")
    limit = int_param(request, "limit", 100, minimum=1, maximum=10_000) or 100
    rows, total = await store.prices(ctx.db, item_id, limit)
    return list_response(rows, total)

"""/stats/*: the dashboard's charts, aggregated in SQL (store/stats.py) so no chart ships the rows themselves."""

from __future__ import annotations

from aiohttp import web

from musictool.api.util import ctx_of, int_param, json_response
from musictool.store import stats

routes = web.RouteTableDef()


@routes.get("/stats/growth")
async def growth(request: web.Request) -> web.Response:
    """Records added and tracks imported per month, with the digitisation rate at the end of each month."""
    return json_response({"months": await stats.growth(ctx_of(request).db)})


@routes.get("/stats/genres")
async def genres(request: web.Request) -> web.Response:
    """Genre and style share of the collection, and the top styles by year added."""
    top = int_param(request, "top", 8, minimum=1, maximum=30) or 8
    return json_response(await stats.genres(ctx_of(request).db, top))


@routes.get("/stats/library")
async def library(request: web.Request) -> web.Response:
    """BPM and key (Camelot) distribution of the DJ library."""
    return json_response(await stats.library(ctx_of(request).db))


@routes.get("/stats/spending")
async def spending(request: web.Request) -> web.Response:
    """What the wishlist would cost (known prices, and the estimate for the rest) and the collection's value."""
    ctx = ctx_of(request)
    track_price = float(ctx.config.get("matching", "track_price"))
    by_status = await stats.wishlist_costs(ctx.db)
    for row in by_status:
        row["estimated_total"] = round(row["priced_total"] + (row["items"] - row["priced"]) * track_price, 2)
        row["priced_total"] = round(row["priced_total"], 2)
    value = await stats.collection_value(ctx.db)
    value["lowest_total"] = round(value["lowest_total"] or 0, 2)
    return json_response(
        {
            "currency": ctx.config.get("matching", "currency"),
            "track_price": track_price,
            "wishlist": by_status,
            "collection_value": value,
        }
    )

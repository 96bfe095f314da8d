"""/prices/{release_id}: the latest marketplace figures of a release and their history."""

from __future__ import annotations

from aiohttp import web

from musictool.api.util import ctx_of, int_param, json_response, path_int, problem
from musictool.store import discogs as store

routes = web.RouteTableDef()


@routes.get(r"/prices/{release_id:\d+}")
async def get_prices(request: web.Request) -> web.Response:
    db = ctx_of(request).db
    rid = path_int(request, "release_id")
    limit = int_param(request, "history_limit", 100, minimum=1, maximum=10_000) or 100
    latest = await store.latest_price(db, rid)
    if latest is None:
        raise problem(
            404, "Not found", "no marketplace figures for this release yet (wants are priced on a schedule)"
        )
    return json_response(
        {
            "release_id": rid,
            "lowest_price": latest["lowest_price"],
            "currency": latest["currency"],
            "num_for_sale": latest["num_for_sale"],
            "blocked_from_sale": latest["blocked_from_sale"],
            "suggestions": latest["suggestions"],
            "fetched_at": latest["fetched_at"],
            "target_price": await store.want_target(db, rid),
            "history": await store.price_history(db, rid, limit),
            "marketplace_url": f"https://www.discogs.com/sell/release/{rid}",
        }
    )

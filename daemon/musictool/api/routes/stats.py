"""/stats/*: the dashboard's charts, aggregated in SQL (store/stats.py) so no chart ships the rows themselves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from musictool.api.util import ctx_of, int_param, json_response
from musictool.store import stats

routes = web.RouteTableDef()
MAX_AGE = 60.0  # seconds: a chart may lag a change no event announces by at most this


class ChartCache:
    """Chart answers kept until an event says their inputs moved (an ingest, a sync, a match run), or MAX_AGE.
    db.cached drops its answers at every write, and while jobs run that is several times a second (progress,
    checkpoints), whereas a chart costs a scan of up to 100,000 index entries. Concurrent callers share one
    computation."""

    EVENTS = ("traktor.ingested", "discogs.synced", "matches.updated")

    def __init__(self, events: Any) -> None:
        self.values: dict[str, tuple[float, asyncio.Future[Any]]] = {}
        for name in self.EVENTS:
            events.on(name, self.clear)

    def clear(self, _event: Any = None) -> None:
        self.values.clear()

    async def get(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        hit = self.values.get(key)
        if hit is None or time.monotonic() - hit[0] > MAX_AGE or (hit[1].done() and hit[1].exception()):
            hit = (time.monotonic(), asyncio.ensure_future(compute()))
            self.values[key] = hit
        return await asyncio.shield(hit[1])


_caches: dict[int, ChartCache] = {}


def _cache(request: web.Request) -> ChartCache:
    ctx = ctx_of(request)
    if id(ctx) not in _caches:
        _caches[id(ctx)] = ChartCache(ctx.events)

        async def forget() -> None:
            _caches.pop(id(ctx), None)

        ctx.on_shutdown(forget)
    return _caches[id(ctx)]


@routes.get("/stats/growth")
async def growth(request: web.Request) -> web.Response:
    """Records added and tracks imported per month, with the digitisation rate at the end of each month."""
    db = ctx_of(request).db
    return json_response({"months": await _cache(request).get("growth", lambda: stats.growth(db))})


@routes.get("/stats/genres")
async def genres(request: web.Request) -> web.Response:
    """Genre and style share of the collection, and the top styles by year added."""
    top = int_param(request, "top", 8, minimum=1, maximum=30) or 8
    db = ctx_of(request).db
    return json_response(await _cache(request).get(f"genres:{top}", lambda: stats.genres(db, top)))


@routes.get("/stats/library")
async def library(request: web.Request) -> web.Response:
    """BPM and key (Camelot) distribution of the DJ library."""
    db = ctx_of(request).db
    return json_response(await _cache(request).get("library", lambda: stats.library(db)))


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

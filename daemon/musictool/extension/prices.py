"""Store prices the extension saw: kept per wishlist item and store; one at or below the target notifies."""

from __future__ import annotations

from typing import Any

from musictool.extension.pages import Page
from musictool.store import storepages as store

KIND = "price_target"
STORE_NAMES = {
    "bandcamp": "Bandcamp",
    "beatport": "Beatport",
    "discogs": "Discogs",
    "juno": "Juno Download",
    "traxsource": "Traxsource",
}


def _money(value: float, currency: str | None) -> str:
    return f"{value:.2f} {currency}" if currency else f"{value:.2f}"


async def observe(ctx: Any, item: dict[str, Any], page: Page) -> dict[str, Any] | None:
    """Record the price the page shows for this item; raise a notification when it meets the item's target."""
    if page.price is None or item["status"] not in ("wanted", "ordered"):
        return None
    row = await store.add_price(ctx.db, item["id"], page.store, page.url, page.price, page.currency)
    target = item["target_price"]
    comparable = not (page.currency and item["currency"]) or page.currency == item["currency"]
    if target is not None and comparable and page.price <= target:
        label = " - ".join(x for x in (item["artist"], item["title"]) if x) or f"item {item['id']}"
        where = STORE_NAMES.get(page.store, page.store)
        await ctx.notify(
            KIND,
            f"{label}: {_money(page.price, page.currency)} on {where}",
            f"At or below your target of {_money(target, item['currency'] or page.currency)}.",
            {
                "wishlist_id": item["id"],
                "store": page.store,
                "url": page.url,
                "price": page.price,
                "currency": page.currency,
                "target_price": target,
            },
            dedupe_key=f"{KIND}:{item['id']}:{page.store}:{page.price:.2f}",
        )
    return row

"""Marketplace prices for wanted releases (and gap releases), with history and price-drop notices.

Each run prices the `per_run` releases whose figures are oldest (never priced first): one stats request
and, while the account allows it, one price-suggestions request each. At the defaults (20 releases,
hourly) that is at most 40 requests an hour, far inside 60 per minute, and it shares the sync's
limiter and job resource, so the two never run at once.

A drop is judged against a reference price: the highest lowest-price seen since the last drop notice.
A fall of at least `drop_percent` below it, or a fall below the user's target price, gives one
notification; the reference then resets, so a price that stays low does not notify again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from musictool.integrations.discogs import mapping
from musictool.integrations.discogs.client import DiscogsClient, DiscogsError
from musictool.store import discogs as store
from musictool.store import kv

log = logging.getLogger(__name__)
SUGGESTIONS_OFF_KEY = "discogs.price_suggestions_unavailable"
EXTRA_TARGETS_VIEW = "discogs_price_targets"  # any view with a release_id column adds releases to watch


@dataclass
class PriceSettings:
    currency: str = "USD"
    per_run: int = 20
    drop_percent: float = 10.0
    suggestions: bool = True
    extra_max_age_days: float = 7.0


class PriceWatcher:
    def __init__(self, db: Any, client: DiscogsClient, settings: PriceSettings, notify: Any) -> None:
        self.db = db
        self.client = client
        self.s = settings
        self.notify = notify

    async def _extra_sources(self) -> list[str]:
        """Releases with gaps (library matches with no digital copy) and the optional view, when present."""
        return await store.extra_price_sources(self.db, EXTRA_TARGETS_VIEW)

    async def run(self, job: Any) -> dict[str, Any]:
        """Wants first (oldest price first); what is left of the budget goes to gap releases, each
        re-priced at most every `extra_max_age_days`."""
        wants = [int(t["release_id"]) for t in await store.price_targets(self.db, self.s.per_run)]
        stale = (datetime.now(UTC) - timedelta(days=self.s.extra_max_age_days)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        extras = await store.extra_price_targets(
            self.db, self.s.per_run - len(wants), await self._extra_sources(), stale
        )
        targets = wants + extras
        use_suggestions = self.s.suggestions and not await kv.get(self.db, SUGGESTIONS_OFF_KEY, False)
        priced = drops = 0
        gap_releases = set(extras) - set(wants)
        before = {rid: await store.latest_price(self.db, rid) for rid in gap_releases}
        for n, rid in enumerate(targets, 1):
            job.raise_if_cancelled()
            stats = await self.client.marketplace_stats(rid, self.s.currency or None)
            suggestions = None
            if use_suggestions:
                try:
                    suggestions = await self.client.price_suggestions(rid)
                except DiscogsError as exc:
                    if exc.status in (401, 403):
                        # needs seller settings on the account: stop spending a request per release on it
                        log.info("price suggestions unavailable for this account (%s); not asking again", exc)
                        await kv.set(self.db, SUGGESTIONS_OFF_KEY, True)
                        use_suggestions = False
                    elif exc.status != 404:
                        raise
            drops += await self._record(rid, stats, suggestions)
            if rid in gap_releases:
                await self._gap_buyable(rid, before.get(rid), stats)
            priced += 1
            await job.progress(n, len(targets), f"prices {n}/{len(targets)}")
        return {"priced": priced, "drops": drops, "wants": len(wants), "gap_releases": len(extras)}

    async def _gap_buyable(self, rid: int, prev: dict[str, Any] | None, stats: dict[str, Any]) -> None:
        """A release with tracks missing from the library went from nothing for sale to on sale."""
        now_for_sale = int(stats.get("num_for_sale") or 0)
        if prev is None or int(prev.get("num_for_sale") or 0) > 0 or now_for_sale <= 0:
            return  # never priced before (no news), was already buyable, or still is not
        lp = stats.get("lowest_price") or {}
        title = await store.release_title(self.db, rid)
        price = f" from {lp.get('currency')} {float(lp['value']):.2f}" if lp.get("value") is not None else ""
        await self.notify(
            "gap_buyable",
            f"Now for sale: {title}",
            f"{now_for_sale} cop{'y' if now_for_sale == 1 else 'ies'} on the Discogs marketplace{price}; "
            "it has tracks missing from your library",
            {
                "release_id": rid,
                "title": title,
                "num_for_sale": now_for_sale,
                "lowest_price": lp.get("value"),
                "currency": lp.get("currency"),
                "url": f"https://www.discogs.com/sell/release/{rid}",
            },
            dedupe_key=f"discogs.gap_buyable:{rid}:{prev.get('fetched_at')}",
        )

    async def _record(self, rid: int, stats: dict[str, Any], suggestions: dict[str, Any] | None) -> int:
        lp = stats.get("lowest_price") or None
        value = float(lp["value"]) if lp and lp.get("value") is not None else None
        currency = (lp or {}).get("currency") or self.s.currency or None
        prev = await store.latest_price(self.db, rid)
        now = mapping.now_iso()
        hist_id = await store.record_price(
            self.db,
            rid,
            value,
            currency,
            stats.get("num_for_sale"),
            bool(stats.get("blocked_from_sale")),
            suggestions,
            now,
        )
        ref = prev.get("reference_price") if prev else None
        if prev and prev.get("currency") != currency:
            ref = None
        if value is None:
            return 0
        target = await store.want_target(self.db, rid)
        prev_value = prev.get("lowest_price") if prev else None
        reason = None
        if ref is not None and value <= ref * (1 - self.s.drop_percent / 100):
            reason = "drop"
        if target is not None and value <= target and (prev_value is None or prev_value > target):
            reason = "target"
        if reason is None:
            await store.set_reference_price(self.db, rid, max(ref or value, value))
            return 0
        await store.set_reference_price(self.db, rid, value)
        title = await store.release_title(self.db, rid)
        was = f" (was {currency} {ref:.2f})" if ref is not None else ""
        body = f"Lowest price now {currency} {value:.2f}{was}, {stats.get('num_for_sale') or 0} for sale"
        if reason == "target":
            body += f"; your target is {currency} {target:.2f}"
        await self.notify(
            "price_drop",
            f"Price drop: {title}",
            body,
            {
                "release_id": rid,
                "lowest_price": value,
                "reference_price": ref,
                "target_price": target,
                "currency": currency,
                "reason": reason,
                "url": f"https://www.discogs.com/sell/release/{rid}",
            },
            dedupe_key=f"discogs.price_drop:{rid}:{hist_id}",
        )
        return 1

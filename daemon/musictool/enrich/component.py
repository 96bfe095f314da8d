"""Plugs enrichment into the daemon: batch, NML- and Discogs-provenance jobs, their triggers, /status."""

from __future__ import annotations

from typing import Any

from musictool.enrich.service import forget, service_of


async def setup(ctx: Any) -> None:
    svc = service_of(ctx)
    ctx.queue.register("enrich.batch", svc.handle_batch, resource="default")
    ctx.queue.register("enrich.nml", svc.handle_nml, resource="io")
    ctx.queue.register("enrich.discogs", svc.handle_discogs, resource="io")
    ctx.status_providers["enrichment"] = svc.status
    ctx.events.on("traktor.ingested", svc.on_ingested)
    ctx.events.on("matches.updated", svc.on_matches)
    if svc.policy_error:
        await ctx.notify(
            "config", "Provenance order not understood", svc.policy_error, dedupe_key=svc.policy_error
        )
    # catch up on ingests that happened while the daemon was down (cheap when nothing changed)
    await svc.request_nml()

    async def close() -> None:
        forget(ctx)

    ctx.on_shutdown(close)

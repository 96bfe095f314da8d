"""Plugs enrichment into the daemon: batch and NML-provenance jobs, the Traktor follower, /status."""

from __future__ import annotations

from typing import Any

from musictool.enrich.service import forget, service_of


async def setup(ctx: Any) -> None:
    svc = service_of(ctx)
    ctx.queue.register("enrich.batch", svc.handle_batch, resource="default")
    ctx.queue.register("enrich.nml", svc.handle_nml, resource="io")
    ctx.status_providers["enrichment"] = svc.status
    ctx.events.on("traktor.ingested", svc.on_ingested)
    if svc.policy_error:
        await ctx.notify(
            "config", "Provenance order not understood", svc.policy_error, dedupe_key=svc.policy_error
        )
    # catch up on ingests that happened while the daemon was down (cheap when nothing changed)
    await svc.request_nml()

    async def close() -> None:
        forget(ctx)

    ctx.on_shutdown(close)

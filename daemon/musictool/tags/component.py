"""Plugs file tags and library health into the daemon: the tag jobs (push, pull, sync, batch set, undo;
resource "io": file work) and the health pass and quick fixes, queued at start, after every Traktor
ingest and every [tags] health_interval seconds."""

from __future__ import annotations

from typing import Any

from musictool.library.health import Health, request_pass
from musictool.tags.service import TagJobs

HEALTH_JOB = "library.health"


async def setup(ctx: Any) -> None:
    jobs = TagJobs(ctx)
    ctx.queue.register("tags.push", jobs.push, resource="io")
    ctx.queue.register("tags.pull", jobs.pull, resource="io")
    ctx.queue.register("tags.sync", jobs.sync, resource="io")
    ctx.queue.register("tags.set", jobs.set, resource="io")
    ctx.queue.register("tags.undo", jobs.undo, resource="io")

    health = Health(ctx)
    ctx.health = health  # type: ignore[attr-defined] - read by the library health routes
    ctx.queue.register(HEALTH_JOB, health.refresh, resource="io")
    ctx.queue.register("library.fix", health.apply, resource="io")

    async def on_ingested(event: Any) -> None:
        await request_pass(ctx)

    ctx.events.on("traktor.ingested", on_ingested)
    ctx.schedule_interval(
        HEALTH_JOB + ".full",
        ctx.config.get("tags", "health_interval"),
        HEALTH_JOB,
        {"full": True},
        first_in=600,
    )
    await request_pass(ctx)

"""A daily `maintenance` job: finished jobs and read notifications older than 30 days go; failed jobs stay
until the user has seen them, and the timeline is history, so it is never pruned."""

from __future__ import annotations

from musictool.jobs import JobContext
from musictool.store import maintenance

KEEP_DAYS = 30


async def run(job: JobContext) -> dict[str, int]:
    return await maintenance.prune(job.app.db, KEEP_DAYS)


async def setup(ctx) -> None:  # noqa: ANN001 - AppContext
    ctx.queue.register("maintenance", run, resource="io")
    ctx.schedule_interval("maintenance", 24 * 3600, "maintenance", first_in=600)

"""SQL for housekeeping: prune finished jobs and read notifications, let SQLite re-plan and checkpoint."""

from __future__ import annotations

from musictool.store.db import Database


async def prune(db: Database, keep_days: int) -> dict[str, int]:
    cutoff = f"-{int(keep_days)} days"
    jobs = await db.execute_rowcount(
        "DELETE FROM jobs WHERE status IN ('succeeded', 'cancelled') "
        "AND finished_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
        (cutoff,),
    )
    notes = await db.execute_rowcount(
        "DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
        (cutoff,),
    )
    await db.execute("PRAGMA optimize")
    await db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return {"jobs_pruned": jobs, "notifications_pruned": notes}

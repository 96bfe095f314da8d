"""SQL for the persistent job queue (the runtime is musictool.jobs)."""

from __future__ import annotations

import json
import time
from typing import Any

from musictool.store.db import Database

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
COLUMNS = (
    "id, kind, resource, status, priority, attempts, max_attempts, dedupe_key, payload, state, result, error, "
    "progress_done, progress_total, progress_message, run_after, created_at, started_at, finished_at, updated_at"
)


def decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    for key in ("payload", "state", "result"):
        if row.get(key) is not None:
            row[key] = json.loads(row[key])
    return row


class QueueFull(Exception):
    """So many jobs of this kind wait already that another would only pile up work (answered as 429)."""

    def __init__(self, message: str, retry_after: float = 30.0):
        super().__init__(message)
        self.retry_after = retry_after


async def insert(
    db: Database,
    kind: str,
    resource: str,
    payload: dict[str, Any],
    dedupe_key: str | None,
    priority: int,
    max_attempts: int,
    run_after: float,
    max_queued: int | None = None,
) -> tuple[int, bool]:
    """Insert a queued job; (id, created). A live job with the same dedupe key is returned instead; with
    max_queued, QueueFull when that many jobs of this kind already wait."""
    async with db.transaction() as conn:
        if dedupe_key is not None:
            cursor = await conn.execute(
                "SELECT id FROM jobs WHERE dedupe_key = ? AND status IN ('queued', 'running')", (dedupe_key,)
            )
            row = await cursor.fetchone()
            if row:
                return row["id"], False
        if max_queued is not None:
            cursor = await conn.execute("SELECT count(*) AS n FROM jobs WHERE kind = ? AND status = 'queued'", (kind,))
            waiting = (await cursor.fetchone())["n"]
            if waiting >= max_queued:
                raise QueueFull(f"{waiting} {kind} jobs are queued already; try again when some have run")
        cursor = await conn.execute(
            "INSERT INTO jobs (kind, resource, payload, dedupe_key, priority, max_attempts, run_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, resource, json.dumps(payload), dedupe_key, priority, max_attempts, run_after),
        )
        return cursor.lastrowid, True


async def requeue_interrupted(db: Database) -> int:
    """Jobs left 'running' by a killed process go back to the queue (their checkpoint state is kept)."""
    return await db.execute_rowcount(
        f"UPDATE jobs SET status = 'queued', run_after = 0, updated_at = {NOW} WHERE status = 'running'"
    )


async def claim_next(db: Database, resource: str, kinds: list[str]) -> dict[str, Any] | None:
    """Mark the best ready job of these kinds running and return it."""
    if not kinds:
        return None
    marks = ",".join("?" * len(kinds))
    async with db.transaction() as conn:
        cursor = await conn.execute(
            f"SELECT id FROM jobs WHERE status = 'queued' AND run_after <= ? AND kind IN ({marks}) "
            "ORDER BY priority DESC, run_after, id LIMIT 1",
            (time.time(), *kinds),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute(
            f"UPDATE jobs SET status = 'running', attempts = attempts + 1, error = NULL, "
            f"started_at = {NOW}, updated_at = {NOW} WHERE id = ?",
            (row["id"],),
        )
        cursor = await conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (row["id"],))
        return decode(await cursor.fetchone())


async def next_run_after(db: Database, kinds: list[str]) -> float | None:
    if not kinds:
        return None
    marks = ",".join("?" * len(kinds))
    return await db.fetchval(
        f"SELECT min(run_after) FROM jobs WHERE status = 'queued' AND kind IN ({marks})", kinds
    )


async def set_progress(
    db: Database, job_id: int, done: int | None, total: int | None, message: str | None
) -> None:
    await db.execute(
        "UPDATE jobs SET progress_done = coalesce(?, progress_done), progress_total = coalesce(?, progress_total), "
        f"progress_message = coalesce(?, progress_message), updated_at = {NOW} WHERE id = ?",
        (done, total, message, job_id),
    )


async def set_state(db: Database, job_id: int, state: dict[str, Any]) -> None:
    await db.execute(
        f"UPDATE jobs SET state = ?, updated_at = {NOW} WHERE id = ?", (json.dumps(state), job_id)
    )


async def finish(
    db: Database, job_id: int, status: str, result: Any = None, error: str | None = None
) -> None:
    await db.execute(
        f"UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = {NOW}, updated_at = {NOW} WHERE id = ?",
        (status, None if result is None else json.dumps(result), error, job_id),
    )


async def retry_later(db: Database, job_id: int, run_after: float, error: str) -> None:
    await db.execute(
        f"UPDATE jobs SET status = 'queued', run_after = ?, error = ?, updated_at = {NOW} WHERE id = ?",
        (run_after, error, job_id),
    )


async def back_to_queue(db: Database, job_id: int) -> None:
    """A job interrupted by shutdown: it runs again next start without spending an attempt."""
    await db.execute(
        f"UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), run_after = 0, updated_at = {NOW} "
        "WHERE id = ? AND status = 'running'",
        (job_id,),
    )


async def cancel_queued(db: Database, job_id: int) -> bool:
    changed = await db.execute_rowcount(
        f"UPDATE jobs SET status = 'cancelled', finished_at = {NOW}, updated_at = {NOW} "
        "WHERE id = ? AND status = 'queued'",
        (job_id,),
    )
    return changed > 0


async def get(db: Database, job_id: int) -> dict[str, Any] | None:
    return decode(await db.fetchone(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,)))


async def list_(
    db: Database, limit: int, offset: int, status: str | None = None, kind: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    # reused until the next write: progress updates invalidate it, polling clients between them share it
    total = await db.cached("val", f"SELECT count(*) FROM jobs {clause}", params)
    rows = await db.cached(
        "all", f"SELECT {COLUMNS} FROM jobs {clause} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [decode(r) for r in rows], total


async def counts(db: Database) -> dict[str, int]:
    rows = await db.cached("all", "SELECT status, count(*) AS n FROM jobs GROUP BY status")  # until a write
    out = {s: 0 for s in ("queued", "running", "succeeded", "failed", "cancelled")}
    out.update({r["status"]: r["n"] for r in rows})
    return out

"""Notifications kept for the API and the tray; a dedupe key makes "one per drop, not one per poll" hold."""

from __future__ import annotations

import json
from typing import Any

from musictool.model.notifications import ATTENTION_KINDS, actions_for
from musictool.store.db import Database


async def add(
    db: Database, kind: str, title: str, body: str, data: Any = None, dedupe_key: str | None = None
) -> dict[str, Any] | None:
    """Store a notification; None when one with the same dedupe key already exists."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO notifications (kind, title, body, data, dedupe_key) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            (kind, title, body, None if data is None else json.dumps(data), dedupe_key),
        )
        if cursor.rowcount == 0:
            return None
        cursor = await conn.execute("SELECT * FROM notifications WHERE id = ?", (cursor.lastrowid,))
        return _decode(await cursor.fetchone())


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["data"] = None if row["data"] is None else json.loads(row["data"])
    row["actions"] = actions_for(row["kind"], row["data"])
    return row


async def get(db: Database, notification_id: int) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT * FROM notifications WHERE id = ?", (notification_id,))
    return None if row is None else _decode(row)


async def unread_counts(db: Database) -> dict[str, int]:
    """{"unread": n, "attention": n}: attention counts the unread ones the user has to act on."""
    rows = await db.fetchall(
        "SELECT kind, count(*) AS n FROM notifications WHERE read_at IS NULL GROUP BY kind"
    )
    return {
        "unread": sum(r["n"] for r in rows),
        "attention": sum(r["n"] for r in rows if r["kind"] in ATTENTION_KINDS),
    }


async def list_(
    db: Database, limit: int, offset: int, unread: bool = False, kind: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    where, params = [], []
    if unread:
        where.append("read_at IS NULL")
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = await db.fetchval(f"SELECT count(*) FROM notifications {clause}", params)
    rows = await db.fetchall(
        f"SELECT * FROM notifications {clause} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [_decode(r) for r in rows], total


async def mark_read(db: Database, notification_id: int) -> bool:
    changed = await db.execute_rowcount(
        "UPDATE notifications SET read_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND read_at IS NULL",
        (notification_id,),
    )
    return changed > 0


async def exists(db: Database, notification_id: int) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM notifications WHERE id = ?", (notification_id,)))

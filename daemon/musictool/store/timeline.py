"""What changed and when: a user-visible history of the collection growing."""

from __future__ import annotations

import json
from typing import Any

from musictool.store.db import Database


async def add(db: Database, source: str, kind: str, summary: str, data: Any = None) -> int:
    return await db.execute(
        "INSERT INTO timeline (source, kind, summary, data) VALUES (?, ?, ?, ?)",
        (source, kind, summary, None if data is None else json.dumps(data)),
    )


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["data"] = None if row["data"] is None else json.loads(row["data"])
    return row


async def list_(
    db: Database, limit: int, offset: int, source: str | None = None, kind: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    where, params = [], []
    if source:
        where.append("source = ?")
        params.append(source)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = await db.fetchval(f"SELECT count(*) FROM timeline {clause}", params)
    rows = await db.fetchall(
        f"SELECT id, at, source, kind, summary, data FROM timeline {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_decode(r) for r in rows], total

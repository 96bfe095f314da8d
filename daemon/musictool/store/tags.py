"""Tag batches and their per-file backups, the last-synced value of each (track, field), and the track rows
the tag jobs read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from musictool.store import enrichment
from musictool.store.provenance import encode, now_iso

TRACK_COLUMNS = (
    "id, path, location_key, artist, title, album, genre, comment, label, catalog_no, bpm, key, rating, "
    "release_date, isrc, lock, updated_at"
)


# -- tracks -------------------------------------------------------------------------------------------------
async def tracks_after(
    db: Any, after_id: int, limit: int, ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """The tag jobs' resumable walk, with the columns a tag write needs."""
    return await enrichment.tracks_after(db, after_id, limit, ids, TRACK_COLUMNS)


async def count_live(db: Any) -> int:
    return int(await db.fetchval("SELECT count(*) FROM tracks WHERE removed_at IS NULL") or 0)


async def ids_where(db: Any, q: str | None = None, genre: str | None = None) -> list[int]:
    """Track ids matching a batch edit's --where: words of the search text and/or a genre."""
    sql = "SELECT id FROM tracks WHERE removed_at IS NULL"
    params: list[Any] = []
    if genre is not None:
        sql += " AND genre = ? COLLATE NOCASE"
        params.append(genre)
    for word in (q or "").casefold().split():
        sql += " AND instr(search_text, ?) > 0"
        params.append(word)
    return [r["id"] for r in await db.fetchall(sql + " ORDER BY id", params)]


async def missing_ids(db: Any, ids: Sequence[int]) -> list[int]:
    found: set[int] = set()
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = await db.fetchall(f"SELECT id FROM tracks WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        found.update(r["id"] for r in rows)
    return [i for i in ids if i not in found]


async def set_path(db: Any, track_id: int, path: str) -> None:
    await db.execute("UPDATE tracks SET path = ?, updated_at = ? WHERE id = ?", (path, now_iso(), track_id))


# -- batches ------------------------------------------------------------------------------------------------
async def start_batch(db: Any, kind: str, summary: str, job_id: int | None) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO tag_batches (kind, summary, job_id) VALUES (?, ?, ?)", (kind, summary, job_id)
        )
        return int(cur.lastrowid)


async def finish_batch(db: Any, batch_id: int, status: str = "done") -> None:
    await db.execute(
        "UPDATE tag_batches SET status = ?, finished_at = ? WHERE id = ?", (status, now_iso(), batch_id)
    )


async def batch(db: Any, batch_id: int) -> dict[str, Any] | None:
    return await db.fetchone("SELECT * FROM tag_batches WHERE id = ?", (batch_id,))


async def last_undoable(db: Any) -> dict[str, Any] | None:
    """The newest batch that wrote files and was not undone."""
    return await db.fetchone(
        "SELECT b.* FROM tag_batches b WHERE b.status != 'undone' AND EXISTS (SELECT 1 FROM tag_backups f "
        "WHERE f.batch_id = b.id AND f.status IN ('written', 'restore_failed')) ORDER BY b.id DESC LIMIT 1"
    )


async def list_batches(db: Any, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM tag_batches")
    rows = await db.fetchall(
        "SELECT b.*, (SELECT count(*) FROM tag_backups f WHERE f.batch_id = b.id AND f.status = 'written') AS written, "
        "(SELECT count(*) FROM tag_backups f WHERE f.batch_id = b.id AND f.status = 'failed') AS failed "
        "FROM tag_batches b ORDER BY b.id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return rows, int(total or 0)


async def record_file(
    db: Any, batch_id: int, path: str, track_id: int | None, status: str, **cols: Any
) -> None:
    names = ["batch_id", "path", "track_id", "status", "at", *cols]
    values = [batch_id, path, track_id, status, now_iso(), *cols.values()]
    updates = ", ".join(f"{c} = excluded.{c}" for c in names[2:])
    await db.execute(
        f"INSERT INTO tag_backups ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT (batch_id, path) DO UPDATE SET {updates}",
        values,
    )


async def batch_files(db: Any, batch_id: int, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM tag_backups WHERE batch_id = ?"
    params: list[Any] = [batch_id]
    if statuses:
        sql += f" AND status IN ({','.join('?' * len(statuses))})"
        params.extend(statuses)
    return await db.fetchall(sql + " ORDER BY path", params)


# -- sync state ---------------------------------------------------------------------------------------------
async def sync_state(db: Any, track_id: int) -> dict[str, Any]:
    rows = await db.fetchall("SELECT field, value FROM tag_sync_state WHERE track_id = ?", (track_id,))
    return {r["field"]: json.loads(r["value"]) if r["value"] is not None else None for r in rows}


async def save_sync_state(db: Any, track_id: int, values: dict[str, Any]) -> None:
    if not values:
        return
    at = now_iso()
    await db.executemany(
        "INSERT INTO tag_sync_state (track_id, field, value, synced_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (track_id, field) DO UPDATE SET value = excluded.value, synced_at = excluded.synced_at",
        [(track_id, f, None if v is None else encode(v), at) for f, v in values.items()],
    )

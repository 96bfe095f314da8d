"""SQL for browser-extension pairing: one-time codes and the pairings they made (hashes only)."""

from __future__ import annotations

from typing import Any

from musictool.store.db import Database

_COLS = "id, origin, name, created_at, last_used_at, revoked_at"


async def add_code(db: Database, code_hash: str, expires_at: str) -> None:
    await db.execute(
        "INSERT INTO pairing_codes (code_hash, expires_at) VALUES (?, ?)", (code_hash, expires_at)
    )


async def redeem(
    db: Database, code_hash: str, now: str, origin: str, name: str, token_hash: str
) -> dict[str, Any] | None:
    """Use a live code once and record the pairing in the same transaction; None if the code is not live.

    A live pairing of the same origin is revoked first: re-pairing an extension replaces its token."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pairing_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
            (now, code_hash, now),
        )
        if cursor.rowcount == 0:
            return None
        await conn.execute(
            "UPDATE pairings SET revoked_at = ? WHERE origin = ? AND revoked_at IS NULL", (now, origin)
        )
        cursor = await conn.execute(
            "INSERT INTO pairings (origin, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
            (origin, name, token_hash, now),
        )
        cursor = await conn.execute(f"SELECT {_COLS} FROM pairings WHERE id = ?", (cursor.lastrowid,))
        return await cursor.fetchone()


async def burn_codes(db: Database, now: str) -> None:
    """Too many wrong codes: every outstanding code stops working."""
    await db.execute("UPDATE pairing_codes SET used_at = ? WHERE used_at IS NULL", (now,))


async def live(db: Database) -> list[dict[str, Any]]:
    return await db.fetchall(
        "SELECT id, origin, token_hash FROM pairings WHERE revoked_at IS NULL ORDER BY id"
    )


async def list_all(db: Database, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM pairings")
    rows = await db.fetchall(
        f"SELECT {_COLS} FROM pairings ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )
    return rows, total


async def get(db: Database, pairing_id: int) -> dict[str, Any] | None:
    return await db.fetchone(f"SELECT {_COLS} FROM pairings WHERE id = ?", (pairing_id,))


async def revoke(db: Database, pairing_id: int, now: str) -> bool:
    n = await db.execute_rowcount(
        "UPDATE pairings SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, pairing_id)
    )
    return n > 0


async def touch(db: Database, pairing_id: int, now: str) -> None:
    await db.execute("UPDATE pairings SET last_used_at = ? WHERE id = ?", (now, pairing_id))

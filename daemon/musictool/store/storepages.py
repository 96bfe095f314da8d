"""SQL for the browser extension's questions about a store page, and the store prices it reports."""

from __future__ import annotations

from typing import Any

from musictool.model.matching import VinylTrack
from musictool.store.db import Database
from musictool.store.library import _VINYL_SQL, _vinyl_from_rows
from musictool.store.traktor import _like

_OWNED_SQL = "EXISTS (SELECT 1 FROM collection_items c WHERE c.release_id = r.id AND c.removed_at IS NULL)"
_WANTED_SQL = "EXISTS (SELECT 1 FROM wants w WHERE w.release_id = r.id AND w.removed_at IS NULL)"
_RELEASE = (
    f"SELECT r.id, r.title, r.artists, r.labels_json, r.master_id, {_OWNED_SQL} AS owned, "
    f"{_WANTED_SQL} AS wanted FROM releases r"
)


async def release(db: Database, release_id: int) -> dict[str, Any] | None:
    return await db.fetchone(f"{_RELEASE} WHERE r.id = ?", (release_id,))


async def releases_of_master(db: Database, master_id: int) -> list[dict[str, Any]]:
    """The master's releases we know, owned ones first."""
    return await db.fetchall(
        f"{_RELEASE} WHERE r.master_id = ? ORDER BY owned DESC, wanted DESC, r.id", (master_id,)
    )


async def releases_titled(db: Database, words: list[str], limit: int = 200) -> list[dict[str, Any]]:
    """Releases whose title holds every one of these words (the caller scores them)."""
    where = " AND ".join("r.title LIKE ? ESCAPE '\\'" for _ in words)
    return await db.fetchall(
        f"{_RELEASE} WHERE {where} ORDER BY owned DESC, wanted DESC, r.id LIMIT ?",
        [*(_like(w) for w in words), limit],
    )


async def match_counts(db: Database, release_id: int) -> dict[str, int]:
    """An owned release's tracks as the gaps see them (unwanted ones left out)."""
    row = await db.fetchone(
        "SELECT count(*) AS total, "
        "coalesce(sum(CASE WHEN status IN ('matched', 'confirmed') THEN 1 ELSE 0 END), 0) AS have "
        "FROM matches WHERE release_id = ? AND ignored = 0",
        (release_id,),
    )
    assert row is not None
    return {"total": row["total"], "have": row["have"]}


async def release_vinyl(db: Database, release_id: int) -> list[VinylTrack]:
    """A known release's playable tracks, owned or not (a wanted record is matched on demand)."""
    sql = _VINYL_SQL.split(" WHERE ")[0] + " WHERE rt.type = 'track' AND rt.release_id = ? ORDER BY rt.idx"
    return _vinyl_from_rows(await db.fetchall(sql, (release_id,)))


async def candidate_tracks(
    db: Database, title_prefix: str, artist_prefix: str, limit: int = 300
) -> list[int]:
    """Library tracks whose title, or whose artist, starts with this text (case-insensitively).

    Prefixes walk the NOCASE title and artist indexes (the unary + keeps SQLite off the removed_at index), so a
    page's tracks cost milliseconds at 100,000 tracks where a substring search scans them all."""
    ids: list[int] = []
    for column, prefix in (("title", title_prefix), ("artist", artist_prefix)):
        if prefix:
            rows = await db.fetchall(
                f"SELECT id FROM tracks WHERE {column} LIKE ? ESCAPE '\\' AND +removed_at IS NULL LIMIT ?",
                (_prefix(prefix), limit),
            )
            ids += [r["id"] for r in rows]
    return ids


def _prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_WISH_COLS = (
    "id, release_id, position, artist, title, priority, target_price, currency, notes, status, source, url, "
    "store, created_at, updated_at"
)


async def wishlist_for_page(
    db: Database, url: str, release_id: int | None, artist: str, title: str
) -> dict[str, Any] | None:
    """The wishlist item this page is: same URL, else the same whole release, else the same artist and title."""
    row = await db.fetchone(f"SELECT {_WISH_COLS} FROM wishlist WHERE url = ? ORDER BY id LIMIT 1", (url,))
    if row is None and release_id:
        row = await db.fetchone(
            f"SELECT {_WISH_COLS} FROM wishlist WHERE release_id = ? AND position IS NULL ORDER BY id LIMIT 1",
            (release_id,),
        )
    if row is None and title:
        row = await db.fetchone(
            f"SELECT {_WISH_COLS} FROM wishlist WHERE position IS NULL AND title = ? COLLATE NOCASE "
            "AND coalesce(artist, '') = ? COLLATE NOCASE ORDER BY id LIMIT 1",
            (title, artist),
        )
    return row


async def add_price(
    db: Database, wishlist_id: int, store: str, url: str | None, price: float, currency: str | None
) -> dict[str, Any]:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO store_prices (wishlist_id, store, url, price, currency) VALUES (?, ?, ?, ?, ?)",
            (wishlist_id, store, url, price, currency),
        )
        cursor = await conn.execute("SELECT * FROM store_prices WHERE id = ?", (cursor.lastrowid,))
        row = await cursor.fetchone()
    assert row is not None
    return row


async def prices(db: Database, wishlist_id: int, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
    """Every price seen for an item, newest first, and how many there are."""
    total = await db.fetchval("SELECT count(*) FROM store_prices WHERE wishlist_id = ?", (wishlist_id,))
    rows = await db.fetchall(
        "SELECT id, store, url, price, currency, observed_at FROM store_prices WHERE wishlist_id = ? "
        "ORDER BY id DESC LIMIT ?",
        (wishlist_id, limit),
    )
    return rows, total


async def latest_prices(db: Database, wishlist_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per item, the newest price of each store (what the budget plan buys at)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(wishlist_ids), 500):
        chunk = wishlist_ids[start : start + 500]
        rows = await db.fetchall(
            "SELECT p.wishlist_id, p.store, p.url, p.price, p.currency, p.observed_at FROM store_prices p "
            "JOIN (SELECT max(id) AS id FROM store_prices "
            f"WHERE wishlist_id IN ({', '.join('?' * len(chunk))}) GROUP BY wishlist_id, store) l ON l.id = p.id",
            chunk,
        )
        for r in rows:
            out.setdefault(r.pop("wishlist_id"), []).append(r)
    return out


async def delete_prices(db: Database, wishlist_id: int) -> None:
    await db.execute("DELETE FROM store_prices WHERE wishlist_id = ?", (wishlist_id,))

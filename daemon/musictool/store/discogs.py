"""SQL for the Discogs aggregate: releases, tracks, collection copies, wants, prices, watch lists.

Rows come in already mapped (integrations/discogs/mapping.py). Bulk writes run on the writer thread
in one transaction each (a page of 100 items is one commit), so a killed sync loses at most the page
it was writing and never leaves half a page.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from musictool.store.db import Database

_RELEASE_BASIC_COLS = (
    "id",
    "title",
    "artists",
    "artists_json",
    "year",
    "labels_json",
    "formats_json",
    "genres_json",
    "styles_json",
    "thumb",
    "master_id",
)


# -- writer-thread helpers ------------------------------------------------------------------------------
CURSOR_KEY = "discogs.sync.cursor"


def _set_cursor(conn: sqlite3.Connection, cursor: dict[str, Any] | None) -> None:
    """The sync's resume point, written in the same transaction as the page it follows."""
    if cursor is not None:
        conn.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (CURSOR_KEY, json.dumps(cursor)),
        )


def _upsert_basic_releases(conn: sqlite3.Connection, rows: list[dict[str, Any]], now: str) -> None:
    """Insert releases we have not seen; refresh basic fields only while details are unknown."""
    cols = ", ".join(_RELEASE_BASIC_COLS)
    marks = ", ".join(f":{c}" for c in _RELEASE_BASIC_COLS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in _RELEASE_BASIC_COLS if c != "id")
    conn.executemany(
        f"INSERT INTO releases ({cols}, updated_at) VALUES ({marks}, :now) "
        f"ON CONFLICT (id) DO UPDATE SET {sets}, updated_at = excluded.updated_at "
        "WHERE releases.details_fetched_at IS NULL",
        [{**r, "now": now} for r in rows],
    )


def _apply_collection_items(
    conn: sqlite3.Connection,
    releases: list[dict[str, Any]],
    items: list[dict[str, Any]],
    run_id: int | None,
    now: str,
    cursor: dict[str, Any] | None,
) -> dict[str, Any]:
    _upsert_basic_releases(conn, releases, now)
    _set_cursor(conn, cursor)
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for it in items:
        old = conn.execute(
            "SELECT folder_id, rating, notes_json, removed_at FROM collection_items WHERE instance_id = ?",
            (it["instance_id"],),
        ).fetchone()
        adopted = old is None and _adopt_placeholder(conn, it["release_id"], it["instance_id"])
        if adopted:
            old = conn.execute(
                "SELECT folder_id, rating, notes_json, removed_at FROM collection_items WHERE instance_id = ?",
                (it["instance_id"],),
            ).fetchone()
        if old is None:
            conn.execute(
                "INSERT INTO collection_items (instance_id, release_id, folder_id, rating, date_added, added_utc, "
                "notes_json, first_seen_at, updated_at, seen_run) VALUES (:instance_id, :release_id, :folder_id, "
                ":rating, :date_added, :added_utc, :notes_json, :now, :now, :run)",
                {**it, "now": now, "run": run_id},
            )
            added.append(it)
            continue
        old = dict(old) if not isinstance(old, dict) else old
        diff = {k: (old[k], it[k]) for k in ("folder_id", "rating", "notes_json") if old[k] != it[k]}
        if adopted:
            pass  # the copy an export import stood in for: known already, now with its real id and values
        elif old["removed_at"] is not None:
            added.append(it)
        elif diff:
            changed.append({**it, "changes": diff})
        conn.execute(
            "UPDATE collection_items SET folder_id = :folder_id, rating = :rating, notes_json = :notes_json, "
            "date_added = :date_added, added_utc = :added_utc, removed_at = NULL, "
            "updated_at = CASE WHEN :dirty THEN :now ELSE updated_at END, seen_run = COALESCE(:run, seen_run) "
            "WHERE instance_id = :instance_id",
            {**it, "now": now, "run": run_id, "dirty": bool(diff) or old["removed_at"] is not None},
        )
    return {"added": added, "changed": changed}


def _adopt_placeholder(conn: sqlite3.Connection, release_id: int, instance_id: int) -> bool:
    """A synced copy we do not know yet takes over a copy of the same release that a Discogs export
    import made (negative instance id), so the release is not counted twice."""
    row = conn.execute(
        "SELECT instance_id FROM collection_items WHERE release_id = ? AND instance_id < 0 "
        "AND removed_at IS NULL ORDER BY instance_id DESC LIMIT 1",
        (release_id,),
    ).fetchone()
    if row is None:
        return False
    conn.execute(
        "UPDATE collection_items SET instance_id = ? WHERE instance_id = ?",
        (instance_id, row["instance_id"] if isinstance(row, dict) else row[0]),
    )
    return True


def _import_copies(
    conn: sqlite3.Connection,
    releases: list[dict[str, Any]],
    copies: list[dict[str, Any]],
    folders: dict[int, str],
    now: str,
) -> dict[str, int]:
    _upsert_basic_releases(conn, releases, now)
    real_folder: dict[int, int] = {}
    for fid, name in folders.items():
        row = conn.execute(
            "SELECT id FROM collection_folders WHERE lower(name) = lower(?) AND id > 0", (name,)
        ).fetchone()
        if row is not None:
            real_folder[fid] = row["id"] if isinstance(row, dict) else row[0]
        else:
            conn.execute(
                "INSERT INTO collection_folders (id, name, count, updated_at) VALUES (?, ?, 0, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (fid, name, now),
            )
    counts = {"added": 0, "updated": 0, "already_synced": 0}
    for c in copies:
        c = {**c, "folder_id": real_folder.get(c["folder_id"], c["folder_id"]), "now": now}
        done = conn.execute(
            "UPDATE collection_items SET folder_id = :folder_id, rating = :rating, notes_json = :notes_json, "
            "date_added = :date_added, added_utc = :added_utc, removed_at = NULL, updated_at = :now "
            "WHERE instance_id = :instance_id",
            c,
        ).rowcount
        if done:
            counts["updated"] += 1
            continue
        row = conn.execute(
            "SELECT count(*) AS n FROM collection_items WHERE release_id = ? AND instance_id > 0 "
            "AND removed_at IS NULL",
            (c["release_id"],),
        ).fetchone()
        synced = row["n"] if isinstance(row, dict) else row[0]
        if c["nth"] < synced:
            counts["already_synced"] += 1  # a sync brought this copy with its real id: leave it as synced
            continue
        conn.execute(
            "INSERT INTO collection_items (instance_id, release_id, folder_id, rating, date_added, added_utc, "
            "notes_json, first_seen_at, updated_at) VALUES (:instance_id, :release_id, :folder_id, :rating, "
            ":date_added, :added_utc, :notes_json, :now, :now)",
            c,
        )
        counts["added"] += 1
    conn.execute(
        "UPDATE collection_folders SET count = (SELECT count(*) FROM collection_items c WHERE "
        "c.folder_id = collection_folders.id AND c.removed_at IS NULL) WHERE id < 0 OR id = 1"
    )
    return counts


def _mark_unseen(
    conn: sqlite3.Connection, table: str, key: str, run_id: int, now: str, started: str
) -> list[int]:
    # rows written after the walk started (e.g. a want added through the API meanwhile) are not "unseen"
    rows = conn.execute(
        f"SELECT {key} AS k FROM {table} WHERE removed_at IS NULL AND (seen_run IS NULL OR seen_run != ?) "
        "AND updated_at < ?",
        (run_id, started),
    ).fetchall()
    ids = [r["k"] if isinstance(r, dict) else r[0] for r in rows]
    conn.executemany(
        f"UPDATE {table} SET removed_at = ?, updated_at = ? WHERE {key} = ?", [(now, now, i) for i in ids]
    )
    return ids


def _store_details(
    conn: sqlite3.Connection, row: dict[str, Any], tracks: list[dict[str, Any]], now: str
) -> None:
    cols = (*_RELEASE_BASIC_COLS, "country", "data_json")
    conn.execute(
        f"INSERT INTO releases ({', '.join(cols)}, details_fetched_at, details_error, updated_at) "
        f"VALUES ({', '.join(':' + c for c in cols)}, :now, NULL, :now) ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        + ", details_fetched_at = excluded.details_fetched_at, details_error = NULL, updated_at = excluded.updated_at",
        {**row, "now": now},
    )
    conn.execute("DELETE FROM release_tracks WHERE release_id = ?", (row["id"],))
    conn.executemany(
        "INSERT INTO release_tracks (release_id, position, idx, title, artists, artists_json, extraartists_json, "
        "duration, duration_seconds, type) VALUES (:release_id, :position, :idx, :title, :artists, :artists_json, "
        ":extraartists_json, :duration, :duration_seconds, :type)",
        tracks,
    )


def _apply_wants(
    conn: sqlite3.Connection,
    releases: list[dict[str, Any]],
    wants: list[dict[str, Any]],
    run_id: int | None,
    now: str,
    cursor: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    _upsert_basic_releases(conn, releases, now)
    _set_cursor(conn, cursor)
    added = []
    for w in wants:
        old = conn.execute("SELECT removed_at FROM wants WHERE release_id = ?", (w["release_id"],)).fetchone()
        if old is None or (old["removed_at"] if isinstance(old, dict) else old[0]) is not None:
            added.append(w)
        conn.execute(
            "INSERT INTO wants (release_id, rating, notes, added_at, seen_run, updated_at) "
            "VALUES (:release_id, :rating, :notes, COALESCE(:date_added, :now), :run, :now) "
            "ON CONFLICT (release_id) DO UPDATE SET rating = excluded.rating, notes = excluded.notes, "
            "removed_at = NULL, seen_run = COALESCE(excluded.seen_run, wants.seen_run), "
            "added_at = CASE WHEN wants.removed_at IS NULL THEN wants.added_at ELSE excluded.added_at END, "
            "updated_at = excluded.updated_at",
            {**w, "now": now, "run": run_id},
        )
    return added


# -- collection ---------------------------------------------------------------------------------------
async def apply_collection_items(
    db: Database,
    releases: list[dict[str, Any]],
    items: list[dict[str, Any]],
    run_id: int | None,
    now: str,
    cursor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Upsert one page of copies (and the resume cursor, atomically); returns {"added", "changed"}.
    A copy that re-appears after being marked removed counts as added."""
    return await db.run_in_writer(_apply_collection_items, releases, items, run_id, now, cursor)


async def import_copies(
    db: Database,
    releases: list[dict[str, Any]],
    copies: list[dict[str, Any]],
    folders: dict[int, str],
    now: str,
) -> dict[str, int]:
    """Copies from a Discogs collection export (integrations/discogs/csv_export.py), in one transaction:
    {"added", "updated" (imported before), "already_synced" (a sync brought that copy already)}."""
    return await db.run_in_writer(_import_copies, releases, copies, folders, now)


async def mark_unseen_removed(db: Database, run_id: int, now: str, started: str) -> list[int]:
    """After a complete walk: copies this run did not see were removed on Discogs."""
    return await db.run_in_writer(_mark_unseen, "collection_items", "instance_id", run_id, now, started)


async def live_instance_ids(db: Database, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    rows = await db.fetchall(
        f"SELECT instance_id FROM collection_items WHERE removed_at IS NULL AND instance_id IN "
        f"({', '.join('?' * len(ids))})",
        ids,
    )
    return {r["instance_id"] for r in rows}


async def count_seen(db: Database, run_id: int) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM collection_items WHERE seen_run = ? AND removed_at IS NULL", (run_id,)
    )


async def replace_folders(db: Database, folders: list[dict[str, Any]], now: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM collection_folders")
        await conn.executemany(
            "INSERT INTO collection_folders (id, name, count, updated_at) VALUES (?, ?, ?, ?)",
            [(f["id"], f["name"], f.get("count") or 0, now) for f in folders],
        )


async def folders(db: Database) -> list[dict[str, Any]]:
    return await db.fetchall("SELECT id, name, count FROM collection_folders ORDER BY id")


async def releases_needing_details(db: Database, stale_before: str, limit: int) -> list[dict[str, Any]]:
    """Releases we own with no tracklist yet (first), then details older than the TTL (oldest first).
    A release that failed (404) is retried only after the TTL. Rows: {id, details_fetched_at}."""
    return await db.fetchall(
        "SELECT r.id, r.details_fetched_at FROM releases r WHERE EXISTS (SELECT 1 FROM collection_items c WHERE c.release_id = r.id "
        "AND c.removed_at IS NULL) AND ((r.details_fetched_at IS NULL AND (r.details_error IS NULL "
        "OR r.updated_at < :stale)) OR r.details_fetched_at < :stale) "
        "ORDER BY r.details_fetched_at IS NOT NULL, r.details_fetched_at, r.id LIMIT :limit",
        {"stale": stale_before, "limit": limit},
    )


async def store_details(db: Database, row: dict[str, Any], tracks: list[dict[str, Any]], now: str) -> None:
    await db.run_in_writer(_store_details, row, tracks, now)


async def mark_details_error(db: Database, release_id: int, error: str, now: str) -> None:
    await db.execute(
        "UPDATE releases SET details_error = ?, updated_at = ? WHERE id = ?", (error, now, release_id)
    )


# -- wants --------------------------------------------------------------------------------------------
async def apply_wants(
    db: Database,
    releases: list[dict[str, Any]],
    wants: list[dict[str, Any]],
    run_id: int | None,
    now: str,
    cursor: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    return await db.run_in_writer(_apply_wants, releases, wants, run_id, now, cursor)


async def mark_unseen_wants_removed(db: Database, run_id: int, now: str, started: str) -> list[int]:
    return await db.run_in_writer(_mark_unseen, "wants", "release_id", run_id, now, started)


async def set_want_target(db: Database, release_id: int, target_price: float | None) -> None:
    await db.execute("UPDATE wants SET target_price = ? WHERE release_id = ?", (target_price, release_id))


async def remove_want(db: Database, release_id: int, now: str) -> bool:
    n = await db.execute_rowcount(
        "UPDATE wants SET removed_at = ?, updated_at = ? WHERE release_id = ? AND removed_at IS NULL",
        (now, now, release_id),
    )
    return n > 0


async def count_wants_seen(db: Database, run_id: int) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM wants WHERE seen_run = ? AND removed_at IS NULL", (run_id,)
    )


# -- reads for the API ----------------------------------------------------------------------------------
def _release_out(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "title": r["title"],
        "artists": r["artists"],
        "artists_detail": json.loads(r["artists_json"] or "[]"),
        "year": r["year"],
        "labels": json.loads(r["labels_json"] or "[]"),
        "formats": json.loads(r["formats_json"] or "[]"),
        "genres": json.loads(r["genres_json"] or "[]"),
        "styles": json.loads(r["styles_json"] or "[]"),
        "thumb": r["thumb"],
        "details_fetched_at": r["details_fetched_at"],
    }


async def tracks_for(db: Database, release_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in release_ids}
    for start in range(0, len(release_ids), 500):
        chunk = release_ids[start : start + 500]
        rows = await db.cached(  # a collection page's tracklists: reused until the next write
            "all",
            "SELECT release_id, position, idx, title, artists, duration, duration_seconds, type FROM release_tracks "
            f"WHERE release_id IN ({', '.join('?' * len(chunk))}) ORDER BY release_id, idx",
            chunk,
        )
        for t in rows:
            out[t.pop("release_id")].append(t)
    return out


_LIST_COLS = (*(c for c in _RELEASE_BASIC_COLS if c != "master_id"), "details_fetched_at")
_R_COLS = ", ".join(f"r.{c}" for c in _LIST_COLS)  # never r.*: data_json is large


async def list_collection_releases(
    db: Database, limit: int, offset: int, q: str | None = None, folder_id: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Releases with at least one copy in the collection, newest addition first, with tracklists.
    Copies are aggregated first (narrow rows), then only the page is joined to releases."""
    live_where, params = "removed_at IS NULL", []
    with_hits, hit_params = "", []
    if folder_id is not None:
        live_where += " AND folder_id = ?"
        params.append(folder_id)
    if q:  # matched on the narrow releases_search index first, never by reading the wide release rows
        with_hits = (
            "WITH hits AS MATERIALIZED (SELECT id FROM releases INDEXED BY releases_search "
            "WHERE title LIKE ? OR artists LIKE ? OR labels_json LIKE ?) "
        )
        hit_params = [f"%{q}%"] * 3
        live_where += " AND release_id IN hits"
    live = (
        f"SELECT release_id, max(added_utc) AS last_added, count(*) AS copies FROM collection_items "
        f"WHERE {live_where} GROUP BY release_id"
    )
    # page the narrow aggregate, then join only the page's releases; both aggregate every copy, so they are
    # reused until the next write (db.cached)
    total = await db.cached(
        "val",
        f"{with_hits}SELECT count(DISTINCT release_id) FROM collection_items WHERE {live_where}",
        [*hit_params, *params],
    )
    rows = await db.cached(
        "all",
        f"{with_hits}SELECT {_R_COLS}, l.last_added, l.copies FROM ({live} ORDER BY last_added DESC, "
        "release_id DESC LIMIT ? OFFSET ?) l JOIN releases r ON r.id = l.release_id "
        "ORDER BY l.last_added DESC, l.release_id DESC",
        [*hit_params, *params, limit, offset],
    )
    tracks = await tracks_for(db, [r["id"] for r in rows])
    items = []
    for r in rows:
        out = _release_out(r)
        out["copies"] = r["copies"]
        out["date_added"] = r["last_added"]
        out["tracklist"] = [
            {
                "position": t["position"],
                "title": t["title"],
                "duration": t["duration"],
                "artists": t["artists"],
                "type": t["type"],
            }
            for t in tracks[r["id"]]
        ]
        items.append(out)
    return items, total


async def get_release(db: Database, release_id: int) -> dict[str, Any] | None:
    r = await db.fetchone("SELECT * FROM releases WHERE id = ?", (release_id,))
    if r is None:
        return None
    out = _release_out(r)
    out["country"] = r["country"]
    out["details_error"] = r["details_error"]
    out["tracklist"] = (await tracks_for(db, [release_id]))[release_id]
    out["instances"] = await db.fetchall(
        "SELECT instance_id, folder_id, rating, date_added, notes_json, removed_at FROM collection_items "
        "WHERE release_id = ? ORDER BY added_utc",
        (release_id,),
    )
    for i in out["instances"]:
        i["notes"] = json.loads(i.pop("notes_json") or "null")
    out["in_collection"] = any(i["removed_at"] is None for i in out["instances"])
    want = await db.fetchone(
        "SELECT rating, notes, added_at, target_price FROM wants WHERE release_id = ? AND removed_at IS NULL",
        (release_id,),
    )
    out["want"] = want
    out["price"] = await latest_price(db, release_id)
    return out


async def list_wants(db: Database, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM wants WHERE removed_at IS NULL")
    rows = await db.fetchall(
        f"SELECT w.release_id, w.rating, w.notes, w.added_at, w.target_price, {_R_COLS}, p.lowest_price, "
        "p.currency AS price_currency, p.num_for_sale, p.fetched_at AS price_fetched_at FROM wants w "
        "JOIN releases r ON r.id = w.release_id LEFT JOIN prices p ON p.release_id = w.release_id "
        "WHERE w.removed_at IS NULL ORDER BY w.added_at DESC, w.release_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [_want_out(r) for r in rows], total


def _want_out(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "release_id": r["release_id"],
        "rating": r["rating"],
        "notes": r["notes"],
        "added_at": r["added_at"],
        "target_price": r["target_price"],
        "release": _release_out(r),
        "price": None
        if r["price_fetched_at"] is None
        else {
            "lowest_price": r["lowest_price"],
            "currency": r["price_currency"],
            "num_for_sale": r["num_for_sale"],
            "fetched_at": r["price_fetched_at"],
        },
    }


async def get_want(db: Database, release_id: int) -> dict[str, Any] | None:
    r = await db.fetchone(
        f"SELECT w.release_id, w.rating, w.notes, w.added_at, w.target_price, {_R_COLS}, p.lowest_price, "
        "p.currency AS price_currency, p.num_for_sale, p.fetched_at AS price_fetched_at FROM wants w "
        "JOIN releases r ON r.id = w.release_id LEFT JOIN prices p ON p.release_id = w.release_id "
        "WHERE w.release_id = ? AND w.removed_at IS NULL",
        (release_id,),
    )
    return None if r is None else _want_out(r)


async def counts(db: Database) -> dict[str, int]:
    row = await db.cached(
        "one",
        "SELECT (SELECT count(*) FROM collection_items WHERE removed_at IS NULL) AS copies, "
        "(SELECT count(DISTINCT release_id) FROM collection_items WHERE removed_at IS NULL) AS releases, "
        "(SELECT count(*) FROM wants WHERE removed_at IS NULL) AS wants, "
        "(SELECT count(*) FROM releases r WHERE details_fetched_at IS NULL AND EXISTS (SELECT 1 FROM "
        "collection_items c WHERE c.release_id = r.id AND c.removed_at IS NULL)) AS without_details",
    )
    return dict(row or {})


# -- prices ---------------------------------------------------------------------------------------------
async def latest_price(db: Database, release_id: int) -> dict[str, Any] | None:
    r = await db.fetchone("SELECT * FROM prices WHERE release_id = ?", (release_id,))
    if r is None:
        return None
    r["suggestions"] = json.loads(r.pop("suggestions_json") or "{}")
    r["blocked_from_sale"] = bool(r["blocked_from_sale"])
    return r


async def price_history(db: Database, release_id: int, limit: int = 500) -> list[dict[str, Any]]:
    return await db.fetchall(
        "SELECT fetched_at, lowest_price, currency, num_for_sale FROM price_history WHERE release_id = ? "
        "ORDER BY id DESC LIMIT ?",
        (release_id, limit),
    )


def _record_price(
    conn: sqlite3.Connection,
    release_id: int,
    lowest: float | None,
    currency: str | None,
    num: int | None,
    blocked: bool,
    suggestions: dict[str, Any] | None,
    now: str,
) -> int:
    conn.execute(
        "INSERT INTO prices (release_id, lowest_price, currency, num_for_sale, blocked_from_sale, suggestions_json, "
        "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (release_id) DO UPDATE SET "
        "lowest_price = excluded.lowest_price, currency = excluded.currency, num_for_sale = excluded.num_for_sale, "
        "blocked_from_sale = excluded.blocked_from_sale, "
        "suggestions_json = COALESCE(excluded.suggestions_json, prices.suggestions_json), "
        "fetched_at = excluded.fetched_at",
        (
            release_id,
            lowest,
            currency,
            num,
            int(blocked),
            None if suggestions is None else json.dumps(suggestions),
            now,
        ),
    )
    cur = conn.execute(
        "INSERT INTO price_history (release_id, fetched_at, lowest_price, currency, num_for_sale) "
        "VALUES (?, ?, ?, ?, ?)",
        (release_id, now, lowest, currency, num),
    )
    return int(cur.lastrowid or 0)


async def record_price(
    db: Database,
    release_id: int,
    lowest: float | None,
    currency: str | None,
    num: int | None,
    blocked: bool,
    suggestions: dict[str, Any] | None,
    now: str,
) -> int:
    """Latest figures + one history row; returns the history row id (used in notification dedupe keys)."""
    return await db.run_in_writer(_record_price, release_id, lowest, currency, num, blocked, suggestions, now)


async def price_targets(db: Database, limit: int) -> list[dict[str, Any]]:
    """Wanted releases, never-priced first, then the oldest price first."""
    return await db.fetchall(
        "SELECT w.release_id, w.target_price, p.fetched_at FROM wants w "
        "LEFT JOIN prices p ON p.release_id = w.release_id WHERE w.removed_at IS NULL "
        "ORDER BY p.fetched_at IS NOT NULL, p.fetched_at, w.release_id LIMIT ?",
        (limit,),
    )


async def extra_price_targets(db: Database, limit: int, sources: list[str], stale_before: str) -> list[int]:
    """Other releases to price (gap releases, a `discogs_price_targets` view): not wanted, and never priced
    or priced before `stale_before`; never-priced first."""
    if not sources or limit <= 0:
        return []
    union = " UNION ".join(f"SELECT release_id FROM ({sql})" for sql in sources)
    rows = await db.fetchall(
        f"SELECT t.release_id FROM ({union}) t LEFT JOIN prices p ON p.release_id = t.release_id "
        "WHERE t.release_id IS NOT NULL AND t.release_id NOT IN (SELECT release_id FROM wants WHERE removed_at IS NULL) "
        "AND (p.fetched_at IS NULL OR p.fetched_at < ?) "
        "ORDER BY p.fetched_at IS NOT NULL, p.fetched_at, t.release_id LIMIT ?",
        (stale_before, limit),
    )
    return [r["release_id"] for r in rows]


async def set_reference_price(db: Database, release_id: int, value: float | None) -> None:
    await db.execute("UPDATE prices SET reference_price = ? WHERE release_id = ?", (value, release_id))


async def want_target(db: Database, release_id: int) -> float | None:
    return await db.fetchval(
        "SELECT target_price FROM wants WHERE release_id = ? AND removed_at IS NULL", (release_id,)
    )


async def release_title(db: Database, release_id: int) -> str:
    r = await db.fetchone("SELECT artists, title FROM releases WHERE id = ?", (release_id,))
    if not r:
        return f"release {release_id}"
    return f"{r['artists']} – {r['title']}" if r["artists"] else r["title"]


# -- new-release watch ---------------------------------------------------------------------------------
async def top_entities(db: Database, kind: str, n: int) -> list[dict[str, Any]]:
    """The artists or labels with the most copies in the collection (Various / Not On Label skipped)."""
    col = "artists_json" if kind == "artist" else "labels_json"
    skip = (194,) if kind == "artist" else (750,)
    return await db.fetchall(
        f"SELECT json_extract(j.value, '$.id') AS id, json_extract(j.value, '$.name') AS name, "
        f"count(*) AS copies FROM collection_items c JOIN releases r ON r.id = c.release_id, json_each(r.{col}) j "
        f"WHERE c.removed_at IS NULL AND json_extract(j.value, '$.id') IS NOT NULL "
        f"AND json_extract(j.value, '$.id') NOT IN ({', '.join('?' * len(skip))}) "
        "GROUP BY 1 ORDER BY copies DESC, id LIMIT ?",
        (*skip, n),
    )


async def watch_entity(db: Database, kind: str, entity_id: int) -> dict[str, Any] | None:
    return await db.fetchone(
        "SELECT * FROM discogs_watch_entities WHERE entity_type = ? AND entity_id = ?", (kind, entity_id)
    )


async def seen_keys(db: Database, kind: str, entity_id: int) -> set[str]:
    rows = await db.fetchall(
        "SELECT item_key FROM discogs_watch_seen WHERE entity_type = ? AND entity_id = ?", (kind, entity_id)
    )
    return {r["item_key"] for r in rows}


async def record_watch(
    db: Database,
    kind: str,
    entity_id: int,
    name: str | None,
    new_items: list[dict[str, Any]],
    announce: bool,
    now: str,
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO discogs_watch_entities (entity_type, entity_id, name, first_polled_at, last_polled_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET last_polled_at = excluded.last_polled_at, "
            "name = COALESCE(excluded.name, discogs_watch_entities.name)",
            (kind, entity_id, name, now, now),
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO discogs_watch_seen (entity_type, entity_id, item_key, title, year, first_seen_at, "
            "announced) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (kind, entity_id, i["key"], i.get("title"), i.get("year"), now, int(announce))
                for i in new_items
            ],
        )


async def release_known(db: Database, release_id: int) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM releases WHERE id = ?", (release_id,)))


async def item_release(db: Database, instance_id: int) -> int | None:
    """The release of a collection item (kept after it was removed)."""
    return await db.fetchval("SELECT release_id FROM collection_items WHERE instance_id = ?", (instance_id,))


async def extra_price_sources(db: Database, view: str) -> list[str]:
    """Queries of release ids worth pricing besides the wants: releases with gaps (library matches with no
    digital copy) and the optional view `view`, each when present."""
    names = {
        r["name"]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type IN ('view', 'table') AND name IN ('matches', ?)", (view,)
        )
    }
    sources = []
    if "matches" in names:
        sources.append(
            "SELECT DISTINCT release_id FROM matches WHERE status IN ('none', 'suggested') AND ignored = 0"
        )
    if view in names:
        sources.append(f'SELECT release_id FROM "{view}"')
    return sources

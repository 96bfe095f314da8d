"""SQL for the library aggregate: matches, decisions, gap ignores, wishlist, and the inputs they derive from.

Inputs are read from tables other parts own (tracks, releases, release_tracks, collection_items, wants,
prices, track_enrichment) through the columns docs/ARCHITECTURE.md lists. Outputs go to 004_library.sql.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from musictool.model.matching import Decisions, DigitalTrack, ReleaseSignals, VinylTrack
from musictool.store.db import Database

# Owned records: at least one copy still in the collection, tracklist known.
_OWNED = "EXISTS (SELECT 1 FROM collection_items ci WHERE ci.release_id = r.id AND ci.removed_at IS NULL)"
_CHUNK = 500


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _json(raw: str | None, default: Any) -> Any:
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


# -- inputs ---------------------------------------------------------------------------------------------


def _vinyl_from_rows(rows: list[dict[str, Any]]) -> list[VinylTrack]:
    out: list[VinylTrack] = []
    for r in rows:
        labels = _json(r["labels_json"], [])
        rel_artists = _json(r["rel_artists_json"], [])
        trk_artists = _json(r["artists_json"], []) if r["track_artists"] else []
        credit = r["track_artists"] or r["rel_artists"] or ""
        variations = tuple(
            a["anv"] for a in (trk_artists or rel_artists) if isinstance(a, dict) and a.get("anv")
        )
        out.append(
            VinylTrack(
                release_id=r["release_id"],
                position=r["position"],
                title=r["title"] or "",
                artists=credit,
                release_title=r["release_title"] or "",
                labels=tuple(x.get("name") or "" for x in labels if isinstance(x, dict)),
                catnos=tuple(x.get("catno") or "" for x in labels if isinstance(x, dict)),
                duration=r["duration_seconds"],
                artist_variations=variations,
            )
        )
    return out


_VINYL_SQL = (
    "SELECT rt.release_id, rt.position, rt.title, rt.artists AS track_artists, rt.artists_json, "
    "rt.duration_seconds, r.title AS release_title, r.artists AS rel_artists, "
    "r.artists_json AS rel_artists_json, r.labels_json "
    "FROM release_tracks rt JOIN releases r ON r.id = rt.release_id "
    f"WHERE rt.type = 'track' AND {_OWNED}"
)


async def load_vinyl(db: Database, release_ids: Sequence[int] | None = None) -> list[VinylTrack]:
    """Playable tracks of owned records (all, or of the given releases), in tracklist order."""
    if release_ids is None:
        return _vinyl_from_rows(await db.fetchall(_VINYL_SQL + " ORDER BY rt.release_id, rt.idx"))
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(list(release_ids)):
        rows += await db.fetchall(
            _VINYL_SQL + f" AND rt.release_id IN ({_marks(len(chunk))}) ORDER BY rt.release_id, rt.idx", chunk
        )
    return _vinyl_from_rows(rows)


async def _has_table(db: Database, name: str) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))


async def load_digital(db: Database, track_ids: Sequence[int] | None = None) -> list[DigitalTrack]:
    """Tracks in the Traktor collection (removed ones excluded), with identifiers enrichment found."""
    enrich = await _has_table(db, "track_enrichment")
    cols = (
        "t.id, t.artist, t.title, t.album, t.label, t.catalog_no, t.duration, t.path, t.file, t.mix, t.isrc"
    )
    if enrich:
        sql = (
            f"SELECT {cols}, e.recording_mbid, e.acoustid_id FROM tracks t "
            "LEFT JOIN track_enrichment e ON e.track_id = t.id WHERE t.removed_at IS NULL"
        )
    else:
        sql = f"SELECT {cols}, NULL AS recording_mbid, NULL AS acoustid_id FROM tracks t WHERE t.removed_at IS NULL"
    rows: list[dict[str, Any]] = []
    if track_ids is None:
        rows = await db.fetchall(sql)
    else:
        for chunk in _chunks(list(track_ids)):
            rows += await db.fetchall(sql + f" AND t.id IN ({_marks(len(chunk))})", chunk)
    out = []
    for r in rows:
        ids = {}
        if r["isrc"]:
            ids["isrc"] = r["isrc"]
        if r["recording_mbid"]:
            ids["mb_recording_id"] = r["recording_mbid"]
        if r["acoustid_id"]:
            ids["acoustid_id"] = r["acoustid_id"]
        out.append(
            DigitalTrack(
                id=r["id"],
                artist=r["artist"] or "",
                title=r["title"] or "",
                album=r["album"] or "",
                label=r["label"] or "",
                catalog_no=r["catalog_no"] or "",
                duration=r["duration"],
                path=r["path"] or r["file"] or "",
                mix=r["mix"] or "",
                ids=ids,
            )
        )
    return out


async def load_decisions(db: Database) -> Decisions:
    rows = await db.fetchall("SELECT release_id, position, track_id, decision FROM match_decisions")
    d = Decisions()
    for r in rows:
        if r["decision"] == "confirmed":
            d.confirmed[(r["release_id"], r["position"])] = r["track_id"]
        else:
            d.rejected.add((r["release_id"], r["position"], r["track_id"]))
    return d


async def change_marks(db: Database) -> dict[str, str]:
    """High-water marks of the inputs; a later run recomputes only what moved past them.

    tracks/releases/items change matches; wants/prices/wishlist only change gap priorities.
    """
    row = await db.fetchone(
        "SELECT (SELECT max(updated_at) FROM tracks) AS t_upd, (SELECT max(removed_at) FROM tracks) AS t_rem, "
        "(SELECT max(updated_at) FROM releases) AS releases, (SELECT max(updated_at) FROM collection_items) AS items, "
        "(SELECT max(updated_at) FROM wants) AS wants, (SELECT max(fetched_at) FROM prices) AS prices, "
        "(SELECT max(updated_at) FROM wishlist) AS wishlist"
    )
    assert row is not None
    return {
        "tracks": max(row["t_upd"] or "", row["t_rem"] or ""),
        "releases": row["releases"] or "",
        "items": row["items"] or "",
        "wants": row["wants"] or "",
        "prices": row["prices"] or "",
        "wishlist": row["wishlist"] or "",
    }


async def changed_since(
    db: Database, old: dict[str, str], new: dict[str, str]
) -> tuple[list[int], list[int]]:
    """(track ids, release ids) that changed between two sets of marks."""
    tracks = await db.fetchall(
        "SELECT id FROM tracks WHERE (updated_at > ? AND updated_at <= ?) OR (removed_at > ? AND removed_at <= ?)",
        (old.get("tracks", ""), new["tracks"], old.get("tracks", ""), new["tracks"]),
    )
    releases = await db.fetchall(
        "SELECT id FROM releases WHERE updated_at > ? AND updated_at <= ? "
        "UNION SELECT release_id FROM collection_items WHERE updated_at > ? AND updated_at <= ?",
        (old.get("releases", ""), new["releases"], old.get("items", ""), new["items"]),
    )
    return [r["id"] for r in tracks], [next(iter(r.values())) for r in releases]


async def priority_changes(db: Database, old: dict[str, str], new: dict[str, str]) -> list[int]:
    """Releases whose want, price or wishlist state changed between two sets of marks."""
    rows = await db.fetchall(
        "SELECT release_id FROM wants WHERE updated_at > ? AND updated_at <= ? "
        "UNION SELECT release_id FROM prices WHERE fetched_at > ? AND fetched_at <= ? "
        "UNION SELECT release_id FROM wishlist WHERE release_id IS NOT NULL AND updated_at > ? AND updated_at <= ?",
        (
            old.get("wants", ""),
            new["wants"],
            old.get("prices", ""),
            new["prices"],
            old.get("wishlist", ""),
            new["wishlist"],
        ),
    )
    return [r["release_id"] for r in rows]


async def releases_matched_to(db: Database, track_ids: Sequence[int]) -> list[int]:
    out: set[int] = set()
    for chunk in _chunks(list(track_ids)):
        rows = await db.fetchall(
            f"SELECT DISTINCT release_id FROM matches WHERE track_id IN ({_marks(len(chunk))})", chunk
        )
        out.update(r["release_id"] for r in rows)
    return sorted(out)


# -- writing matches ------------------------------------------------------------------------------------

_UPSERT = (
    "INSERT INTO matches (release_id, position, track_id, confidence, status, reasons_json, artist, label, "
    "ignored, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "EXISTS (SELECT 1 FROM gap_ignores g WHERE g.release_id = ?1 AND g.position = ?2), "
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
    "ON CONFLICT (release_id, position) DO UPDATE SET track_id = excluded.track_id, "
    "confidence = excluded.confidence, status = excluded.status, reasons_json = excluded.reasons_json, "
    "artist = excluded.artist, label = excluded.label, ignored = excluded.ignored, "
    "computed_at = excluded.computed_at"
)


def _write(conn: sqlite3.Connection, results: list[dict], release_ids: list[int] | None) -> None:
    rows = [
        (
            r["release_id"],
            r["position"],
            r["track_id"],
            r["confidence"],
            r["status"],
            json.dumps(r["reasons"]),
            r.get("artist") or "",
            r.get("label") or "",
        )
        for r in results
    ]
    if release_ids is None:
        # Full run: forget tracks of records that left the collection.
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _keep (release_id INTEGER, position TEXT)")
        conn.execute("DELETE FROM _keep")
        conn.executemany("INSERT INTO _keep VALUES (?, ?)", [(r[0], r[1]) for r in rows])
        conn.execute(
            "DELETE FROM matches WHERE NOT EXISTS (SELECT 1 FROM _keep k "
            "WHERE k.release_id = matches.release_id AND k.position = matches.position)"
        )
        conn.execute("DELETE FROM _keep")
    else:
        keep = {(r[0], r[1]) for r in rows}
        for chunk in _chunks(release_ids):
            stale = conn.execute(
                f"SELECT release_id, position FROM matches WHERE release_id IN ({_marks(len(chunk))})", chunk
            ).fetchall()
            pairs = [(s["release_id"], s["position"]) if isinstance(s, dict) else (s[0], s[1]) for s in stale]
            conn.executemany(
                "DELETE FROM matches WHERE release_id = ? AND position = ?",
                [p for p in pairs if p not in keep],
            )
    conn.executemany(_UPSERT, rows)


async def write_matches(
    db: Database, results: list[dict], release_ids: list[int] | None = None, vinyl: Sequence[VinylTrack] = ()
) -> None:
    """Store results; with release_ids, only those releases are replaced (others are untouched).

    `vinyl` supplies each track's artist credit and first label, kept on the row for cheap filters.
    """
    if vinyl:
        info = {t.key: (t.artists, t.labels[0] if t.labels else "") for t in vinyl}
        for r in results:
            r["artist"], r["label"] = info.get((r["release_id"], r["position"]), ("", ""))
    await db.run_in_writer(_write, results, release_ids)


# -- priorities -----------------------------------------------------------------------------------------


async def release_signals(db: Database, release_ids: Sequence[int] | None = None) -> list[ReleaseSignals]:
    """Per release: tracks, digital tracks, plays and rating of the matched ones, want, price, date added."""
    where, params = "", []
    if release_ids is not None:
        if not release_ids:
            return []
        where = f"AND r.id IN ({_marks(len(release_ids))})"
        params = list(release_ids)
    rows = await db.fetchall(
        "SELECT r.id AS release_id, "
        "  (SELECT count(*) FROM release_tracks rt WHERE rt.release_id = r.id AND rt.type = 'track' "
        "     AND NOT EXISTS (SELECT 1 FROM gap_ignores g WHERE g.release_id = rt.release_id "
        "                     AND g.position = rt.position)) AS total, "
        "  (SELECT count(*) FROM matches m WHERE m.release_id = r.id AND m.status IN ('matched', 'confirmed')) "
        "     AS have, "
        "  (SELECT coalesce(sum(t.play_count), 0) FROM matches m JOIN tracks t ON t.id = m.track_id "
        "     WHERE m.release_id = r.id AND m.status IN ('matched', 'confirmed')) AS plays, "
        "  (SELECT coalesce(max(t.rating), 0) FROM matches m JOIN tracks t ON t.id = m.track_id "
        "     WHERE m.release_id = r.id AND m.status IN ('matched', 'confirmed')) AS trating, "
        "  (SELECT coalesce(max(ci.rating), 0) FROM collection_items ci "
        "     WHERE ci.release_id = r.id AND ci.removed_at IS NULL) AS crating, "
        "  (SELECT min(coalesce(ci.added_utc, ci.date_added)) FROM collection_items ci "
        "     WHERE ci.release_id = r.id AND ci.removed_at IS NULL) AS added, "
        "  EXISTS (SELECT 1 FROM wants w WHERE w.release_id = r.id AND w.removed_at IS NULL) "
        "  OR EXISTS (SELECT 1 FROM wishlist l WHERE l.release_id = r.id AND l.status IN ('wanted', 'ordered')) "
        "     AS wanted, "
        "  p.lowest_price, p.currency "
        f"FROM releases r LEFT JOIN prices p ON p.release_id = r.id WHERE {_OWNED} {where}",
        params,
    )
    return [
        ReleaseSignals(
            release_id=r["release_id"],
            tracks_total=r["total"],
            tracks_have=r["have"],
            sibling_plays=int(r["plays"] or 0),
            sibling_rating=float(r["trating"] or 0),
            collection_rating=int(r["crating"] or 0),
            wanted=bool(r["wanted"]),
            lowest_price=r["lowest_price"],
            currency=r["currency"],
            date_added=r["added"],
        )
        for r in rows
    ]


async def write_priorities(db: Database, values: list[tuple[int, float, list[str]]]) -> None:
    """(release_id, score, reasons): set on the release's unmatched tracks; matched ones get 0."""

    def apply(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "UPDATE matches SET priority = CASE WHEN status IN ('matched', 'confirmed') THEN 0 ELSE ? END, "
            "priority_reasons_json = CASE WHEN status IN ('matched', 'confirmed') THEN '[]' ELSE ? END "
            "WHERE release_id = ?",
            [(score, json.dumps(reasons), rid) for rid, score, reasons in values],
        )

    await db.run_in_writer(apply)


# -- reads for the API ----------------------------------------------------------------------------------


def _match_out(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "release_id": r["release_id"],
        "position": r["position"],
        "track_id": r["track_id"],
        "confidence": r["confidence"],
        "status": r["status"],
        "reasons": _json(r["reasons_json"], []),
        "computed_at": r["computed_at"],
    }


async def list_matches(
    db: Database,
    statuses: Sequence[str],
    limit: int,
    offset: int,
    release_id: int | None = None,
    track_id: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    where = [f"status IN ({_marks(len(statuses))})"]
    params: list[Any] = list(statuses)
    if release_id is not None:
        where.append("release_id = ?")
        params.append(release_id)
    if track_id is not None:
        where.append("track_id = ?")
        params.append(track_id)
    clause = " AND ".join(where)
    total = await db.cached("val", f"SELECT count(*) FROM matches WHERE {clause}", params)
    # Unfiltered pages walk the primary key, already in page order ("+status" keeps the planner off the
    # status index, which would sort every match first).
    page_clause = clause if release_id is not None or track_id is not None else "+" + clause
    rows = await db.fetchall(
        f"SELECT * FROM matches WHERE {page_clause} ORDER BY release_id, position LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_match_out(r) for r in rows], total


async def get_match(db: Database, release_id: int, position: str) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT * FROM matches WHERE release_id = ? AND position = ?", (release_id, position)
    )
    return None if row is None else _match_out(row)


async def vinyl_track(db: Database, release_id: int, position: str) -> dict[str, Any] | None:
    """The release track if it belongs to an owned record."""
    return await db.fetchone(
        "SELECT rt.release_id, rt.position, rt.title FROM release_tracks rt JOIN releases r ON r.id = rt.release_id "
        f"WHERE rt.release_id = ? AND rt.position = ? AND rt.type = 'track' AND {_OWNED}",
        (release_id, position),
    )


async def track_exists(db: Database, track_id: int) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM tracks WHERE id = ? AND removed_at IS NULL", (track_id,)))


async def decide(db: Database, release_id: int, position: str, track_id: int, decision: str) -> None:
    """Record confirm/reject and reflect it in matches at once (the recompute job follows)."""
    async with db.transaction() as conn:
        if decision == "confirmed":
            await conn.execute(
                "DELETE FROM match_decisions WHERE release_id = ? AND position = ? "
                "AND (decision = 'confirmed' OR track_id = ?)",
                (release_id, position, track_id),
            )
        else:
            await conn.execute(
                "DELETE FROM match_decisions WHERE release_id = ? AND position = ? AND track_id = ?",
                (release_id, position, track_id),
            )
        await conn.execute(
            "INSERT INTO match_decisions (release_id, position, track_id, decision) VALUES (?, ?, ?, ?)",
            (release_id, position, track_id, decision),
        )
        if decision == "confirmed":
            row = (track_id, 1.0, "confirmed", json.dumps(["confirmed by you"]))
        else:
            row = (None, 0.0, "none", json.dumps([f"file #{track_id} rejected by you; looking for another"]))
        await conn.execute(
            "INSERT INTO matches (release_id, position, track_id, confidence, status, reasons_json) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (release_id, position) DO UPDATE SET "
            "track_id = excluded.track_id, confidence = excluded.confidence, status = excluded.status, "
            "reasons_json = excluded.reasons_json, computed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (release_id, position, *row),
        )


async def set_ignored(
    db: Database, release_id: int, position: str, ignored: bool, reason: str | None
) -> None:
    async with db.transaction() as conn:
        if ignored:
            await conn.execute(
                "INSERT INTO gap_ignores (release_id, position, reason) VALUES (?, ?, ?) "
                "ON CONFLICT (release_id, position) DO UPDATE SET reason = excluded.reason",
                (release_id, position, reason),
            )
        else:
            await conn.execute(
                "DELETE FROM gap_ignores WHERE release_id = ? AND position = ?", (release_id, position)
            )
        await conn.execute(
            "UPDATE matches SET ignored = ? WHERE release_id = ? AND position = ?",
            (1 if ignored else 0, release_id, position),
        )


_GAP_WHERE = "m.status IN ('none', 'suggested') AND m.ignored = 0"


async def list_gaps(
    db: Database,
    limit: int | None,
    offset: int,
    release_id: int | None = None,
    artist: str | None = None,
    label: str | None = None,
    min_priority: float | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Gaps, highest priority first. artist/label are case-insensitive substring filters.

    Filters and the order run on `matches` alone (partial index matches_gaps); only the page is joined.
    """
    where, params = [_GAP_WHERE], []
    if release_id is not None:
        where.append("m.release_id = ?")
        params.append(release_id)
    if artist:
        where.append("m.artist LIKE ? ESCAPE '\\'")
        params.append(_like(artist))
    if label:
        where.append("m.label LIKE ? ESCAPE '\\'")
        params.append(_like(label))
    if min_priority is not None:
        where.append("m.priority >= ?")
        params.append(min_priority)
    clause = " AND ".join(where)
    # Without ANALYZE statistics the planner picks poorly, so name the indexes: the partial gaps index is
    # already in page order and stops after one page; a count with a text filter scans the covering
    # (artist|label, ignored, status) index instead of looking up every gap row.
    if release_id is not None:
        src = count_src = "matches m"
    else:
        src = "matches m INDEXED BY matches_gaps"
        if artist:
            count_src = "matches m INDEXED BY matches_artist_rate"
        elif label:
            count_src = "matches m INDEXED BY matches_label_rate"
        else:
            count_src = src if min_priority is not None else "matches m"
    total = await db.cached("val", f"SELECT count(*) FROM {count_src} WHERE {clause}", params)
    page = "" if limit is None else " LIMIT ? OFFSET ?"
    rows = await db.cached(  # a filtered page scans every gap: reused until the next write
        "all",
        "SELECT m.release_id, m.position, m.status, m.track_id, m.confidence, m.priority, m.priority_reasons_json, "
        "m.artist AS credit, rt.title, coalesce(nullif(rt.artists, ''), r.artists) AS artist, "
        "r.title AS release_title, r.year, r.labels_json, rt.duration "
        f"FROM (SELECT * FROM {src} WHERE {clause} ORDER BY m.priority DESC, m.release_id, m.position{page}) m "
        "JOIN release_tracks rt ON rt.release_id = m.release_id AND rt.position = m.position "
        "JOIN releases r ON r.id = m.release_id "
        "ORDER BY m.priority DESC, m.release_id, m.position",
        [*params, *(() if limit is None else (limit, offset))],
    )
    out = []
    for r in rows:
        labels = _json(r["labels_json"], [])
        first = labels[0] if labels and isinstance(labels[0], dict) else {}
        out.append(
            {
                "release_id": r["release_id"],
                "position": r["position"],
                "artist": r["artist"] or r["credit"] or "",
                "title": r["title"] or "",
                "release_title": r["release_title"] or "",
                "year": r["year"],
                "label": first.get("name"),
                "catno": first.get("catno"),
                "duration": r["duration"] or None,
                "priority": r["priority"],
                "reasons": _json(r["priority_reasons_json"], []),
                "suggestion": (
                    {"track_id": r["track_id"], "confidence": r["confidence"]}
                    if r["status"] == "suggested"
                    else None
                ),
            }
        )
    return out, total


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_HAVE = "CASE WHEN status IN ('matched', 'confirmed') THEN 1 ELSE 0 END"
_GROUP = {"release": "release_id", "artist": "artist", "label": "label"}


async def completion(db: Database, by: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Completion per release, artist or label (unwanted tracks excluded), least complete first."""
    col = _GROUP[by]
    key = "release_id" if by == "release" else by
    # both aggregate every match: reused until the next write (db.cached)
    total = await db.cached("val", f"SELECT count(DISTINCT {col}) FROM matches WHERE ignored = 0")
    rows = await db.cached(
        "all",
        f"SELECT {col} AS k, count(*) AS tracks, sum({_HAVE}) AS digital FROM matches WHERE ignored = 0 "
        f"GROUP BY {col} ORDER BY 1.0 * sum({_HAVE}) / count(*), count(*) DESC, {col} LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [
        {
            key: r["k"],
            "tracks": r["tracks"],
            "digital": r["digital"],
            "missing": r["tracks"] - r["digital"],
            "rate": round(r["digital"] / r["tracks"], 4),
        }
        for r in rows
    ], total


async def overall(db: Database) -> dict[str, Any]:
    """Digital share of every vinyl track of owned records (unwanted ones excluded)."""
    row = await db.cached(
        "one",
        f"SELECT count(*) AS tracks, coalesce(sum({_HAVE}), 0) AS digital FROM matches WHERE ignored = 0",
    )
    assert row is not None
    t, h = row["tracks"], row["digital"]
    return {"tracks": t, "digital": h, "missing": t - h, "rate": round(h / t, 4) if t else 0.0}


async def release_titles(db: Database, release_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(release_ids)):
        for r in await db.fetchall(
            f"SELECT id, title, artists, year FROM releases WHERE id IN ({_marks(len(chunk))})", chunk
        ):
            out[r["id"]] = r
    return out


# -- wishlist -------------------------------------------------------------------------------------------

_WISH_COLS = (
    "id, release_id, position, artist, title, priority, target_price, currency, notes, status, source, url, "
    "store, created_at, updated_at"
)


async def wishlist_list(
    db: Database, limit: int, offset: int, status: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    total = await db.fetchval(f"SELECT count(*) FROM wishlist {where}", params)
    rows = await db.fetchall(
        f"SELECT {_WISH_COLS} FROM wishlist {where} ORDER BY priority DESC, id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, total


async def wishlist_get(db: Database, item_id: int) -> dict[str, Any] | None:
    return await db.fetchone(f"SELECT {_WISH_COLS} FROM wishlist WHERE id = ?", (item_id,))


async def wishlist_find(db: Database, release_id: int, position: str) -> dict[str, Any] | None:
    return await db.fetchone(
        f"SELECT {_WISH_COLS} FROM wishlist WHERE release_id = ? AND position = ?", (release_id, position)
    )


async def wishlist_add(db: Database, item: dict[str, Any]) -> int:
    cols = list(item)
    return await db.execute(
        f"INSERT INTO wishlist ({', '.join(cols)}) VALUES ({_marks(len(cols))})", [item[c] for c in cols]
    )


async def wishlist_update(db: Database, item_id: int, changes: dict[str, Any]) -> bool:
    sets = ", ".join(f"{c} = ?" for c in changes)
    n = await db.execute_rowcount(
        f"UPDATE wishlist SET {sets}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
        [*changes.values(), item_id],
    )
    return n > 0


async def wishlist_delete(db: Database, item_id: int) -> bool:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM store_prices WHERE wishlist_id = ?", (item_id,))
        cursor = await conn.execute("DELETE FROM wishlist WHERE id = ?", (item_id,))
        return cursor.rowcount > 0


async def wishlist_open(db: Database, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Items still to buy (wanted), optionally only the given ids."""
    if ids is not None:
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(list(ids)):
            rows += await db.fetchall(
                f"SELECT {_WISH_COLS} FROM wishlist WHERE id IN ({_marks(len(chunk))})", chunk
            )
        return rows
    return await db.fetchall(f"SELECT {_WISH_COLS} FROM wishlist WHERE status = 'wanted' ORDER BY id")


async def max_matched_track_id(db: Database) -> int:
    """The highest track id in matches; 0 when none (or before the library's migration)."""
    if not await _has_table(db, "matches"):
        return 0
    return int(await db.fetchval("SELECT max(track_id) FROM matches") or 0)


async def matched_vinyl(db: Database, lo: int, hi: int) -> list[dict[str, Any]]:
    """Matched or confirmed tracks with ids lo..hi and what their vinyl track says (title, artist, album,
    year, labels, duration): the values Discogs contributes to provenance."""
    if not await _has_table(db, "matches"):
        return []
    return await db.fetchall(
        "SELECT m.track_id, m.confidence, m.status, m.release_id, m.position, rt.title AS track_title, "
        "COALESCE(NULLIF(rt.artists, ''), r.artists) AS artist, r.title AS album, r.year, r.labels_json, "
        "rt.duration_seconds FROM matches m JOIN releases r ON r.id = m.release_id "
        "LEFT JOIN release_tracks rt ON rt.release_id = m.release_id AND rt.position = m.position "
        "WHERE m.status IN ('matched', 'confirmed') AND m.track_id BETWEEN ? AND ?",
        (lo, hi),
    )


async def wishlist_find_whole(db: Database, release_id: int | None, url: str | None) -> dict[str, Any] | None:
    """A whole-release item (no track position) for this release, else one with this address."""
    if release_id is not None:
        row = await db.fetchone(
            f"SELECT {_WISH_COLS} FROM wishlist WHERE release_id = ? AND position IS NULL", (release_id,)
        )
        if row:
            return row
    if url:
        return await db.fetchone(f"SELECT {_WISH_COLS} FROM wishlist WHERE url = ?", (url,))
    return None

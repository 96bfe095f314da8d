"""Identification outcomes per track and the MusicBrainz cache (recordings, releases)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from musictool.model.musicbrainz import MBRecording, MBRelease
from musictool.store.provenance import now_iso

TRACK_COLUMNS = (
    "id, path, artist, title, album, label, catalog_no, genre, remixer, mix, bpm, key, duration, isrc, "
    "release_date, updated_at, removed_at"
)


async def track(db: Any, track_id: int) -> dict[str, Any] | None:
    return await db.fetchone(f"SELECT {TRACK_COLUMNS} FROM tracks WHERE id = ?", (track_id,))


async def tracks_after(
    db: Any, after_id: int, limit: int, ids: Sequence[int] | None = None, columns: str = TRACK_COLUMNS
) -> list[dict[str, Any]]:
    """Tracks with id > after_id in id order (a resumable walk for enrichment and tag jobs): the given ids,
    or the live collection."""
    if ids is not None:
        chunk = sorted(i for i in set(ids) if i > after_id)[:limit]
        if not chunk:
            return []
        return await db.fetchall(
            f"SELECT {columns} FROM tracks WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        )
    return await db.fetchall(
        f"SELECT {columns} FROM tracks WHERE id > ? AND removed_at IS NULL ORDER BY id LIMIT ?",
        (after_id, limit),
    )


async def count_tracks(db: Any, ids: list[int] | None = None) -> int:
    if ids is not None:
        return len(await existing_ids(db, ids))
    return int(await db.fetchval("SELECT count(*) FROM tracks WHERE removed_at IS NULL") or 0)


async def existing_ids(db: Any, ids: list[int]) -> set[int]:
    found: set[int] = set()
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = await db.fetchall(f"SELECT id FROM tracks WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        found.update(r["id"] for r in rows)
    return found


async def changed_tracks(db: Any, after: tuple[str, int], limit: int) -> list[dict[str, Any]]:
    """Tracks whose row changed after the (updated_at, id) mark, oldest change first."""
    return await db.fetchall(
        f"SELECT {TRACK_COLUMNS} FROM tracks WHERE (updated_at, id) > (?, ?) ORDER BY updated_at, id LIMIT ?",
        (after[0], after[1], limit),
    )


async def labels(db: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    """id -> {artist, title} for display next to conflicts."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(f"SELECT id, artist, title FROM tracks WHERE id IN ({marks})", ids)
    return {r["id"]: {"artist": r["artist"], "title": r["title"]} for r in rows}


# outcomes -------------------------------------------------------------------------------------------------
async def outcome(db: Any, track_id: int) -> dict[str, Any] | None:
    return await db.fetchone("SELECT * FROM track_enrichment WHERE track_id = ?", (track_id,))


async def outcomes_of(db: Any, ids: list[int]) -> set[int]:
    """Which of these tracks have an identification outcome already."""
    found: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = await db.fetchall(
            f"SELECT track_id FROM track_enrichment WHERE track_id IN ({','.join('?' * len(chunk))})", chunk
        )
        found.update(r["track_id"] for r in rows)
    return found


async def save_outcome(db: Any, track_id: int, **values: Any) -> None:
    """Upsert the identification outcome; only the given columns change (plus enriched_at)."""
    values["enriched_at"] = now_iso()
    cols = ["track_id", *values]
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    await db.execute(
        f"INSERT INTO track_enrichment ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
        f"ON CONFLICT (track_id) DO UPDATE SET {updates}",
        [track_id, *values.values()],
    )


async def save_fingerprint(db: Any, track_id: int, fingerprint: str, duration: float) -> None:
    await db.execute(
        "INSERT INTO track_enrichment (track_id, status, fingerprint, fingerprint_duration, fingerprinted_at) "
        "VALUES (?, 'no_match', ?, ?, ?) ON CONFLICT (track_id) DO UPDATE SET "
        "fingerprint = excluded.fingerprint, fingerprint_duration = excluded.fingerprint_duration, "
        "fingerprinted_at = excluded.fingerprinted_at",
        (track_id, fingerprint, duration, now_iso()),
    )


async def status_counts(db: Any) -> dict[str, int]:
    rows = await db.cached("all", "SELECT status, count(*) AS n FROM track_enrichment GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


# MusicBrainz cache ----------------------------------------------------------------------------------------
async def cached_recording(db: Any, mbid: str) -> MBRecording | None:
    row = await db.fetchone("SELECT * FROM mb_recordings WHERE mbid = ?", (mbid,))
    if row is None:
        return None
    return MBRecording(
        id=row["mbid"],
        title=row["title"],
        artist=row["artist"],
        artist_ids=json.loads(row["artist_ids"]),
        length_ms=row["length_ms"],
        isrcs=json.loads(row["isrcs"]),
        tags=json.loads(row["tags"]),
        releases=[MBRelease(**r) for r in json.loads(row["releases"])],
    )


async def cache_recording(db: Any, rec: MBRecording) -> None:
    await db.execute(
        "INSERT OR REPLACE INTO mb_recordings (mbid, title, artist, artist_ids, length_ms, isrcs, tags, releases, "
        "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rec.id,
            rec.title,
            rec.artist,
            json.dumps(rec.artist_ids),
            rec.length_ms,
            json.dumps(rec.isrcs),
            json.dumps(rec.tags),
            json.dumps([asdict(r) for r in rec.releases]),
            now_iso(),
        ),
    )


async def cached_release(db: Any, mbid: str) -> MBRelease | None:
    row = await db.fetchone("SELECT * FROM mb_releases WHERE mbid = ?", (mbid,))
    if row is None:
        return None
    return MBRelease(
        id=row["mbid"],
        title=row["title"],
        date=row["date"],
        country=row["country"],
        status=row["status"],
        release_group_id=row["release_group_id"],
        release_group_title=row["release_group_title"],
        release_group_type=row["release_group_type"],
        first_release_date=row["first_release_date"],
    )


async def cache_release(db: Any, rel: MBRelease) -> None:
    await db.execute(
        "INSERT OR REPLACE INTO mb_releases (mbid, title, date, country, status, release_group_id, "
        "release_group_title, release_group_type, first_release_date, fetched_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rel.id,
            rel.title,
            rel.date,
            rel.country,
            rel.status,
            rel.release_group_id,
            rel.release_group_title,
            rel.release_group_type,
            rel.first_release_date,
            now_iso(),
        ),
    )

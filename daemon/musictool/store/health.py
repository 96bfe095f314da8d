"""Library health: what the file pass saw (track_files), the issues per track, accepted issues, duplicate
groups, and the summary the health endpoint serves. Issues are re-derived per changed track in SQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from musictool.store.provenance import now_iso

KINDS = (
    "missing_file",
    "unreadable",
    "no_bpm",
    "no_key",
    "no_genre",
    "low_quality",
    "transcode",
    "duplicate",
    "tags_disagree",
    "no_artwork",
    "small_artwork",
)
# how much each issue takes off a track's health (a track never loses more than all of it)
WEIGHTS = {
    "missing_file": 1.0,
    "unreadable": 1.0,
    "transcode": 0.5,
    "low_quality": 0.4,
    "duplicate": 0.3,
    "no_bpm": 0.25,
    "no_key": 0.25,
    "no_genre": 0.1,
    "tags_disagree": 0.1,
    "no_artwork": 0.1,
    "small_artwork": 0.05,
}
COMPLETENESS = {
    "artist": "t.artist IS NOT NULL AND t.artist != ''",
    "title": "t.title IS NOT NULL AND t.title != ''",
    "album": "t.album IS NOT NULL AND t.album != ''",
    "genre": "t.genre IS NOT NULL AND t.genre != ''",
    "label": "t.label IS NOT NULL AND t.label != ''",
    "bpm": "t.bpm > 0",
    "key": "t.key IS NOT NULL AND t.key != ''",
    "year": "t.release_date IS NOT NULL AND t.release_date != ''",
    "artwork": "f.artwork_px > 0",
}


def _rules(low_score: int, min_px: int) -> dict[str, tuple[str, str]]:
    """kind -> (SQL predicate over t, f, q, a; detail expression)."""
    return {
        "missing_file": ("f.present = 0", "'not found: ' || coalesce(t.path, '(no path)')"),
        "unreadable": (
            "(f.present = 1 AND f.readable = 0) OR a.status = 'error'",
            "coalesce(f.error, a.error, 'cannot be read')",
        ),
        "no_bpm": ("t.bpm IS NULL OR t.bpm <= 0", "NULL"),
        "no_key": ("t.key IS NULL OR t.key = ''", "NULL"),
        "no_genre": ("t.genre IS NULL OR t.genre = ''", "NULL"),
        "low_quality": (f"q.score < {int(low_score)}", "'quality score ' || q.score"),
        "transcode": (
            "q.transcode_suspected = 1",
            "'looks like a transcode from about ' || coalesce(q.estimated_source_kbps, '?') || ' kbps'",
        ),
        "no_artwork": ("f.present = 1 AND f.readable = 1 AND f.artwork_px = 0", "NULL"),
        "small_artwork": (
            f"f.artwork_px > 0 AND f.artwork_px < {int(min_px)}",
            "'artwork ' || f.artwork_px || ' px'",
        ),
    }


_FROM = (
    "FROM tracks t LEFT JOIN track_files f ON f.track_id = t.id LEFT JOIN file_quality q ON q.track_id = t.id "
    "LEFT JOIN analysis_results a ON a.track_id = t.id"
)


def _derive(
    conn: sqlite3.Connection, ids: Sequence[int] | None, low_score: int, min_px: int, at: str
) -> None:
    scope, params = "", []
    if ids is not None:
        scope = f" AND t.id IN ({','.join('?' * len(ids))})"
        params = list(ids)
        conn.execute(
            f"DELETE FROM library_issues WHERE kind NOT IN ('duplicate', 'tags_disagree') "
            f"AND track_id IN ({','.join('?' * len(ids))})",
            params,
        )
    else:
        conn.execute("DELETE FROM library_issues WHERE kind NOT IN ('duplicate', 'tags_disagree')")
    for kind, (pred, detail) in _rules(low_score, min_px).items():
        conn.execute(
            f"INSERT OR REPLACE INTO library_issues (track_id, kind, detail, detected_at) "
            f"SELECT t.id, '{kind}', {detail}, ? {_FROM} WHERE t.removed_at IS NULL AND ({pred}){scope} "
            f"AND NOT EXISTS (SELECT 1 FROM library_accepted x WHERE x.track_id = t.id AND x.kind = '{kind}')",
            [at, *params],
        )
    # cross-track kinds are cheap to redo whole: from the duplicate groups and the tag/NML conflicts
    conn.execute("DELETE FROM library_issues WHERE kind IN ('duplicate', 'tags_disagree')")
    for g in conn.execute("SELECT id, track_ids, keep FROM duplicate_groups").fetchall():
        g = g if isinstance(g, dict) else {"id": g[0], "track_ids": g[1], "keep": g[2]}
        for tid in json.loads(g["track_ids"]):
            if tid != g["keep"]:
                conn.execute(
                    "INSERT OR REPLACE INTO library_issues (track_id, kind, detail, detected_at) "
                    "SELECT ?, 'duplicate', ?, ? WHERE NOT EXISTS (SELECT 1 FROM library_accepted x "
                    "WHERE x.track_id = ? AND x.kind = 'duplicate')",
                    (tid, f"copy of track {g['keep']} (group {g['id']})", at, tid),
                )
    conn.execute(
        "INSERT OR REPLACE INTO library_issues (track_id, kind, detail, detected_at) "
        "SELECT c.track_id, 'tags_disagree', group_concat(c.field, ', '), ? FROM metadata_conflicts c "
        "JOIN tracks t ON t.id = c.track_id AND t.removed_at IS NULL "
        "WHERE c.sources LIKE '%\"nml\"%' AND c.sources LIKE '%\"tag\"%' AND NOT EXISTS (SELECT 1 FROM "
        "library_accepted x WHERE x.track_id = c.track_id AND x.kind = 'tags_disagree') GROUP BY c.track_id",
        (at,),
    )


async def derive(db: Any, ids: Sequence[int] | None, low_score: int, min_px: int) -> None:
    """Re-derive the issues of these tracks (None: every track) in one transaction."""
    at = now_iso()
    if ids is not None and not ids:
        ids = []
    await db.run_in_writer(_derive, None if ids is None else list(ids), low_score, min_px, at)


async def changed_since(db: Any, mark: str) -> list[int]:
    """Tracks whose row, file check, quality, analysis or conflicts changed after mark (an ISO time)."""
    rows = await db.fetchall(
        "SELECT id FROM tracks WHERE updated_at > ? UNION SELECT track_id FROM track_files WHERE checked_at > ? "
        "UNION SELECT track_id FROM file_quality WHERE assessed_at > ? "
        "UNION SELECT track_id FROM analysis_results WHERE analyzed_at > ?",
        (mark, mark, mark, mark),
    )
    return [r["id"] for r in rows]


# -- the file pass ------------------------------------------------------------------------------------------
async def files_to_check(db: Any, after_id: int, limit: int, *, all_files: bool) -> list[dict[str, Any]]:
    """Live tracks with their last file check: unchecked or moved ones, or every one when all_files."""
    cond = "" if all_files else " AND (f.track_id IS NULL OR f.path IS NOT t.path)"
    return await db.fetchall(
        "SELECT t.id, t.path, f.size, f.mtime, f.present, f.readable, f.error, f.artwork_px, f.path AS checked_path "
        f"FROM tracks t LEFT JOIN track_files f ON f.track_id = t.id WHERE t.removed_at IS NULL AND t.id > ?{cond} "
        "ORDER BY t.id LIMIT ?",
        (after_id, limit),
    )


async def save_files(db: Any, rows: list[tuple]) -> None:
    """rows: (track_id, path, present, size, mtime, readable, error, artwork_px, duration) of changed files."""
    if not rows:
        return
    at = now_iso()
    await db.executemany(
        "INSERT OR REPLACE INTO track_files (track_id, path, present, size, mtime, readable, error, artwork_px, "
        "duration, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r, at) for r in rows],
    )


async def forget_files(db: Any, ids: Sequence[int]) -> None:
    """Drop what the file pass saw of these tracks (their files were just rewritten): the next pass re-reads them."""
    ids = [i for i in ids if i is not None]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        await db.execute(f"DELETE FROM track_files WHERE track_id IN ({','.join('?' * len(chunk))})", chunk)


# -- accepted -----------------------------------------------------------------------------------------------
async def accept(db: Any, kind: str, ids: Sequence[int]) -> int:
    at = now_iso()
    await db.executemany(
        "INSERT OR IGNORE INTO library_accepted (track_id, kind, accepted_at) VALUES (?, ?, ?)",
        [(i, kind, at) for i in ids],
    )
    marks = ",".join("?" * len(ids))
    return await db.execute_rowcount(
        f"DELETE FROM library_issues WHERE kind = ? AND track_id IN ({marks})", [kind, *ids]
    )


async def accepted_ids(db: Any, kind: str, ids: Sequence[int] | None) -> list[int]:
    rows = await db.fetchall("SELECT track_id FROM library_accepted WHERE kind = ? ORDER BY track_id", (kind,))
    found = [r["track_id"] for r in rows]
    return found if ids is None else [i for i in found if i in set(ids)]


async def unaccept(db: Any, kind: str, ids: Sequence[int]) -> None:
    marks = ",".join("?" * len(ids))
    await db.execute(f"DELETE FROM library_accepted WHERE kind = ? AND track_id IN ({marks})", [kind, *ids])


# -- reads --------------------------------------------------------------------------------------------------
async def summary(db: Any) -> dict[str, Any]:
    total = int(await db.fetchval("SELECT count(*) FROM tracks WHERE removed_at IS NULL") or 0)
    cols = ", ".join(
        f"sum(CASE WHEN {pred} THEN 1 ELSE 0 END) AS {name}" for name, pred in COMPLETENESS.items()
    )
    filled = (
        await db.fetchone(
            f"SELECT {cols}, sum(CASE WHEN f.track_id IS NOT NULL THEN 1 ELSE 0 END) AS checked, "
            "sum(CASE WHEN f.readable = 1 THEN 1 ELSE 0 END) AS readable "
            "FROM tracks t LEFT JOIN track_files f ON f.track_id = t.id WHERE t.removed_at IS NULL"
        )
        or {}
    )
    counts = {k: 0 for k in KINDS}
    for r in await db.fetchall(
        "SELECT i.kind, count(*) AS n FROM library_issues i JOIN tracks t ON t.id = i.track_id "
        "AND t.removed_at IS NULL GROUP BY i.kind"
    ):
        counts[r["kind"]] = r["n"]
    weight = " + ".join(f"sum(CASE WHEN kind = '{k}' THEN {w} ELSE 0 END)" for k, w in WEIGHTS.items())
    lost = await db.fetchval(
        f"SELECT sum(min(1.0, w)) FROM (SELECT i.track_id, {weight} AS w FROM library_issues i "
        "JOIN tracks t ON t.id = i.track_id AND t.removed_at IS NULL GROUP BY i.track_id)"
    )
    completeness = {}
    for name in COMPLETENESS:
        base = filled.get("readable") if name == "artwork" else total
        completeness[name] = round((filled.get(name) or 0) / base, 4) if base else None
    score = 100 if not total else max(0, min(100, round(100 * (1 - float(lost or 0) / total))))
    return {
        "score": score,
        "tracks": total,
        "files_checked": int(filled.get("checked") or 0),
        "completeness": completeness,
        "issues": counts,
        "tracks_with_issues": int(
            await db.fetchval(
                "SELECT count(DISTINCT i.track_id) FROM library_issues i JOIN tracks t ON t.id = i.track_id "
                "AND t.removed_at IS NULL"
            )
            or 0
        ),
    }


async def issues(db: Any, kind: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where, params = "", []
    if kind:
        where, params = " AND i.kind = ?", [kind]
    total = await db.fetchval(
        f"SELECT count(*) FROM library_issues i JOIN tracks t ON t.id = i.track_id AND t.removed_at IS NULL{where}",
        params,
    )
    rows = await db.fetchall(
        "SELECT i.track_id, i.kind, i.detail, i.detected_at, t.artist, t.title, t.path AS location "
        f"FROM library_issues i JOIN tracks t ON t.id = i.track_id AND t.removed_at IS NULL{where} "
        "ORDER BY i.kind, i.track_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total or 0)


async def issue_ids(db: Any, kind: str, ids: Sequence[int] | None = None) -> list[int]:
    rows = await db.fetchall("SELECT track_id FROM library_issues WHERE kind = ? ORDER BY track_id", (kind,))
    found = [r["track_id"] for r in rows]
    if ids is not None:
        wanted = set(ids)
        found = [i for i in found if i in wanted]
    return found


# -- duplicates ---------------------------------------------------------------------------------------------
async def dup_candidates(db: Any) -> list[dict[str, Any]]:
    """Every live track with what duplicate detection and the keeper choice need."""
    return await db.fetchall(
        "SELECT t.id, t.path, t.artist, t.title, t.mix, t.remixer, coalesce(t.duration, f.duration) AS duration, t.bitrate, t.cue_count, "
        "t.play_count, t.location_key, q.lossless, q.bitrate_kbps, q.transcode_suspected, q.codec, "
        "e.fingerprint, e.fingerprint_duration FROM tracks t LEFT JOIN file_quality q ON q.track_id = t.id "
        "LEFT JOIN track_enrichment e ON e.track_id = t.id LEFT JOIN track_files f ON f.track_id = t.id "
        "WHERE t.removed_at IS NULL ORDER BY t.id"
    )


async def save_groups(db: Any, groups: list[dict[str, Any]]) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM duplicate_groups")
        conn.executemany(
            "INSERT INTO duplicate_groups (track_ids, keep, reason, method, score) VALUES (?, ?, ?, ?, ?)",
            [
                (json.dumps(g["track_ids"]), g["keep"], g["reason"], g["method"], g.get("score"))
                for g in groups
            ],
        )

    await db.run_in_writer(write)


def _group(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["track_ids"] = json.loads(row["track_ids"])
    return out


async def groups(db: Any, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM duplicate_groups")
    rows = await db.fetchall("SELECT * FROM duplicate_groups ORDER BY id LIMIT ? OFFSET ?", (limit, offset))
    return [_group(r) for r in rows], int(total or 0)


async def group(db: Any, group_id: int) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT * FROM duplicate_groups WHERE id = ?", (group_id,))
    return _group(row) if row else None


async def tracks_brief(db: Any, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await db.fetchall(
        "SELECT id, artist, title, path AS location, location_key, bpm, key, cue_count, cues_json, play_count, "
        f"filesize_kb, duration FROM tracks WHERE id IN ({','.join('?' * len(ids))})",
        list(ids),
    )
    return {r["id"]: r for r in rows}


async def playlists_of(db: Any, location_keys: Sequence[str]) -> dict[str, list[str]]:
    """location key -> the paths of the playlists (not smart lists) it is in."""
    if not location_keys:
        return {}
    rows = await db.fetchall(
        "SELECT e.location_key, p.path, p.uuid FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id "
        f"WHERE p.type = 'PLAYLIST' AND e.location_key IN ({','.join('?' * len(location_keys))})",
        list(location_keys),
    )
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["location_key"], []).append(r["uuid"] or r["path"])
    return out


async def fingerprint_of(db: Any, track_id: int) -> str | None:
    return await db.fetchval("SELECT fingerprint FROM track_enrichment WHERE track_id = ?", (track_id,))


async def analysis_values(db: Any, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await db.fetchall(
        "SELECT a.track_id, a.bpm, a.key, a.energy, t.location_key, t.lock FROM analysis_results a "
        f"JOIN tracks t ON t.id = a.track_id WHERE a.status = 'ok' AND a.track_id IN ({','.join('?' * len(ids))})",
        list(ids),
    )
    return {r["track_id"]: r for r in rows}


async def mb_names(db: Any, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await db.fetchall(
        "SELECT e.track_id, r.title, r.artist, t.location_key, t.title AS have_title, t.artist AS have_artist "
        "FROM track_enrichment e JOIN mb_recordings r ON r.mbid = e.recording_mbid JOIN tracks t ON t.id = e.track_id "
        f"WHERE e.status = 'matched' AND e.track_id IN ({','.join('?' * len(ids))})",
        list(ids),
    )
    return {r["track_id"]: r for r in rows}


async def release_ids(db: Any, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """track id -> {release (MusicBrainz release id from any source), path} for tracks that have one."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        "SELECT v.track_id, v.value, v.source, t.path FROM metadata_values v JOIN tracks t ON t.id = v.track_id "
        f"WHERE v.field = 'mb_release_id' AND v.track_id IN ({marks}) ORDER BY v.track_id, v.source = 'user' DESC",
        list(ids),
    )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(r["track_id"], {"release": json.loads(r["value"]), "path": r["path"]})
    for r in await db.fetchall(
        "SELECT e.track_id, r.releases, t.path FROM track_enrichment e JOIN mb_recordings r ON r.mbid = e.recording_mbid "
        f"JOIN tracks t ON t.id = e.track_id WHERE e.status = 'matched' AND e.track_id IN ({marks})",
        list(ids),
    ):
        releases = json.loads(r["releases"] or "[]")
        if r["track_id"] not in out and releases and releases[0].get("id"):
            out[r["track_id"]] = {"release": releases[0]["id"], "path": r["path"]}
    return out


async def library_folders(db: Any) -> list[str]:
    rows = await db.fetchall("SELECT DISTINCT path FROM track_files WHERE present = 1 AND path IS NOT NULL")
    return sorted({str(r["path"]).rsplit("/", 1)[0] for r in rows})


async def mark(db: Any) -> str:
    return now_iso()

"""Analysis results and file quality per track, and the provenance rows analysis contributes.

A result, its quality row and its provenance values are written in one transaction, so a crash never
leaves a track half-recorded. Fields the user owns (Traktor LOCK=1 for bpm/key, or any provenance value
from source "user") are kept out of provenance: analysis never competes with a hand-set value.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from musictool.store import provenance

# analysis result key -> provenance field (names shared with model.fields)
PROVENANCE_FIELDS = {
    "bpm": "bpm",
    "key": "key",
    "energy": "energy",
    "loudness_lufs": "loudness",
    "duration": "duration",
}
# fields a Traktor LOCK protects (tempo, key and the grid that follows the tempo)
LOCKED_BY_TRAKTOR = {"bpm", "key"}

_RESULT_COLUMNS = ("duration", "bpm", "bpm_confidence", "key", "key_open", "key_camelot", "key_confidence",
                   "tuning_cents", "energy", "loudness_lufs", "peak_db")  # fmt: skip
_QUALITY_COLUMNS = ("codec", "bitrate_kbps", "sample_rate", "bits_per_sample", "channels", "lossless", "cutoff_hz",
                    "transcode_suspected", "estimated_source_kbps", "score")  # fmt: skip


def _confidence(field: str, result: dict[str, Any]) -> float:
    """How much provenance should trust an analysed value (0..1)."""
    if field == "bpm":
        return float(min(1.0, max(0.05, result.get("bpm_confidence") or 0.5)))
    if field == "key":
        return float(min(1.0, max(0.05, result.get("key_confidence") or 0.5)))
    return 0.9


def _save(
    conn: sqlite3.Connection,
    track_id: int,
    result: dict[str, Any],
    file_size: int | None,
    file_mtime: float | None,
    version: int,
    held: list[str],
    at: str,
) -> int:
    error = result.get("error")
    aliases = {"key_open": "open_key", "key_camelot": "camelot"}  # AnalysisResult's names for two columns
    values = [result.get(c, result.get(aliases.get(c, c))) for c in _RESULT_COLUMNS]
    conn.execute(
        f"""INSERT INTO analysis_results (track_id, path, file_size, file_mtime, version, status, error,
            bpm_alternatives, cpu_seconds, held_fields, analyzed_at, {", ".join(_RESULT_COLUMNS)})
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {", ".join("?" for _ in _RESULT_COLUMNS)})
            ON CONFLICT (track_id) DO UPDATE SET path = excluded.path, file_size = excluded.file_size,
            file_mtime = excluded.file_mtime, version = excluded.version, status = excluded.status,
            error = excluded.error, bpm_alternatives = excluded.bpm_alternatives,
            cpu_seconds = excluded.cpu_seconds, held_fields = excluded.held_fields,
            analyzed_at = excluded.analyzed_at,
            {", ".join(f"{c} = excluded.{c}" for c in _RESULT_COLUMNS)}""",
        [track_id, result["path"], file_size, file_mtime, version, "error" if error else "ok", error,
         json.dumps(result.get("bpm_alternatives") or []), result.get("seconds"), json.dumps(held), at, *values],
    )  # fmt: skip
    q = result.get("quality")
    if q and not error:
        qvals = [q.get(c) for c in _QUALITY_COLUMNS]
        conn.execute(
            f"""INSERT INTO file_quality (track_id, path, suggestions, assessed_at, {", ".join(_QUALITY_COLUMNS)})
                VALUES (?, ?, ?, ?, {", ".join("?" for _ in _QUALITY_COLUMNS)})
                ON CONFLICT (track_id) DO UPDATE SET path = excluded.path, suggestions = excluded.suggestions,
                assessed_at = excluded.assessed_at,
                {", ".join(f"{c} = excluded.{c}" for c in _QUALITY_COLUMNS)}""",
            [track_id, result["path"], json.dumps(q.get("suggestions") or []), at, *qvals],
        )
    if error:
        return 0
    rows = []
    for key, field in PROVENANCE_FIELDS.items():
        if field in held:
            rows.append((track_id, field, None, "analysis", 0.0))  # withdraw an older analysed value
        elif result.get(key) is not None:
            rows.append((track_id, field, result[key], "analysis", _confidence(field, result)))
    return provenance.write_rows(conn, rows)


async def save(
    db: Any,
    track_id: int,
    result: dict[str, Any],
    file_size: int | None,
    file_mtime: float | None,
    version: int,
    held: list[str],
) -> int:
    """Store one analysis result (and quality, and provenance except `held` fields) atomically."""
    return await db.run_in_writer(
        _save, track_id, result, file_size, file_mtime, version, held, provenance.now_iso()
    )


async def held_fields(db: Any, track_id: int, lock: int | None) -> list[str]:
    """Fields analysis must not offer for this track: user-set provenance values and Traktor-locked ones."""
    rows = await db.fetchall(
        "SELECT DISTINCT field FROM metadata_values WHERE track_id = ? AND source = 'user'", (track_id,)
    )
    held = {r["field"] for r in rows}
    if lock:
        held |= LOCKED_BY_TRAKTOR
    return sorted(held & set(PROVENANCE_FIELDS.values()))


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for k in ("bpm_alternatives", "held_fields", "suggestions"):
        if k in out and isinstance(out[k], str):
            out[k] = json.loads(out[k])
    for k in ("lossless", "transcode_suspected"):
        if k in out and out[k] is not None:
            out[k] = bool(out[k])
    return out


async def get(db: Any, track_id: int) -> dict[str, Any] | None:
    """The analysis row of a track with its quality under "quality" (None if never analysed)."""
    row = _decode(await db.fetchone("SELECT * FROM analysis_results WHERE track_id = ?", (track_id,)))
    if row is None:
        return None
    q = _decode(await db.fetchone("SELECT * FROM file_quality WHERE track_id = ?", (track_id,)))
    if q:
        q.pop("track_id", None)
        q.pop("path", None)
    row["quality"] = q
    return row


async def stamps(db: Any, track_ids: list[int]) -> dict[int, dict[str, Any]]:
    """track_id -> {path, file_size, file_mtime, version, status} for change detection."""
    if not track_ids:
        return {}
    marks = ",".join("?" for _ in track_ids)
    rows = await db.fetchall(
        f"SELECT track_id, path, file_size, file_mtime, version, status FROM analysis_results WHERE track_id IN ({marks})",
        track_ids,
    )
    return {r["track_id"]: r for r in rows}


async def library_page(db: Any, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Tracks in the collection with a file path, in id order after `after_id` (resumable paging)."""
    return await db.fetchall(
        "SELECT id, path, lock FROM tracks WHERE removed_at IS NULL AND path IS NOT NULL AND path != '' "
        "AND id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )


async def library_count(db: Any) -> int:
    return int(
        await db.fetchval(
            "SELECT count(*) FROM tracks WHERE removed_at IS NULL AND path IS NOT NULL AND path != ''"
        )
        or 0
    )


async def tracks_by_ids(db: Any, track_ids: list[int]) -> list[dict[str, Any]]:
    if not track_ids:
        return []
    marks = ",".join("?" for _ in track_ids)
    return await db.fetchall(
        f"SELECT id, path, lock FROM tracks WHERE id IN ({marks}) ORDER BY id", track_ids
    )


async def quality_list(
    db: Any, limit: int, offset: int, max_score: int | None = None, transcoded: bool | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Files by quality, worst first: items with track artist/title, score and suggestions."""
    where, params = ["1 = 1"], []
    if max_score is not None:
        where.append("q.score <= ?")
        params.append(max_score)
    if transcoded is not None:
        where.append("q.transcode_suspected = ?")
        params.append(1 if transcoded else 0)
    clause = " AND ".join(where)
    total = await db.fetchval(f"SELECT count(*) FROM file_quality q WHERE {clause}", params)
    rows = await db.fetchall(
        f"""SELECT q.*, t.artist, t.title FROM file_quality q LEFT JOIN tracks t ON t.id = q.track_id
            WHERE {clause} ORDER BY q.score, q.track_id LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )
    return [_decode(r) for r in rows], int(total or 0)


async def summary(db: Any) -> dict[str, Any]:
    """Counts for GET /status (answered from memory until the next write: db.cached)."""
    row = await db.cached(
        "one", "SELECT count(*) AS analysed, sum(status = 'error') AS errors FROM analysis_results"
    )
    q = await db.cached(
        "one", "SELECT count(*) AS assessed, sum(transcode_suspected) AS transcodes FROM file_quality"
    )
    return {
        "analysed": int(row["analysed"] or 0),
        "errors": int(row["errors"] or 0),
        "quality_assessed": int(q["assessed"] or 0),
        "transcodes_suspected": int(q["transcodes"] or 0),
    }

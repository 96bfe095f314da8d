"""SQL for the Traktor aggregate: tracks, playlists, plays, sources and the write-back queue (reads + small writes).

The ingest's bulk writes are in store/traktor_ingest.py (they run on the writer thread via run_in_writer).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from musictool.store.db import Database

# the columns a list item carries; GET /tracks/{id} adds the rest
LIST_COLUMNS = (
    "id, location_key, path, artist, title, album, label, catalog_no, genre, comment, remixer, producer, mix, "
    "bpm, key, key_open, key_camelot, key_value, duration, bitrate, rating, play_count, last_played, "
    "import_date, release_date, audio_id, isrc, lock, cue_count, color, removed_at"
)
SORTS = {
    "id": "id",
    "artist": "artist COLLATE NOCASE",
    "title": "title COLLATE NOCASE",
    "album": "album COLLATE NOCASE",
    "label": "label COLLATE NOCASE",
    "genre": "genre COLLATE NOCASE",
    "bpm": "bpm",
    "key": "key_value, bpm",  # harmonic order: one key's tracks together, slowest first (tracks_key_bpm)
    "rating": "rating",
    "play_count": "play_count",
    "last_played": "last_played",
    "import_date": "import_date",
    "release_date": "release_date",
    "duration": "duration",
}

WALK_ROWS = (
    5000  # rows a sort-index walk may expect to read for one page of a search before sorting hits wins
)


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _word_match(words: list[str]) -> tuple[str, list[Any]]:
    """One LIKE per word, or two where the word's accents compose differently in NFC and NFD: search_text keeps
    the tags' own form (macOS writes NFD), so "rosé" typed either way finds the track written either way."""
    conds: list[str] = []
    params: list[Any] = []
    for w in words:
        forms = dict.fromkeys(unicodedata.normalize(f, w.casefold()) for f in ("NFC", "NFD"))
        conds.append(
            "(" + " OR ".join("search_text LIKE ? ESCAPE '\\'" for _ in forms) + ")"
            if len(forms) > 1
            else "search_text LIKE ? ESCAPE '\\'"
        )
        params.extend(_like(f) for f in forms)
    return " AND ".join(conds), params


async def list_tracks(
    db: Database,
    *,
    limit: int,
    offset: int,
    q: str | None = None,
    sort: str = "artist",
    bpm_min: float | None = None,
    bpm_max: float | None = None,
    key_value: int | None = None,
    genre: str | None = None,
    include_removed: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    filters: list[str] = []
    params: list[Any] = []
    search: tuple[str, list[Any]] | None = None
    if q:
        # matched inside the narrow (removed_at, search_text) index, never by scanning the wide rows
        live = "removed_at IS NULL AND " if not include_removed else ""
        match, match_params = _word_match(q.split())
        search = (f"SELECT id FROM tracks INDEXED BY tracks_search WHERE {live}{match}", match_params)
        filters.append(f"id IN ({search[0]})")
        params.extend(search[1])
    if bpm_min is not None:
        filters.append("bpm >= ?")
        params.append(bpm_min)
    if bpm_max is not None:
        filters.append("bpm <= ?")
        params.append(bpm_max)
    if key_value is not None:
        filters.append("key_value = ?")
        params.append(key_value)
    if genre:
        filters.append("genre = ? COLLATE NOCASE")
        params.append(genre)
    # "+removed_at" keeps the planner from walking tracks_search for a condition nearly every row meets;
    # it then uses the sort column's index (LIMIT stops early) or the filter's own index
    where = ([] if include_removed else ["+removed_at IS NULL"]) + filters
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    # totals scan the library (20-50 ms at 100k tracks): reused until the next write (paging repeats them)
    if search and len(filters) == 1:
        total = await db.cached("val", f"SELECT count(*) FROM ({search[0]})", search[1])
    elif not filters:
        total = await db.cached(
            "val", "SELECT count(*) FROM tracks" + ("" if include_removed else " WHERE removed_at IS NULL")
        )
    else:
        total = await db.cached("val", f"SELECT count(*) FROM tracks {clause}", params)
    if search and len(filters) == 1 and total:
        rows_in_library = await db.cached("val", "SELECT count(*) FROM tracks")
        if (offset + limit) * rows_in_library / total <= WALK_ROWS:
            # a common term: walk the sort column's index testing each row's text, so LIMIT stops after a
            # page instead of sorting every hit (65 -> 0.1 ms for a term in a third of 100k tracks)
            where = [*where[:-1], f"({match})"]
            clause = f"WHERE {' AND '.join(where)}"
    desc = sort.startswith("-")
    direction = "DESC" if desc else "ASC"
    order = f" {direction}, ".join(SORTS[sort.lstrip("-")].split(", "))
    # pages are reused until the next write: a search page re-reads the whole search index like its count
    # did, a filtered one sorts every hit, and the library changes far less often than it is browsed
    rows = await db.cached(
        "all",
        f"SELECT {LIST_COLUMNS}, path AS location FROM tracks {clause} "
        f"ORDER BY {order} {direction}, id {direction} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, total


_CUE_NAMES = ("name", "displ_order", "type", "start", "length", "repeats", "hotcue", "color", "grid_bpm")
_CUE_TYPES = (str, int, int, float, float, int, int, str, float)


def _cue_value(kind: type, v: Any) -> Any:
    if v is None or v == "":
        return None
    if kind is str:
        return str(v)
    try:
        return kind(float(v)) if kind is int else float(v)
    except ValueError:
        return None


def _cues(raw: str | None) -> list[dict[str, Any]]:
    """cues_json rows (Traktor's attribute texts) as typed dicts."""
    if not raw:
        return []
    return [
        {name: _cue_value(kind, v) for name, kind, v in zip(_CUE_NAMES, _CUE_TYPES, c, strict=False)}
        for c in json.loads(raw)
    ]


async def get_track(db: Database, track_id: int) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT *, path AS location FROM tracks WHERE id = ?", (track_id,))
    if row is None:
        return None
    row["cues"] = _cues(row.pop("cues_json"))
    row["extra"] = json.loads(row.pop("extra_json")) if row.get("extra_json") else None
    row["stems"] = json.loads(row["stems"]) if row.get("stems") else None
    row.pop("search_text", None)
    row["playlists"] = await db.fetchall(
        "SELECT DISTINCT p.id, p.path, p.name FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id "
        "WHERE e.location_key = ? ORDER BY p.position",
        (row["location_key"],),
    )
    row["plays"] = await db.fetchall(
        "SELECT s.file AS session, p.started_at, p.deck, p.duration, p.played_public FROM plays p "
        "JOIN history_sessions s ON s.id = p.session_id WHERE p.location_key = ? ORDER BY p.started_at",
        (row["location_key"],),
    )
    for p in row["plays"]:
        p["played_public"] = None if p["played_public"] is None else bool(p["played_public"])
    row["history_play_count"] = len(row["plays"])
    return row


async def track_keys(db: Database, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(f"SELECT id, location_key FROM tracks WHERE id IN ({marks})", ids)
    return {r["id"]: r["location_key"] for r in rows}


async def list_playlists(
    db: Database, *, limit: int, offset: int, type_: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    clause, params = ("WHERE type = ?", [type_]) if type_ else ("", [])
    total = await db.fetchval(f"SELECT count(*) FROM playlists {clause}", params)
    rows = await db.fetchall(
        "SELECT id, uuid, path, name, type, list_type, parent_path, position, query, entry_count "
        f"FROM playlists {clause} ORDER BY position LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    depths = await _depths(db)
    for r in rows:
        r["depth"] = depths.get(r["id"], 0)
    return rows, total


async def get_playlist(db: Database, playlist_id: int) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT id, uuid, path, name, type, list_type, parent_path, position, query, entry_count "
        "FROM playlists WHERE id = ?",
        (playlist_id,),
    )
    if row is not None:
        row["depth"] = (await _depths(db)).get(playlist_id, 0)
    return row


async def _depths(db: Database) -> dict[int, int]:
    """Each node's depth below $ROOT, from the tree: a name may hold "/", so counting the separators in a path
    is wrong. Positions are pre-order, so a node's parent is the nearest open folder whose path is parent_path."""
    rows = await db.cached("all", "SELECT id, path, parent_path, type FROM playlists ORDER BY position")
    depths: dict[int, int] = {}
    folders: list[str] = []  # paths of the folders from $ROOT down to the node being read
    for r in rows:
        while folders and folders[-1] != r["parent_path"]:
            folders.pop()
        depths[r["id"]] = len(folders)
        if r["type"] == "FOLDER":
            folders.append(r["path"])
    return depths


async def playlist_tracks(
    db: Database, playlist_id: int, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM playlist_entries WHERE playlist_id = ?", (playlist_id,))
    cols = (
        ", ".join(f"t.{c.strip()} AS t_{c.strip()}" for c in LIST_COLUMNS.split(","))
        + ", t.path AS t_location"
    )
    rows = await db.fetchall(
        f"SELECT e.position, e.key_type, e.location_key, {cols} FROM playlist_entries e "
        "LEFT JOIN tracks t ON t.location_key = e.location_key "
        "WHERE e.playlist_id = ? ORDER BY e.position LIMIT ? OFFSET ?",
        (playlist_id, limit, offset),
    )
    items = []
    for r in rows:
        track = {k[2:]: r.pop(k) for k in list(r) if k.startswith("t_")}
        r["track"] = track if track.get("id") is not None else None
        items.append(r)
    return items, total


async def smartlist_tracks(
    db: Database, where: str, params: list[Any], *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The live tracks a smart list's query selects (`where` from traktor.smartlist.to_sql), shaped like
    playlist entries, in collection order."""
    total = await smartlist_count(db, where, params)
    rows = await db.cached(
        "all",
        f"SELECT {LIST_COLUMNS}, path AS location FROM tracks {_live(where)} ORDER BY id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    items = [
        {"position": offset + i, "key_type": "TRACK", "location_key": r["location_key"], "track": r}
        for i, r in enumerate(rows)
    ]
    return items, total


async def smartlist_count(db: Database, where: str, params: list[Any]) -> int:
    return await db.cached("val", f"SELECT count(*) FROM tracks {_live(where)}", params)


def _live(where: str) -> str:
    return f"WHERE removed_at IS NULL AND ({where})"


async def source(db: Database, path: str) -> dict[str, Any] | None:
    return await db.fetchone("SELECT * FROM traktor_sources WHERE path = ?", (path,))


async def has_tracks(db: Database) -> bool:
    """Whether any track (even a removed one) was ever ingested: the first ingest takes the bulk path."""
    return bool(await db.fetchval("SELECT EXISTS (SELECT 1 FROM tracks)"))


async def counts(db: Database) -> dict[str, Any]:
    row = await db.cached(
        "one",
        "SELECT (SELECT count(*) FROM tracks WHERE removed_at IS NULL) AS tracks, "
        "(SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL) AS removed, "
        "(SELECT count(*) FROM playlists WHERE type != 'FOLDER') AS playlists, "
        "(SELECT count(*) FROM history_sessions) AS history_sessions, "
        "(SELECT count(*) FROM plays) AS plays, "
        "(SELECT count(*) FROM traktor_writes WHERE status = 'queued') AS writes_queued",
    )
    return row or {}


# -- write-back queue ----------------------------------------------------------------------------------------


async def add_write(db: Database, edits: dict[str, Any], summary: str) -> int:
    return await db.execute(
        "INSERT INTO traktor_writes (edits_json, summary) VALUES (?, ?)", (json.dumps(edits), summary)
    )


def _write_row(r: dict[str, Any]) -> dict[str, Any]:
    r["edits"] = json.loads(r.pop("edits_json"))
    return r


async def get_write(db: Database, write_id: int) -> dict[str, Any] | None:
    r = await db.fetchone("SELECT * FROM traktor_writes WHERE id = ?", (write_id,))
    return _write_row(r) if r else None


async def queued_writes(db: Database) -> list[dict[str, Any]]:
    return [
        _write_row(r)
        for r in await db.fetchall("SELECT * FROM traktor_writes WHERE status = 'queued' ORDER BY id")
    ]


async def list_writes(db: Database, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM traktor_writes")
    rows = await db.fetchall(
        "SELECT * FROM traktor_writes ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )
    return [_write_row(r) for r in rows], total


async def set_write(db: Database, write_id: int, **fields: Any) -> None:
    cols = ", ".join(f"{k} = ?" for k in fields)
    await db.execute(f"UPDATE traktor_writes SET {cols} WHERE id = ?", (*fields.values(), write_id))


# -- History sessions (DJ sets) ------------------------------------------------------------------------------


async def list_sessions(db: Database, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = await db.fetchval("SELECT count(*) FROM history_sessions")
    rows = await db.fetchall(
        "SELECT id, file, saved_at, first_play, last_play, play_count FROM history_sessions "
        "ORDER BY coalesce(first_play, saved_at) DESC, id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return rows, total


async def get_session(db: Database, session_id: int) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT id, file, saved_at, first_play, last_play, play_count FROM history_sessions WHERE id = ?",
        (session_id,),
    )
    if row is None:
        return None
    plays = await db.fetchall(
        "SELECT p.position, p.location_key, p.key_type, p.artist, p.title, p.deck, p.duration, p.played_public, "
        "p.started_at, t.id AS track_id FROM plays p LEFT JOIN tracks t ON t.location_key = p.location_key "
        "WHERE p.session_id = ? ORDER BY p.position",
        (session_id,),
    )
    for p in plays:
        p["played_public"] = None if p["played_public"] is None else bool(p["played_public"])
    row["plays"] = plays
    return row


async def track_identity(db: Database, track_id: int) -> dict[str, Any] | None:
    """location_key, artist and title of a track (what a write-back needs to name it)."""
    return await db.fetchone("SELECT location_key, artist, title FROM tracks WHERE id = ?", (track_id,))


async def live_count(db: Database) -> int:
    """Tracks in the collection now (not removed)."""
    return int(await db.fetchval("SELECT count(*) FROM tracks WHERE removed_at IS NULL") or 0)

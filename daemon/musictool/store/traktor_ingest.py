"""SQL of a Traktor ingest: plain sqlite3 functions that run on the writer's thread (db.run_in_writer /
db.run_bulk_in_writer) or on a private staging file in the parse worker.

integrations/traktor/ingest.py decides what to write (parsing, comparing, the parse workers); this module is
how it is written. The row layout is integrations/traktor/rows.py's TRACK_COLUMNS, passed in as `columns`.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from musictool.store.uri import sqlite_uri

Row = tuple[Any, ...]
Writer = Callable[[list[Row]], None]
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
# While a bulk insert runs: room for a 100,000-track table (~130 MB), so each index build scans it in memory
# instead of reading it back from the WAL; SQLite takes pages only as it needs them.
BULK_CACHE_KIB = 192 * 1024


def _writer(conn: sqlite3.Connection, sql: str) -> Writer:
    def write(rows: list[Row]) -> None:
        conn.executemany(sql, rows)

    return write


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
    """A cursor yielding plain tuples, whatever row_factory the (shared writer) connection uses."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, params)


# -- tracks -------------------------------------------------------------------------------------------------


def _marks(columns: Sequence[str]) -> str:
    return ", ".join("?" * len(columns))


def upsert_sql(columns: Sequence[str]) -> str:
    """Insert or update by location_key (ids stay stable); a row seen again is live again."""
    return (
        f"INSERT INTO tracks ({', '.join(columns)}) VALUES ({_marks(columns)}) "
        "ON CONFLICT (location_key) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        + f", removed_at = NULL, updated_at = {_NOW}"
    )


def upserter(conn: sqlite3.Connection, columns: Sequence[str]) -> Writer:
    return _writer(conn, upsert_sql(columns))


def new_inserter(conn: sqlite3.Connection, columns: Sequence[str]) -> Writer:
    """Insert into an empty table; the same file twice: Traktor keeps the first (DO NOTHING).

    first_seen_at and updated_at are one literal for the whole ingest: their strftime defaults, run for every
    row, cost about a tenth of the insert.
    """
    at = _rows(conn, f"SELECT {_NOW}").fetchone()[0]  # digits and punctuation from SQLite itself
    sql = (
        f"INSERT INTO tracks ({', '.join(columns)}, first_seen_at, updated_at) VALUES ({_marks(columns)}, "
        f"'{at}', '{at}') ON CONFLICT (location_key) DO NOTHING"
    )
    return _writer(conn, sql)


def live_hashes(conn: sqlite3.Connection) -> dict[str, str]:
    """location_key -> content_hash of every track in the collection."""
    return dict(_rows(conn, "SELECT location_key, content_hash FROM tracks WHERE removed_at IS NULL"))


def live_hashes_of_file(db_path: str | None) -> dict[str, str]:
    """live_hashes through a read-only connection of its own (the parse worker process); {} before any."""
    if not db_path or not os.path.exists(db_path):
        return {}
    conn = sqlite3.connect(sqlite_uri(db_path, readonly=True), uri=True, timeout=30)
    try:
        conn.execute("PRAGMA mmap_size = 1073741824")  # a scan of every row: mapped, it costs about half
        return live_hashes(conn)
    except sqlite3.OperationalError:  # no tracks table yet
        return {}
    finally:
        conn.close()


def tracks_empty(conn: sqlite3.Connection) -> bool:
    return bool(_rows(conn, "SELECT NOT EXISTS (SELECT 1 FROM tracks)").fetchone()[0])


@contextmanager
def bulk_load(conn: sqlite3.Connection, rebuild_indexes: bool) -> Iterator[None]:
    """A large write into `tracks`: a big page cache while it runs; with rebuild_indexes (an empty table) the
    secondary indexes are dropped first and built once at the end, about twice as fast as keeping them up to
    date row by row (any index another migration adds to tracks is rebuilt the same way)."""
    indexes: list[tuple[str, str]] = []
    if rebuild_indexes:
        indexes = list(
            _rows(
                conn,
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracks' AND sql IS NOT NULL",
            )
        )
    cache = _rows(conn, "PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    """Undo what the block wrote if it raises (the outer transaction goes on)."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def mark_removed(conn: sqlite3.Connection, keys: list[str], sample: int) -> list[dict[str, Any]]:
    """Mark these tracks removed; returns id, location_key, artist, title of the first `sample` of them."""
    out = []
    for k in keys[:sample]:
        row = _rows(conn, "SELECT id, artist, title FROM tracks WHERE location_key = ?", (k,)).fetchone()
        if row:
            out.append({"id": row[0], "location_key": k, "artist": row[1], "title": row[2]})
    conn.executemany(
        f"UPDATE tracks SET removed_at = {_NOW} WHERE location_key = ? AND removed_at IS NULL",
        ((k,) for k in keys),
    )
    return out


# -- the staging file ---------------------------------------------------------------------------------------


def open_staging(path: str, columns: Sequence[str]) -> tuple[sqlite3.Connection, Writer]:
    """A private staging file (no journal, no fsync) with an open transaction, and its row writer."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"CREATE TABLE staged ({', '.join(columns)})")
        conn.execute("BEGIN")
    except BaseException:
        conn.close()
        raise
    return conn, _writer(conn, f"INSERT INTO staged VALUES ({_marks(columns)})")


def commit_staging(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def apply_staging(conn: sqlite3.Connection, staging: str, columns: Sequence[str]) -> None:
    """Upsert every row of a staging file into `tracks`."""
    st = sqlite3.connect(sqlite_uri(staging, readonly=True), uri=True)
    try:
        conn.executemany(upsert_sql(columns), st.execute(f"SELECT {', '.join(columns)} FROM staged"))
    finally:
        st.close()


# -- sources ------------------------------------------------------------------------------------------------


def playlists_hash(conn: sqlite3.Connection, source: str) -> str | None:
    """The hash of the PLAYLISTS section last synced from `source`; None when never."""
    row = _rows(conn, "SELECT playlists_hash FROM traktor_sources WHERE path = ?", (source,)).fetchone()
    return row[0] if row else None


def record_source(conn: sqlite3.Connection, source: str, values: dict[str, Any]) -> None:
    """A successful ingest of `source`: what the file said and how long it took; clears its last error."""
    conn.execute(
        "INSERT INTO traktor_sources (path, version, program, entry_count, entries_attr, playlists_hash, "
        "remix_sets, size, mtime, last_ingest_at, last_ingest_ms, last_error, last_error_at) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {_NOW}, ?, NULL, NULL) "
        "ON CONFLICT (path) DO UPDATE SET version = excluded.version, program = excluded.program, "
        "entry_count = excluded.entry_count, entries_attr = excluded.entries_attr, "
        "playlists_hash = excluded.playlists_hash, remix_sets = excluded.remix_sets, size = excluded.size, "
        "mtime = excluded.mtime, last_ingest_at = excluded.last_ingest_at, "
        "last_ingest_ms = excluded.last_ingest_ms, last_error = NULL, last_error_at = NULL",
        (
            source, values["version"], values["program"], values["entry_count"], values["entries_attr"],
            values["playlists_hash"], values["remix_sets"], values["size"], values["mtime"],
            values["last_ingest_ms"],
        ),
    )  # fmt: skip


def record_error(conn: sqlite3.Connection, source: str, message: str) -> None:
    conn.execute(
        "INSERT INTO traktor_sources (path, last_error, last_error_at) "
        f"VALUES (?, ?, {_NOW}) "
        "ON CONFLICT (path) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at",
        (source, message),
    )


# -- playlists ----------------------------------------------------------------------------------------------


@dataclass
class PlaylistChanges:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # path, added, removed (entry counts)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.changed)


def _items_hash(node: Any) -> str:
    return hashlib.blake2b(
        marshal.dumps([(i.key_type, i.key) for i in node.items], 2), digest_size=16
    ).hexdigest()


def _idents(nodes: Sequence[Any]) -> list[str]:
    """A stable identity per node: its UUID, else its path; a repeated one (a copied UUID, or folder "A" >
    "B" beside a playlist named "A/B") is told apart by its place among the nodes that share it."""
    out, seen = [], set()
    for n in nodes:
        ident = f"uuid:{n.uuid}" if n.uuid else f"path:{'/'.join(n.path)}"
        if ident in seen:
            ident = f"path:{'/'.join(n.path)}"
        base, k = ident, 1
        while ident in seen:
            k += 1
            ident = f"{base}#{k}"
        seen.add(ident)
        out.append(ident)
    return out


def sync_playlists(conn: sqlite3.Connection, nodes: Sequence[Any]) -> PlaylistChanges:
    """Make the playlists tables equal to `nodes` (reader.PlaylistNode), keeping ids of playlists that still
    exist."""
    ch = PlaylistChanges()
    old = {
        r[0]: {"id": r[1], "path": r[2], "items_hash": r[3], "meta": tuple(r[4:])}
        for r in _rows(
            conn,
            "SELECT ident, id, path, items_hash, uuid, path, name, type, list_type, parent_path, position, query, "
            "entry_count, items_hash FROM playlists",
        )
    }
    new_idents = _idents(nodes)
    for ident, n in zip(new_idents, nodes, strict=True):
        path = "/".join(n.path)
        ih = _items_hash(n)
        meta = (
            n.uuid, path, n.name, n.type, n.list_type, "/".join(n.path[:-1]) or None, n.position, n.query,
            len(n.items), ih,
        )  # fmt: skip
        o = old.get(ident)
        if o is None:
            cur = conn.execute(
                "INSERT INTO playlists (ident, uuid, path, name, type, list_type, parent_path, position, query, "
                "entry_count, items_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ident, *meta),
            )
            pid = cur.lastrowid
            if n.type != "FOLDER":
                ch.added.append(path)
            old_keys: list[str] = []
        else:
            pid = o["id"]
            if o["meta"] != meta:
                conn.execute(
                    "UPDATE playlists SET uuid = ?, path = ?, name = ?, type = ?, list_type = ?, parent_path = ?, "
                    f"position = ?, query = ?, entry_count = ?, items_hash = ?, updated_at = {_NOW} WHERE id = ?",
                    (*meta, pid),
                )
            if o["path"] != path:
                ch.renamed.append((o["path"], path))
            if o["items_hash"] == ih:
                continue
            old_keys = [
                r[0]
                for r in _rows(
                    conn,
                    "SELECT location_key FROM playlist_entries WHERE playlist_id = ? ORDER BY position",
                    (pid,),
                )
            ]
            conn.execute("DELETE FROM playlist_entries WHERE playlist_id = ?", (pid,))
        conn.executemany(
            "INSERT INTO playlist_entries (playlist_id, position, key_type, location_key) VALUES (?, ?, ?, ?)",
            [(pid, i, it.key_type, it.key) for i, it in enumerate(n.items)],
        )
        if o is not None:
            before, after = set(old_keys), {it.key for it in n.items}
            ch.changed.append(
                {
                    "path": path,
                    "added": len(after - before),
                    "removed": len(before - after),
                    "entries": len(n.items),
                }
            )
    gone = set(old) - set(new_idents)
    for ident in gone:
        ch.removed.append(old[ident]["path"])
        conn.execute("DELETE FROM playlists WHERE id = ?", (old[ident]["id"],))
    return ch


# -- History ------------------------------------------------------------------------------------------------


def history_state(conn: sqlite3.Connection) -> dict[str, tuple[int | None, float | None]]:
    return {r[0]: (r[1], r[2]) for r in _rows(conn, "SELECT file, size, mtime FROM history_sessions")}


def store_history(conn: sqlite3.Connection, sessions: Iterable[Any], stats: dict[str, tuple[int, float]]) -> int:
    """Replace the plays of each given HistorySession (traktor/history.py); returns the number of plays written."""
    written = 0
    for s in sessions:
        size, mtime = stats.get(s.file, (None, None))
        starts = [p.started_at for p in s.plays if p.started_at]
        conn.execute(
            "DELETE FROM plays WHERE session_id IN (SELECT id FROM history_sessions WHERE file = ?)",
            (s.file,),
        )
        conn.execute("DELETE FROM history_sessions WHERE file = ?", (s.file,))
        cur = conn.execute(
            "INSERT INTO history_sessions (file, saved_at, first_play, last_play, play_count, size, mtime) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                s.file,
                s.saved_at,
                min(starts) if starts else None,
                max(starts) if starts else None,
                len(s.plays),
                size,
                mtime,
            ),
        )
        sid = cur.lastrowid
        conn.executemany(
            "INSERT INTO plays (session_id, position, location_key, key_type, artist, title, deck, duration, "
            "played_public, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, p.position, p.location_key, p.key_type, p.artist, p.title, p.deck, p.duration,
                 None if p.played_public is None else int(p.played_public), p.started_at)
                for p in s.plays
            ],
        )  # fmt: skip
        written += len(s.plays)
    return written

"""collection.nml -> database, writing only what changed.

Two steps, so a bad file never touches the database and the event loop never parses:
1. `stage()` (a worker process via ctx.run_cpu, or a thread): reads the hashes of the current tracks through
   its own read-only connection, streams the file, and writes every new or changed entry as a row into a
   private staging SQLite file (no journal, no fsync). Unchanged entries cost one hash and nothing else.
   A malformed or truncated file raises NmlError here: the staging file is dropped and nothing was written.
2. `merge()` (db.run_in_writer, one transaction): upserts the staged rows (track ids stay stable), marks
   the entries that disappeared as removed, syncs playlists if their section changed, records the source.
The caller then writes timeline entries and publishes `traktor.ingested`.

A first ingest into an empty table skips the staging: `ingest_direct()` inserts straight into `tracks` in
one transaction (db.run_bulk_in_writer), with two forked parse workers for a large file, and builds the
secondary indexes once at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import multiprocessing
import os
import pickle
import queue
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .fastscan import BLOCK, NotSplittable, eligible, identity_of, iter_fast
from .paths import DEFAULT_BOOT_VOLUME
from .reader import NmlError, NmlReader, NmlSummary, PlaylistNode, Track, cues_json
from .rows import COL, TRACK_COLUMNS

_COLS = ", ".join(TRACK_COLUMNS)
SAMPLE = 20
_KEY, _ARTIST, _TITLE = COL["location_key"], COL["artist"], COL["title"]


def search_text(t: Track) -> str:
    return " ".join(x for x in (t.artist, t.title, t.album, t.label, t.comment, t.remixer) if x).casefold()


def track_row(t: Track) -> tuple[Any, ...]:
    """A Track as a `tracks` row (the slow path's equivalent of rows.build_row; tests compare the two)."""
    return (
        t.location_key, t.path, t.volume, t.volume_id, t.dir, t.file, t.artist, t.title, t.album,
        t.track_number, t.of_tracks, t.label, t.catalog_no, t.genre, t.comment, t.comment2, t.remixer,
        t.producer, t.mix, t.key_lyrics, t.bpm, t.bpm_quality, t.key, t.key_open, t.key_camelot, t.key_value,
        t.key_text, t.duration, t.bitrate, t.rating, t.play_count, t.last_played, t.import_date,
        t.release_date, t.filesize_kb, t.flags, t.color, t.cover_art_id, t.audio_id, t.lock,
        t.lock_modification_time, t.modified_date, t.modified_time, t.author_type, t.peak_db, t.perceived_db,
        t.analyzed_db, t.stems, len(t.cues), cues_json(t.cues),
        json.dumps(t.extra, ensure_ascii=False) if t.extra else None, search_text(t), t.content_hash,
    )  # fmt: skip


@dataclass
class StageResult:
    """What stage() found; small enough to pickle back from the worker process."""

    path: str
    staging: str | None
    summary: NmlSummary
    added: int = 0
    modified: int = 0
    unchanged: int = 0
    removed_keys: list[str] = field(default_factory=list)
    added_sample: list[dict[str, Any]] = field(default_factory=list)
    modified_sample: list[dict[str, Any]] = field(default_factory=list)
    skipped_without_location: int = 0
    duplicates: int = 0
    canonical: int = 0  # entries read by the template (template.py) rather than an XML parser
    size: int = 0
    mtime: float = 0.0
    parse_seconds: float = 0.0


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
    """A cursor yielding plain tuples, whatever row_factory the (shared writer) connection uses."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, params)


def _known(db_path: str | None) -> dict[str, str]:
    if not db_path or not os.path.exists(db_path):
        return {}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("PRAGMA mmap_size = 1073741824")  # a scan of every row: mapped, it costs about half
        return dict(conn.execute("SELECT location_key, content_hash FROM tracks WHERE removed_at IS NULL"))
    except sqlite3.OperationalError:  # no tracks table yet
        return {}
    finally:
        conn.close()


_INSERT_STAGED = f"INSERT INTO staged VALUES ({', '.join('?' * len(TRACK_COLUMNS))})"
_UPSERT_TRACKS = (
    f"INSERT INTO tracks ({_COLS}) VALUES ({', '.join('?' * len(TRACK_COLUMNS))}) "
    "ON CONFLICT (location_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in TRACK_COLUMNS[1:])
    + ", removed_at = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
)


def _stream(
    res: StageResult,
    conn: sqlite3.Connection,
    sql: str,
    known: dict[str, str],
    boot_volume: str | None,
    batch: int,
) -> None:
    """Parse res.path in this process; write every new/changed entry's row with `sql`; fill in res."""
    reader = NmlReader(res.path, known=known, boot_volume=boot_volume, rows=True)
    _consume(res, conn, sql, known, reader, batch)
    res.summary = reader.summary
    res.skipped_without_location = reader.skipped_without_location
    res.canonical = reader.canonical


def _consume(
    res: StageResult,
    conn: sqlite3.Connection,
    sql: str,
    known: dict[str, str],
    items: Iterable[tuple[Any, ...] | str],
    batch: int,
) -> None:
    """Write the rows among `items` (rows or unchanged keys, in document order) in batches; count them."""
    seen: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    for item in items:
        if isinstance(item, str):
            seen.add(item)
            res.unchanged += 1
            continue
        key = item[_KEY]
        if key in seen:  # the same file twice: Traktor keeps the first
            res.duplicates += 1
            continue
        seen.add(key)
        if key in known:
            res.modified += 1
            if len(res.modified_sample) < SAMPLE:
                res.modified_sample.append(
                    {"location_key": key, "artist": item[_ARTIST], "title": item[_TITLE]}
                )
        else:
            res.added += 1
            if len(res.added_sample) < SAMPLE:
                res.added_sample.append({"location_key": key, "artist": item[_ARTIST], "title": item[_TITLE]})
        rows.append(item)
        if len(rows) >= batch:
            conn.executemany(sql, rows)
            rows.clear()
    if rows:
        conn.executemany(sql, rows)
    res.removed_keys = [k for k in known if k not in seen]


# -- the first ingest's parse workers ----------------------------------------------------------------------
# A first ingest of a large file parses in child processes, each taking every other block of COLLECTION
# (fastscan.block_starts) and sending each block's rows (marshal: the fastest serializer for tuples of
# str/int/float/None) over a pipe, while this process inserts the blocks it already has, in document order.
# Children are forked where that is safe (Linux): they start at once, with every module already imported.

BULK_CACHE_KIB = 192 * 1024
PARALLEL_MIN_BYTES = 8 << 20  # below this, starting processes costs more than it saves
PARSE_WORKERS = 2
SEND_AHEAD = 4  # blocks a worker may have parsed before the parent takes them (~1.3 MB each)
# first_seen_at and updated_at as one literal for the whole ingest ({at}): their strftime defaults, run for
# every row, cost about a tenth of the insert
_INSERT_NEW = (
    f"INSERT INTO tracks ({_COLS}, first_seen_at, updated_at) VALUES ({', '.join('?' * len(TRACK_COLUMNS))}, "
    "'{at}', '{at}') ON CONFLICT (location_key) DO NOTHING"  # the same file twice: Traktor keeps the first
)


def _produce(
    send: Connection,
    nml_path: str,
    bounds: tuple[int, int],
    identity: tuple[int, ...],
    boot_volume: str | None,
    part: int,
    parts: int,
    block: int,
) -> None:
    """Worker process: b"R" + marshal(rows) per block of this part, then b"E" + pickle(totals).

    b"N": the file needs the general parser (fastscan.NotSplittable); b"X": a bad file; b"F": a bug.
    """
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)  # forked from the daemon: a signal to this child must not reach its loop
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    out: queue.Queue[bytes | None] = queue.Queue(maxsize=SEND_AHEAD)
    broken = threading.Event()

    def pump() -> None:  # sends while the parse goes on, so a worker never waits for the parent's turn
        while (msg := out.get()) is not None:
            if not broken.is_set():
                try:
                    send.send_bytes(msg)
                except OSError:  # the parent is gone
                    broken.set()

    sender = threading.Thread(target=pump, name="send", daemon=True)
    sender.start()
    try:
        reader = NmlReader(nml_path, boot_volume=boot_volume, rows=True)
        buf: list[Any] = []
        for item in iter_fast(reader, bounds, part, parts, identity=identity, block=block):
            if item is None:
                if broken.is_set():
                    return
                out.put(b"R" + marshal.dumps(buf))
                buf = []
            else:
                buf.append(item)
        totals = (reader.summary if part == 0 else None, reader.skipped_without_location,
                  reader.summary.entry_count, reader.canonical)  # fmt: skip
        out.put(b"E" + pickle.dumps(totals))
    except NotSplittable as e:
        out.put(b"N" + pickle.dumps((e.reason, e.offset)))
    except NmlError as e:
        out.put(b"X" + pickle.dumps(e))
    except BaseException as e:  # noqa: BLE001 - a bug, not a bad file: reported as such by the parent
        out.put(b"F" + pickle.dumps(f"{type(e).__name__}: {e}"))
    finally:
        out.put(None)
        sender.join()
        send.close()


class _Workers:
    """The parent's end of _produce: iterate it for row batches in document order; then the totals are set."""

    def __init__(
        self,
        nml_path: str,
        bounds: tuple[int, int],
        identity: tuple[int, ...],
        boot_volume: str | None,
        parts: int,
        block: int,
    ):
        mp = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self.procs: list[Any] = []
        self.pipes: list[Connection] = []
        for part in range(parts):
            recv, send = mp.Pipe(duplex=False)
            proc = mp.Process(
                target=_produce,
                args=(send, nml_path, bounds, identity, boot_volume, part, parts, block),
                daemon=True,
                name=f"traktor-parse-{part}",
            )
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a process that has threads: a child that took a lock another
                # thread held would wait forever. _produce takes none (no logging, no SQLite, no imports).
                warnings.simplefilter("ignore", DeprecationWarning)
                proc.start()
            send.close()
            self.procs.append(proc)
            self.pipes.append(recv)
        self.summary = NmlSummary()
        self.skipped = self.entries = self.canonical = 0

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        live = list(enumerate(self.pipes))
        i = 0
        while live:
            part, pipe = live[i]
            try:
                msg = pipe.recv_bytes()
            except EOFError:
                raise RuntimeError("a Traktor parse worker exited without an answer") from None
            kind = msg[:1]
            if kind == b"R":
                yield marshal.loads(memoryview(msg)[1:])
                i = (i + 1) % len(live)
            elif kind == b"E":
                summary, skipped, entries, canonical = pickle.loads(msg[1:])
                if summary is not None:
                    self.summary = summary
                self.skipped += skipped
                self.entries += entries
                self.canonical += canonical
                live.pop(i)
                if live:
                    i %= len(live)
            elif kind == b"N":
                raise NotSplittable(*pickle.loads(msg[1:]))
            elif kind == b"X":
                raise pickle.loads(msg[1:])
            else:
                raise RuntimeError(f"a Traktor parse worker failed: {pickle.loads(msg[1:])}")
        self.summary.entry_count = self.entries

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def _stream_parallel(
    res: StageResult,
    conn: sqlite3.Connection,
    boot_volume: str | None,
    bounds: tuple[int, int],
    identity: tuple[int, ...],
    block: int,
) -> None:
    """_stream for an empty table, parsed by PARSE_WORKERS processes. Raises NotSplittable, NmlError."""
    workers = _Workers(res.path, bounds, identity, boot_volume, PARSE_WORKERS, block)
    at = _rows(conn, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')").fetchone()[0]
    insert = _INSERT_NEW.format(at=at)  # digits and punctuation from SQLite itself
    sent = 0
    before = conn.total_changes
    try:
        for rows in workers:
            conn.executemany(insert, rows)
            sent += len(rows)
            for r in rows[: SAMPLE - len(res.added_sample)]:
                res.added_sample.append({"location_key": r[_KEY], "artist": r[_ARTIST], "title": r[_TITLE]})
    finally:
        workers.close()
    res.added = conn.total_changes - before
    res.duplicates = sent - res.added
    res.summary = workers.summary
    res.skipped_without_location = workers.skipped
    res.canonical = workers.canonical


def warm() -> bool:
    """Run once in a fresh worker process so its imports are done before the first live re-ingest."""
    return True


def _stat(nml_path: str) -> os.stat_result:
    try:
        return os.stat(nml_path)
    except FileNotFoundError as e:
        raise NmlError(nml_path, "the file does not exist") from e


def stage(
    nml_path: str,
    db_path: str | None,
    staging_dir: str | None = None,
    boot_volume: str | None = DEFAULT_BOOT_VOLUME,
    batch: int = 2000,
) -> StageResult:
    """Parse the file and stage new/changed rows (module-level: runs in a worker process). Raises NmlError."""
    t0 = time.perf_counter()
    st = _stat(nml_path)
    known = _known(db_path)
    fd, staging = tempfile.mkstemp(prefix="traktor-stage-", suffix=".db", dir=staging_dir)
    os.close(fd)
    conn = sqlite3.connect(staging, isolation_level=None)
    res = StageResult(
        path=nml_path, staging=staging, summary=NmlSummary(), size=st.st_size, mtime=st.st_mtime
    )
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"CREATE TABLE staged ({_COLS})")
        conn.execute("BEGIN")
        _stream(res, conn, _INSERT_STAGED, known, boot_volume, batch)
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        with contextlib.suppress(OSError):
            os.unlink(staging)
        raise
    conn.close()
    if res.added == 0 and res.modified == 0:
        os.unlink(staging)
        res.staging = None
    res.parse_seconds = time.perf_counter() - t0
    return res


def ingest_direct(
    conn: sqlite3.Connection,
    nml_path: str,
    source: str | None = None,
    boot_volume: str | None = DEFAULT_BOOT_VOLUME,
    batch: int = 2000,
    parallel: bool | None = None,
    block: int = BLOCK,
) -> tuple[StageResult, MergeStats]:
    """Parse straight into `tracks` inside the writer's transaction (db.run_in_writer).

    The fastest path, used for the first ingest (nothing to compare against, nothing else waiting on the
    writer yet). A bad file raises NmlError and the transaction rolls back: the last good state stays.
    parallel: parse in worker processes while inserting (default: for a first ingest of a large file), which
    take turns by blocks of about `block` bytes.
    """
    t0 = time.perf_counter()
    st = _stat(nml_path)
    known = dict(_rows(conn, "SELECT location_key, content_hash FROM tracks WHERE removed_at IS NULL"))
    res = StageResult(path=nml_path, staging=None, summary=NmlSummary(), size=st.st_size, mtime=st.st_mtime)
    # Into an empty table, building the secondary indexes once at the end is about twice as fast as keeping
    # them up to date row by row; any index another migration adds to tracks is rebuilt the same way.
    indexes: list[tuple[str, str]] = []
    empty = not known and _rows(conn, "SELECT NOT EXISTS (SELECT 1 FROM tracks)").fetchone()[0]
    if empty:
        indexes = list(
            _rows(
                conn,
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracks' AND sql IS NOT NULL",
            )
        )
    cache = _rows(conn, "PRAGMA cache_size").fetchone()[0]
    # While the bulk insert runs: room for a 100,000-track table (~130 MB), so each index build scans it in
    # memory instead of reading it back from the WAL; SQLite takes pages only as it needs them.
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        if parallel is None:
            parallel = st.st_size >= PARALLEL_MIN_BYTES
        if not (parallel and empty and _ingest_parallel(res, conn, boot_volume, block)):
            _stream(res, conn, _UPSERT_TRACKS, known, boot_volume, batch)
        for _, sql in indexes:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
    res.parse_seconds = time.perf_counter() - t0
    ms = merge(conn, res, source)
    ms.rows_written += res.added + res.modified
    return res, ms


def _ingest_parallel(res: StageResult, conn: sqlite3.Connection, boot_volume: str | None, block: int) -> bool:
    """The first ingest of a large file through the parse workers; False if the file needs the general path."""
    before = identity_of(_stat(res.path))
    bounds = eligible(res.path, self_closing=False)
    if bounds is None:
        return False
    if identity_of(_stat(res.path)) != before:
        raise NmlError(
            res.path, "the file was replaced while it was being read; it is read again after this change"
        )
    conn.execute("SAVEPOINT traktor_bulk")
    try:
        _stream_parallel(res, conn, boot_volume, bounds, before, block)
    except NotSplittable:
        conn.execute("ROLLBACK TO traktor_bulk")
        conn.execute("RELEASE traktor_bulk")
        res.added, res.duplicates, res.added_sample = 0, 0, []
        return False
    conn.execute("RELEASE traktor_bulk")
    return True


@dataclass
class PlaylistChanges:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # path, added, removed (entry counts)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.changed)


@dataclass
class MergeStats:
    rows_written: int = 0  # track rows inserted/updated/marked removed
    removed: int = 0
    removed_sample: list[dict[str, Any]] = field(default_factory=list)
    playlists: PlaylistChanges = field(default_factory=PlaylistChanges)
    playlists_synced: bool = False
    merge_seconds: float = 0.0


def _items_hash(node: PlaylistNode) -> str:
    return hashlib.blake2b(
        marshal.dumps([(i.key_type, i.key) for i in node.items], 2), digest_size=16
    ).hexdigest()


def _idents(nodes: list[PlaylistNode]) -> list[str]:
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


def sync_playlists(conn: sqlite3.Connection, nodes: list[PlaylistNode]) -> PlaylistChanges:
    """Make the playlists tables equal to `nodes`, keeping ids of playlists that still exist."""
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
                    "position = ?, query = ?, entry_count = ?, items_hash = ?, "
                    "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
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


def merge(conn: sqlite3.Connection, res: StageResult, source: str | None = None) -> MergeStats:
    """Apply a StageResult inside the writer's transaction (db.run_in_writer)."""
    t0 = time.perf_counter()
    ms = MergeStats()
    if res.staging:
        st = sqlite3.connect(f"file:{res.staging}?mode=ro", uri=True)
        try:
            conn.executemany(_UPSERT_TRACKS, st.execute(f"SELECT {_COLS} FROM staged"))
        finally:
            st.close()
        ms.rows_written += res.added + res.modified
    if res.removed_keys:
        for k in res.removed_keys[:SAMPLE]:
            row = _rows(conn, "SELECT id, artist, title FROM tracks WHERE location_key = ?", (k,)).fetchone()
            if row:
                ms.removed_sample.append({"id": row[0], "location_key": k, "artist": row[1], "title": row[2]})
        conn.executemany(
            "UPDATE tracks SET removed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE location_key = ? AND removed_at IS NULL",
            ((k,) for k in res.removed_keys),
        )
        ms.removed = len(res.removed_keys)
        ms.rows_written += ms.removed
    s = res.summary
    src = source or res.path
    old_hash = _rows(conn, "SELECT playlists_hash FROM traktor_sources WHERE path = ?", (src,)).fetchone()
    if old_hash is None or old_hash[0] != s.playlists_hash:
        ms.playlists = sync_playlists(conn, s.playlists)
        ms.playlists_synced = True
    conn.execute(
        "INSERT INTO traktor_sources (path, version, program, entry_count, entries_attr, playlists_hash, "
        "remix_sets, size, mtime, last_ingest_at, last_ingest_ms, last_error, last_error_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, NULL, NULL) "
        "ON CONFLICT (path) DO UPDATE SET version = excluded.version, program = excluded.program, "
        "entry_count = excluded.entry_count, entries_attr = excluded.entries_attr, "
        "playlists_hash = excluded.playlists_hash, remix_sets = excluded.remix_sets, size = excluded.size, "
        "mtime = excluded.mtime, last_ingest_at = excluded.last_ingest_at, "
        "last_ingest_ms = excluded.last_ingest_ms, last_error = NULL, last_error_at = NULL",
        (
            src, s.version, s.program, s.entry_count, s.entries_attr, s.playlists_hash, len(s.remix_sets),
            res.size, res.mtime, round(res.parse_seconds * 1000, 1),
        ),
    )  # fmt: skip
    ms.merge_seconds = time.perf_counter() - t0
    return ms


def record_error(conn: sqlite3.Connection, source: str, message: str) -> None:
    conn.execute(
        "INSERT INTO traktor_sources (path, last_error, last_error_at) "
        "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
        "ON CONFLICT (path) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at",
        (source, message),
    )


def drop_staging(res: StageResult) -> None:
    if res.staging:
        with contextlib.suppress(OSError):
            os.unlink(res.staging)


def timeline_entries(res: StageResult, ms: MergeStats) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, summary, data) for each kind of change an ingest made."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    name = Path(res.path).name
    if res.added:
        out.append(
            ("tracks.added", f"{res.added} track{'s' if res.added != 1 else ''} added to {name}",
             {"count": res.added, "sample": res.added_sample})
        )  # fmt: skip
    if ms.removed:
        out.append(
            ("tracks.removed", f"{ms.removed} track{'s' if ms.removed != 1 else ''} removed from {name}",
             {"count": ms.removed, "sample": ms.removed_sample})
        )  # fmt: skip
    if res.modified:
        out.append(
            ("tracks.modified", f"{res.modified} track{'s' if res.modified != 1 else ''} changed in {name}",
             {"count": res.modified, "sample": res.modified_sample})
        )  # fmt: skip
    p = ms.playlists
    if p:
        parts = []
        if p.added:
            parts.append(f"{len(p.added)} added")
        if p.removed:
            parts.append(f"{len(p.removed)} removed")
        if p.renamed:
            parts.append(f"{len(p.renamed)} renamed")
        if p.changed:
            parts.append(f"{len(p.changed)} changed")
        out.append(
            ("playlists.changed", f"Playlists: {', '.join(parts)}",
             {"added": p.added, "removed": p.removed, "renamed": p.renamed, "changed": p.changed[:50]})
        )  # fmt: skip
    return out


# -- History ------------------------------------------------------------------------------------------------


def history_state(conn: sqlite3.Connection) -> dict[str, tuple[int | None, float | None]]:
    return {r[0]: (r[1], r[2]) for r in _rows(conn, "SELECT file, size, mtime FROM history_sessions")}


def store_history(conn: sqlite3.Connection, sessions: list[Any], stats: dict[str, tuple[int, float]]) -> int:
    """Replace the plays of each given HistorySession (history.py); returns the number of plays written."""
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

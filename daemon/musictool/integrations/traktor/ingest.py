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

from musictool.store import traktor_ingest as store
from musictool.store.traktor_ingest import PlaylistChanges, Writer
from musictool.workers import die_with_parent

from .fastscan import BLOCK, NotSplittable, eligible, identity_of, iter_fast
from .paths import DEFAULT_BOOT_VOLUME
from .reader import NmlError, NmlReader, NmlSummary
from .rows import COL, TRACK_COLUMNS

SAMPLE = 20
_KEY, _ARTIST, _TITLE = COL["location_key"], COL["artist"], COL["title"]


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



def _stream(
    res: StageResult,
    write: Writer,
    known: dict[str, str],
    boot_volume: str | None,
    batch: int,
) -> None:
    """Parse res.path in this process; write every new/changed entry's row with `write`; fill in res."""
    reader = NmlReader(res.path, known=known, boot_volume=boot_volume, rows=True)
    _consume(res, write, known, reader, batch)
    res.summary = reader.summary
    res.skipped_without_location = reader.skipped_without_location
    res.canonical = reader.canonical


def _consume(
    res: StageResult,
    write: Writer,
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
            write(rows)
            rows.clear()
    if rows:
        write(rows)
    res.removed_keys = [k for k in known if k not in seen]


# -- the first ingest's parse workers ----------------------------------------------------------------------
# A first ingest of a large file parses in child processes, each taking every other block of COLLECTION
# (fastscan.block_starts) and sending each block's rows (marshal: the fastest serializer for tuples of
# str/int/float/None) over a pipe, while this process inserts the blocks it already has, in document order.
# Children are forked where that is safe (Linux): they start at once, with every module already imported.

PARALLEL_MIN_BYTES = 8 << 20  # below this, starting processes costs more than it saves
PARSE_WORKERS = 2
SEND_AHEAD = 4  # blocks a worker may have parsed before the parent takes them (~1.3 MB each)


def _produce(
    send: Connection,
    nml_path: str,
    bounds: tuple[int, int],
    identity: tuple[int, ...],
    boot_volume: str | None,
    part: int,
    parts: int,
    block: int,
    parent: int,
) -> None:
    """Worker process: b"R" + marshal(rows) per block of this part, then b"E" + pickle(totals).

    b"N": the file needs the general parser (fastscan.NotSplittable); b"X": a bad file; b"F": a bug.
    """
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)  # forked from the daemon: a signal to this child must not reach its loop
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
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
                args=(send, nml_path, bounds, identity, boot_volume, part, parts, block, os.getpid()),
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
    insert = store.new_inserter(conn, TRACK_COLUMNS)
    sent = 0
    before = conn.total_changes
    try:
        for rows in workers:
            insert(rows)
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
    known = store.live_hashes_of_file(db_path)
    fd, staging = tempfile.mkstemp(prefix="traktor-stage-", suffix=".db", dir=staging_dir)
    os.close(fd)
    res = StageResult(
        path=nml_path, staging=staging, summary=NmlSummary(), size=st.st_size, mtime=st.st_mtime
    )
    conn: sqlite3.Connection | None = None
    try:
        conn, write = store.open_staging(staging, TRACK_COLUMNS)
        _stream(res, write, known, boot_volume, batch)
        store.commit_staging(conn)
    except BaseException:
        if conn is not None:
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
    known = store.live_hashes(conn)
    res = StageResult(path=nml_path, staging=None, summary=NmlSummary(), size=st.st_size, mtime=st.st_mtime)
    empty = not known and store.tracks_empty(conn)
    with store.bulk_load(conn, rebuild_indexes=empty):
        if parallel is None:
            parallel = st.st_size >= PARALLEL_MIN_BYTES
        if not (parallel and empty and _ingest_parallel(res, conn, boot_volume, block)):
            _stream(res, store.upserter(conn, TRACK_COLUMNS), known, boot_volume, batch)
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
    try:
        with store.savepoint(conn, "traktor_bulk"):
            _stream_parallel(res, conn, boot_volume, bounds, before, block)
    except NotSplittable:
        res.added, res.duplicates, res.added_sample = 0, 0, []
        return False
    return True


@dataclass
class MergeStats:
    rows_written: int = 0  # track rows inserted/updated/marked removed
    removed: int = 0
    removed_sample: list[dict[str, Any]] = field(default_factory=list)
    playlists: PlaylistChanges = field(default_factory=PlaylistChanges)
    playlists_synced: bool = False
    merge_seconds: float = 0.0


def merge(conn: sqlite3.Connection, res: StageResult, source: str | None = None) -> MergeStats:
    """Apply a StageResult inside the writer's transaction (db.run_in_writer)."""
    t0 = time.perf_counter()
    ms = MergeStats()
    if res.staging:
        store.apply_staging(conn, res.staging, TRACK_COLUMNS)
        ms.rows_written += res.added + res.modified
    if res.removed_keys:
        ms.removed_sample = store.mark_removed(conn, res.removed_keys, SAMPLE)
        ms.removed = len(res.removed_keys)
        ms.rows_written += ms.removed
    s = res.summary
    src = source or res.path
    if store.playlists_hash(conn, src) != s.playlists_hash:
        ms.playlists = store.sync_playlists(conn, s.playlists)
        ms.playlists_synced = True
    store.record_source(
        conn,
        src,
        {
            "version": s.version, "program": s.program, "entry_count": s.entry_count,
            "entries_attr": s.entries_attr, "playlists_hash": s.playlists_hash, "remix_sets": len(s.remix_sets),
            "size": res.size, "mtime": res.mtime, "last_ingest_ms": round(res.parse_seconds * 1000, 1),
        },
    )  # fmt: skip
    ms.merge_seconds = time.perf_counter() - t0
    return ms


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

"""aiosqlite with one serialized writer and read-only readers, so reads never wait for a write (WAL)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from musictool.store.uri import sqlite_uri

log = logging.getLogger(__name__)
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")
PAGE_SIZE = 16384  # for new databases (see _prepare)
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
CACHE_MAX_AGE = 5.0  # seconds a cached read is trusted without a write through this Database
CACHE_ENTRIES = 256  # a cached page of 50 tracks is ~50 kB: at most ~13 MB
READER_CACHE_KIB = 16 * 1024  # page cache per reader connection
READER_MMAP_BYTES = 512 * 1024 * 1024  # reads map the file (shared by every reader through the OS cache)


class StoreError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, sql) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("musictool.store").joinpath("migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise StoreError(f"two migrations share a number: {versions}")
    return found


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does: its -wal and -shm files copy the file's mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


async def _connect(path: Path, *, readonly: bool) -> aiosqlite.Connection:
    uri = sqlite_uri(path, readonly)
    conn = await aiosqlite.connect(uri, uri=True, isolation_level=None, timeout=30)
    conn.row_factory = _dict_row
    await conn.execute("PRAGMA busy_timeout = 30000")
    await conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        await conn.execute("PRAGMA query_only = ON")
        # a 100k-track library is a few hundred MB: keep hot index pages in memory instead of re-reading them
        await conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        await conn.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
    return conn


class _WriteLock(asyncio.Lock):
    """The writer's lock; releasing it means a write may have committed, so cached reads are dropped."""

    def __init__(self, on_release: Callable[[], None]) -> None:
        super().__init__()
        self._on_release = on_release

    def release(self) -> None:
        self._on_release()
        super().release()


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection]):
        self.path = path
        self._writer = writer
        self.generation = 0  # bumped after every write through this Database (see cached())
        self._cache: dict[tuple[str, str, tuple], tuple[int, float, asyncio.Future[Any]]] = {}
        self._write_lock = _WriteLock(self._bump)
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers = readers
        self._checkpointing: asyncio.Task[None] | None = None
        for r in readers:
            self._readers.put_nowait(r)

    @classmethod
    async def open(cls, path: Path, *, readers: int = 3) -> Database:
        path = Path(path)
        existed = path.exists() and path.stat().st_size > 0
        try:
            _create_private(path)
            writer = await _connect(path, readonly=False)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            # Read first: a corrupt or foreign file must fail here, before anything is written to it.
            version = (await (await writer.execute("PRAGMA user_version")).fetchall())[0]["user_version"]
            await (await writer.execute("SELECT count(*) FROM sqlite_master")).fetchall()
        except sqlite3.DatabaseError as exc:
            await writer.close()
            raise StoreError(
                f"{path} is not a readable MusicTool database ({exc}). It was left untouched; "
                "move it aside (or restore a backup) and start again to create a new one."
            ) from exc
        try:
            await cls._prepare(path, writer, version, existed)
        except BaseException:
            await writer.close()  # aiosqlite's thread would otherwise keep the process alive
            raise
        reader_conns = [await _connect(path, readonly=True) for _ in range(readers)]
        return cls(path, writer, reader_conns)

    @staticmethod
    async def _prepare(path: Path, writer: aiosqlite.Connection, version: int, existed: bool) -> None:
        """Refuse a newer schema, switch to WAL and apply the migrations this database lacks."""
        shipped = migrations()
        newest = shipped[-1][0] if shipped else 0
        if version > newest:
            raise StoreError(
                f"{path} was written by a newer MusicTool (schema version {version}; this version knows up to "
                f"{newest}). It was left untouched: upgrade MusicTool to use it."
            )
        try:
            if not existed:
                # Set once, before the first table: a track row is about 1 kB, and 16 kB pages make the first
                # ingest's inserts, index builds and WAL writes about a fifth cheaper than SQLite's 4 kB default.
                await writer.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            await writer.execute("PRAGMA journal_mode = WAL")
            await writer.execute("PRAGMA synchronous = NORMAL")
            await writer.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
            )
            applied = {
                r["version"]
                for r in await (await writer.execute("SELECT version FROM schema_migrations")).fetchall()
            }
            for number, name, sql in shipped:
                if number in applied:
                    continue
                log.info("applying migration %s to %s", name, path)
                await writer._execute(_apply_migration, writer._conn, sql, number, name)
        except sqlite3.Error as exc:
            what = "upgrade" if existed else "create"
            raise StoreError(f"could not {what} the database {path}: {exc}") from exc

    async def close(self) -> None:
        if self._checkpointing is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._checkpointing
        async with self._write_lock:
            for r in self._all_readers:
                await r.close()
            try:
                await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                log.warning("WAL checkpoint at close failed", exc_info=True)
            await self._writer.close()

    # writes -------------------------------------------------------------------------------------------
    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        async with self._write_lock:
            cursor = await self._writer.execute(sql, params)
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        async with self._write_lock:
            cursor = await self._writer.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    async def run_in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(sqlite3.Connection, *args) on the writer's thread inside one transaction (bulk work)."""
        async with self._write_lock:
            return await self._writer._execute(_in_transaction, self._writer._conn, fn, args)

    async def run_bulk_in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        """run_in_writer for one large write (a first ingest). Its commit skips the WAL checkpoint SQLite would
        otherwise run at once, copying every page it wrote a second time while the caller waits; a checkpoint
        on a connection of its own follows in the background, which neither readers nor writers wait for."""
        async with self._write_lock:
            result = await self._writer._execute(_in_bulk_transaction, self._writer._conn, fn, args)
        if self._checkpointing is None or self._checkpointing.done():
            self._checkpointing = asyncio.create_task(asyncio.to_thread(_checkpoint, self.path))
        return result

    # reads --------------------------------------------------------------------------------------------
    @asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        # one trip to the reader's thread (not execute + fetch): under load each trip waits for the GIL
        async with self.reader() as conn:
            return await conn._execute(_fetchall, conn._conn, sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        async with self.reader() as conn:
            return await conn._execute(_fetchone, conn._conn, sql, params)

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))

    # cached reads: totals and aggregates that cost a scan, reused until the next write ----------------
    def _bump(self) -> None:
        self.generation += 1
        self._cache.clear()

    async def cached(self, kind: str, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """fetchall/fetchone/fetchval ("all"/"one"/"val") whose answer is reused until the next write through
        this Database. Concurrent callers share one query. An answer older than CACHE_MAX_AGE (writers in other
        processes) is refreshed in the background while callers still get it, so expiry adds no latency spike.
        Rows of "all"/"one" are fresh dict copies, so callers may change them."""
        key = (kind, sql, tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params))
        hit = self._cache.get(key)
        now = time.monotonic()
        stale = hit is not None and hit[0] == self.generation and now - hit[1] > CACHE_MAX_AGE
        if hit is None or hit[0] != self.generation or stale:
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            fetch = {"all": self.fetchall, "one": self.fetchone, "val": self.fetchval}[kind]
            fut = asyncio.ensure_future(fetch(sql, params))
            fresh = (self.generation, now, fut)
            self._cache[key] = fresh
            if stale and hit[2].done() and not hit[2].cancelled() and hit[2].exception() is None:
                fut.add_done_callback(_consume)
            else:
                hit = fresh
        try:
            value = await asyncio.shield(hit[2])
        except BaseException:
            if self._cache.get(key) is hit and hit[2].done():
                del self._cache[key]  # an error is not remembered
            raise
        if kind == "all":
            return [dict(r) for r in value]
        if kind == "one":
            return None if value is None else dict(value)
        return value


def _consume(fut: asyncio.Future[Any]) -> None:
    """A background refresh nobody awaits: retrieve its error so asyncio does not warn about it."""
    if not fut.cancelled():
        fut.exception()


def _fetchall(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict[str, Any]
) -> list[dict[str, Any]]:
    return conn.execute(sql, params).fetchall()


def _fetchone(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict[str, Any]
) -> dict[str, Any] | None:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()  # ends the statement now, so no read snapshot stays open and pins the WAL


def _apply_migration(conn: sqlite3.Connection, sql: str, number: int, name: str) -> None:
    # executescript commits first, so wrap the script itself to keep a migration all-or-nothing
    version = max(number, next(iter(conn.execute("PRAGMA user_version").fetchone().values())))
    record = f"INSERT INTO schema_migrations (version, name) VALUES ({int(number)}, '{name.replace(chr(39), '')}');"
    try:
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nPRAGMA user_version = {version};\nCOMMIT;")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _in_bulk_transaction(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple) -> T:
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        return _in_transaction(conn, fn, args)
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def _in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result

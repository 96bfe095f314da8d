"""Database.run_bulk_in_writer: one large write whose WAL checkpoint runs after it, not inside its commit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from musictool.store import db as dbmod
from musictool.store.db import Database


def _fill(conn: sqlite3.Connection, n: int) -> int:
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((i, "x" * 500) for i in range(n)))
    return int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()["wal_autocheckpoint"])


async def test_bulk_commit_defers_the_checkpoint_and_restores_the_setting(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "musictool.db")
    try:
        await db.execute("CREATE TABLE t (i INTEGER, s TEXT)")
        during = await db.run_bulk_in_writer(_fill, 20_000)
        assert during == 0  # no checkpoint inside the bulk commit
        assert await db.run_in_writer(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()) == {
            "wal_autocheckpoint": dbmod.WAL_AUTOCHECKPOINT_PAGES
        }
        assert db._checkpointing is not None
        await db._checkpointing  # the background checkpoint copied every frame into the database file
        with sqlite3.connect(tmp_path / "musictool.db") as other:
            busy, log, done = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert busy == 0 and log == done
            assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 20_000
    finally:
        await db.close()


async def test_a_failed_bulk_write_rolls_back_and_restores_the_setting(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "musictool.db")
    try:
        await db.execute("CREATE TABLE t (i INTEGER, s TEXT)")

        def fail(conn: sqlite3.Connection) -> None:
            _fill(conn, 100)
            raise ValueError("boom")

        with pytest.raises(ValueError):
            await db.run_bulk_in_writer(fail)
        assert await db.fetchval("SELECT count(*) FROM t") == 0
        setting = await db.run_in_writer(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone())
        assert setting["wal_autocheckpoint"] == dbmod.WAL_AUTOCHECKPOINT_PAGES
    finally:
        await db.close()


async def test_new_databases_get_large_pages_and_old_ones_keep_theirs(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.db")
    assert await db.fetchval("PRAGMA page_size") == dbmod.PAGE_SIZE
    await db.close()
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE x (y)")  # an existing database, created with SQLite's default pages
    db = await Database.open(old)
    assert await db.fetchval("PRAGMA page_size") == 4096
    await db.close()

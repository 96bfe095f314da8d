"""Database.cached: a read reused until the next write, shared by concurrent callers, errors not kept."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from musictool.store import db as dbmod
from musictool.store.db import Database


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "musictool.db")
    await database.execute("CREATE TABLE t (x INTEGER)")
    await database.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
    yield database
    await database.close()


async def test_reused_until_a_write(db: Database, tmp_path) -> None:
    assert await db.cached("val", "SELECT count(*) FROM t") == 10
    # a write from another process is not seen while the cached answer is trusted ...
    with sqlite3.connect(tmp_path / "musictool.db") as other:
        other.execute("INSERT INTO t VALUES (99)")
    assert await db.cached("val", "SELECT count(*) FROM t") == 10
    # ... but any write through the Database drops it
    await db.execute("INSERT INTO t VALUES (100)")
    assert await db.cached("val", "SELECT count(*) FROM t") == 12
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM t WHERE x >= 99")
    assert await db.cached("val", "SELECT count(*) FROM t") == 10
    await db.run_in_writer(lambda c: c.execute("INSERT INTO t VALUES (7)"))
    assert await db.cached("val", "SELECT count(*) FROM t WHERE x = ?", (7,)) == 2


async def test_max_age_bounds_foreign_writes(db: Database, tmp_path, monkeypatch) -> None:
    assert await db.cached("val", "SELECT count(*) FROM t") == 10
    with sqlite3.connect(tmp_path / "musictool.db") as other:
        other.execute("INSERT INTO t VALUES (99)")
    monkeypatch.setattr(dbmod, "CACHE_MAX_AGE", 0.0)
    # an old answer is still served at once while a refresh runs in the background ...
    assert await db.cached("val", "SELECT count(*) FROM t") == 10
    for _ in range(100):
        await asyncio.sleep(0.01)
        # ... and the refreshed one follows
        if await db.cached("val", "SELECT count(*) FROM t") == 11:
            break
    else:
        raise AssertionError("the background refresh never landed")


async def test_rows_are_copies_and_params_are_part_of_the_key(db: Database) -> None:
    rows = await db.cached("all", "SELECT x FROM t WHERE x < ? ORDER BY x", (3,))
    rows[0]["x"] = "changed"
    rows.append({"x": "extra"})
    assert await db.cached("all", "SELECT x FROM t WHERE x < ? ORDER BY x", (3,)) == [
        {"x": 0},
        {"x": 1},
        {"x": 2},
    ]
    assert await db.cached("one", "SELECT x FROM t WHERE x = ?", (5,)) == {"x": 5}
    assert await db.cached("one", "SELECT x FROM t WHERE x = ?", (50,)) is None


async def test_concurrent_callers_share_one_query(db: Database, monkeypatch) -> None:
    calls = 0
    real = db.fetchval

    async def counting(sql, params=()):  # noqa: ANN001, ANN202
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return await real(sql, params)

    monkeypatch.setattr(db, "fetchval", counting)
    got = await asyncio.gather(*(db.cached("val", "SELECT count(*) FROM t") for _ in range(20)))
    assert got == [10] * 20 and calls == 1


async def test_an_error_is_not_remembered(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError):
        await db.cached("val", "SELECT count(*) FROM missing")
    await db.execute("CREATE TABLE missing (y)")
    assert await db.cached("val", "SELECT count(*) FROM missing") == 0

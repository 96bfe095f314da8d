"""Issue 11.9 and 11.3: a home path with # % ? opens the right database file, created private (0600)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from musictool.store import Database


def test_odd_characters_in_the_path_open_exactly_that_file(tmp_path: Path) -> None:
    folder = tmp_path / "DJ #1 100%41 ?mode=ro& x"
    folder.mkdir()
    path = folder / "musictool.db"

    async def go() -> None:
        db = await Database.open(path)
        try:
            await db.execute("CREATE TABLE IF NOT EXISTS probe (x)")
            await db.execute("INSERT INTO probe VALUES (1)")
        finally:
            await db.close()

    old = os.umask(0o022)
    try:
        asyncio.run(go())
    finally:
        os.umask(old)
    assert path.is_file() and path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # nothing made beside it
    assert {p.name for p in folder.iterdir()} <= {"musictool.db", "musictool.db-wal", "musictool.db-shm"}
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name

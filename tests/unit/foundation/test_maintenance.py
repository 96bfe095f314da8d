"""Housekeeping prunes old finished work and keeps what the user still needs."""

from __future__ import annotations

from pathlib import Path

from musictool.store import Database, maintenance


async def test_prune_keeps_failed_recent_and_unread(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite")
    old = "2000-01-01T00:00:00.000Z"
    for status, finished in [("succeeded", old), ("cancelled", old), ("failed", old), ("succeeded", None)]:
        await db.execute(
            "INSERT INTO jobs (kind, status, finished_at) VALUES ('k', ?, ?)", (status, finished)
        )
    await db.execute(
        "INSERT INTO jobs (kind, status, finished_at) VALUES ('k', 'succeeded', "
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
    )
    await db.execute(
        "INSERT INTO notifications (kind, title, read_at) VALUES ('n', 'read long ago', ?)", (old,)
    )
    await db.execute("INSERT INTO notifications (kind, title) VALUES ('n', 'unread')")
    result = await maintenance.prune(db, keep_days=30)
    assert result == {"jobs_pruned": 2, "notifications_pruned": 1}
    statuses = sorted(r["status"] for r in await db.fetchall("SELECT status FROM jobs"))
    assert statuses == ["failed", "succeeded", "succeeded"]
    assert [r["title"] for r in await db.fetchall("SELECT title FROM notifications")] == ["unread"]
    await db.close()

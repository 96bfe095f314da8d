"""Small JSON state (sync high-water marks, last run times) that does not deserve a table."""

from __future__ import annotations

import json
from typing import Any

from musictool.store.db import Database


async def get(db: Database, key: str, default: Any = None) -> Any:
    # GET /status reads several keys per call: answered from memory until the next write (db.cached)
    raw = await db.cached("val", "SELECT value FROM kv WHERE key = ?", (key,))
    return default if raw is None else json.loads(raw)


async def set(db: Database, key: str, value: Any) -> None:  # noqa: A001 - reads as store.kv.set
    await db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )

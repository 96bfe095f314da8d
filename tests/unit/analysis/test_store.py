"""Storing results on a real SQLite database: atomic result + quality + provenance, and hand-set values
(Traktor LOCK, provenance source "user") never challenged by analysis."""

from pathlib import Path

import pytest

from musictool.store import analysis as store
from musictool.store import provenance
from musictool.store.db import Database

RESULT = {
    "path": "/music/a.flac", "duration": 301.5, "bpm": 124.02, "bpm_alternatives": [62.01, 248.04],
    "bpm_confidence": 0.8, "key": "A minor", "key_open": "1m", "key_camelot": "8A", "key_confidence": 0.6,
    "tuning_cents": 3.0, "energy": 7, "loudness_lufs": -9.1, "peak_db": -0.3, "seconds": 1.2,
    "quality": {"codec": "flac", "bitrate_kbps": 900, "sample_rate": 44100, "bits_per_sample": 16, "channels": 2,
                "lossless": True, "cutoff_hz": 16020.0, "transcode_suspected": True, "estimated_source_kbps": 128,
                "score": 42, "suggestions": ["likely a transcode"]},
}  # fmt: skip


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "m.db")
    for i, lock in ((1, 0), (2, 1), (3, 0)):
        await database.execute(
            "INSERT INTO tracks (id, location_key, path, bpm, key, lock) VALUES (?, ?, ?, ?, ?, ?)",
            (i, f"k{i}", f"/music/{i}.flac", 70.0, "D minor", lock),
        )
    yield database
    await database.close()


async def analysed_values(db: Database, track_id: int) -> dict:
    return {
        r["field"]: r["value"] for r in await provenance.values(db, track_id) if r["source"] == "analysis"
    }


async def test_result_quality_and_provenance_are_stored_together(db: Database) -> None:
    held = await store.held_fields(db, 1, 0)
    assert held == []
    await store.save(db, 1, RESULT, 1234, 1700000000.5, 1, held)
    row = await store.get(db, 1)
    assert row["status"] == "ok" and row["bpm"] == 124.02 and row["bpm_alternatives"] == [62.01, 248.04]
    assert row["quality"]["transcode_suspected"] is True and row["quality"]["suggestions"] == [
        "likely a transcode"
    ]
    assert await analysed_values(db, 1) == {"bpm": 124.02, "key": "A minor", "energy": 7, "loudness": -9.1,
                                            "duration": 301.5}  # fmt: skip
    stamps = await store.stamps(db, [1, 2])
    assert stamps[1]["file_size"] == 1234 and 2 not in stamps


async def test_traktor_lock_keeps_bpm_and_key_out_of_provenance(db: Database) -> None:
    held = await store.held_fields(db, 2, 1)
    assert held == ["bpm", "key"]
    await store.save(db, 2, RESULT, 1, 1.0, 1, held)
    values = await analysed_values(db, 2)
    assert "bpm" not in values and "key" not in values
    assert values["energy"] == 7
    assert (await store.get(db, 2))["held_fields"] == ["bpm", "key"]
    track = await db.fetchone("SELECT bpm, key FROM tracks WHERE id = 2")
    assert (track["bpm"], track["key"]) == (70.0, "D minor")


async def test_user_value_is_never_challenged_and_older_analysis_is_withdrawn(db: Database) -> None:
    await store.save(db, 3, RESULT, 1, 1.0, 1, await store.held_fields(db, 3, 0))
    assert (await analysed_values(db, 3))["bpm"] == 124.02
    await provenance.record(db, 3, "bpm", 125.0, "user", 1.0)  # the DJ fixes the tempo by hand
    held = await store.held_fields(db, 3, 0)
    assert held == ["bpm"]
    await store.save(db, 3, RESULT, 1, 2.0, 1, held)
    assert "bpm" not in await analysed_values(db, 3)
    assert await provenance.effective_value(db, 3, "bpm") == 125.0
    user = [r for r in await provenance.values(db, 3, "bpm") if r["source"] == "user"]
    assert user and user[0]["value"] == 125.0


async def test_errors_are_recorded_without_values(db: Database) -> None:
    await store.save(db, 1, {"path": "/music/1.flac", "error": "/music/1.flac: truncated"}, 10, 1.0, 1, [])
    row = await store.get(db, 1)
    assert row["status"] == "error" and row["error"].endswith("truncated") and row["quality"] is None
    assert await analysed_values(db, 1) == {}
    assert (await store.summary(db))["errors"] == 1


async def test_quality_list_worst_first_with_filters(db: Database) -> None:
    good = {
        **RESULT,
        "quality": {**RESULT["quality"], "transcode_suspected": False, "score": 100, "cutoff_hz": None},
    }
    await store.save(db, 1, good, 1, 1.0, 1, [])
    await store.save(db, 3, RESULT, 1, 1.0, 1, [])
    items, total = await store.quality_list(db, 10, 0)
    assert total == 2 and [i["track_id"] for i in items] == [3, 1]
    items, total = await store.quality_list(db, 10, 0, transcoded=True)
    assert total == 1 and items[0]["transcode_suspected"] is True
    items, total = await store.quality_list(db, 10, 0, max_score=50)
    assert [i["track_id"] for i in items] == [3]

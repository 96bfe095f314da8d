"""Discogs values of matched tracks become provenance rows, and follow the matches as they change."""

from __future__ import annotations

import json

import pytest

from musictool.enrich import discogs_values
from musictool.store import provenance
from musictool.store.db import Database


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "musictool.db")
    await database.execute(
        "INSERT INTO tracks (id, location_key, artist, title, label) VALUES (1, 'k1', 'Jeff Mills', 'The Bells', 'Purpose Maker')"
    )
    for rid, title, year, label, catno in (
        (101, "Purpose Maker Compilation", 1996, "Purpose Maker (2)", "PM-000"),
        (202, "The Bells (10th Anniversary)", 2006, "Purpose Maker", "none"),
    ):
        await database.execute(
            "INSERT INTO releases (id, title, artists, year, labels_json) VALUES (?, ?, 'Jeff Mills (2)', ?, ?)",
            (rid, title, year, json.dumps([{"id": 1, "name": label, "catno": catno}])),
        )
        await database.execute(
            "INSERT INTO release_tracks (release_id, position, idx, title, duration_seconds) VALUES (?, 'A1', 0, 'The Bells', 412.0)",
            (rid,),
        )
    yield database
    await database.close()


async def match(db, release_id, status="matched", confidence=0.93, track_id=1):
    await db.execute(
        "INSERT OR REPLACE INTO matches (release_id, position, track_id, confidence, status) VALUES (?, 'A1', ?, ?, ?)",
        (release_id, track_id, confidence, status),
    )


async def discogs_of(db, track_id=1):
    return {
        v["field"]: (v["value"], v["confidence"])
        for v in await provenance.values(db, track_id)
        if v["source"] == "discogs"
    }


async def test_matched_track_gets_release_values(db):
    await match(db, 101)
    result = await discogs_values.sync(db)
    assert result["tracks"] == 1
    got = await discogs_of(db)
    assert got["artist"] == ("Jeff Mills", 0.93)  # Discogs' "(2)" suffix dropped
    assert got["label"][0] == "Purpose Maker" and got["catalog_no"][0] == "PM-000"
    assert got["year"][0] == 1996 and got["album"][0] == "Purpose Maker Compilation"
    assert got["discogs_release"][0] == {"release_id": 101, "position": "A1"}
    # the NML label agrees once the suffix is gone: no conflict
    assert (await provenance.conflicts(db, 10, 0, field="label"))[1] == 0
    assert (await discogs_values.sync(db))["written"] == 0  # nothing changed, nothing written


async def test_values_follow_the_match(db):
    await match(db, 101)
    await discogs_values.sync(db)
    await match(db, 202, status="confirmed")  # the user confirmed another pressing: it wins, at 1.0
    await discogs_values.sync(db)
    got = await discogs_of(db)
    assert got["album"] == ("The Bells (10th Anniversary)", 1.0) and "catalog_no" not in got  # "none"
    await db.execute("UPDATE matches SET status = 'none', track_id = NULL")
    result = await discogs_values.sync(db)
    assert result["removed"] > 0 and await discogs_of(db) == {}

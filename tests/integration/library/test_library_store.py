"""The library's SQL on a real SQLite file: inputs from the Discogs/Traktor tables, gaps, completion, decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musictool.library.match import Decisions, DigitalIndex, Matcher
from musictool.store import library as store
from musictool.store.db import Database


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "musictool.db")
    yield database
    await database.close()


async def seed(db: Database) -> None:
    """Two owned records, one record that left the collection, four Traktor files."""

    def fill(conn) -> None:  # noqa: ANN001 - sqlite3.Connection
        rel = (
            "INSERT INTO releases (id, title, artists, artists_json, labels_json, details_fetched_at) "
            "VALUES (?, ?, ?, ?, ?, '2026-01-01')"
        )
        conn.execute(
            rel,
            (
                1,
                "Stockholm",
                "Persuader, The",
                json.dumps([{"name": "Persuader, The", "anv": "", "id": 1}]),
                json.dumps([{"name": "Svek", "catno": "SK032"}]),
            ),
        )
        conn.execute(
            rel, (2, "Mix Tape", "Various", "[]", json.dumps([{"name": "Comp Label", "catno": "CL1"}]))
        )
        conn.execute(rel, (3, "Sold", "Gone Artist", "[]", "[]"))
        tracks = [
            (1, "A", 0, "Östermalm", None, "4:45", 285),
            (1, "B1", 1, "Vasastaden", None, "6:11", 371),
            (1, "B2", 2, "Kungsholmen", None, "2:49", 169),
            (2, "A1", 0, "Track One", "Artist A", "", None),
            (2, "A2", 1, "Track Two (Dub)", "Artist B", "", None),
            (3, "A", 0, "Gone Track", None, "", None),
        ]
        conn.executemany(
            "INSERT INTO release_tracks (release_id, position, idx, title, artists, duration, duration_seconds, type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'track')",
            tracks,
        )
        conn.execute(
            "INSERT INTO release_tracks (release_id, position, idx, title, type) VALUES (1, '#9', 9, 'Side B', 'heading')"
        )
        conn.executemany(
            "INSERT INTO collection_items (instance_id, release_id, rating, date_added, removed_at) VALUES (?, ?, ?, ?, ?)",
            [
                (10, 1, 5, "2026-01-01T00:00:00Z", None),
                (11, 2, 0, None, None),
                (12, 3, 0, None, "2026-02-01"),
            ],
        )
        conn.executemany(
            "INSERT INTO tracks (id, location_key, path, artist, title, album, duration, play_count, rating, removed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    100,
                    "k100",
                    "/m/a.mp3",
                    "The Persuader",
                    "Ostermalm (Original Mix)",
                    "Stockholm",
                    286,
                    12,
                    4,
                    None,
                ),
                (101, "k101", "/rips/B1 - The Persuader - Vasastaden.mp3", "", "", "", 372, 0, 0, None),
                (102, "k102", "/m/c.mp3", "Artist B", "Track Two", "", None, 0, 0, None),
                (103, "k103", "/m/d.mp3", "Artist A", "Track One", "", None, 0, 0, "2026-03-01"),
            ],
        )

    await db.run_in_writer(fill)


async def recompute(db: Database) -> None:
    vinyl = await store.load_vinyl(db)
    results = [
        r.as_dict()
        for r in Matcher(DigitalIndex(await store.load_digital(db))).match(
            vinyl, await store.load_decisions(db)
        )
    ]
    await store.write_matches(db, results, vinyl=vinyl)


async def test_inputs_follow_the_documented_tables(db: Database) -> None:
    await seed(db)
    vinyl = await store.load_vinyl(db)
    assert [(v.release_id, v.position) for v in vinyl] == [
        (1, "A"),
        (1, "B1"),
        (1, "B2"),
        (2, "A1"),
        (2, "A2"),
    ]
    first = vinyl[0]
    assert (first.artists, first.labels, first.catnos, first.duration) == (
        "Persuader, The",
        ("Svek",),
        ("SK032",),
        285,
    )
    assert vinyl[3].artists == "Artist A"  # a compilation's per-track artist
    digital = await store.load_digital(db)
    assert sorted(d.id for d in digital) == [100, 101, 102]  # removed files are not candidates
    rip = next(d for d in digital if d.id == 101)
    assert rip.path.endswith("B1 - The Persuader - Vasastaden.mp3")


async def test_gaps_completion_ignore_and_decisions(db: Database) -> None:
    await seed(db)
    await recompute(db)
    matched, _ = await store.list_matches(db, ["matched", "confirmed"], 50, 0)
    assert {(m["release_id"], m["position"], m["track_id"]) for m in matched} == {
        (1, "A", 100),
        (1, "B1", 101),
    }
    gaps, total = await store.list_gaps(db, 50, 0)
    assert total == 3
    assert {(g["release_id"], g["position"]) for g in gaps} == {(1, "B2"), (2, "A1"), (2, "A2")}
    by_key = {(g["release_id"], g["position"]): g for g in gaps}
    # the dub's only candidate names no version: offered as a suggestion, not counted as a copy
    assert by_key[(2, "A2")]["artist"] == "Artist B"
    assert by_key[(2, "A2")]["suggestion"] == {"track_id": 102, "confidence": 0.7}
    assert by_key[(1, "B2")]["label"] == "Svek" and by_key[(1, "B2")]["catno"] == "SK032"
    assert [g["position"] for g in (await store.list_gaps(db, 50, 0, artist="artist b"))[0]] == ["A2"]
    assert [g["release_id"] for g in (await store.list_gaps(db, 50, 0, label="SVEK"))[0]] == [1]
    assert (await store.list_gaps(db, 50, 0, artist="100%"))[1] == 0  # LIKE wildcards are literal

    # priorities: the Persuader record is played and rated, the compilation is not
    from musictool.library.gaps import priority

    signals = {s.release_id: s for s in await store.release_signals(db)}
    assert set(signals) == {1, 2}
    assert (signals[1].sibling_plays, signals[1].tracks_have, signals[1].collection_rating) == (12, 2, 5)
    await store.write_priorities(
        db, [(s.release_id, priority(s).score, priority(s).reasons) for s in signals.values()]
    )
    top = (await store.list_gaps(db, 1, 0))[0][0]
    assert (top["release_id"], top["position"]) == (1, "B2") and top["priority"] > 0
    assert any("2 of 3 tracks are digital" in r for r in top["reasons"])

    comp, n = await store.completion(db, "release", 50, 0)
    assert n == 2 and comp[0] == {"release_id": 2, "tracks": 2, "digital": 0, "missing": 2, "rate": 0.0}
    assert await store.overall(db) == {"tracks": 5, "digital": 2, "missing": 3, "rate": 0.4}

    # "no digital copy wanted" leaves gaps and completion, and survives a recompute
    await store.set_ignored(db, 2, "A2", True, "a dub I never play")
    await recompute(db)
    assert (2, "A2") not in {(g["release_id"], g["position"]) for g in (await store.list_gaps(db, 50, 0))[0]}
    assert (await store.overall(db))["tracks"] == 4
    await store.set_ignored(db, 2, "A2", False, None)
    assert (await store.overall(db))["tracks"] == 5

    # reject and confirm survive a recompute
    await store.decide(db, 1, "A", 100, "rejected")
    assert (await store.get_match(db, 1, "A"))["status"] == "none"
    await recompute(db)
    assert (await store.get_match(db, 1, "A"))["track_id"] is None
    await store.decide(db, 2, "A2", 102, "confirmed")
    await recompute(db)
    m = await store.get_match(db, 2, "A2")
    assert (m["track_id"], m["status"], m["confidence"]) == (102, "confirmed", 1.0)
    decisions: Decisions = await store.load_decisions(db)
    assert decisions.confirmed == {(2, "A2"): 102} and decisions.rejected == {(1, "A", 100)}


async def test_targeted_write_replaces_only_its_releases(db: Database) -> None:
    await seed(db)
    await recompute(db)
    before = await store.get_match(db, 2, "A1")
    await store.write_matches(
        db,
        [
            {
                "release_id": 1,
                "position": "A",
                "track_id": None,
                "confidence": 0.0,
                "status": "none",
                "reasons": ["x"],
            }
        ],
        [1],
    )
    assert await store.get_match(db, 1, "B1") is None  # dropped: not in the new results for release 1
    assert await store.get_match(db, 2, "A1") == before  # other releases untouched


async def test_a_start_queues_a_catch_up_match_only_when_inputs_moved(db: Database) -> None:
    from musictool.library.component import MARKS_KEY, catch_up_needed
    from musictool.store import kv

    assert not await catch_up_needed(db)  # a new, empty library: nothing to match
    await seed(db)
    assert await catch_up_needed(db)  # inputs arrived while no match had run
    await kv.set(db, MARKS_KEY, await store.change_marks(db))
    assert not await catch_up_needed(db)  # everything matched: an idle start
    await db.execute("UPDATE tracks SET updated_at = '2999-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM tracks)")
    assert await catch_up_needed(db)  # a track changed while the daemon was stopped

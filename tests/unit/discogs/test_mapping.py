"""Discogs JSON -> rows: credits, durations, positions."""

from __future__ import annotations

from musictool.integrations.discogs import mapping


def test_artist_credits_read_like_discogs_prints_them() -> None:
    a = [{"name": "Kruder & Dorfmeister", "join": ""}]
    assert mapping.artists_display(a) == "Kruder & Dorfmeister"
    two = [{"name": "Aphex Twin (2)", "join": "Feat."}, {"name": "Ed (13)", "join": ""}]
    assert mapping.artists_display(two) == "Aphex Twin Feat. Ed"
    assert mapping.artists_display([{"name": "A", "join": ","}, {"name": "B", "join": ""}]) == "A, B"
    assert mapping.artists_display([{"name": "A", "join": ""}, {"name": "B"}]) == "A & B"


def test_durations() -> None:
    assert mapping.duration_seconds("6:12") == 372.0
    assert mapping.duration_seconds("1:02:03") == 3723.0
    assert mapping.duration_seconds("") is None
    assert mapping.duration_seconds("?") is None


def test_tracklist_headings_index_tracks_and_duplicate_positions() -> None:
    rows = mapping.track_rows(
        1,
        [
            {"position": "", "type_": "heading", "title": "Side A", "duration": ""},
            {"position": "A1", "type_": "track", "title": "One", "duration": "5:00"},
            {
                "position": "A2",
                "type_": "index",
                "title": "Medley",
                "duration": "",
                "sub_tracks": [{"position": "A2a", "type_": "track", "title": "Part 1", "duration": "1:00"}],
            },
            {
                "position": "A1",
                "type_": "track",
                "title": "Dup",
                "duration": "",
                "artists": [{"name": "Guest (3)", "join": ""}],
            },
        ],
    )
    assert [(r["position"], r["type"], r["idx"]) for r in rows] == [
        ("#0", "heading", 0),
        ("A1", "track", 1),
        ("A2", "index", 2),
        ("A2a", "track", 3),
        ("A1 (2)", "track", 4),
    ]
    assert rows[4]["artists"] == "Guest"
    assert rows[1]["duration_seconds"] == 300.0


def test_date_added_to_utc() -> None:
    assert mapping.to_utc("2015-04-14T03:23:29-07:00") == "2015-04-14T10:23:29Z"
    assert mapping.to_utc("nonsense") is None

"""Traktor smart-list queries to SQL: evaluated by SQLite over a small tracks table."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from musictool.integrations.traktor.smartlist import SmartListError, to_sql

TODAY = dt.date(2026, 11, 24)
ROWS = [  # id, artist, title, genre, label, file, bpm, rating, play_count, import_date
    (1, "Funkadelic", "One Nation", "Funk", "Warner", "one nation.mp3", 110.0, 5, 3, "2026-11-20"),
    (2, "DJ 100%", "Under_score", "House", "Funk Lab", "a_b.mp3", 124.0, 3, 0, "2025-01-01"),
    (3, "התקווה 6", "Shir", "Hora", None, "shir@320.mp3", 128.5, None, None, None),
]


def ids(query: str) -> list[int]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE tracks (id, artist, title, genre, label, file, bpm, rating, play_count, import_date)"
    )
    db.executemany("INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    where, params = to_sql(query, TODAY)
    return [r[0] for r in db.execute(f"SELECT id FROM tracks WHERE {where} ORDER BY id", params)]


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ('$GENRE % "FUNK" | $LABEL % "FUNK"', [1, 2]),  # contains, any case, either field
        ('$GENRE % "funk" & $LABEL % "funk"', []),
        ("$RATING == 5", [1]),
        ("$PLAYED == TRUE", [1]),
        ("$PLAYED == FALSE", [2, 3]),
        ("$IMPORTDATE >= MONTHS_AGO(1)", [1]),
        ("$BPM > 115 & $BPM < 130", [2, 3]),
        ("!($BPM > 115 & $BPM < 130)", [1]),
        ('($GENRE == "house" | $GENRE == "hora") & $BPM >= 128', [3]),
        ('$ARTIST % "התקווה"', [3]),
        ('$ARTIST % "100%"', [2]),  # % and _ in the text are literal, not LIKE wildcards
        ('$TITLE % "r_s"', [2]),
        ('$TITLE % "fake320" | $FILENAME % "@"', [3]),
    ],
)
def test_queries_select_what_traktor_would(query: str, want: list[int]) -> None:
    assert ids(query) == want


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$MOOD == 3", "unknown field $MOOD"),
        ("$BPM ~ 3", "cannot read"),
        ("$BPM ==", "ends too early"),
        ('$BPM == "fast"', "number"),
        ("$PLAYED > TRUE", "TRUE or FALSE"),
        ("($BPM > 3", "ends too early"),
        ("$BPM > 3 $BPM", "unexpected"),
        ("$IMPORTDATE > FORTNIGHTS_AGO(2)", "unknown function"),
        ("", "no query"),
    ],
)
def test_what_cannot_be_evaluated_is_named(query: str, message: str) -> None:
    with pytest.raises(SmartListError, match=message.replace("$", r"\$")):
        to_sql(query, TODAY)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$IMPORTDATE >= YEARS_AGO(99999999)", "too far back"),
        ("$IMPORTDATE >= DAYS_AGO(" + "9" * 5000 + ")", "too far back"),
        ("(" * 5000 + "$BPM > 3" + ")" * 5000, "nested"),
        ("!" * 5000 + "$BPM > 3", "nested"),
        ("$BPM > " + str(2**63), "out of range"),
        ("$BPM > -" + str(2**63 + 1), "out of range"),
        ("$BPM > " + "9" * 5000, "out of range"),
        ("$BPM > " + "9" * 400 + ".5", "out of range"),
    ],
)
def test_hostile_queries_are_smart_list_errors_not_crashes(query: str, message: str) -> None:
    """A bad smart list in someone's NML must not break GET /playlists: each is a named SmartListError."""
    with pytest.raises(SmartListError, match=message):
        to_sql(query, TODAY)


def test_reasonable_nesting_and_the_int64_edges_still_work() -> None:
    where, params = to_sql("(" * 30 + "$BPM > " + str(2**63 - 1) + ")" * 30, TODAY)
    assert params == [2**63 - 1] and where.count("(") == 30
    assert to_sql("$IMPORTDATE >= YEARS_AGO(100)", TODAY)[1] == [(TODAY - dt.timedelta(days=36500)).isoformat()]

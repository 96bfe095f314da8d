"""Ingest into a real SQLite file: first load, re-ingest writes only changes, removals, playlists, bad files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from musictool.integrations.traktor.history import read_history
from musictool.integrations.traktor.ingest import (
    drop_staging,
    ingest_direct,
    merge,
    stage,
    timeline_entries,
)
from musictool.integrations.traktor.reader import NmlError, read_all
from musictool.integrations.traktor.writer import PlaylistEdit, TrackEdit, apply_edits
from musictool.store.traktor_ingest import store_history
from tests.unit.traktor.nmlfixtures import fx

MIGRATION = Path(__file__).resolve().parents[3] / "daemon/musictool/store/migrations/002_traktor.sql"
SRC = fx("TravestyAudio__Collection/collection.nml")


@pytest.fixture
def db(tmp_path: Path) -> tuple[sqlite3.Connection, str]:
    path = tmp_path / "musictool.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    # the daemon's writer connection returns dicts: code under test must not index rows by position
    conn.row_factory = lambda cur, row: {d[0]: v for d, v in zip(cur.description, row, strict=True)}
    conn.executescript(MIGRATION.read_text())
    return conn, str(path)


def _staged_ingest(conn: sqlite3.Connection, db_path: str, nml: Path, tmp: Path):
    res = stage(str(nml), db_path, str(tmp))
    try:
        conn.execute("BEGIN IMMEDIATE")
        ms = merge(conn, res, "collection")
        conn.execute("COMMIT")
    finally:
        drop_staging(res)
    return res, ms


def _q(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> sqlite3.Cursor:
    """Reads for the test's own checks, as tuples (the connection itself hands out dicts, like the daemon's)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, args)


def _count(conn: sqlite3.Connection, sql: str, *args: object) -> int:
    return _q(conn, sql, args).fetchone()[0]


def test_first_ingest_then_unchanged_reingest_writes_nothing(db, tmp_path: Path) -> None:
    conn, path = db
    nml = tmp_path / "collection.nml"
    nml.write_bytes(SRC.read_bytes())
    conn.execute("BEGIN IMMEDIATE")
    res, ms = ingest_direct(conn, str(nml), "collection")
    conn.execute("COMMIT")
    assert res.added == 1978 and ms.rows_written == 1978
    assert _count(conn, "SELECT count(*) FROM tracks WHERE removed_at IS NULL") == 1978
    assert _count(conn, "SELECT count(*) FROM playlists WHERE type = 'PLAYLIST'") == 31
    assert _count(conn, "SELECT count(*) FROM playlist_entries") == 4021
    resolved = _count(
        conn, "SELECT count(*) FROM playlist_entries e JOIN tracks t ON t.location_key = e.location_key"
    )
    assert resolved == _count(conn, "SELECT count(*) FROM playlist_entries WHERE key_type = 'TRACK'")
    row = _q(
        conn, "SELECT key, key_open, key_camelot, cue_count, path FROM tracks WHERE key_value = 21"
    ).fetchone()
    assert row[:3] == ("A minor", "1m", "8A")
    kinds = [k for k, _, _ in timeline_entries(res, ms)]
    assert kinds == ["tracks.added", "playlists.changed"]

    ids_before = dict(_q(conn, "SELECT location_key, id FROM tracks"))
    res2, ms2 = _staged_ingest(conn, path, nml, tmp_path)
    assert (res2.added, res2.modified, res2.unchanged, ms2.rows_written) == (0, 0, 1978, 0)
    assert res2.staging is None and not ms2.playlists_synced
    assert timeline_entries(res2, ms2) == []
    assert dict(_q(conn, "SELECT location_key, id FROM tracks")) == ids_before


def test_one_changed_entry_writes_one_row(db, tmp_path: Path) -> None:
    conn, path = db
    nml = tmp_path / "collection.nml"
    data = SRC.read_bytes()
    nml.write_bytes(data)
    _staged_ingest(conn, path, nml, tmp_path)
    tracks, s = read_all(nml)
    t = tracks[100]
    tid = _count(conn, "SELECT id FROM tracks WHERE location_key = ?", t.location_key)
    pl = next(n for n in s.playlists if n.uuid and n.items)
    nml.write_bytes(
        apply_edits(
            data,
            [
                TrackEdit(t.location_key, {"genre": "Changed"}),
                PlaylistEdit(pl.uuid, remove=[pl.items[0].key]),
            ],
        )
    )
    changes_before = conn.total_changes
    res, ms = _staged_ingest(conn, path, nml, tmp_path)
    assert (res.added, res.modified, ms.rows_written) == (0, 1, 1)
    assert _q(conn, "SELECT id, genre FROM tracks WHERE location_key = ?", (t.location_key,)).fetchone() == (
        tid,
        "Changed",
    )
    assert ms.playlists.changed and ms.playlists.changed[0]["removed"] == 1
    # one track row, one playlist row and its entries (deleted + re-inserted), the source row
    assert conn.total_changes - changes_before <= 3 + 2 * len(pl.items)
    kinds = [k for k, _, _ in timeline_entries(res, ms)]
    assert kinds == ["tracks.modified", "playlists.changed"]


def test_removed_and_returning_tracks(db, tmp_path: Path) -> None:
    conn, path = db
    old = fx("ryyckxxa__my-traktor-library/collection_backup_outdated.nml")
    new = fx("ryyckxxa__my-traktor-library/collection.nml")
    nml = tmp_path / "collection.nml"
    nml.write_bytes(old.read_bytes())
    _staged_ingest(conn, path, nml, tmp_path)
    nml.write_bytes(new.read_bytes())
    res, ms = _staged_ingest(conn, path, nml, tmp_path)
    live = _count(conn, "SELECT count(*) FROM tracks WHERE removed_at IS NULL")
    assert live == 2557
    assert ms.removed > 0 and res.added > 0
    assert _count(conn, "SELECT count(*) FROM tracks") == live + ms.removed  # rows are kept, marked removed
    nml.write_bytes(old.read_bytes())
    res3, _ = _staged_ingest(conn, path, nml, tmp_path)
    assert _count(conn, "SELECT count(*) FROM tracks WHERE removed_at IS NULL") == 2278
    assert res3.added == ms.removed  # they came back (as "added" again), with their old ids


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[: len(d) * 2 // 3],
        lambda d: d.replace(b"</ENTRY>", b"</ENTRI>", 1),
        lambda d: b"",
        lambda d: d.replace(b"Native Instruments", "Nätive".encode("latin-1"), 1),
    ],
    ids=["truncated", "malformed", "empty", "wrong-encoding"],
)
def test_bad_file_keeps_the_last_good_state(db, tmp_path: Path, damage) -> None:
    conn, path = db
    nml = tmp_path / "collection.nml"
    data = SRC.read_bytes()
    nml.write_bytes(data)
    _staged_ingest(conn, path, nml, tmp_path)
    before = _q(
        conn, "SELECT count(*), sum(length(content_hash)) FROM tracks WHERE removed_at IS NULL"
    ).fetchone()
    nml.write_bytes(damage(data))
    with pytest.raises(NmlError):
        stage(str(nml), path, str(tmp_path))
    assert not [p for p in os.listdir(tmp_path) if p.startswith("traktor-stage-")]  # staging dropped
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(NmlError):
        ingest_direct(conn, str(nml), "collection")
    conn.execute("ROLLBACK")
    after = _q(
        conn, "SELECT count(*), sum(length(content_hash)) FROM tracks WHERE removed_at IS NULL"
    ).fetchone()
    assert after == before


def test_history_sessions(db) -> None:
    conn, _ = db
    s = read_history(fx("ryyckxxa__my-traktor-library/History/history_2011y05m02d_21h10m49s.nml"))
    conn.execute("BEGIN")
    assert store_history(conn, [s], {s.file: (1, 2.0)}) == 281
    assert store_history(conn, [s], {s.file: (1, 2.0)}) == 281  # re-reading replaces, never duplicates
    conn.execute("COMMIT")
    assert _count(conn, "SELECT count(*) FROM plays") == 281
    assert _count(conn, "SELECT play_count FROM history_sessions") == 281


def _first_ingest(
    tmp_path: Path, name: str, nml: Path, parallel: bool, block: int = 2 << 20
) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / name, isolation_level=None)
    conn.executescript(MIGRATION.read_text())
    conn.execute("BEGIN IMMEDIATE")
    try:
        ingest_direct(conn, str(nml), "collection", parallel=parallel, block=block)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return conn


def test_first_ingest_in_a_parse_worker_equals_the_in_process_one(tmp_path: Path) -> None:
    nml = tmp_path / "collection.nml"
    nml.write_bytes(SRC.read_bytes())
    cols = "id, location_key, path, artist, title, bpm, key, cues_json, extra_json, search_text, content_hash"
    tables = {
        "tracks": f"SELECT {cols} FROM tracks ORDER BY id",
        "playlists": "SELECT ident, path, items_hash FROM playlists ORDER BY id",
        "sources": "SELECT entry_count, playlists_hash FROM traktor_sources",
    }
    a = _first_ingest(tmp_path, "a.db", nml, parallel=False)
    for block in (2 << 20, 50_000):  # 50 kB: the two parse workers take turns, blocks of about 50 entries
        b = _first_ingest(tmp_path, f"b{block}.db", nml, parallel=True, block=block)
        for sql in tables.values():
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
        assert b.execute("SELECT count(*) FROM tracks").fetchone()[0] == 1978


def _break_entry(data: bytes, n: int) -> bytes:
    parts = data.split(b"</ENTRY>")
    return b"</ENTRY>".join(parts[:n]) + b"</ENTRI>" + b"</ENTRY>".join(parts[n:])


@pytest.mark.parametrize(
    "damage",
    [lambda d: d[: len(d) * 2 // 3], lambda d: _break_entry(d, 150)],  # 150: in the second worker's blocks
    ids=["truncated", "malformed-entry"],
)
def test_a_bad_file_in_the_parse_worker_writes_nothing(tmp_path: Path, damage) -> None:
    nml = tmp_path / "collection.nml"
    nml.write_bytes(damage(SRC.read_bytes()))
    with pytest.raises(NmlError, match="truncated|never closed|ends|malformed"):
        _first_ingest(tmp_path, "c.db", nml, parallel=True, block=50_000)
    conn = sqlite3.connect(tmp_path / "c.db")
    assert conn.execute("SELECT count(*) FROM tracks").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM playlists").fetchone()[0] == 0


def test_a_file_replaced_between_measuring_and_reading_is_not_read(tmp_path: Path) -> None:
    """The workers read the file the parent measured, or nothing: Traktor may replace it at any moment."""
    from musictool.integrations.traktor.fastscan import eligible, identity_of, iter_fast
    from musictool.integrations.traktor.reader import NmlReader

    nml = tmp_path / "collection.nml"
    nml.write_bytes(SRC.read_bytes())
    same = identity_of(nml.stat())
    bounds = eligible(nml)
    assert bounds is not None
    assert len([r for r in iter_fast(NmlReader(nml, rows=True), bounds, identity=same) if r]) == 1978
    replaced = tmp_path / "new.nml"
    replaced.write_bytes(SRC.read_bytes())
    os.replace(replaced, nml)  # Traktor's save: a new file renamed over the old one
    with pytest.raises(NmlError, match="replaced while it was being read"):
        list(iter_fast(NmlReader(nml, rows=True), bounds, identity=same))


def test_playlists_whose_paths_clash_are_both_kept(db, tmp_path: Path) -> None:
    """No UUIDs (V14/V15) and folder "A" > "B" beside a playlist named "A/B": two playlists, and the ingest goes on."""
    conn, path = db
    nml = tmp_path / "collection.nml"
    nml.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="15"><HEAD></HEAD>\n'
        b'<COLLECTION ENTRIES="1"><ENTRY TITLE="T"><LOCATION DIR="/:M/:" FILE="t.mp3" VOLUME="HD"></LOCATION>\n'
        b"</ENTRY>\n</COLLECTION>\n"
        b'<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="2">\n'
        b'<NODE TYPE="FOLDER" NAME="A"><SUBNODES COUNT="1">\n'
        b'<NODE TYPE="PLAYLIST" NAME="B"><PLAYLIST ENTRIES="1" TYPE="LIST"><ENTRY><PRIMARYKEY TYPE="TRACK" '
        b'KEY="HD/:M/:t.mp3"></PRIMARYKEY>\n</ENTRY>\n</PLAYLIST>\n</NODE>\n</SUBNODES>\n</NODE>\n'
        b'<NODE TYPE="PLAYLIST" NAME="A/B"><PLAYLIST ENTRIES="0" TYPE="LIST"></PLAYLIST>\n</NODE>\n'
        b"</SUBNODES>\n</NODE>\n</PLAYLISTS>\n</NML>\n"
    )
    for _ in range(2):  # and again: the same identities, nothing changes
        _staged_ingest(conn, path, nml, tmp_path)
        rows = _q(conn, "SELECT path, entry_count FROM playlists WHERE type = 'PLAYLIST' ORDER BY position").fetchall()
        assert rows == [("A/B", 1), ("A/B", 0)]

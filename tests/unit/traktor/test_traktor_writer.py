"""The writer keeps every byte it was not asked to change, over every real fixture."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musictool.integrations.traktor.nmledit import attrs, scan
from musictool.integrations.traktor.reader import Track, read_all
from musictool.integrations.traktor.writer import (
    EditError,
    PlaylistEdit,
    TrackEdit,
    apply_edits,
    commit,
    edit_from_dict,
    edit_to_dict,
    list_backups,
    undo,
)
from tests.unit.traktor.nmlfixtures import ALL, RAW, fx, ids

_CACHE: dict[bytes, dict[str, Track]] = {}


def _tracks(data: bytes) -> dict[str, Track]:
    """Tracks by location key (originals are cached: several tests compare against them)."""
    digest = hashlib.blake2b(data, digest_size=16).digest()
    if digest not in _CACHE:
        tracks, _ = read_all(io.BytesIO(data))
        _CACHE[digest] = {t.location_key: t for t in tracks}
        if len(_CACHE) > 40:
            _CACHE.pop(next(iter(_CACHE)))
    return _CACHE[digest]


def _changed_span(a: bytes, b: bytes) -> tuple[int, int, int]:
    """(first differing offset, end of the difference in a, end in b)."""
    i = 0
    n = min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    j = 0
    while j < n - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    return i, len(a) - j, len(b) - j


@pytest.mark.parametrize("path", RAW, ids=ids(RAW))
def test_raw_fixture_round_trip_is_byte_exact(path: Path, tmp_path: Path) -> None:
    """Read + write with no edit (and with edits that set every value to what it already is) == same bytes."""
    data = path.read_bytes()
    assert apply_edits(data, []) == data
    tracks = list(_tracks(data).values())[:25]
    same = [
        TrackEdit(
            t.location_key,
            {
                k: v
                for k, v in (("genre", t.genre), ("comment", t.comment), ("title", t.title))
                if v is not None
            },
        )
        for t in tracks
    ]
    assert apply_edits(data, same) == data
    target = tmp_path / "collection.nml"
    target.write_bytes(data)
    res = commit(target, same, tmp_path / "backups")
    assert not res.changed and target.read_bytes() == data and not (tmp_path / "backups").exists()


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_one_edit_changes_only_its_bytes(path: Path) -> None:
    data = path.read_bytes()
    tracks = list(_tracks(data).values())
    if not tracks:
        pytest.skip("no collection entries")
    t = tracks[len(tracks) // 2]
    out = apply_edits(data, [TrackEdit(t.location_key, {"genre": 'Edited & <Genre> "x"'})])
    start, end_a, end_b = _changed_span(data, out)
    # the change sits inside the one INFO start tag (or a new INFO element) of that entry
    before = data[:start]
    assert before.rfind(b"<ENTRY ") > before.rfind(b"</ENTRY>")
    assert b"</ENTRY>" not in data[start:end_a]
    assert b"Edited &amp; &lt;Genre> &quot;x&quot;" in out[start - 200 : end_b + 200]
    back = _tracks(out)
    assert back[t.location_key].genre == 'Edited & <Genre> "x"'
    for k, other in _tracks(data).items():
        if k != t.location_key:
            assert back[k].content_hash == other.content_hash


def test_edit_then_revert_restores_identical_bytes() -> None:
    data = fx("TravestyAudio__Collection/collection.nml").read_bytes()
    t = next(x for x in _tracks(data).values() if x.cues and x.bpm and x.genre)
    cues = [
        {"name": c.name, "displ_order": c.displ_order, "type": c.type, "start": c.start, "length": c.length,
         "repeats": c.repeats, "hotcue": c.hotcue}
        for c in t.cues
    ]  # fmt: skip
    edited = apply_edits(data, [TrackEdit(t.location_key, {"genre": "X", "cues": cues[:1]})])
    assert edited != data
    reverted = apply_edits(edited, [TrackEdit(t.location_key, {"genre": t.genre, "cues": cues})])
    # cues come back with Traktor's float text: compare semantically, and exactly outside the entry
    back = _tracks(reverted)[t.location_key]
    assert [(c.type, c.hotcue, round(c.start, 3)) for c in back.cues] == [
        (c.type, c.hotcue, round(c.start, 3)) for c in t.cues
    ]
    s, e_a, _ = _changed_span(data, reverted)
    assert data.rfind(b"<ENTRY ", 0, s) > data.rfind(b"</ENTRY>", 0, s)


def test_all_editable_fields_and_layout_of_new_elements() -> None:
    data = fx("wolkenarchitekt__traktor-nml-utils/tests/fixtures/collection_indexing.nml").read_bytes()
    (t,) = _tracks(data).values()
    assert t.bpm is None and t.key is None and not t.cues
    fields = {
        "bpm": 124, "key": "Am", "genre": "Techno", "rating": 4, "comment": "new", "label": "L", "title": "T",
        "artist": "A", "album": "Al", "remixer": "R", "comment2": "c2",
        "cues": [{"name": "AutoGrid", "type": 4, "start": 50.0, "hotcue": 0, "grid_bpm": 124.0}, {"name": "drop", "start": 9000, "hotcue": 1}],
    }  # fmt: skip
    out = apply_edits(data, [TrackEdit(t.location_key, fields)])
    n = _tracks(out)[t.location_key]
    assert (n.bpm, n.key, n.key_open, n.genre, n.rating, n.comment, n.label) == (
        124.0,
        "A minor",
        "1m",
        "Techno",
        4,
        "new",
        "L",
    )
    assert (n.title, n.artist, n.album, n.remixer, n.comment2) == ("T", "A", "Al", "R", "c2")
    assert [(c.name, c.type, c.hotcue, c.grid_bpm) for c in n.cues] == [
        ("AutoGrid", 4, 0, 124.0),
        ("drop", 0, 1, None),
    ]
    text = out.decode()
    # Traktor's layout: one element per line, child order TEMPO < MUSICAL_KEY < CUE_V2, 6-decimal floats (V19)
    assert (
        '\n<TEMPO BPM="124.000000"></TEMPO>\n<MUSICAL_KEY VALUE="21"></MUSICAL_KEY>\n<CUE_V2 NAME="AutoGrid"'
        in text
    )
    assert '<GRID BPM="124.000000"></GRID>\n</CUE_V2>' in text
    assert "/>" not in text


def test_old_versions_write_short_floats_and_keep_key_notation() -> None:
    data = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()  # V18, KEY="12d"
    t = next(iter(_tracks(data).values()))
    out = apply_edits(data, [TrackEdit(t.location_key, {"bpm": 124.5, "key": "8A"})])
    assert b'BPM="124.5"' in out and b'KEY="1m"' in out and b'VALUE="21"' in out


def test_removing_a_field_and_all_cues() -> None:
    data = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()
    t = next(x for x in _tracks(data).values() if x.comment and x.cues)
    out = apply_edits(data, [TrackEdit(t.location_key, {"comment": None, "cues": []})])
    n = _tracks(out)[t.location_key]
    assert n.comment is None and n.cues == []
    assert (
        b"\n\n" not in out
        and b"<CUE_V2"
        not in out[out.find(t.file.encode()) : out.find(b"</ENTRY>", out.find(t.file.encode()))]
    )


def test_playlist_membership() -> None:
    path = fx("TravestyAudio__Collection/collection.nml")
    data = path.read_bytes()
    tracks, s = read_all(path)
    pl = next(n for n in s.playlists if n.list_type == "LIST" and len(n.items) > 3)
    first = pl.items[0].key
    newcomer = next(t.location_key for t in tracks if t.location_key not in {i.key for i in pl.items})
    out = apply_edits(data, [PlaylistEdit(pl.uuid, add=[newcomer], remove=[first])])
    _, s2 = read_all(io.BytesIO(out))
    pl2 = next(n for n in s2.playlists if n.uuid == pl.uuid)
    assert [i.key for i in pl2.items] == [i.key for i in pl.items if i.key != first] + [newcomer]
    m = re.search(rb'UUID="' + pl.uuid.encode() + rb'"', out)
    assert m and f'ENTRIES="{len(pl2.items)}"'.encode() in out[m.start() - 60 : m.start()]
    # by folder path too, and into an empty playlist
    empty = apply_edits(data, [PlaylistEdit("/".join(pl.path), remove=[i.key for i in pl.items])])
    _, s3 = read_all(io.BytesIO(empty))
    assert next(n for n in s3.playlists if n.uuid == pl.uuid).items == []
    assert f'UUID="{pl.uuid}"></PLAYLIST>'.encode() in empty
    refill = apply_edits(empty, [PlaylistEdit(pl.uuid, add=[newcomer])])
    _, s4 = read_all(io.BytesIO(refill))
    assert [i.key for i in next(n for n in s4.playlists if n.uuid == pl.uuid).items] == [newcomer]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (TrackEdit("nope/:x.mp3", {"genre": "x"}), "no collection entry"),
        (PlaylistEdit("no-such-playlist", add=[]), "no playlist"),
    ],
)
def test_bad_edits_are_refused(edit: object, words: str) -> None:
    data = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()
    with pytest.raises(EditError, match=words):
        apply_edits(data, [edit])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "fields",
    [{"bpm": -3}, {"bpm": "fast"}, {"rating": 9}, {"key": "H#"}, {"cues": [{"type": 9}]}, {"isrc": "x"}],
)
def test_bad_values_are_refused(fields: dict) -> None:
    data = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()
    key = next(iter(_tracks(data)))
    with pytest.raises(EditError):
        apply_edits(data, [TrackEdit(key, fields)])


def test_truncated_file_is_not_edited() -> None:
    data = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()
    key = next(iter(_tracks(data)))
    with pytest.raises(
        EditError, match="never closed|cannot be edited|not well-formed XML, so it was not edited"
    ):
        apply_edits(data[: len(data) - 300], [TrackEdit(key, {"genre": "x"})])


def test_edit_dict_round_trip() -> None:
    for e in (TrackEdit("k", {"bpm": 120}), PlaylistEdit("u", add=["a"], remove=["b"])):
        assert edit_from_dict(edit_to_dict(e)) == e
    with pytest.raises(EditError):
        edit_from_dict({"location_key": "k", "fields": {"path": "/x"}})


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40).filter(
    lambda s: all(ord(c) >= 0x20 or c in "\t\n\r" for c in s)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    idx=st.integers(0, 39),
    genre=_text,
    comment=st.one_of(st.none(), _text),
    bpm=st.floats(40, 250, allow_nan=False),
    key=st.integers(0, 23),
    rating=st.integers(0, 5),
)
def test_property_edits_read_back_and_touch_one_entry(
    idx: int, genre: str, comment: str | None, bpm: float, key: int, rating: int
) -> None:
    data = WIN
    tracks = list(_tracks(data).values())
    t = tracks[idx % len(tracks)]
    out = apply_edits(
        data,
        [
            TrackEdit(
                t.location_key, {"genre": genre, "comment": comment, "bpm": bpm, "key": key, "rating": rating}
            )
        ],
    )
    after = _tracks(out)
    n = after[t.location_key]
    assert (n.genre, n.comment, n.key_value, n.rating) == (genre, comment, key, rating)
    assert n.bpm == pytest.approx(bpm, rel=1e-5)  # V18 writes 6 significant digits, as Traktor did
    for k, o in _tracks(data).items():
        if k != t.location_key:
            assert after[k].content_hash == o.content_hash
    s, _, _ = _changed_span(data, out)
    assert data.rfind(b"<ENTRY ", 0, s + 1) > data.rfind(b"</ENTRY>", 0, s + 1)


WIN = fx("polamjag__traktor-nml/spec/traktor/win.nml").read_bytes()


def test_scanner_spans_match_the_bytes() -> None:
    data = WIN
    root = scan(data)
    assert (
        root.tag == "NML"
        and data[root.start : root.start + 4] == b"<NML"
        and data[root.end - 6 : root.end] == b"</NML>"
    )
    coll = root.find("COLLECTION")
    assert coll is not None
    e = coll.children[0]
    a = attrs(data, e)
    assert data[a["TITLE"].value_start : a["TITLE"].value_end] == a["TITLE"].raw


# -- files: backup, rotation, atomic replace, undo ----------------------------------------------------------


def test_commit_backs_up_replaces_and_undo_restores(tmp_path: Path) -> None:
    src = fx("polamjag__traktor-nml/spec/traktor/osx.nml")
    target = tmp_path / "collection.nml"
    original = src.read_bytes()
    target.write_bytes(original)
    key = next(iter(_tracks(original)))
    backups = tmp_path / "backups"
    r1 = commit(target, [TrackEdit(key, {"genre": "One"})], backups, keep=3)
    assert r1.changed and Path(r1.backup).read_bytes() == original
    after_one = target.read_bytes()
    assert _tracks(after_one)[key].genre == "One"
    r2 = commit(target, [TrackEdit(key, {"genre": "Two"})], backups, keep=3)
    assert Path(r2.backup).read_bytes() == after_one
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp files left behind
    undo(target, backups)
    assert target.read_bytes() == after_one
    undo(target, backups)
    assert target.read_bytes() == original
    with pytest.raises(EditError, match="no backup"):
        undo(target, backups)


def test_backups_are_rotated(tmp_path: Path) -> None:
    target = tmp_path / "collection.nml"
    target.write_bytes(WIN)
    key = next(iter(_tracks(WIN)))
    backups = tmp_path / "b"
    for i in range(6):
        commit(target, [TrackEdit(key, {"genre": f"g{i}"})], backups, keep=3)
    kept = list_backups(target, backups)
    assert len(kept) == 3
    assert _tracks(kept[0].read_bytes())[key].genre == "g4"  # newest first


def test_failed_edit_leaves_the_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "collection.nml"
    target.write_bytes(WIN)
    mtime = os.stat(target).st_mtime_ns
    with pytest.raises(EditError):
        commit(target, [TrackEdit("missing", {"genre": "x"})], tmp_path / "b")
    assert target.read_bytes() == WIN and os.stat(target).st_mtime_ns == mtime


def test_entry_found_when_another_writer_escaped_differently() -> None:
    """The byte search for FILE="..." misses a char-reference spelling; the full scan still finds the entry."""
    data = WIN
    t = next(iter(_tracks(data).values()))
    raw_file = t.file.encode()
    respelled = data.replace(
        b'FILE="' + raw_file + b'"',
        b'FILE="&#' + str(ord(t.file[0])).encode() + b";" + raw_file[1:] + b'"',
        1,
    )
    assert respelled != data
    assert t.location_key in _tracks(respelled)
    out = apply_edits(respelled, [TrackEdit(t.location_key, {"genre": "Found"})])
    assert _tracks(out)[t.location_key].genre == "Found"


def test_single_quoted_attributes_stay_well_formed() -> None:
    data = fx("shishoi__MusicAnalyzer/backups/collection_2025-11.nml").read_bytes()  # ElementTree output
    t = next(x for x in _tracks(data).values() if x.genre)
    quoted = data.replace(b'GENRE="' + t.genre.encode() + b'"', b"GENRE='" + t.genre.encode() + b"'", 1)
    out = apply_edits(quoted, [TrackEdit(t.location_key, {"genre": "Rock 'n' Roll"})])
    assert _tracks(out)[t.location_key].genre == "Rock 'n' Roll"


# -- values are checked before anything is queued or written --------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"bpm": True}, {"bpm": "nan"}, {"bpm": 1e400}, {"bpm": 10**400}, {"bpm": 0}, {"rating": 2.7},
        {"rating": True}, {"key": True}, {"key": 24}, {"genre": {"a": 1}}, {"genre": 5}, {"comment": "\ud83d"},
        {"comment": "bell\x07"}, {"title": "x" * 5000}, {"cues": "abc"}, {"cues": [1]}, {"cues": {"a": 1}},
        {"cues": [{"grid_bpm": "x"}]}, {"cues": [{"start": "nan"}]}, {"cues": [{"start": 1e400}]},
        {"cues": [{"hotcue": 8}]}, {"cues": [{"type": 1.5}]}, {"cues": [{"colour": "#fff"}]}, {"cues": [{"color": 123}]},
        {}, {"isrc": "x"},
    ],
)  # fmt: skip
def test_bad_values_are_refused_before_they_are_queued(fields: dict) -> None:
    with pytest.raises(EditError):
        edit_from_dict({"location_key": "k", "fields": fields})


def test_values_arrive_in_their_plain_form() -> None:
    got = edit_from_dict({"location_key": "k", "fields": {"bpm": "128.5", "rating": 3.0, "key": "8A"}})
    assert got.fields == {"bpm": 128.5, "rating": 3, "key": 21}  # type: ignore[union-attr]
    # a cue list as GET /tracks/{id} shows it goes back unchanged (len is accepted for length)
    cue = {"name": "Drop", "displ_order": 0, "type": 0, "start": 31.73, "length": 0.0, "repeats": -1,
           "hotcue": 1, "color": None, "grid_bpm": None}  # fmt: skip
    assert edit_from_dict({"location_key": "k", "fields": {"cues": [cue]}}).fields["cues"] == [cue]  # type: ignore[union-attr]
    assert edit_from_dict({"location_key": "k", "fields": {"cues": [{"len": 2.0}]}}).fields["cues"][0]["length"] == 2.0  # type: ignore[union-attr]


def test_adding_to_a_self_closing_playlist_puts_the_entries_inside_it() -> None:
    """Python-rewritten files write an empty playlist as <PLAYLIST ... />."""
    data = fx("shishoi__MusicAnalyzer/backups/collection_2025-11.nml").read_bytes()
    m = re.search(rb'<PLAYLIST ENTRIES="0" TYPE="LIST" UUID="([0-9a-f]+)" />', data)
    assert m, "the fixture has an empty self-closing playlist"
    uuid = m.group(1).decode()
    keys = list(_tracks(data))[:2]
    out = apply_edits(data, [PlaylistEdit(uuid, add=keys)])
    from lxml import etree

    pl = etree.fromstring(out).find(f".//PLAYLIST[@UUID='{uuid}']")
    assert pl is not None and pl.get("ENTRIES") == "2"
    assert [e.find("PRIMARYKEY").get("KEY") for e in pl.findall("ENTRY")] == keys
    start, end_a, _ = _changed_span(data, out)
    assert start >= m.start() and end_a <= m.end()  # nothing outside that playlist moved


def test_what_is_added_to_a_crlf_file_uses_crlf() -> None:
    data = fx("ericanastas__traktor-tagger/collection.nml").read_bytes()
    _, s = read_all(io.BytesIO(data))
    pl = next(n for n in s.playlists if n.list_type == "LIST" and n.items)
    newcomer = next(k for k in _tracks(data) if k not in {i.key for i in pl.items})
    key = next(iter(_tracks(data)))
    out = apply_edits(
        data,
        [PlaylistEdit("/".join(pl.path), add=[newcomer]), TrackEdit(key, {"cues": [{"grid_bpm": 120.0}]})],
    )
    bare_lf = re.compile(rb"(?<!\r)\n")
    assert len(bare_lf.findall(out)) == len(bare_lf.findall(data)) and out.count(b"\r\n") > data.count(b"\r\n")


@pytest.mark.parametrize(
    ("encode", "words"),
    [
        (lambda t: t.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"), "UTF-16"),
        (lambda t: t.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1", "replace"), "ISO-8859-1"),
        (lambda t: t.replace("Sweet Tear", "Sw\u00e9et Tear").encode("latin-1", "replace"), "not valid UTF-8|not well-formed"),
    ],
    ids=["utf-16", "latin-1-declared", "latin-1-undeclared"],
)  # fmt: skip
def test_a_collection_that_is_not_utf8_is_refused_clearly(encode: object, words: str) -> None:
    text = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_text("utf-8")
    data = encode(text)  # type: ignore[operator]
    key = next(iter(_tracks(text.encode("utf-8"))))
    with pytest.raises(EditError, match=words):
        apply_edits(data, [TrackEdit(key, {"genre": "x"})])


def test_undo_refuses_to_throw_away_what_traktor_saved_since(tmp_path: Path) -> None:
    target = tmp_path / "collection.nml"
    target.write_bytes(WIN)
    keys = list(_tracks(WIN))
    backups = tmp_path / "b"
    commit(target, [TrackEdit(keys[0], {"genre": "Ours"})], backups)
    ours = target.read_bytes()
    traktor_saved = apply_edits(ours, [TrackEdit(keys[1], {"title": "Renamed in Traktor"})])
    target.write_bytes(traktor_saved)
    with pytest.raises(EditError, match="changed since MusicTool wrote it"):
        undo(target, backups)
    assert target.read_bytes() == traktor_saved  # refused: nothing written
    undo(target, backups, force=True)
    assert target.read_bytes() == WIN
    kept = [p for p in list_backups(target, backups) if p.name.endswith("-before-undo.nml")]
    assert kept and kept[0].read_bytes() == traktor_saved  # and Traktor's version is in a backup


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_cues_read_through_the_api_and_sent_back_change_nothing(path: Path) -> None:
    """GET /tracks/{id} shows cues as typed values; a client that PATCHes them back unchanged writes no byte."""
    from musictool.integrations.traktor.reader import NmlReader
    from musictool.integrations.traktor.rows import COL
    from musictool.store.traktor import _cues

    data = path.read_bytes()
    rows = [r for r in NmlReader(io.BytesIO(data), rows=True) if isinstance(r, tuple)]  # as the ingest stores them
    with_cues = [r for r in rows if r[COL["cues_json"]]][:60]
    if not with_cues:
        pytest.skip("no cues in this file")
    for r in with_cues:
        edit = edit_from_dict({"location_key": r[0], "fields": {"cues": _cues(r[COL["cues_json"]])}})
        assert apply_edits(data, [edit]) == data, r[0]


def test_emptying_a_playlist_and_filling_it_in_one_edit() -> None:
    data = fx("TravestyAudio__Collection/collection.nml").read_bytes()
    _, s = read_all(io.BytesIO(data))
    pl = next(n for n in s.playlists if n.list_type == "LIST" and 1 < len(n.items) < 20)
    old = list(dict.fromkeys(i.key for i in pl.items))
    new = [k for k in _tracks(data) if k not in old][:3]
    out = apply_edits(data, [PlaylistEdit(pl.uuid, add=new, remove=old)])
    _, s2 = read_all(io.BytesIO(out))
    assert [i.key for i in next(n for n in s2.playlists if n.uuid == pl.uuid).items] == new


def test_undo_reaches_back_as_many_writes_as_backups_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "collection.nml"
    target.write_bytes(WIN)
    key = next(iter(_tracks(WIN)))
    backups = tmp_path / "b"
    states = [WIN]
    for i in range(5):
        commit(target, [TrackEdit(key, {"genre": f"g{i}"})], backups, keep=5)
        states.append(target.read_bytes())
    for want in reversed(states[:-1]):  # five undos, each one step further back
        undo(target, backups, keep=5)
        assert target.read_bytes() == want
    with pytest.raises(EditError, match="no backup"):
        undo(target, backups, keep=5)


def test_a_playlist_path_that_names_two_playlists_is_refused() -> None:
    """Files without UUIDs (V14/V15) are edited by path: folder "A" > "B" and a playlist named "A/B" clash."""
    data = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="15"><HEAD></HEAD>\n'
        b'<COLLECTION ENTRIES="1"><ENTRY TITLE="T"><LOCATION DIR="/:M/:" FILE="t.mp3" VOLUME="HD"></LOCATION>\n'
        b"</ENTRY>\n</COLLECTION>\n"
        b'<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="2">\n'
        b'<NODE TYPE="FOLDER" NAME="A"><SUBNODES COUNT="1">\n'
        b'<NODE TYPE="PLAYLIST" NAME="B"><PLAYLIST ENTRIES="0" TYPE="LIST"></PLAYLIST>\n</NODE>\n</SUBNODES>\n</NODE>\n'
        b'<NODE TYPE="PLAYLIST" NAME="A/B"><PLAYLIST ENTRIES="0" TYPE="LIST"></PLAYLIST>\n</NODE>\n'
        b"</SUBNODES>\n</NODE>\n</PLAYLISTS>\n</NML>\n"
    )
    with pytest.raises(EditError, match="two playlists"):
        apply_edits(data, [PlaylistEdit("A/B", add=["HD/:M/:t.mp3"])])

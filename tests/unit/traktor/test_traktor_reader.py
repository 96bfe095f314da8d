"""The streaming reader over every real NML fixture, checked against an independent full lxml parse."""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

import pytest

from musictool.integrations.traktor.reader import NmlError, NmlReader, Track, read_all
from tests.unit.traktor.nmlfixtures import ALL, collection_entries, fx, ids, tree


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_counts_and_fields_match_a_full_parse(path: Path) -> None:
    tracks, s = read_all(path)
    entries = collection_entries(path)
    assert s.entry_count == len(entries)  # never ENTRIES
    with_loc = [e for e in entries if e.find("LOCATION") is not None]
    assert len(tracks) == len(with_loc)
    for t, e in zip(tracks, with_loc, strict=True):
        loc = e.find("LOCATION")
        assert t.location_key == (loc.get("VOLUME") or "") + (loc.get("DIR") or "") + (loc.get("FILE") or "")
        assert t.title == e.get("TITLE")
        assert t.artist == e.get("ARTIST")
        tempo, mk, info = e.find("TEMPO"), e.find("MUSICAL_KEY"), e.find("INFO")
        assert t.bpm == (float(tempo.get("BPM")) if tempo is not None and tempo.get("BPM") else None)
        if mk is not None:
            assert t.key_value == int(mk.get("VALUE"))
        if info is not None:
            assert t.genre == info.get("GENRE")
            assert t.comment == info.get("COMMENT")
        cues = e.findall("CUE_V2")
        assert [(c.name, c.type, c.hotcue) for c in t.cues] == [
            (c.get("NAME"), int(c.get("TYPE")), int(c.get("HOTCUE"))) for c in cues
        ]
        assert len(t.content_hash) == 32
    root = tree(path).getroot()
    assert s.version == root.get("VERSION")
    nodes = root.findall("PLAYLISTS/NODE//NODE")
    assert len(s.playlists) == len(nodes)
    for n, el in zip(s.playlists, nodes, strict=True):
        assert n.name == el.get("NAME") and n.type == el.get("TYPE")
        keys = [pk.get("KEY") for pk in el.findall("PLAYLIST/ENTRY/PRIMARYKEY")]
        assert [i.key for i in n.items] == keys


def test_entries_attribute_is_not_trusted() -> None:
    _, s = read_all(fx("wolkenarchitekt__traktor-nml-utils/@d38ddd8/tests/fixtures/collection.nml"))
    assert (s.entries_attr, s.entry_count) == (4257, 2022)
    tracks, s = read_all(fx("ericanastas__traktor-tagger/collection.nml"))  # BOM + CRLF + indent
    assert (s.entries_attr, s.entry_count, len(tracks)) == (1146, 1036, 1035)  # one entry has no LOCATION


def test_every_field_of_one_entry() -> None:
    tracks, _ = read_all(fx("TravestyAudio__Collection/collection.nml"))
    t = tracks[0]
    assert t.title == "A1 Intro Beat" and t.artist == "Native Instruments"
    assert t.volume == "C:" and t.volume_id == "d4bd8a80"
    assert t.genre == "STEMS" and t.play_count == 1 and t.last_played == "2017-08-19"
    assert t.bitrate == 1411200 and t.duration == pytest.approx(14.7693) and t.filesize_kb == 2607
    assert t.bpm == 130 and t.bpm_quality == 100
    assert t.peak_db == pytest.approx(-0.000265068) and t.perceived_db == pytest.approx(2.53319)
    assert t.modified_date == "2016-03-18" and t.modified_time == 46951 and t.author_type == "user"
    assert t.audio_id.startswith("AA9ctZp2")
    locked = [x for x in tracks if x.lock == 1]
    assert len(locked) == 963
    assert sum(1 for x in tracks if x.stems) == 71
    assert sum(len(x.cues) for x in tracks) == 11147


def test_keys_in_three_notations_and_pre_v16_key_text() -> None:
    tracks, _ = read_all(fx("wolkenarchitekt__traktor-nml-utils/@d38ddd8/tests/fixtures/collection.nml"))
    assert {t.key_value for t in tracks if t.key_value is not None} == set(range(24))
    am = next(t for t in tracks if t.key_value == 21)
    assert (am.key, am.key_open, am.key_camelot) == ("A minor", "1m", "8A")
    old, _ = read_all(fx("ryyckxxa__my-traktor-library/collection.nml"))  # V15: only INFO KEY text
    keyed = [t for t in old if t.key]
    assert len(keyed) > 1000 and all(t.key_value is not None for t in keyed)


def test_cues_loops_grid_and_v20_extras() -> None:
    tracks, s = read_all(fx("Segolene-Albouy__Traktor-NML-to-Rekordbox-XML/playlist_traktor.nml"))
    assert s.version == "20" and s.program == "Traktor Pro 4"
    grids = [c for t in tracks for c in t.cues if c.type == 4]
    assert grids and all(c.grid_bpm for c in grids)
    assert any(c.color == "#FFFFFF" for t in tracks for c in t.cues)
    assert "Sautillant" not in {t.title for t in tracks}  # sanity: titles are track titles
    tracks, _ = read_all(fx("digital-dj-tools__dj-data-converter/test-resources/collection.nml"))
    cues = tracks[0].cues + tracks[1].cues
    assert len(cues) == 16
    loops = [c for c in cues if c.type == 5]
    assert loops and all(c.length and c.length > 0 for c in loops)
    assert {c.hotcue for c in cues} >= set(range(8))


def test_unknown_elements_are_kept_verbatim() -> None:
    tracks, _ = read_all(fx("GarethShapiro__iTunesToTraktor/collection.nml"))
    loops = [
        t for t in tracks if t.extra and any(e["tag"] == "LOOPINFO" for e in t.extra.get("elements", []))
    ]
    assert loops


def test_playlists_nested_folders_duplicates_and_smartlists() -> None:
    _, s = read_all(fx("wolkenarchitekt__traktor-nml-utils/tests/fixtures/playlist.nml"))
    paths = [n.path for n in s.playlists]
    assert ("Foo", "Preparation2") in paths
    _, s = read_all(fx("shishoi__MusicAnalyzer/collection.nml"))
    smart = [n for n in s.playlists if n.type == "SMARTLIST"]
    assert len(smart) == 8 and all(n.query and n.uuid for n in smart)
    assert any('$GENRE % "FUNK"' in n.query for n in smart)
    by_type = {t: sum(1 for n in s.playlists if n.type == t) for t in ("FOLDER", "PLAYLIST", "SMARTLIST")}
    assert by_type == {"FOLDER": 11, "PLAYLIST": 55, "SMARTLIST": 8}  # + $ROOT = the file's 12 folders
    assert len({n.path for n in s.playlists}) == len(s.playlists)  # paths identify nodes
    _, s = read_all(fx("polamjag__traktor-nml/spec/traktor/win_in_folder.nml"))
    assert [n.path for n in s.playlists] == [("Sets",), ("Sets", "00_itf4")]


def test_primary_keys_resolve_to_tracks() -> None:
    tracks, s = read_all(fx("TravestyAudio__Collection/collection.nml"))
    keys = {t.location_key for t in tracks}
    items = [i for n in s.playlists for i in n.items if i.key_type == "TRACK"]
    assert len(items) > 3000 and all(i.key in keys for i in items)
    assert any(i.key_type == "SET" for n in s.playlists for i in n.items) or s.remix_sets
    tracks, s = read_all(fx("dhakimzadeh__traktor-nml/fixtures/test1.nml"))
    keys = {t.location_key for t in tracks}
    dangling = [i for n in s.playlists for i in n.items if i.key not in keys]
    assert len(dangling) > 200  # kept, not dropped


def test_known_hashes_skip_unchanged_entries() -> None:
    path = fx("andersfischernielsen__Traktor-Transition-Finder/@a36b793/Project/Traktor/collection.nml")
    tracks, _ = read_all(path)
    known = {t.location_key: t.content_hash for t in tracks}
    known[tracks[5].location_key] = "stale"
    out = list(NmlReader(path, known=known))
    full = [x for x in out if isinstance(x, Track)]
    assert [t.location_key for t in full] == [tracks[5].location_key]
    assert sum(isinstance(x, str) for x in out) == len(tracks) - 1


def _read(data: bytes) -> None:
    list(NmlReader(io.BytesIO(data)))


GOOD = fx("polamjag__traktor-nml/spec/traktor/traktor-nml-demo.nml").read_bytes()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (GOOD[: len(GOOD) // 2], "truncated"),
        (GOOD.replace(b"</COLLECTION>", b"</COLLECTON>"), "malformed"),
        (GOOD.replace(b"Trakto", "Träkto".encode("latin-1"), 1), "encoding"),
        (b"<?xml version='1.0'?><html><body/></html>", "not an NML"),
        (b"\x00\x01\x02garbage", "malformed"),
    ],
    ids=["empty", "truncated", "malformed", "wrong-encoding", "not-nml", "binary"],
)
def test_bad_files_give_clear_errors(data: bytes, words: str, tmp_path: Path) -> None:
    p = tmp_path / "collection.nml"
    p.write_bytes(data)
    with pytest.raises(NmlError) as ei:
        list(NmlReader(p))
    assert words in str(ei.value)
    assert str(p) in str(ei.value)
    again = pickle.loads(pickle.dumps(ei.value))  # crosses the process pool intact
    assert str(again) == str(ei.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NmlError, match="does not exist"):
        list(NmlReader(tmp_path / "nope.nml"))


def test_utf16_file_is_accepted() -> None:
    text = GOOD.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    tracks = [t for t in NmlReader(io.BytesIO(text.encode("utf-16"))) if isinstance(t, Track)]
    assert len(tracks) == 3


def test_content_hashes_are_the_same_in_another_process() -> None:
    """The stored hashes come from one process and are compared in another (the parse worker)."""
    import subprocess
    import sys

    path = fx("polamjag__traktor-nml/spec/traktor/win.nml")
    here = [t.content_hash for t in read_all(path)[0]]
    code = (
        "import sys; from musictool.integrations.traktor.reader import read_all; "
        "print(' '.join(t.content_hash for t in read_all(sys.argv[1])[0]))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert other.stdout.split() == here


# every column of every entry on every path: test_traktor_fields.py


def test_fast_path_is_used_only_when_safe(tmp_path: Path) -> None:
    from musictool.integrations.traktor.fastscan import eligible

    src = fx("polamjag__traktor-nml/spec/traktor/win.nml")
    data = src.read_bytes()
    assert eligible(src) is not None
    commented = tmp_path / "commented.nml"
    commented.write_bytes(data.replace(b"</ENTRY>\n", b"</ENTRY>\n<!-- a comment -->\n", 1))
    assert eligible(commented) is None
    for insert in (b"<![CDATA[x]]>", b"<?pi x?>", b"<EXTRA/>"):
        other = tmp_path / "other.nml"
        other.write_bytes(data.replace(b"</ENTRY>\n", b"</ENTRY>\n" + insert + b"\n", 1))
        assert eligible(other) is None, insert
    bang = tmp_path / "bang.nml"  # "!" and "?" in values are fine
    bang.write_bytes(data.replace(b'TITLE="', b'TITLE="Yes! Why? ', 3))
    assert eligible(bang) is not None
    empty = tmp_path / "empty.nml"
    empty.write_bytes(b"")
    assert eligible(empty) is None
    # both paths give the same rows, whichever is taken
    rows_fast = [r[:-1] for r in NmlReader(src, rows=True)]
    rows_slow = [r[:-1] for r in NmlReader(commented, rows=True)]
    assert len(rows_fast) == len(rows_slow) == 40
    junk = tmp_path / "junk.nml"
    junk.write_bytes(data.replace(b"</ENTRY>\n", b"</ENTRY>\nstray text\n", 1))
    with pytest.raises(NmlError, match="unexpected content"):
        list(NmlReader(junk, rows=True))
    unclosed = tmp_path / "unclosed.nml"
    unclosed.write_bytes(data.replace(b"</ENTRY>", b"", 1))
    with pytest.raises(NmlError, match="malformed entry"):
        list(NmlReader(unclosed, rows=True))


def test_fast_path_skips_unchanged_entries_by_raw_hash(tmp_path: Path) -> None:
    src = fx("TravestyAudio__Collection/collection.nml")
    rows = list(NmlReader(src, rows=True))
    known = {r[0]: r[-1] for r in rows}
    assert all(h.startswith("r") for h in known.values())
    again = list(NmlReader(src, rows=True, known=known))
    assert all(isinstance(x, str) for x in again) and len(again) == len(rows)
    changed = tmp_path / "c.nml"
    changed.write_bytes(src.read_bytes().replace(b'TITLE="A2 808 Deep"', b'TITLE="A2 808 Deeper"', 1))
    out = list(NmlReader(changed, rows=True, known=known))
    full = [x for x in out if not isinstance(x, str)]
    assert len(full) == 1 and full[0][7] == "A2 808 Deeper"


def test_a_latin1_byte_is_named_as_an_encoding_problem_on_both_paths(tmp_path: Path) -> None:
    from musictool.integrations.traktor.ingest import stage

    data = fx("TravestyAudio__Collection/collection.nml").read_bytes()
    at = data.index(b'TITLE="', len(data) // 3) + len(b'TITLE="')
    p = tmp_path / "collection.nml"
    p.write_bytes(data[:at] + "é".encode("latin-1") + data[at:])
    with pytest.raises(NmlError, match="Traktor writes UTF-8"):
        list(NmlReader(p))  # the general parser
    with pytest.raises(NmlError, match="Traktor writes UTF-8") as ei:
        stage(str(p), None, str(tmp_path))  # the fast path: where in the file, not where in the entry
    where = int(re.search(r"at byte (\d+)", str(ei.value)).group(1))  # type: ignore[union-attr]
    assert abs(where - at) < 16

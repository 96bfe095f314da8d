"""The collection edits the quick fixes need, through the safe NML writer: a relocated file (LOCATION and
the playlists' references follow), merged play counts, and a duplicate taken out of the collection with
its keeper taking its place in playlists. Every other byte stays."""

from __future__ import annotations

import pytest
from lxml import etree

from musictool.integrations.traktor.writer import EditError, apply_edits, edit_from_dict

NML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD PROGRAM="Traktor"></HEAD>\n'
    b'<COLLECTION ENTRIES="3">\n'
    b'<ENTRY TITLE="A"><LOCATION DIR="/:Music/:" FILE="a.mp3" VOLUME="Macintosh HD"></LOCATION>'
    b'<INFO PLAYCOUNT="2"></INFO></ENTRY>\n'
    b'<ENTRY TITLE="A copy"><LOCATION DIR="/:Music/:" FILE="a2.mp3" VOLUME="Macintosh HD"></LOCATION>'
    b'<INFO PLAYCOUNT="5"></INFO></ENTRY>\n'
    b'<ENTRY TITLE="B"><LOCATION DIR="/:Music/:" FILE="b.mp3" VOLUME="Macintosh HD"></LOCATION></ENTRY>\n'
    b'</COLLECTION>\n<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="2">\n'
    b'<NODE TYPE="PLAYLIST" NAME="One"><PLAYLIST ENTRIES="2" TYPE="LIST" UUID="u1">\n'
    b'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="Macintosh HD/:Music/:a2.mp3"></PRIMARYKEY></ENTRY>\n'
    b'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="Macintosh HD/:Music/:b.mp3"></PRIMARYKEY></ENTRY>\n'
    b"</PLAYLIST></NODE>\n"
    b'<NODE TYPE="PLAYLIST" NAME="Two"><PLAYLIST ENTRIES="2" TYPE="LIST" UUID="u2">\n'
    b'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="Macintosh HD/:Music/:a.mp3"></PRIMARYKEY></ENTRY>\n'
    b'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="Macintosh HD/:Music/:a2.mp3"></PRIMARYKEY></ENTRY>\n'
    b"</PLAYLIST></NODE>\n</SUBNODES></NODE></PLAYLISTS></NML>\n"
)
A, A2, B = ("Macintosh HD/:Music/:a.mp3", "Macintosh HD/:Music/:a2.mp3", "Macintosh HD/:Music/:b.mp3")


def _keys(root: etree._Element, uuid: str) -> list[str]:
    return [pk.get("KEY") for pk in root.find(f".//PLAYLIST[@UUID='{uuid}']").iter("PRIMARYKEY")]


def test_relocate_moves_the_location_and_the_playlist_references() -> None:
    edit = edit_from_dict(
        {"location_key": B, "fields": {"location": {"volume": "Ext", "dir": "/:Moved/:", "file": "b.mp3"}}}
    )
    out = apply_edits(NML, [edit])
    root = etree.fromstring(out)
    loc = root.findall(".//COLLECTION/ENTRY")[2].find("LOCATION")
    assert (loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")) == ("Ext", "/:Moved/:", "b.mp3")
    assert _keys(root, "u1") == [A2, "Ext/:Moved/:b.mp3"]
    back = out.replace(b"Ext/:Moved/:", b"Macintosh HD/:Music/:").replace(b'DIR="/:Moved/:"', b'DIR="/:Music/:"')
    assert back.replace(b'"Ext"', b'"Macintosh HD"') == NML  # nothing else changed


def test_merge_removes_the_copy_sums_plays_and_keeps_playlist_places() -> None:
    edits = [
        edit_from_dict({"location_key": A, "fields": {"play_count": 7}}),
        edit_from_dict({"remove_entry": A2, "replace_with": A}),
    ]
    root = etree.fromstring(apply_edits(NML, edits))
    coll = root.find("COLLECTION")
    assert coll.get("ENTRIES") == "2" and [e.get("TITLE") for e in coll.findall("ENTRY")] == ["A", "B"]
    assert coll.find("ENTRY/INFO").get("PLAYCOUNT") == "7"
    assert _keys(root, "u1") == [A, B]  # the keeper took the copy's place
    pl2 = root.find(".//PLAYLIST[@UUID='u2']")
    assert _keys(root, "u2") == [A] and pl2.get("ENTRIES") == "1"  # already there: the copy just goes


def test_bad_fix_edits_are_refused() -> None:
    with pytest.raises(EditError):
        edit_from_dict({"location_key": A, "fields": {"location": {"file": "x.mp3"}}})
    with pytest.raises(EditError, match="no collection entry"):
        apply_edits(NML, [edit_from_dict({"remove_entry": "nope/:x.mp3"})])
    with pytest.raises(EditError, match="no collection entry"):
        apply_edits(NML, [edit_from_dict({"remove_entry": A2, "replace_with": "nope/:x.mp3"})])

"""Normalisation rules the matcher relies on."""

import pytest

from musictool.library.normalize import (
    artist_names,
    fold,
    normalize_catno,
    parse_duration,
    parse_file_name,
    parse_title,
    strip_key_annotations,
)


@pytest.mark.parametrize(
    ("raw", "base", "version", "kind"),
    [
        ("Strings of Life (Original Mix)", "strings of life", "", ""),
        ("Strings of Life (Extended Mix)", "strings of life", "", ""),
        ("Strings of Life - Original Mix", "strings of life", "", ""),
        ("Strings of Life (Orignal Mix)", "strings of life", "", ""),  # a typo in the store's tag
        ("A1. Strings of Life", "strings of life", "", ""),
        ("B2 - Strings of Life", "strings of life", "", ""),
        ("Never Gonna Give You Up (Instrumental)", "never gonna give you up", "instrumental", "instrumental"),
        ("Title (Dub)", "title", "dub", "dub"),
        ("Title (Carl Craig Remix)", "title", "carl craig remix", "remix"),
        ("Title (Carl Craig Rmx)", "title", "carl craig remix", "remix"),
        ("Title [Live at Fabric]", "title", "live at fabric", "live"),
        ("Title - Live", "title", "live", "live"),
        ("Sight Beyond Rmx", "sight beyond", "remix", "remix"),
        ("(I Just) Died In Your Arms", "i just died in your arms", "", ""),
        ("Song (Part 2)", "song part 2", "", ""),
        ("Revolution (Original Mix) - 8A", "revolution", "", ""),
        ("8A - Revolution", "revolution", "", ""),
        ("Östermalm", "ostermalm", "", ""),
        ("1999", "1999", "", ""),
    ],
)
def test_title_split_into_base_and_version(raw: str, base: str, version: str, kind: str) -> None:
    pt = parse_title(raw)
    assert (pt.base, pt.version, pt.kind) == (base, version, kind)


def test_position_prefix_is_kept_as_a_hint() -> None:
    assert parse_title("A1. Title").position == "A1"
    assert parse_title("B2 - Title").position == "B2"
    assert parse_title("1999").position == ""


def test_feat_in_title_moves_to_artists() -> None:
    pt = parse_title("Title (feat. Lisa Shaw) [Dub Mix]")
    assert (pt.base, pt.version, pt.feat) == ("title", "dub mix", ("lisa shaw",))
    assert parse_title("Title ft. Bob").feat == ("bob",)


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Persuader, The", ("persuader",)),
        ("The Persuader", ("persuader",)),
        ("Jon Kennedy (2)", ("jon kennedy",)),
        ("Prodigy*", ("prodigy",)),
        ("A feat. B", ("a", "b")),
        ("A ft. B & C", ("a", "b", "c")),
        ("A vs B", ("a", "b")),
        ("A and B", ("a", "b")),
        ("Sigur Rós", ("sigur ros",)),
        ("Various", ()),
        ("Unknown Artist", ()),
    ],
)
def test_artist_credit_split(raw: str, names: tuple) -> None:
    assert artist_names(raw) == names


def test_fold_keeps_non_latin_scripts_and_drops_punctuation() -> None:
    assert fold("Don't Stop!") == "dont stop"
    assert fold("R&B") == "r and b"
    assert fold("הפחדן") == "הפחדן"
    assert fold("Björk") == fold("Bjork")


@pytest.mark.parametrize(
    ("path", "position", "artist", "title"),
    [
        ("/rips/A1 - Artist - Title.mp3", "A1", "Artist", "Title"),
        ("B2. Some Artist - Some Title (Dub).flac", "B2", "Some Artist", "Some Title (Dub)"),
        ("01 Artist - Title.wav", "01", "Artist", "Title"),
        ("Artist_-_Title.mp3", "", "Artist", "Title"),
        ("C:\\Music\\Artist - Title.aiff", "", "Artist", "Title"),
        ("Track 01.wav", "", "", "Track 01"),
    ],
)
def test_vinyl_rip_file_names(path: str, position: str, artist: str, title: str) -> None:
    parsed = parse_file_name(path)
    assert (parsed.position, parsed.artist, parsed.title) == (position, artist, title)


def test_small_helpers() -> None:
    assert normalize_catno("SK 032") == normalize_catno("sk-032") == "sk032"
    assert normalize_catno("none") == ""
    assert parse_duration("6:12") == 372.0
    assert parse_duration("1:02:03") == 3723.0
    assert parse_duration("") is None and parse_duration("n/a") is None
    assert strip_key_annotations("Title - 12A/2A") == "Title"
    assert strip_key_annotations("Title 128 bpm") == "Title"

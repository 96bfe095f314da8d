"""LOCATION <-> absolute path, per platform, including a property test of the round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from musictool.integrations.traktor.paths import (
    Location,
    PathCodecError,
    dir_components,
    from_path,
    location_key,
    make_dir,
    to_path,
)
from musictool.integrations.traktor.reader import read_all
from tests.unit.traktor.nmlfixtures import fx


def test_windows() -> None:
    assert to_path("C:", "/:Users/:home/:Music/:", "a b.wav") == "C:\\Users\\home\\Music\\a b.wav"
    assert to_path("D:", "/:", "x.mp3") == "D:\\x.mp3"
    assert from_path("C:\\Users\\home\\Music\\a b.wav") == Location("C:", "/:Users/:home/:Music/:", "a b.wav")


def test_macos_boot_and_external_volumes() -> None:
    assert to_path("Macintosh HD", "/:Users/:me/:Music/:", "a.mp3") == "/Users/me/Music/a.mp3"
    assert to_path("Transcend", "/:DJing/:", "b.mp3") == "/Volumes/Transcend/DJing/b.mp3"
    assert to_path("osx", "/:Users/:x/:", "c.mp3", boot_volume="osx") == "/Users/x/c.mp3"
    assert from_path("/Volumes/Transcend/DJing/b.mp3") == Location("Transcend", "/:DJing/:", "b.mp3")
    assert from_path("/Users/me/a.mp3", boot_volume="Macintosh SSD").volume == "Macintosh SSD"


def test_key_is_plain_concatenation() -> None:
    assert location_key("C:", "/:Users/:home/:", "b.wav") == "C:/:Users/:home/:b.wav"
    assert Location("Macintosh HD", "/:a/:", "x.mp3").key == "Macintosh HD/:a/:x.mp3"


@pytest.mark.parametrize("bad", ["Users/:me/:", "/:Users/:me", "/Users/me/"])
def test_malformed_dir(bad: str) -> None:
    with pytest.raises(PathCodecError):
        dir_components(bad)


def test_relative_and_folder_paths_refused() -> None:
    for bad in ("music/a.mp3", "/", "C:\\"):
        with pytest.raises(PathCodecError):
            from_path(bad)


def test_paths_from_real_files() -> None:
    tracks, _ = read_all(fx("TravestyAudio__Collection/collection.nml"))
    assert all(t.path and t.path[1:3] == ":\\" for t in tracks)
    assert (
        tracks[0].path
        == "C:\\ProgramData\\Native Instruments\\Traktor 2\\Factory Sounds\\A1-Complextro130.wav"
    )
    tracks, _ = read_all(fx("shishoi__MusicAnalyzer/collection.nml"))
    hebrew = [t for t in tracks if "היפ הופ" in (t.path or "")]
    assert hebrew and hebrew[0].path.startswith("C:\\Users\\home\\Music\\")
    tracks, _ = read_all(fx("wolkenarchitekt__traktor-nml-utils/@d38ddd8/tests/fixtures/collection.nml"))
    vols = {t.volume for t in tracks}
    assert {"osx", "Transcend"} <= vols
    assert all(t.path.startswith("/Volumes/") for t in tracks if t.volume != "Macintosh HD")


_name = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\:"), min_size=1, max_size=20
).filter(lambda s: s.strip() == s and s not in (".", ".."))


@given(drive=st.sampled_from("CDEGZ"), folders=st.lists(_name, max_size=6), file=_name)
def test_windows_round_trip(drive: str, folders: list[str], file: str) -> None:
    loc = Location(f"{drive}:", make_dir(folders), file)
    path = to_path(loc.volume, loc.dir, loc.file)
    assert path is not None
    assert from_path(path) == loc
    assert dir_components(loc.dir) == folders


@given(volume=st.one_of(st.just("Macintosh HD"), _name), folders=st.lists(_name, max_size=6), file=_name)
def test_macos_round_trip(volume: str, folders: list[str], file: str) -> None:
    if volume == "Volumes" and folders:
        return  # "/Volumes/<x>/..." on the boot volume is ambiguous by construction
    loc = Location(volume, make_dir(folders), file)
    path = to_path(loc.volume, loc.dir, loc.file, boot_volume="Macintosh HD")
    assert path is not None
    back = from_path(path, boot_volume="Macintosh HD")
    if volume == "Macintosh HD" and folders[:1] == ["Volumes"] and len(folders) >= 2:
        return  # ditto
    assert back == loc

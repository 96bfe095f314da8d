"""Duplicate detection on real fingerprints (fpcalc on ffmpeg-made copies): a re-encode and a trimmed copy
match, other recordings and other versions never do; the keeper and its reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from musictool.library import duplicates as dup
from testkit.fixtures_path import FIXTURES
from tests.unit.tags.audio_files import ffmpeg, make

AUDIO = FIXTURES / "audio"
SONG = AUDIO / "mirdata" / "hainsworth_hains001.flac"
OTHER = AUDIO / "mirdata" / "ballroom_Media-105901.wav"


def _fp(path: Path) -> tuple[str, float]:
    exe = shutil.which("fpcalc")
    assert exe, "fpcalc is needed (libchromaprint-tools)"
    out = json.loads(subprocess.run([exe, "-json", str(path)], capture_output=True, check=False).stdout)
    return out["fingerprint"], out["duration"]


@pytest.fixture(scope="module")
def prints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, float]]:
    d = tmp_path_factory.mktemp("dups")
    trimmed = d / "trim.ogg"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-ss", "4", "-i", str(SONG), "-t", "24", "-c:a", "libvorbis", str(trimmed)],
        check=True,
    )
    files = {
        "flac": make(d, "flac", "a", seconds=30, source=SONG),
        "mp3": make(d, "mp3", "b", seconds=30, source=SONG),
        "trim": trimmed,
        "other": make(d, "mp3", "c", seconds=30, source=OTHER),
    }
    return {k: _fp(p) for k, p in files.items()}


def test_similarity_separates_copies_from_other_recordings(prints: dict[str, tuple[str, float]]) -> None:
    a, b, t, o = (dup.decode(prints[k][0]) for k in ("flac", "mp3", "trim", "other"))
    assert dup.similarity(a, b) > 0.95
    assert dup.similarity(a, t) > dup.SIMILAR  # trimmed by 4 s and re-encoded
    assert dup.similarity(a, o) < 0.7


def _track(i: int, title: str, fp: tuple[str, float] | None, path: str, **kw: object) -> dict:
    return {
        "id": i,
        "artist": kw.pop("artist", "Rhythim Is Rhythim"),
        "title": title,
        "path": path,
        "duration": fp[1] if fp else kw.pop("duration", 300.0),
        "fingerprint": fp[0] if fp else None,
        **kw,
    }


def test_groups_keeper_and_versions(prints: dict[str, tuple[str, float]]) -> None:
    tracks = [
        _track(1, "Strings of Life", prints["mp3"], "/m/a.mp3", bitrate_kbps=320),
        _track(2, "Strings Of Life (Original Mix)", prints["flac"], "/m/a.flac", lossless=1),
        _track(3, "Totally Renamed", prints["trim"], "/m/a.ogg"),  # found by its fingerprint alone
        _track(4, "Strings of Life (Dub)", prints["flac"], "/m/dub.mp3"),  # same audio here, but a version
        _track(5, "Strings of Life", prints["other"], "/m/x.mp3", artist="Someone Else"),  # same title
        _track(6, "Nude Photo", None, "/m/n1.mp3", bitrate_kbps=192, cue_count=0, duration=301.0),
        _track(7, "Nude Photo", None, "/m/n2.mp3", bitrate_kbps=192, cue_count=5, duration=300.0),
        _track(8, "Nude Photo - Radio Edit", None, "/m/n3.mp3", duration=300.5),
        _track(9, "Nude Photo", None, "/m/n4.mp3", duration=420.0),  # same name, another length
    ]
    groups = dup.find_groups(tracks)
    by_keep = {g["keep"]: g for g in groups}
    assert set(by_keep) == {2, 7}, groups
    assert by_keep[2]["track_ids"] == [2, 1, 3] and by_keep[2]["reason"] == "lossless over lossy"
    assert by_keep[2]["method"] == "fingerprint"
    assert by_keep[7]["track_ids"] == [7, 6] and "cues" in by_keep[7]["reason"]


def test_version_parsing() -> None:
    assert dup.split_version("Strings of Life (Original Mix)") == ("strings of life", "")
    assert dup.split_version("Strings of Life (Dub)") == ("strings of life", "dub")
    assert dup.split_version("Strings of Life - Radio Edit") == ("strings of life", "radio edit")
    assert dup.split_version("Strings of Life (feat. X) [2011 Remaster]") == ("strings of life", "")
    assert dup.split_version("Song", mix="Extended Mix") == ("song", "extended mix")

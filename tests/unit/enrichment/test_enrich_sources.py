"""Local sources (tags read with mutagen from real files, the NML row) and the search-hit scorer."""

from __future__ import annotations

import shutil
import subprocess

import mutagen
import mutagen.id3
import numpy as np
import pytest
import soundfile

from musictool.enrich.pipeline import score_hit
from musictool.enrich.sources import nml_values, read_tags
from musictool.integrations.musicbrainz.client import MBRecording


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "tone.wav"
    t = np.arange(22050 * 3) / 22050
    soundfile.write(path, (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    return path


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_mp3_id3_tags_including_initial_key(tmp_path, wav):
    mp3 = tmp_path / "t.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-b:a", "128k", str(mp3)], check=True)
    tags = mutagen.id3.ID3()
    tags.add(mutagen.id3.TPE1(encoding=3, text="Robert Hood"))
    tags.add(mutagen.id3.TIT2(encoding=3, text="Minus"))
    tags.add(mutagen.id3.TSRC(encoding=3, text="GBAAA9400001"))
    tags.add(mutagen.id3.TKEY(encoding=3, text="Fm"))
    tags.add(mutagen.id3.TBPM(encoding=3, text="131"))
    tags.add(mutagen.id3.TPUB(encoding=3, text="M-Plant"))
    tags.add(mutagen.id3.TDRC(encoding=3, text="1994-05-01"))
    # where Picard writes the recording MBID in ID3
    tags.add(mutagen.id3.UFID(owner="http://musicbrainz.org", data=b"f606f733-c1eb-43f3-93c1-71994ea611e3"))
    tags.save(mp3)
    got = read_tags(mp3)
    assert got["artist"] == "Robert Hood" and got["title"] == "Minus"
    assert got["isrc"] == "GBAAA9400001" and got["key"] == "Fm"
    assert got["bpm"] == 131.0 and got["label"] == "M-Plant" and got["year"] == 1994
    assert got["mb_recording_id"] == "f606f733-c1eb-43f3-93c1-71994ea611e3"
    assert 2.5 < got["duration"] < 3.5


def test_untagged_and_broken_files(tmp_path, wav):
    assert set(read_tags(wav)) == {"duration"}
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + b"\x00" * 10)
    with pytest.raises((mutagen.MutagenError, OSError)):
        read_tags(broken)


def test_nml_values_drop_empty_and_zero():
    row = {
        "artist": " Jeff Mills ",
        "title": "The Bells",
        "bpm": 0.0,
        "duration": 0,
        "key": "",
        "release_date": "1997/1/1",
    }
    values = nml_values(row)
    assert values["artist"] == "Jeff Mills" and values["year"] == 1997
    assert values["bpm"] is None and values["duration"] is None and values["key"] is None


def test_search_hit_scoring():
    hit = MBRecording(id="x", title="The Bells", artist="Jeff Mills", length_ms=330000, score=100)
    assert score_hit(hit, "Jeff Mills", "The Bells (Original Mix)", 331.0) == 1.0
    assert score_hit(hit, "Jeff Mills", "The Bells", 420.0) < 0.8  # a different length: another version
    assert score_hit(hit, "Someone Else", "The Bells", 330.0) < 0.8
    weak = MBRecording(id="y", title="The Bells", artist="Jeff Mills", length_ms=330000, score=60)
    assert score_hit(weak, "Jeff Mills", "The Bells", 330.0) == 0.6

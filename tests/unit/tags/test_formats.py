"""Tags in all six formats (plus Opus): managed fields round-trip, foreign frames survive, the audio payload
and the decoded samples are identical after a write, and a restore gives the original bytes back."""

from __future__ import annotations

from pathlib import Path

import mutagen
import pytest

from musictool.tags import blocks, formats, safe
from tests.unit.tags.audio_files import ENCODE, TRAKTOR_PRIV, add_traktor_frames, decoded, make

VALUES = {
    "title": "Strings of Life (Dub)",
    "artist": "Rhythim Is Rhythim",
    "album": "Strings of Life",
    "albumartist": "Derrick May",
    "genre": "Detroit Techno",
    "comment": "played at closing",
    "label": "Transmat",
    "catalog_no": "MS-021",
    "bpm": 126.5,
    "key": "A minor",
    "rating": 4,
    "year": 1987,
    "isrc": "USTM18700001",
    "mb_recording_id": "0f6d1b1a-8a4e-4b5e-9d7a-3c4f5a6b7c8d",
    "mb_release_id": "1a2b3c4d-1111-2222-3333-444455556666",
    "mb_release_group_id": "9a2b3c4d-1111-2222-3333-444455556666",
    "mb_artist_id": "7a2b3c4d-1111-2222-3333-444455556666",
}


def _payload(path: Path) -> bytes:
    data = path.read_bytes()
    s, e = blocks.audio_span(data, formats.format_of(path))
    return data[s:e]


@pytest.mark.parametrize("fmt", sorted(ENCODE))
def test_write_read_undo_every_format(tmp_path: Path, fmt: str) -> None:
    path = make(tmp_path, fmt)
    if fmt in ("mp3", "wav", "aiff"):
        add_traktor_frames(path)
    original = path.read_bytes()
    samples = decoded(path)
    payload = _payload(path)

    res = safe.write_file(path, VALUES, tmp_path / "bk" / "1.bin", key_notation="camelot")
    assert res.changed and res.backup is not None

    got = formats.read(path)
    expected = dict(VALUES)
    if fmt == "m4a":
        expected["bpm"] = 126.0  # tmpo holds whole BPM
    assert got.values == expected
    assert decoded(path) == samples, "decoded audio changed"
    if fmt not in ("ogg", "opus"):
        assert _payload(path) == payload, "audio payload bytes changed"
    assert res.backup_bytes < len(original) / 4, "the backup must hold the tags, not the audio"
    if fmt in ("mp3", "wav", "aiff"):
        tags = mutagen.File(str(path)).tags
        assert tags.version[:2] == (2, 4)
        assert tags.getall("PRIV")[0].data == TRAKTOR_PRIV
        assert tags.getall("GEOB")[0].data == b"\x01\x01abc"
        assert tags["TKEY"].text == ["8A"]
    # writing the same values again changes nothing
    assert not safe.write_file(path, VALUES, tmp_path / "bk" / "2.bin").changed

    safe.restore_file(path, res.backup, res.backup_sha256)
    assert path.read_bytes() == original


def test_ogg_header_growth_renumbers_pages_and_undo_restores(tmp_path: Path) -> None:
    path = make(tmp_path, "ogg", seconds=20)
    original = path.read_bytes()
    samples = decoded(path)
    big = {"comment": "x" * 70_000}  # the comment header no longer fits its page
    res = safe.write_file(path, big, tmp_path / "bk.bin")
    assert decoded(path) == samples
    assert res.backup_bytes < len(original) / 2
    safe.restore_file(path, res.backup, res.backup_sha256)
    assert path.read_bytes() == original


def test_id3v23_is_kept_when_asked_and_upgraded_otherwise(tmp_path: Path) -> None:
    kept = make(tmp_path, "mp3", "kept")
    add_traktor_frames(kept, v23=True)
    assert formats.read(kept).values["year"] == 1999 and formats.read(kept).id3_version == "2.3"
    safe.write_file(kept, {"genre": "House"}, tmp_path / "k.bin", keep_v23=True)
    tags = mutagen.File(str(kept)).tags
    assert tags.version[:2] == (2, 3) and b"TYER" in kept.read_bytes() and b"TDRC" not in kept.read_bytes()
    assert tags.getall("PRIV")[0].data == TRAKTOR_PRIV

    upgraded = make(tmp_path, "mp3", "up")
    add_traktor_frames(upgraded, v23=True)
    safe.write_file(upgraded, {"genre": "House"}, tmp_path / "u.bin")
    tags = mutagen.File(str(upgraded)).tags
    assert tags.version[:2] == (2, 4)
    assert str(tags["TDRC"].text[0]) == "1999" and tags.getall("PRIV")[0].data == TRAKTOR_PRIV


def test_fields_left_out_stay_and_none_removes(tmp_path: Path) -> None:
    path = make(tmp_path, "flac")
    f = mutagen.File(str(path))
    f["REPLAYGAIN_TRACK_GAIN"] = "-7.1 dB"
    f["GENRE"] = "Techno"
    f.save()
    safe.write_file(path, {"title": "New", "genre": None}, tmp_path / "b.bin")
    f = mutagen.File(str(path))
    assert f["REPLAYGAIN_TRACK_GAIN"] == ["-7.1 dB"] and "GENRE" not in f and f["TITLE"] == ["New"]


def test_changed_file_and_damaged_backup_are_refused_without_force(tmp_path: Path) -> None:
    path = make(tmp_path, "mp3")
    original = path.read_bytes()
    res = safe.write_file(path, {"title": "A"}, tmp_path / "b.bin")
    written = path.read_bytes()
    formats.write(path, {"title": "someone else"})
    with pytest.raises(blocks.BackupError, match="changed since"):
        safe.restore_file(path, res.backup, res.backup_sha256)
    safe.restore_file(path, res.backup, res.backup_sha256, force=True)
    assert path.read_bytes() == original  # the payload is the same, so forcing gives the original back

    path.write_bytes(written)
    raw = bytearray(res.backup.read_bytes())
    raw[-1] ^= 0xFF
    res.backup.write_bytes(bytes(raw))
    with pytest.raises(blocks.BackupError, match="damaged"):
        safe.restore_file(path, res.backup, res.backup_sha256)
    assert path.read_bytes() == written


def test_read_only_file_fails_with_reason_and_is_untouched(tmp_path: Path) -> None:
    path = make(tmp_path, "wav")
    before = path.read_bytes()
    path.chmod(0o444)
    with pytest.raises(formats.TagError, match="read-only"):
        safe.write_file(path, {"title": "x"}, tmp_path / "b.bin")
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*mt-tmp*"))


def test_unreadable_file_is_a_tag_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"not audio at all" * 10)
    with pytest.raises(formats.TagError):
        formats.read(bad)


def test_a_full_disk_fails_the_file_and_leaves_it_whole(tmp_path: Path) -> None:
    """A write that hits the file-size limit (what a full disk looks like to the writer) is an error for that
    file, and the file is byte for byte what it was, with no temp file left beside it."""
    import subprocess
    import sys

    path = make(tmp_path, "flac")
    before = path.read_bytes()
    limit = len(before) // 2
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from pathlib import Path\nfrom musictool.tags import safe\n"
        "try:\n"
        f"    safe.write_file(Path({str(path)!r}), {{'title': 'x'}}, Path({str(tmp_path / 'b.bin')!r}))\n"
        "except OSError as exc:\n    print('failed:', exc.strerror); sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 3 and "too large" in out.stdout.lower(), out.stdout + out.stderr
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*mt-tmp*"))

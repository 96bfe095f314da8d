"""Real files of every tagged format, made with ffmpeg from a shared fixture into a temp folder (the shared
fixtures are never written), and their decoded samples for "the audio is untouched" checks."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from mutagen import id3

from testkit.fixtures_path import FIXTURES

SOURCE = FIXTURES / "audio" / "mirdata" / "giantsteps_key_10089.mp3"
ENCODE = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
    "wav": ["-c:a", "pcm_s16le"],
    "aiff": ["-c:a", "pcm_s16be"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    "opus": ["-c:a", "libopus", "-b:a", "96k"],
    "m4a": ["-c:a", "aac", "-b:a", "160k"],
}
TRAKTOR_PRIV = b"TRAKTOR4" + bytes(range(256)) * 4  # stands for Traktor's binary PRIV payload


def ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("ffmpeg is not installed (scripts/setup.sh installs it)")
    return exe


def make(
    folder: Path, fmt: str, name: str | None = None, seconds: float = 6.0, source: Path = SOURCE
) -> Path:
    """A real `fmt` file of `seconds` from the fixture, with no tags (ffmpeg's own stripped)."""
    out = folder / f"{name or 'track'}.{fmt}"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-i", str(source), "-t", str(seconds), "-map_metadata", "-1",
         "-fflags", "+bitexact", *ENCODE[fmt], str(out)],
        check=True,
    )  # fmt: skip
    return out


def add_traktor_frames(path: Path, v23: bool = False) -> None:
    """What Traktor leaves in an MP3/WAV/AIFF: its PRIV frame, a GEOB, a title; optionally as ID3v2.3."""
    import mutagen

    f = mutagen.File(str(path))
    if f.tags is None:
        f.add_tags()
    f.tags.add(id3.PRIV(owner="TRAKTOR4", data=TRAKTOR_PRIV))
    f.tags.add(id3.GEOB(encoding=0, mime="", filename="", desc="Serato Markers2", data=b"\x01\x01abc"))
    f.tags.add(id3.TIT2(encoding=1, text=["Old title"]))
    f.tags.add(id3.TYER(encoding=1, text=["1999"]) if v23 else id3.TDRC(encoding=1, text=["1999"]))
    f.save(v2_version=3 if v23 else 4)


def decoded(path: Path) -> str:
    """sha256 of the file's decoded samples (ffmpeg to raw PCM)."""
    out = subprocess.run(
        [ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    assert len(out) > 10_000, f"{path} decoded to almost nothing"
    return hashlib.sha256(out).hexdigest()

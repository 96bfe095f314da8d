"""Decode any audio file to float32 samples: soundfile (libsndfile: wav, flac, ogg, mp3) first, ffmpeg for
the rest (m4a/aac/alac, wma, ...). Every failure becomes a DecodeError that names the file and the cause.

`open_stream` reads block by block so a two-hour DJ mix costs no more memory than a radio edit; `load`
decodes a whole (short) file at once for tests and tools."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf


class DecodeError(Exception):
    """The file cannot be read as audio; the message says why in words a user can act on."""


@dataclass
class Audio:
    """Decoded audio: samples (frames, channels) at the file's own rate, channel count at most 2."""

    samples: np.ndarray
    sr: int

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / float(self.sr)

    def mono(self) -> np.ndarray:
        return self.samples.mean(axis=1) if self.samples.shape[1] > 1 else self.samples[:, 0]


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DecodeError(f"{path}: file not found")
    if not path.is_file():
        raise DecodeError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise DecodeError(f"{path}: empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise DecodeError(f"{path}: permission denied (the file is not readable by this user)")


def _read_soundfile(path: Path) -> Audio:
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return Audio(data, int(sr))


def _probe_ffmpeg(path: Path) -> tuple[int, int]:
    """(sample rate, channels) of the first audio stream, via ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate,channels",
         "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    streams = json.loads(out.stdout or "{}").get("streams") or []
    if out.returncode != 0 or not streams:
        msg = (out.stderr or "no audio stream").strip().splitlines()
        detail = (msg[-1] if msg else "no audio stream").replace(f"{path}: ", "")
        raise DecodeError(f"{path}: not a readable audio file (unrecognised or damaged data: {detail})")
    sr, channels = int(streams[0].get("sample_rate") or 0), int(streams[0].get("channels") or 0)
    if sr <= 0 or channels <= 0:
        raise DecodeError(
            f"{path}: not a readable audio file (no decodable audio stream; damaged or not audio)"
        )
    return sr, channels


def _read_ffmpeg(path: Path) -> Audio:
    if not shutil.which("ffmpeg"):
        raise DecodeError(f"{path}: format needs ffmpeg, which is not installed")
    sr, channels = _probe_ffmpeg(path)
    channels = min(channels, 2)
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", str(channels),
         "-f", "f32le", "-acodec", "pcm_f32le", "-"],
        capture_output=True, timeout=600,
    )  # fmt: skip
    if not out.stdout:
        msg = out.stderr.decode(errors="replace").strip().splitlines()
        raise DecodeError(f"{path}: cannot decode the audio ({msg[0] if msg else 'no samples'})")
    data = np.frombuffer(out.stdout[: len(out.stdout) // (4 * channels) * 4 * channels], dtype="<f4")
    return Audio(data.reshape(-1, channels).copy(), sr)


def load(path: str | Path, expected_duration: float | None = None) -> Audio:
    """Decode a file; raise DecodeError for missing, empty, non-audio or truncated files.

    expected_duration (from the container's header, e.g. the MP3 Xing frame count) catches truncated
    files that decoders otherwise read silently up to the break.
    """
    p = Path(path)
    _check_file(p)
    try:
        audio = _read_soundfile(p)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        audio = _read_ffmpeg(p)
    if audio.samples.shape[1] > 2:
        audio = Audio(audio.samples[:, :2].copy(), audio.sr)
    if audio.samples.shape[0] == 0:
        raise DecodeError(f"{p}: no audio samples (empty or damaged stream)")
    if not np.all(np.isfinite(audio.samples[:: max(1, audio.samples.shape[0] // 10000)])):
        raise DecodeError(f"{p}: damaged stream (decoded samples are not finite)")
    if expected_duration and expected_duration > 2.0:
        missing = expected_duration - audio.duration
        if missing > max(1.0, 0.02 * expected_duration):
            raise DecodeError(
                f"{p}: truncated or damaged: decoded {audio.duration:.1f} s of the {expected_duration:.1f} s "
                "the file header declares"
            )
    return audio


def to_mono_rate(audio: Audio, sr: int) -> np.ndarray:
    """Mono float32 at `sr` (soxr resampling), the form every feature extractor here works on."""
    import soxr

    y = audio.mono().astype(np.float32, copy=False)
    if audio.sr == sr:
        return np.ascontiguousarray(y)
    return soxr.resample(y, audio.sr, sr, quality="HQ").astype(np.float32, copy=False)


BLOCK_SECONDS = 5.0


@dataclass
class Stream:
    """An open audio file: its rate, channels (at most 2 delivered) and a one-shot block iterator."""

    path: Path
    sr: int
    channels: int
    _blocks: Callable[[], Iterator[np.ndarray]]

    def blocks(self) -> Iterator[np.ndarray]:
        """(frames, channels) float32 blocks of about BLOCK_SECONDS; DecodeError if the stream breaks."""
        yield from self._blocks()


def _soundfile_stream(path: Path, f: sf.SoundFile) -> Stream:
    channels = min(int(f.channels), 2)
    size = max(1, int(f.samplerate * BLOCK_SECONDS))

    def blocks() -> Iterator[np.ndarray]:
        done = 0
        with f:
            while True:
                try:
                    data = f.read(size, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError) as exc:
                    raise DecodeError(
                        f"{path}: damaged audio after {done / f.samplerate:.1f} s ({exc})"
                    ) from None
                if data.shape[0] == 0:
                    return
                done += data.shape[0]
                yield data[:, :channels]

    return Stream(path, int(f.samplerate), channels, blocks)


def _ffmpeg_stream(path: Path) -> Stream:
    if not shutil.which("ffmpeg"):
        raise DecodeError(f"{path}: format needs ffmpeg, which is not installed")
    sr, channels = _probe_ffmpeg(path)
    channels = min(channels, 2)
    frame_bytes = 4 * channels
    size = max(1, int(sr * BLOCK_SECONDS)) * frame_bytes

    def blocks() -> Iterator[np.ndarray]:
        with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty decoder cannot block us
            proc = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", str(channels),
                 "-f", "f32le", "-acodec", "pcm_f32le", "-"],
                stdout=subprocess.PIPE, stderr=err,
            )  # fmt: skip
            got = 0
            try:
                assert proc.stdout is not None
                pending = b""
                while True:
                    buf = proc.stdout.read(size)
                    if not buf:
                        break
                    buf = pending + buf
                    usable = len(buf) // frame_bytes * frame_bytes
                    pending = buf[usable:]
                    if usable:
                        got += usable
                        yield np.frombuffer(buf[:usable], dtype="<f4").reshape(-1, channels)
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if not got:
                err.seek(0)
                msg = err.read().decode(errors="replace").strip().splitlines()
                raise DecodeError(f"{path}: cannot decode the audio ({msg[0] if msg else 'no samples'})")

    return Stream(path, sr, channels, blocks)


def open_stream(path: str | Path, prefer_ffmpeg: bool = False) -> Stream:
    """Open a file for block-wise decoding; DecodeError for missing, empty or non-audio files.

    prefer_ffmpeg: libsndfile trusts an MP3's estimated length when it has no Xing/VBRI header and stops
    early on VBR files (a 6 s file decodes as 4.6 s); ffmpeg reads such files to the end.
    """
    p = Path(path)
    _check_file(p)
    if prefer_ffmpeg and shutil.which("ffmpeg"):
        return _ffmpeg_stream(p)
    try:
        f = sf.SoundFile(str(p))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return _ffmpeg_stream(p)
    return _soundfile_stream(p, f)


class MonoResampler:
    """Streams blocks down to mono at the analysis rate, keeping at most `max_seconds` of it."""

    def __init__(self, sr_in: int, sr_out: int, max_seconds: float | None = None):
        import soxr

        self.sr_out = sr_out
        self._same = sr_in == sr_out
        self._stream = (
            None if self._same else soxr.ResampleStream(sr_in, sr_out, 1, dtype="float32", quality="HQ")
        )
        self._limit = int(max_seconds * sr_out) if max_seconds else None
        self._parts: list[np.ndarray] = []
        self._have = 0

    def _keep(self, y: np.ndarray) -> None:
        if self._limit is not None:
            y = y[: max(0, self._limit - self._have)]
        if y.size:
            self._parts.append(np.ascontiguousarray(y, dtype=np.float32))
            self._have += y.size

    def add(self, mono: np.ndarray) -> None:
        if self._limit is not None and self._have >= self._limit:
            return
        self._keep(mono if self._same else self._stream.resample_chunk(mono, last=False))

    def finish(self) -> np.ndarray:
        if not self._same and (self._limit is None or self._have < self._limit):
            self._keep(self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
        return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.float32)


def mono_of(block: np.ndarray) -> np.ndarray:
    """Average of the (at most two) channels of a (frames, channels) block."""
    if block.shape[1] == 1:
        return block[:, 0]
    return (block[:, 0] + block[:, 1]) * 0.5

"""Test audio made on the spot: synthetic dance clips (testkit/synth.py) and broken files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from testkit import synth


def clip(path: Path, bpm: float = 125.0, tonic: int = 9, minor: bool = True, detune: float = 0.0,
         duration: float = 8.0, sr: int = 22050, progression: int = 0) -> Path:  # fmt: skip
    """A short synthetic dance clip of exactly known tempo and key, written as a 16-bit file."""
    spec = synth.TrackSpec(bpm=bpm, tonic=tonic, minor=minor, detune_cents=detune, duration=duration,
                           seed=int(bpm * 10) + tonic, structure=False, progression=progression)  # fmt: skip
    sf.write(str(path), synth.render(spec, sr), sr, subtype="PCM_16")
    return path


def to_mp3(src: Path, dst: Path, kbps: int = 128) -> Path:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-c:a", "libmp3lame",
                    "-b:a", f"{kbps}k", str(dst)], check=True)  # fmt: skip
    return dst


def noise_file(path: Path, seconds: float = 6.0, sr: int = 44100, lowpass_hz: float | None = None) -> Path:
    """Pink-ish noise, optionally cut off like a lossy encoder's low-pass (a steep elliptic filter)."""
    from scipy.signal import ellip, lfilter, sosfilt

    rng = np.random.default_rng(3)
    x = lfilter([1.0], [1.0, -0.95], rng.standard_normal(int(seconds * sr))) * 0.02
    if lowpass_hz:
        x = sosfilt(ellip(10, 0.1, 90, lowpass_hz, fs=sr, output="sos"), x)
    sf.write(str(path), np.stack([x, x], axis=1).astype(np.float32), sr, subtype="PCM_16")
    return path

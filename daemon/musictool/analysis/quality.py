"""File quality: codec, bitrate, sample rate, lossless or not, and transcode detection.

An MP3 or AAC encoder low-passes the signal where its bitrate runs out (about 16 kHz at 128 kbps, 17.5 kHz
at 160, 19 kHz at 192, 20 kHz at 256-320). A lossless file, or a 320 kbps MP3, whose spectrum stops
dead at one of those frequencies was almost certainly made from such a lossy file: it takes the space of a
good file but sounds like the bad one. We measure the cutoff from the long-term spectrum at the file's own
rate and turn codec, bitrate and cutoff into a 0-100 score and a plain-words upgrade suggestion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

LOSSLESS_CODECS = {"flac", "wav", "aiff", "alac", "wavpack", "ape", "tta"}
# (cutoff upper bound in Hz, the MP3 bitrate such a cutoff suggests)
CUTOFF_TO_KBPS = (
    (11500.0, 64),
    (15000.0, 96),
    (16600.0, 128),
    (17800.0, 160),
    (19300.0, 192),
    (19900.0, 256),
)


@dataclass
class FileInfo:
    codec: str | None = None
    bitrate_kbps: int | None = None
    sample_rate: int | None = None
    bits_per_sample: int | None = None
    channels: int | None = None
    duration: float | None = None  # from the header; lets the decoder notice a truncated file
    lossless: bool | None = None
    # the header states the length exactly (FLAC sample count, WAV data size, MP3 Xing/VBRI frame count);
    # an MP3 without such a header only has an estimate from its first frame's bitrate
    duration_exact: bool = False


@dataclass
class Quality:
    codec: str | None
    bitrate_kbps: int | None
    sample_rate: int | None
    bits_per_sample: int | None
    channels: int | None
    lossless: bool | None
    cutoff_hz: float | None
    transcode_suspected: bool
    estimated_source_kbps: int | None
    score: int
    suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _codec_of(f: object, path: Path) -> str | None:
    name = type(f).__name__.lower()
    if name == "mp4":
        codec = str(getattr(f.info, "codec", "") or "").lower()  # type: ignore[attr-defined]
        return "alac" if codec.startswith("alac") else "aac"
    table = {"mp3": "mp3", "easymp3": "mp3", "flac": "flac", "wave": "wav", "aiff": "aiff", "oggvorbis": "vorbis",
             "oggopus": "opus", "oggflac": "flac", "wavpack": "wavpack", "monkeysaudio": "ape", "asf": "wma",
             "trueaudio": "tta", "aac": "aac"}  # fmt: skip
    return table.get(name) or path.suffix.lower().lstrip(".") or None


def file_info(path: str | Path) -> FileInfo:
    """Header facts via mutagen; an unreadable header gives an empty FileInfo (the decoder will judge)."""
    import mutagen

    p = Path(path)
    try:
        f = mutagen.File(str(p))
    except Exception:
        f = None
    if f is None or getattr(f, "info", None) is None:
        return FileInfo(codec=p.suffix.lower().lstrip(".") or None)
    info = f.info
    codec = _codec_of(f, p)
    bitrate = getattr(info, "bitrate", None)
    bits = getattr(info, "bits_per_sample", None)
    length = getattr(info, "length", None)
    exact = length is not None
    if codec == "mp3":
        from mutagen.mp3 import BitrateMode

        mode = getattr(info, "bitrate_mode", BitrateMode.UNKNOWN)
        exact = bool(length) and not getattr(info, "sketchy", False) and mode != BitrateMode.UNKNOWN
    return FileInfo(
        duration_exact=exact,
        codec=codec,
        bitrate_kbps=int(round(bitrate / 1000)) if bitrate else None,
        sample_rate=getattr(info, "sample_rate", None),
        bits_per_sample=bits or None,
        channels=getattr(info, "channels", None),
        duration=float(length) if length else None,
        lossless=codec in LOSSLESS_CODECS if codec else None,
    )


N_FFT = 4096
MAX_EXCERPTS = 24


class CutoffProbe:
    """Collects short excerpts spread over a stream of any length (bounded memory) for the cutoff.

    One excerpt (up to 2 s from the middle) per block fed; when there are too many, every other one is
    dropped and the stride doubles, so the kept excerpts stay evenly spread over the whole track.
    """

    def __init__(self, sr: int):
        self.sr = sr
        self._excerpts: list[np.ndarray] = []
        self._stride = 1
        self._count = 0

    def add(self, mono: np.ndarray) -> None:
        if self._count % self._stride == 0:
            length = min(mono.shape[0], 2 * self.sr)
            start = (mono.shape[0] - length) // 2
            self._excerpts.append(np.array(mono[start : start + length], dtype=np.float32))
            if len(self._excerpts) > 2 * MAX_EXCERPTS:
                self._excerpts = self._excerpts[::2]
                self._stride *= 2
        self._count += 1

    def cutoff(self) -> float | None:
        frames = [
            np.lib.stride_tricks.sliding_window_view(e, N_FFT)[:: N_FFT // 2]
            for e in self._excerpts
            if e.shape[0] >= N_FFT
        ]
        if not frames or self.sr < 22050:
            return None
        stacked = np.concatenate(frames)
        window = np.hanning(N_FFT).astype(np.float32)
        power = (np.abs(np.fft.rfft(stacked * window, axis=1)) ** 2).mean(axis=0)
        return cutoff_from_power(power, self.sr)


def spectral_cutoff(y: np.ndarray, sr: int) -> float | None:
    """Cutoff of a whole mono signal (fed to a CutoffProbe in 5 s blocks)."""
    probe = CutoffProbe(sr)
    block = 5 * sr
    for i in range(0, y.shape[0], block):
        probe.add(y[i : i + block])
    return probe.cutoff()


def cutoff_from_power(power: np.ndarray, sr: int) -> float | None:
    """Frequency above which the long-term spectrum falls off a cliff to the floor; None = full band.

    A cliff is a drop of >= 25 dB within ~600 Hz above 10 kHz with nothing coming back above it;
    gentle natural roll-off is not a cliff.
    """
    if not np.any(power > 0):
        return None
    db = 10 * np.log10(power + 1e-20)
    db = np.maximum(db, db.max() - 140.0)
    freqs = np.arange(power.shape[0]) * sr / N_FFT
    hz_per_bin = sr / N_FFT
    w = max(1, int(round(150 / hz_per_bin)))
    smooth = np.convolve(db, np.ones(w) / w, mode="same")
    gap = max(1, int(round(300 / hz_per_bin)))
    ref = float(np.median(smooth[(freqs > 1000) & (freqs < 8000)]))
    start = int(np.searchsorted(freqs, 10000.0))
    end = len(freqs) - gap - w
    for i in range(start, end):
        below, above = smooth[i - gap], smooth[i + gap]
        if below - above >= 25.0 and below > ref - 60.0:
            rest = smooth[i + gap : len(freqs) - w]
            if rest.size and rest.max() < below - 20.0:
                # refine: the frequency where the drop crosses its midpoint
                mid = (below + above) / 2
                j = i - gap + int(np.argmax(smooth[i - gap : i + gap + 1] < mid))
                return float(freqs[j])
    return None


def _kbps_for_cutoff(cutoff_hz: float | None) -> int | None:
    if cutoff_hz is None:
        return None
    for upper, kbps in CUTOFF_TO_KBPS:
        if cutoff_hz < upper:
            return kbps
    return None


def _lossy_score(kbps: int) -> int:
    table = ((320, 90), (256, 82), (224, 75), (192, 68), (160, 55), (128, 42), (96, 25))
    for k, s in table:
        if kbps >= k - 8:
            return s
    return 10


def assess(info: FileInfo, cutoff_hz: float | None) -> Quality:
    """Score 0-100 and suggestions from header facts and the measured cutoff."""
    suggestions: list[str] = []
    source_kbps = _kbps_for_cutoff(cutoff_hz)
    codec = (info.codec or "unknown").upper()
    transcode = False
    if info.lossless:
        if source_kbps is not None:
            transcode = True
            score = _lossy_score(source_kbps)
            suggestions.append(
                f"The spectrum stops at {cutoff_hz / 1000:.1f} kHz, where a ~{source_kbps} kbps MP3 stops: this {codec} "
                "is most likely a transcode of a lossy file. Look for a genuine lossless copy."
            )
        else:
            score = 100
            if info.sample_rate and info.sample_rate < 44100:
                score = 80
                suggestions.append(
                    f"Lossless but only {info.sample_rate} Hz; a 44.1 kHz copy would be better."
                )
    elif info.bitrate_kbps:
        score = _lossy_score(info.bitrate_kbps)
        if source_kbps is not None and source_kbps < info.bitrate_kbps - 40:
            transcode = True
            score = min(score, _lossy_score(source_kbps))
            suggestions.append(
                f"Declared {info.bitrate_kbps} kbps but the spectrum stops at {cutoff_hz / 1000:.1f} kHz like a "
                f"~{source_kbps} kbps file: an upsampled transcode. Look for a lossless or a genuine 320 kbps copy."
            )
        elif info.bitrate_kbps < 256:
            suggestions.append(
                f"Lossy {codec} at {info.bitrate_kbps} kbps: look for a lossless or 320 kbps copy."
            )
    else:
        score = 50
        suggestions.append("Codec and bitrate unknown: check the file.")
    if info.sample_rate and info.sample_rate < 44100 and not info.lossless:
        score = min(score, 40)
        suggestions.append(f"Sample rate {info.sample_rate} Hz is below CD quality.")
    return Quality(
        codec=info.codec,
        bitrate_kbps=info.bitrate_kbps,
        sample_rate=info.sample_rate,
        bits_per_sample=info.bits_per_sample,
        channels=info.channels,
        lossless=info.lossless,
        cutoff_hz=round(cutoff_hz, 1) if cutoff_hz else None,
        transcode_suspected=transcode,
        estimated_source_kbps=source_kbps if transcode else None,
        score=int(score),
        suggestions=suggestions,
    )

"""One entry point per file: decode once, then tempo, key, energy, loudness, duration and quality.

`analyze_file` never raises: a broken or unsupported file comes back as a result with `error` set, so a
worker process in the pool survives any file. Workers lower their own priority (os.nice) on first use so the
daemon and the desktop stay responsive while a library is analysed.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from musictool.analysis import decode, energy, features, key, loudness, quality, tempo

NICE_LEVEL = 10


@dataclass
class AnalysisOptions:
    bpm_min: float = 85.0
    bpm_max: float = 175.0
    with_quality: bool = True
    # tempo, key and energy look at most this much audio (a two-hour mix would otherwise need gigabytes);
    # loudness, peak, duration and quality always cover the whole file
    max_analysis_seconds: float = 900.0


@dataclass
class AnalysisResult:
    path: str
    duration: float | None = None
    bpm: float | None = None
    bpm_alternatives: list[float] = field(default_factory=list)
    bpm_confidence: float | None = None
    key: str | None = None
    open_key: str | None = None
    camelot: str | None = None
    key_confidence: float | None = None
    tuning_cents: float | None = None
    energy: int | None = None
    loudness_lufs: float | None = None
    peak_db: float | None = None
    quality: dict | None = None
    error: str | None = None
    seconds: float | None = None  # CPU time spent, for the real-time factor

    def to_dict(self) -> dict:
        return asdict(self)

    def cli_dict(self) -> dict:
        """The `musictool analyze --json` line: the DESIGN.md fields first, then the rest."""
        if self.error:
            return {"path": self.path, "error": self.error}
        d = {k: getattr(self, k) for k in ("path", "bpm", "bpm_alternatives", "key", "open_key", "camelot",
                                           "energy", "loudness_lufs", "duration")}  # fmt: skip
        d["quality"] = self.quality
        return d


def lower_priority() -> None:
    """Raise this process's niceness to NICE_LEVEL once (never lowers it; ignores platforms without nice)."""
    try:
        current = os.nice(0)
        if current < NICE_LEVEL:
            os.nice(NICE_LEVEL - current)
    except (AttributeError, OSError):
        pass


def analyze_file(path: str | os.PathLike[str], options: AnalysisOptions | None = None) -> AnalysisResult:
    """Analyse one file; any failure is reported in `error`, never raised (picklable in and out)."""
    lower_priority()
    opts = options or AnalysisOptions()
    p = str(Path(path))
    started = time.process_time()
    try:
        result = _analyze(p, opts)
    except decode.DecodeError as exc:
        result = AnalysisResult(path=p, error=str(exc))
    except MemoryError:
        result = AnalysisResult(path=p, error=f"{p}: too large to analyse in memory")
    except Exception as exc:  # a bug or an exotic file must not take the worker down
        result = AnalysisResult(path=p, error=f"{p}: analysis failed ({type(exc).__name__}: {exc})")
    result.seconds = round(time.process_time() - started, 3)
    return result


def _analyze(path: str, opts: AnalysisOptions) -> AnalysisResult:
    info = quality.file_info(path)
    stream = decode.open_stream(path, prefer_ffmpeg=info.codec == "mp3" and not info.duration_exact)
    meter = loudness.LoudnessMeter(stream.sr, stream.channels)
    probe = quality.CutoffProbe(stream.sr) if opts.with_quality else None
    mono = decode.MonoResampler(stream.sr, features.ANALYSIS_SR, opts.max_analysis_seconds)
    frames, peak = 0, 0.0
    for block in stream.blocks():
        if not block.shape[0]:
            continue
        frames += block.shape[0]
        peak = max(peak, float(np.max(np.abs(block))))
        meter.add(block)
        m = decode.mono_of(block)
        if probe is not None:
            probe.add(m)
        mono.add(m)
    if frames == 0:
        raise decode.DecodeError(f"{path}: no audio samples (empty or damaged stream)")
    if not np.isfinite(peak):
        raise decode.DecodeError(f"{path}: damaged stream (decoded samples are not finite)")
    duration = frames / stream.sr
    if info.duration_exact and info.duration and info.duration > 2.0:
        missing = info.duration - duration
        if missing > max(1.0, 0.02 * info.duration):
            raise decode.DecodeError(
                f"{path}: truncated or damaged: decoded {duration:.1f} s of the {info.duration:.1f} s "
                "the file header declares"
            )
    lufs = meter.integrated()
    q = None
    if probe is not None:
        if info.sample_rate is None:
            info.sample_rate = stream.sr
        q = quality.assess(info, probe.cutoff()).to_dict()
    y = mono.finish()
    spec = features.stft_mag(y)
    env = features.onset_envelope(spec)
    t = tempo.estimate(env, spec.fps, opts.bpm_min, opts.bpm_max)
    k = key.estimate(y, features.ANALYSIS_SR)
    parts = energy.components(spec, env, lufs, t.bpm)
    return AnalysisResult(
        path=path,
        duration=round(duration, 3),
        bpm=t.bpm,
        bpm_alternatives=t.alternatives,
        bpm_confidence=t.confidence,
        key=k.name if k else None,
        open_key=k.open_key if k else None,
        camelot=k.camelot if k else None,
        key_confidence=k.confidence if k else None,
        tuning_cents=k.tuning_cents if k else None,
        energy=energy.energy_level(parts) if lufs is not None else 1,
        loudness_lufs=round(lufs, 2) if lufs is not None else None,
        peak_db=round(20 * np.log10(peak), 2) if peak > 0 else None,
        quality=q,
    )

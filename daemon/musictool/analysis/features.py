"""Shared spectral front end: one STFT of the mono analysis signal feeds the onset envelope and energy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ANALYSIS_SR = 11025
N_FFT = 1024
HOP = 128  # 11.6 ms: ~86 onset frames per second


BRIGHT_HZ = 2000.0
CHUNK_FRAMES = 4096  # STFT frames transformed at a time: bounded temporaries for any length


@dataclass
class Spectral:
    """What the onset envelope and energy need from the STFT, kept small: mel band power per frame
    (n_mels, frames) and the power above / in total, never the full magnitude spectrogram."""

    mel: np.ndarray
    bright_power: float
    total_power: float
    sr: int
    hop: int

    @property
    def fps(self) -> float:
        return self.sr / self.hop


@lru_cache(maxsize=4)
def mel_matrix(sr: int, n_fft: int, n_mels: int = 40, fmin: float = 30.0, fmax: float = 5000.0) -> np.ndarray:
    """Triangular mel filters (HTK mel scale), (n_mels, bins); no librosa import on the hot path."""

    def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:, None] - edges[1:-1, None])
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]  # equal area per band
    return weights.astype(np.float32)


def stft_mag(y: np.ndarray, sr: int = ANALYSIS_SR, n_fft: int = N_FFT, hop: int = HOP) -> Spectral:
    """Hann-windowed STFT in chunks of batched rffts (no per-frame Python loop, bounded memory),
    reduced on the fly to mel band power and the bright/total power split."""
    if y.shape[0] < n_fft:
        y = np.pad(y, (0, n_fft - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    mel_fb = mel_matrix(sr, n_fft)
    bright = np.arange(n_fft // 2 + 1) * sr / n_fft >= BRIGHT_HZ
    mel = np.empty((mel_fb.shape[0], frames.shape[0]), dtype=np.float32)
    bright_power = total_power = 0.0
    for start in range(0, frames.shape[0], CHUNK_FRAMES):
        chunk = frames[start : start + CHUNK_FRAMES]
        spec = np.fft.rfft(chunk * window, axis=1)
        power = (spec.real * spec.real + spec.imag * spec.imag).astype(np.float32)  # (frames, bins)
        mel[:, start : start + chunk.shape[0]] = mel_fb @ power.T
        total_power += float(power.sum(dtype=np.float64))
        bright_power += float(power[:, bright].sum(dtype=np.float64))
    return Spectral(mel, bright_power, total_power, sr, hop)


# Bands below this carry the kick drum, which defines the beat in dance music; their flux counts
# (1 + KICK_WEIGHT) times, so hi-hats and claps (many bands each) do not decide the metrical level alone.
KICK_BAND_HZ = 150.0
KICK_WEIGHT = 5.0


@lru_cache(maxsize=4)
def _band_weights(n_mels: int = 40, fmin: float = 30.0, fmax: float = 5000.0) -> np.ndarray:
    mel_lo, mel_hi = 2595.0 * np.log10(1.0 + fmin / 700.0), 2595.0 * np.log10(1.0 + fmax / 700.0)
    centres = 700.0 * (10.0 ** (np.linspace(mel_lo, mel_hi, n_mels + 2)[1:-1] / 2595.0) - 1.0)
    return np.where(centres < KICK_BAND_HZ, 1.0 + KICK_WEIGHT, 1.0)[:, None]


def onset_envelope(spec: Spectral) -> np.ndarray:
    """Log-mel spectral flux, kick bands weighted up, local mean removed: a pulse at every onset."""
    mel = spec.mel
    logmel = np.log1p(1000.0 * mel / (float(mel.max()) + 1e-12))
    flux = (np.maximum(0.0, logmel[:, 1:] - logmel[:, :-1]) * _band_weights(mel.shape[0])).sum(axis=0)
    flux = np.concatenate(([0.0], flux)).astype(np.float64)
    # remove the slowly varying part (~0.5 s) so sections of different density weigh alike
    w = max(3, int(round(0.5 * spec.fps)) | 1)
    kernel = np.ones(w) / w
    local = np.convolve(flux, kernel, mode="same")
    env = np.maximum(0.0, flux - local)
    return env

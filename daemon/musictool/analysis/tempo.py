"""Tempo to beat-matching precision.

1. Candidate: the onset envelope's autocorrelation is read through a comb (lags L, 2L, 3L, 4L) for every
   tempo in the configured dance range; the best comb wins. Octave errors are folded by the range; where
   both a tempo and its double lie in the range, the faster wins when the onsets half-way between the
   slow beats are nearly as strong as the beats themselves (kicks on every fast beat), the slower when they
   are clearly weaker (a slow groove with lighter off-beats).
2. Precision: around that candidate the tempo is refined on a 0.005 BPM grid by maximising the summed
   magnitude of the envelope's Fourier transform at the beat frequency and its first harmonics (the
   phase-aligned onset energy of a beat grid of that period over the whole track), then parabolic
   interpolation. This is not bound to the frame-lag grid: a 30 s loop at 125 BPM comes out within ~0.05 BPM.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import zoom_fft

HARMONICS = (1.0, 2.0, 3.0, 4.0)
ALTERNATIVE_RATIOS = (0.5, 2.0, 2.0 / 3.0, 1.5, 0.75, 4.0 / 3.0)
# Where a tempo and its double both lie in the range (85-87.5 / 170-175 with the defaults) the faster one
# is taken when the onsets half-way between the slow beats reach this share of the on-beat ones.
OCTAVE_RATIO = 0.58


@dataclass
class TempoResult:
    bpm: float | None
    confidence: float
    alternatives: list[float] = field(default_factory=list)


def _acf(env: np.ndarray) -> np.ndarray:
    """Unbiased, normalised autocorrelation (lag 0 = 1)."""
    x = env - env.mean()
    n = x.shape[0]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, size)
    r = np.fft.irfft(f * np.conj(f), size)[:n]
    r = r / np.maximum(1, n - np.arange(n))
    return r / (r[0] + 1e-12)


def _interp(acf: np.ndarray, lags: np.ndarray) -> np.ndarray:
    return np.interp(lags, np.arange(acf.shape[0]), acf, right=0.0)


def comb_scores(acf: np.ndarray, fps: float, bpms: np.ndarray) -> np.ndarray:
    """Mean autocorrelation at 1..4 beat periods for each tempo (a peak at every multiple = a true pulse)."""
    lag = 60.0 * fps / bpms
    return np.mean([_interp(acf, k * lag) for k in (1, 2, 3, 4)], axis=0)


def _harmonic_energy(env: np.ndarray, fps: float, lo: float, hi: float, m: int) -> np.ndarray:
    """Sum over harmonics k of |DFT(env)| at k*f, for m beat frequencies f evenly spaced in [lo, hi] Hz."""
    x = env - env.mean()
    total = np.zeros(m)
    for k in HARMONICS:
        if k * hi >= fps / 2:
            break
        total += np.abs(zoom_fft(x, [k * lo, k * hi], m=m, fs=fps, endpoint=True)) / k**0.5
    return total


def refine(env: np.ndarray, fps: float, bpm: float, span: float = 0.02, step: float = 0.005) -> float:
    """The tempo near `bpm` (+-span) whose beat grid collects the most onset energy, to ~0.01 BPM."""
    lo, hi = bpm * (1 - span), bpm * (1 + span)
    m = int((hi - lo) / step) + 1
    grid = np.linspace(lo, hi, m)
    energy = _harmonic_energy(env, fps, lo / 60.0, hi / 60.0, m)
    i = int(np.argmax(energy))
    if 0 < i < m - 1:
        a, b, c = energy[i - 1], energy[i], energy[i + 1]
        denom = a - 2 * b + c
        offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
        return float(grid[i] + offset * step)
    return float(grid[i])


def offbeat_ratio(env: np.ndarray, fps: float, slow_bpm: float, bins: int = 32) -> float:
    """Onset strength half-way between the slow tempo's beats relative to on them (phase-folded envelope).

    Near 1 when the in-between pulses are as strong as the beats (the double tempo is the real one, e.g.
    four-on-the-floor at 174), well below 1 for a slow groove with lighter off-beats (hi-hats at 87).
    """
    period = 60.0 * fps / slow_bpm
    phase = (np.arange(env.shape[0]) % period) / period
    idx = np.minimum((phase * bins).astype(int), bins - 1)
    hist = np.bincount(idx, weights=env, minlength=bins) / np.maximum(np.bincount(idx, minlength=bins), 1)
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)  # tolerate a beat straddling two bins
    peak = int(np.argmax(smooth))
    return float(smooth[(peak + bins // 2) % bins] / (smooth[peak] + 1e-12))


def estimate(env: np.ndarray, fps: float, bpm_min: float = 85.0, bpm_max: float = 175.0) -> TempoResult:
    """Tempo of an onset envelope (frames per second `fps`) folded into [bpm_min, bpm_max]."""
    if env.shape[0] < fps * 1.5 or not np.any(env > 0):
        return TempoResult(None, 0.0, [])
    acf = _acf(env)
    bpms = np.arange(bpm_min, bpm_max + 1e-9, 0.1)
    scores = comb_scores(acf, fps, bpms)
    best = refine(env, fps, float(bpms[int(np.argmax(scores))]))
    # octave check inside the range (only 85-87.5 vs 170-175 with the defaults); the fold needs the precise
    # period: 0.1 BPM off smears a minute of beats over a tenth of the period
    if best * 2 <= bpm_max * 1.005 and offbeat_ratio(env, fps, best) >= OCTAVE_RATIO:
        best *= 2
    elif best / 2 >= bpm_min * 0.995 and offbeat_ratio(env, fps, best / 2) < OCTAVE_RATIO:
        best /= 2
    bpm = refine(env, fps, best, span=0.005)
    peak = float(comb_scores(acf, fps, np.array([bpm]))[0])
    confidence = float(np.clip(peak / (np.max(np.abs(scores)) + 1e-9), 0.0, 1.0)) * float(
        np.clip((peak - np.median(scores)) / (1.0 - np.median(scores) + 1e-9), 0.0, 1.0)
    )
    alts = [bpm * r for r in ALTERNATIVE_RATIOS]
    alt_scores = comb_scores(acf, fps, np.array(alts))
    order = np.argsort(-alt_scores)
    return TempoResult(round(bpm, 2), round(confidence, 3), [round(alts[i], 2) for i in order])

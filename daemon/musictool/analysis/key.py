"""Musical key for electronic music.

A long-window STFT of the 11 kHz mono signal is mapped onto a semitone grid after the track's tuning is
estimated from its spectral peaks (so a master that sits 30 cents sharp still lands on the right
semitones), whitened, decomposed into notes with harmonic templates (so a saw bass does not vote for its
own fifth and third) and folded into a 12-bin pitch-class profile. The profile is compared with the EDM key profiles of Faraldo et al. ("edma": derived from a
corpus of electronic dance music, "Key Estimation in Electronic Dance Music", ECIR 2016), which weigh the
tonic, fifth and minor third the way EDM uses them, instead of the classical Krumhansl probe-tone profiles.
The profiles only decide between a key signature's major and relative minor; the signature itself comes
from which pitches the track uses at all (see key_from_chroma).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from musictool.analysis.keys import camelot, key_name, open_key

# Faraldo, Gomez, Jorda, Herrera 2016, "edma" profiles, tonic first (published figures).
EDMA_MAJOR = np.array(
    [1.0000, 0.2875, 0.5020, 0.4048, 0.6050, 0.5614, 0.3205, 0.7966, 0.3159, 0.4506, 0.4202, 0.3889]
)
EDMA_MINOR = np.array(
    [1.0000, 0.3096, 0.4415, 0.5827, 0.3262, 0.4948, 0.2889, 0.7804, 0.4328, 0.2903, 0.5331, 0.3217]
)

N_FFT = 8192
HOP = 4096
FMIN, FMAX = 50.0, 2000.0


@dataclass
class KeyResult:
    tonic: int  # pitch class, C = 0
    minor: bool
    confidence: float
    tuning_cents: float

    @property
    def name(self) -> str:
        return key_name(self.tonic, self.minor)

    @property
    def open_key(self) -> str:
        return open_key(self.tonic, self.minor)

    @property
    def camelot(self) -> str:
        return camelot(self.tonic, self.minor)


def _spectrogram(y: np.ndarray) -> np.ndarray:
    if y.shape[0] < N_FFT:
        y = np.pad(y, (0, N_FFT - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, N_FFT)[::HOP]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    mag = np.empty((frames.shape[0], N_FFT // 2 + 1), dtype=np.float32)  # (frames, bins)
    for start in range(0, frames.shape[0], 256):  # chunks keep the complex temporaries small
        mag[start : start + 256] = np.abs(np.fft.rfft(frames[start : start + 256] * window, axis=1))
    return mag


def estimate_tuning(mag: np.ndarray, sr: int) -> float:
    """Deviation of the track's pitches from A440 12-TET in cents (-50..50), from long-term spectral peaks."""
    avg = mag.mean(axis=0).astype(np.float64)
    freqs = np.arange(avg.shape[0]) * sr / N_FFT
    band = (freqs > 80) & (freqs < FMAX)
    i = np.nonzero(band)[0]
    i = i[(avg[i] > avg[i - 1]) & (avg[i] >= avg[i + 1])]
    if i.size == 0:
        return 0.0
    # keep the strongest peaks; parabolic interpolation on log magnitude for the exact frequency
    i = i[np.argsort(avg[i])[-60:]]
    a, b, c = np.log(avg[i - 1] + 1e-9), np.log(avg[i] + 1e-9), np.log(avg[i + 1] + 1e-9)
    denom = a - 2 * b + c
    off = np.where(denom != 0, 0.5 * (a - c) / np.where(denom != 0, denom, 1), 0.0)
    f = (i + off) * sr / N_FFT
    dev = 12 * np.log2(f / 440.0)
    w = avg[i]
    angle = np.angle(np.sum(w * np.exp(2j * np.pi * dev)))
    return float(angle / (2 * np.pi) * 100.0)


LOW_MIDI = 36  # C2: below it kick-drum tails (40-60 Hz) outweigh bass notes; a sub-bass note still
# shows through its second partial, which the templates credit to the same pitch class
HIGH_NOTE = 84  # C6: highest fundamental
HIGH_MIDI = 108  # C8: highest semitone bin (upper partials of the highest notes)
PARTIALS = 4
PARTIAL_DECAY = 0.9
NMF_ITERATIONS = 40


def semitone_spectrogram(mag: np.ndarray, sr: int, tuning_cents: float) -> np.ndarray:
    """(frames, semitones) magnitudes on the tuned semitone grid LOW_MIDI..HIGH_MIDI."""
    freqs = np.arange(mag.shape[1]) * sr / N_FFT
    lo = 440.0 * 2 ** ((LOW_MIDI - 0.5 - 69 + tuning_cents / 100) / 12)
    hi = min(sr / 2 - 50, 440.0 * 2 ** ((HIGH_MIDI + 0.5 - 69 + tuning_cents / 100) / 12))
    sel = np.nonzero((freqs >= lo) & (freqs <= hi))[0]
    pitch = 12 * np.log2(freqs[sel] / 440.0) - tuning_cents / 100.0 + 69.0
    nearest = np.round(pitch)
    weight = np.cos(np.pi * (pitch - nearest)) ** 2  # 1 at a semitone's centre, 0 half-way between two
    n_bins = HIGH_MIDI - LOW_MIDI + 1
    m = np.zeros((sel.size, n_bins), dtype=np.float32)
    m[np.arange(sel.size), np.clip(nearest.astype(int) - LOW_MIDI, 0, n_bins - 1)] = weight
    power = mag[:, sel] ** 2
    return np.sqrt(power @ m)


def _note_templates() -> np.ndarray:
    """(semitone bins, notes): each note's fundamental and upper partials with decaying weight."""
    n_bins, n_notes = HIGH_MIDI - LOW_MIDI + 1, HIGH_NOTE - LOW_MIDI + 1
    w = np.zeros((n_bins, n_notes))
    for j in range(n_notes):
        for h in range(1, PARTIALS + 1):
            b = j + int(round(12 * np.log2(h)))
            if b < n_bins:
                w[b, j] += PARTIAL_DECAY ** (h - 1)
    return w / np.linalg.norm(w, axis=0)


def note_activations(semitones: np.ndarray) -> np.ndarray:
    """(notes, frames) non-negative note strengths explaining the spectrum with harmonic templates.

    Multiplicative NMF updates with the dictionary fixed (approximate NNLS, as in Mauch & Dixon's NNLS
    chroma): a note's partials are credited to the note, not to the fifth and third they land on.
    """
    v = semitones.T.astype(np.float64)
    w = _note_templates()
    h = np.full((w.shape[1], v.shape[1]), float(v.mean()) + 1e-9)
    wtv, wtw = w.T @ v, w.T @ w
    for _ in range(NMF_ITERATIONS):
        h *= wtv / (wtw @ h + 1e-12)
    return h


def chroma(mag: np.ndarray, sr: int, tuning_cents: float) -> np.ndarray:
    """12-bin pitch-class profile (C first) of the whole track."""
    # spectral whitening: subtract the local spectral envelope (~40 Hz wide) so broadband drums and noise
    # contribute little and tonal peaks stand out
    whitened = np.maximum(mag - uniform_filter1d(mag, size=31, axis=1), 0.0)
    notes = note_activations(semitone_spectrogram(whitened, sr, tuning_cents))
    frames = np.zeros((12, notes.shape[1]))
    for j in range(notes.shape[0]):
        frames[(LOW_MIDI + j) % 12] += notes[j]
    # each frame votes with its shape, not its loudness, so a loud drop does not outvote the rest
    frames /= np.maximum(frames.sum(axis=0, keepdims=True), 1e-9)
    return frames.sum(axis=1)


DIATONIC = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=float)  # major scale from its tonic


def _corr(x: np.ndarray, p: np.ndarray) -> float:
    x = (x - x.mean()) / (x.std() + 1e-12)
    p = (p - p.mean()) / (p.std() + 1e-12)
    return float(np.mean(x * p))


def key_signature(pcp: np.ndarray) -> int:
    """The diatonic collection (named by its major tonic) that best covers the pitch content."""
    return max(range(12), key=lambda t: _corr(pcp, np.roll(DIATONIC, t)))


def key_from_chroma(
    pcp: np.ndarray, major: np.ndarray = EDMA_MAJOR, minor: np.ndarray = EDMA_MINOR
) -> tuple[int, bool, float]:
    """(tonic, minor, score) in two stages: the key signature first, then its major or relative minor.

    Correlating all 24 profiles at once lets the most repeated chord win: a minor loop i-VII-VI-VII
    (Bm A G A) comes out "A major" because A and E dominate. The set of pitches used (here G natural,
    no G#) pins the signature down robustly; the EDM profiles then only choose between D major and
    B minor, where tonic weight is the right evidence.
    """
    sig = key_signature(pcp)
    rel_minor = (sig + 9) % 12
    r_major = _corr(pcp, np.roll(major, sig))
    r_minor = _corr(pcp, np.roll(minor, rel_minor))
    return (sig, False, r_major) if r_major >= r_minor else (rel_minor, True, r_minor)


def estimate(y: np.ndarray, sr: int) -> KeyResult | None:
    """Key of mono audio `y` at rate `sr`; None for silence or signals without pitched content."""
    if y.shape[0] < sr or not np.any(y):
        return None
    mag = _spectrogram(y)
    tuning = estimate_tuning(mag, sr)
    pcp = chroma(mag, sr, tuning)
    if not np.any(pcp > 0):
        return None
    tonic, minor, score = key_from_chroma(pcp)
    return KeyResult(tonic, minor, round(max(0.0, score), 3), round(tuning, 1))

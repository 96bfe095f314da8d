"""Synthetic dance tracks with exactly known tempo and key, for bench/analysis_accuracy.py and the tests.

A track is four-on-the-floor kicks (or a two-step breakbeat), claps on 2 and 4, off-beat hats and 16th
ticks, an off-beat bass on the chord roots and sustained chord pads following a progression that states the key, optionally detuned by a
few cents, with an intro (drums and bass), a breakdown (pads only) and full sections when `structure` is on.
Every event is placed at its exact sample time, so the tempo is exact to the sample.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Loops as dance tracks use them: the tonic chord opens the phrase and returns (truth = the tonic chord's key).
MINOR_PROGRESSIONS = [[(0, "m"), (8, "M"), (0, "m"), (10, "M")], [(0, "m"), (5, "m"), (0, "m"), (7, "m")],
                      [(0, "m"), (10, "M"), (8, "M"), (10, "M")], [(0, "m"), (8, "M"), (3, "M"), (10, "M")]]  # fmt: skip
MAJOR_PROGRESSIONS = [[(0, "M"), (7, "M"), (0, "M"), (5, "M")], [(0, "M"), (5, "M"), (7, "M"), (0, "M")],
                      [(0, "M"), (2, "m"), (7, "M"), (0, "M")], [(0, "M"), (9, "m"), (5, "M"), (7, "M")]]  # fmt: skip


@dataclass
class TrackSpec:
    """What a generated track is: the truth the analysis is scored against."""

    bpm: float
    tonic: int  # pitch class, C = 0
    minor: bool
    detune_cents: float = 0.0
    duration: float = 30.0
    seed: int = 0
    structure: bool = True
    progression: int = 0  # index into the MAJOR_/MINOR_PROGRESSIONS of the mode
    style: str = "four"  # "four": four-on-the-floor; "breaks": two-step breakbeat (drum & bass, garage)

    @property
    def key(self) -> str:
        names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
        return f"{names[self.tonic]} {'minor' if self.minor else 'major'}"


def _midi_hz(note: float, detune_cents: float) -> float:
    return 440.0 * 2.0 ** ((note - 69 + detune_cents / 100.0) / 12.0)


def _add(out: np.ndarray, start: int, sound: np.ndarray) -> None:
    end = min(out.shape[0], start + sound.shape[0])
    if start < end:
        out[start:end] += sound[: end - start]


def _kick(sr: int) -> np.ndarray:
    t = np.arange(int(0.3 * sr)) / sr
    freq = 45.0 + 95.0 * np.exp(-t / 0.035)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return (np.sin(phase) * np.exp(-t / 0.16)).astype(np.float32)


def _noise_burst(
    sr: int, length: float, decay: float, rng: np.random.Generator, highpass: bool
) -> np.ndarray:
    n = int(length * sr)
    x = rng.standard_normal(n)
    if highpass:
        x = np.diff(np.diff(x, prepend=0.0), prepend=0.0) * 0.5
    t = np.arange(n) / sr
    return (x * np.exp(-t / decay)).astype(np.float32)


def _saw(freq: float, n: int, sr: int, voices: int = 3, spread_cents: float = 7.0) -> np.ndarray:
    """A few slightly detuned saws, softened by a one-pole low-pass (cheap; aliasing stays far below)."""
    from scipy.signal import lfilter

    t = np.arange(n) / sr
    out = np.zeros(n)
    for v in range(voices):
        f = freq * 2.0 ** (((v - (voices - 1) / 2) * spread_cents) / 1200.0)
        out += 2.0 * np.mod(f * t + v / voices, 1.0) - 1.0
    a = np.exp(-2 * np.pi * 2500.0 / sr)
    return lfilter([1 - a], [1, -a], out) / voices


def chord_notes(tonic: int, degree: int, quality: str, octave_base: int = 57) -> list[int]:
    """MIDI notes of the triad on `degree` semitones above the tonic, voiced in the octave above `octave_base`."""
    root = tonic + degree
    third = 3 if quality == "m" else 4
    notes = [root, root + third, root + 7]
    return [octave_base + ((n - octave_base) % 12) for n in notes]


def render(spec: TrackSpec, sr: int = 44100) -> np.ndarray:
    """Stereo float32 (frames, 2) audio of the track."""
    rng = np.random.default_rng(spec.seed)
    n = int(round(spec.duration * sr))
    drums = np.zeros(n, dtype=np.float32)
    bass = np.zeros(n, dtype=np.float32)
    pads = np.zeros(n, dtype=np.float32)
    beat = 60.0 / spec.bpm
    n_beats = int(spec.duration / beat) + 1
    progs = MINOR_PROGRESSIONS if spec.minor else MAJOR_PROGRESSIONS
    prog = progs[spec.progression % len(progs)]
    kick = _kick(sr)
    n_bars = n_beats // 4 + 1

    def section(bar: int) -> str:
        if not spec.structure or n_bars < 24:
            return "full"
        if bar < 8:
            return "intro"
        if 24 <= bar < 28:
            return "breakdown"
        return "full"

    for b in range(n_beats):
        bar, pos = divmod(b, 4)
        sec = section(bar)
        t0 = b * beat
        if sec != "breakdown" and spec.style == "breaks":
            # two-step break: kick on 1 and the "and" of 3, snare on 2 and 4, 8th hats
            if pos == 0:
                _add(drums, int(round(t0 * sr)), kick * 0.9)
            if pos == 2:
                _add(drums, int(round((t0 + beat / 2) * sr)), kick * 0.9)
            if pos in (1, 3):
                _add(drums, int(round(t0 * sr)), _noise_burst(sr, 0.2, 0.05, rng, False) * 0.5)
            for h in (0.0, 0.5):
                _add(drums, int(round((t0 + h * beat) * sr)), _noise_burst(sr, 0.06, 0.015, rng, True) * 0.12)
        elif sec != "breakdown":
            _add(drums, int(round(t0 * sr)), kick * 0.9)
            if pos in (1, 3):
                _add(drums, int(round(t0 * sr)), _noise_burst(sr, 0.2, 0.05, rng, False) * 0.25)
            _add(drums, int(round((t0 + beat / 2) * sr)), _noise_burst(sr, 0.12, 0.03, rng, True) * 0.2)
            for s in (1, 3):
                _add(
                    drums,
                    int(round((t0 + s * beat / 4) * sr)),
                    _noise_burst(sr, 0.04, 0.01, rng, True) * 0.06,
                )
        degree, quality = prog[bar % len(prog)]
        if sec != "breakdown":
            root = 36 + (spec.tonic + degree) % 12
            f = _midi_hz(root, spec.detune_cents)
            ln = int(beat / 2 * 0.9 * sr)
            env = np.minimum(1.0, np.arange(ln) / (0.005 * sr)) * np.exp(-np.arange(ln) / (0.15 * sr))
            _add(
                bass,
                int(round((t0 + beat / 2) * sr)),
                (_saw(f, ln, sr, voices=1) * env * 0.35).astype(np.float32),
            )
        if pos == 0 and sec != "intro":
            ln = int(4 * beat * sr)
            env = np.minimum(1.0, np.arange(ln) / (0.05 * sr)) * np.minimum(
                1.0, (ln - np.arange(ln)) / (0.05 * sr)
            )
            chord = sum(
                _saw(_midi_hz(m, spec.detune_cents), ln, sr) for m in chord_notes(spec.tonic, degree, quality)
            )
            _add(pads, int(round(t0 * sr)), (chord * env * 0.12).astype(np.float32))
    left = drums + bass + pads * 0.9
    right = drums + bass * 0.95 + pads
    out = np.stack([left, right], axis=1)
    peak = float(np.max(np.abs(out))) or 1.0
    return (out / peak * 0.89).astype(np.float32)


def write(spec: TrackSpec, path: Path, sr: int = 44100) -> Path:
    import soundfile as sf

    sf.write(str(path), render(spec, sr), sr, subtype="PCM_16")
    return path


def suite(n_tracks: int = 48, duration: float = 60.0, seed: int = 1) -> list[TrackSpec]:
    """Tempi 90-175 BPM (several fractional), all 24 keys, random progressions, detuning within +-30 cents;
    every fourth track a two-step breakbeat instead of four-on-the-floor."""
    rng = np.random.default_rng(seed)
    tempi = [90, 95.5, 100, 105, 110, 115.25, 118, 120, 122, 123.5, 124, 125, 126, 127.3, 128, 130,
             132, 135, 137.8, 140, 145, 150, 160, 170, 172, 174, 175]  # fmt: skip
    specs = []
    for i in range(n_tracks):
        key = i % 24
        specs.append(TrackSpec(bpm=float(tempi[(i * 7) % len(tempi)]), tonic=key % 12, minor=key >= 12,
                               detune_cents=float(rng.uniform(-30, 30)), duration=duration, seed=i,
                               progression=int(rng.integers(0, 4)),
                               style="breaks" if i % 4 == 3 else "four"))  # fmt: skip
    return specs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--bpm", type=float, default=125.0)
    ap.add_argument("--key", default="A minor")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--detune", type=float, default=0.0)
    args = ap.parse_args()
    names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    root, mode = args.key.split()
    write(TrackSpec(args.bpm, names.index(root), mode == "minor", args.detune, args.duration), args.out)


if __name__ == "__main__":
    main()

"""Energy 1-10: how hard a track drives a floor, from loudness, onset density, tempo and brightness.

There is no ground truth for "energy" (Mixed In Key's scale is unpublished); this is a transparent blend of
measurable properties that DJs associate with it, each mapped to 0..1 over the range dance music spans.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from musictool.analysis.features import Spectral


def _unit(x: float, lo: float, hi: float) -> float:
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def components(
    spec: Spectral, env: np.ndarray, loudness_lufs: float | None, bpm: float | None
) -> dict[str, float]:
    """The four 0..1 components (kept separate so the score can be explained)."""
    duration = env.shape[0] / spec.fps
    if env.size and np.any(env > 0):
        peaks, _ = find_peaks(
            env, height=float(env.mean() + env.std()), distance=max(1, int(0.07 * spec.fps))
        )
        rate = len(peaks) / max(duration, 1e-9)
    else:
        rate = 0.0
    bright = spec.bright_power / spec.total_power if spec.total_power > 0 else 0.0
    return {
        "loudness": _unit(loudness_lufs if loudness_lufs is not None else -70.0, -30.0, -6.0),
        "density": _unit(rate, 0.5, 8.0),
        "tempo": _unit(bpm or 0.0, 80.0, 175.0),
        "brightness": _unit(bright, 0.0, 0.15),
    }


def energy_level(parts: dict[str, float]) -> int:
    """Blend the components into 1..10."""
    raw = (
        0.4 * parts["loudness"] + 0.3 * parts["density"] + 0.15 * parts["tempo"] + 0.15 * parts["brightness"]
    )
    return int(np.clip(1 + round(9 * raw), 1, 10))

"""Integrated loudness (ITU-R BS.1770-4 / EBU R128): K-weighting, 400 ms blocks, absolute and relative gates.

The K-weighting filters are derived for any sample rate from their analog prototypes (the same derivation
libebur128 uses), so a file is measured at its own rate without resampling.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import sosfilt

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


def k_weighting(sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(b1, a1, b2, a2): the high-shelf pre-filter and the RLB high-pass of BS.1770 at rate `sr`."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sr)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    a1 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sr)
    a0 = 1.0 + k / q + k * k
    b2 = np.array([1.0, -2.0, 1.0])
    a2 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return b1, a1, b2, a2


def integrated_loudness(samples: np.ndarray, sr: int) -> float | None:
    """LUFS of (frames, channels) or (frames,) audio; None when everything is below the absolute gate.

    Channels are weighted 1.0 each (mono, stereo); a mono file is measured as one channel, as the standard says.
    """
    x = samples if samples.ndim == 2 else samples[:, None]
    step = int(round(0.1 * sr))  # 400 ms blocks overlap by 75 %: sum four consecutive 100 ms chunks
    n_chunks = x.shape[0] // step
    if n_chunks < 4:
        return None
    b1, a1, b2, a2 = k_weighting(sr)
    sos = np.vstack([np.r_[b1, a1], np.r_[b2, a2]]).astype(np.float32)
    xt = np.ascontiguousarray(np.asarray(x, dtype=np.float32).T)
    y = sosfilt(sos, xt, axis=-1)[:, : n_chunks * step]  # float32: ~4x faster, error << 0.01 dB
    chunk = np.einsum(
        "cnk,cnk->n", y.reshape(y.shape[0], n_chunks, step), y.reshape(y.shape[0], n_chunks, step)
    )
    chunk = chunk.astype(np.float64)
    z = (chunk[:-3] + chunk[1:-2] + chunk[2:-1] + chunk[3:]) / (4 * step)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10.0 * np.log10(z)
    z_abs = z[lk > ABSOLUTE_GATE_LUFS]
    if z_abs.size == 0:
        return None
    rel_gate = -0.691 + 10.0 * np.log10(z_abs.mean()) + RELATIVE_GATE_LU
    z_rel = z[(lk > ABSOLUTE_GATE_LUFS) & (lk > rel_gate)]
    return float(-0.691 + 10.0 * np.log10(z_rel.mean()))


def peak_dbfs(samples: np.ndarray) -> float | None:
    """Sample peak in dBFS (not true peak); None for digital silence."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else None

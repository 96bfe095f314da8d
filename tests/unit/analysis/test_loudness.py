"""Integrated loudness against the BS.1770 definitions (coefficients, gating, channel sum)."""

import numpy as np
import pytest

from musictool.analysis.loudness import integrated_loudness, k_weighting, peak_dbfs


def sine(freq: float, dbfs: float, seconds: float, sr: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_k_weighting_at_48k_matches_the_standard_table() -> None:
    b1, a1, b2, a2 = k_weighting(48000)
    assert b1 == pytest.approx([1.53512485958697, -2.69169618940638, 1.19839281085285], abs=1e-9)
    assert a1 == pytest.approx([1.0, -1.69065929318241, 0.73248077421585], abs=1e-9)
    assert b2 == pytest.approx([1.0, -2.0, 1.0])
    assert a2 == pytest.approx([1.0, -1.99004745483398, 0.99007225036621], abs=1e-9)


@pytest.mark.parametrize("sr", [48000, 44100])
def test_stereo_1k_sine_at_minus_20_dbfs_is_minus_20_lufs(sr: int) -> None:
    x = sine(1000, -20.0, 5.0, sr)
    assert integrated_loudness(np.stack([x, x], axis=1), sr) == pytest.approx(-20.0, abs=0.05)
    # one channel carries half the power: -3 dB
    assert integrated_loudness(x, sr) == pytest.approx(-23.0, abs=0.05)


def test_gating_ignores_silence_and_quiet_passages() -> None:
    sr = 48000
    loud = sine(1000, -20.0, 4.0, sr)
    quiet = sine(1000, -50.0, 4.0, sr)  # more than 10 LU below: relative gate drops it
    silence = np.zeros(sr * 4, dtype=np.float32)
    x = np.concatenate([silence, loud, quiet, silence])
    # ungated, the quiet half would pull the mean power down by 3 dB to about -23 LUFS; blocks that
    # straddle the loud/quiet edge legitimately pass the gate and cost a few tenths
    assert integrated_loudness(np.stack([x, x], axis=1), sr) == pytest.approx(-20.0, abs=0.5)


def test_silence_and_short_signals_have_no_loudness() -> None:
    assert integrated_loudness(np.zeros((48000 * 2, 2), dtype=np.float32), 48000) is None
    assert integrated_loudness(sine(1000, -20, 0.2, 48000), 48000) is None
    assert peak_dbfs(np.zeros(10)) is None
    assert peak_dbfs(np.array([0.5, -0.25])) == pytest.approx(-6.02, abs=0.01)

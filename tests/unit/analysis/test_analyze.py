"""The per-file entry point: every field a DJ needs, in the CLI's JSON shape, and energy ordering."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictool.analysis.analyze import AnalysisOptions, analyze_file
from tests.unit.analysis.audio_helpers import clip


def test_result_has_every_field(tmp_path: Path) -> None:
    res = analyze_file(clip(tmp_path / "a.flac", bpm=122.0, tonic=9, minor=True, duration=8.0))
    d = res.cli_dict()
    assert list(d)[:9] == ["path", "bpm", "bpm_alternatives", "key", "open_key", "camelot", "energy",
                           "loudness_lufs", "duration"]  # fmt: skip
    assert d["bpm"] == pytest.approx(122.0, abs=0.1)
    assert (d["key"], d["open_key"], d["camelot"]) == ("A minor", "1m", "8A")
    assert 1 <= d["energy"] <= 10
    assert -30 < d["loudness_lufs"] < 0
    assert d["duration"] == pytest.approx(8.0, abs=0.01)
    assert res.seconds is not None and res.seconds > 0


def test_bpm_range_is_honoured(tmp_path: Path) -> None:
    path = clip(tmp_path / "b.wav", bpm=140.0, duration=6.0)
    assert analyze_file(path, AnalysisOptions(bpm_min=60, bpm_max=120)).bpm == pytest.approx(70.0, abs=0.1)


def test_a_driving_track_has_more_energy_than_a_quiet_pad(tmp_path: Path) -> None:
    loud = analyze_file(clip(tmp_path / "loud.wav", bpm=138.0, duration=6.0))
    sr = 22050
    t = np.arange(sr * 6) / sr
    pad = 0.03 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277.2 * t)) * np.minimum(1, t)
    sf.write(str(tmp_path / "pad.wav"), pad.astype(np.float32), sr)
    quiet = analyze_file(tmp_path / "pad.wav")
    assert quiet.error is None and loud.error is None
    assert loud.energy >= quiet.energy + 3

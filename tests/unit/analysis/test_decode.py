"""Block-wise decoding: libsndfile and ffmpeg paths, bounded analysis window, truncation."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

from musictool.analysis import decode
from musictool.analysis.analyze import AnalysisOptions, analyze_file
from tests.unit.analysis.audio_helpers import clip


def test_aac_in_m4a_goes_through_ffmpeg(tmp_path: Path) -> None:
    wav = clip(tmp_path / "c.wav", bpm=132.0, duration=6.0)
    m4a = tmp_path / "c.m4a"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-c:a", "aac", "-b:a", "192k",
                    str(m4a)], check=True)  # fmt: skip
    stream = decode.open_stream(m4a)
    blocks = list(stream.blocks())
    total = sum(b.shape[0] for b in blocks)
    assert stream.channels == 2 and total / stream.sr == pytest.approx(6.0, abs=0.1)
    res = analyze_file(m4a)
    assert res.error is None and res.bpm == pytest.approx(132.0, abs=0.15)
    assert res.quality["codec"] == "aac" and res.quality["lossless"] is False


def test_blocks_reassemble_the_whole_signal(tmp_path: Path) -> None:
    path = clip(tmp_path / "c.flac", duration=12.0, sr=22050)
    whole = decode.load(path).samples
    joined = np.concatenate(list(decode.open_stream(path).blocks()))
    assert joined.shape == whole.shape and np.array_equal(joined, whole)


def test_long_files_analyse_a_bounded_window_but_measure_everything(tmp_path: Path) -> None:
    path = clip(tmp_path / "long.wav", bpm=124.0, duration=12.0)
    res = analyze_file(path, AnalysisOptions(max_analysis_seconds=5.0))
    assert res.error is None
    assert res.duration == pytest.approx(12.0, abs=0.01)  # duration and loudness: the whole file
    assert res.bpm == pytest.approx(124.0, abs=0.2)  # tempo from the first 5 s


def test_mono_resampler_matches_one_shot_resampling() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(44100 * 3).astype(np.float32)
    r = decode.MonoResampler(44100, 11025)
    for i in range(0, x.size, 10000):
        r.add(x[i : i + 10000])
    y = r.finish()
    assert abs(y.size - x.size // 4) <= 2
    one = decode.to_mono_rate(decode.Audio(x[:, None], 44100), 11025)
    n = min(y.size, one.size)
    assert np.corrcoef(y[1000 : n - 1000], one[1000 : n - 1000])[0, 1] > 0.999

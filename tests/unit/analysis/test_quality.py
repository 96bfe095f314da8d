"""File quality: header facts via mutagen and transcode detection from the spectrum's cutoff."""

from pathlib import Path

import pytest

from musictool.analysis import decode, quality
from musictool.analysis.analyze import analyze_file
from tests.unit.analysis.audio_helpers import noise_file, to_mp3


def measure(path: Path) -> quality.Quality:
    audio = decode.load(path)
    return quality.assess(quality.file_info(path), quality.spectral_cutoff(audio.mono(), audio.sr))


def test_full_band_flac_is_genuine_lossless(tmp_path: Path) -> None:
    q = measure(noise_file(tmp_path / "full.flac"))
    assert (q.codec, q.lossless, q.sample_rate, q.bits_per_sample) == ("flac", True, 44100, 16)
    assert q.cutoff_hz is None
    assert not q.transcode_suspected
    assert q.score == 100 and q.suggestions == []


@pytest.mark.parametrize(("cutoff", "kbps"), [(16000, 128), (19000, 192)])
def test_flac_band_limited_like_an_mp3_is_a_suspected_transcode(
    tmp_path: Path, cutoff: int, kbps: int
) -> None:
    q = measure(noise_file(tmp_path / "fake.flac", lowpass_hz=cutoff))
    assert q.lossless is True
    assert q.transcode_suspected
    assert q.estimated_source_kbps == kbps
    assert q.cutoff_hz == pytest.approx(cutoff, abs=400)
    assert q.score < 70
    assert any("transcode" in s for s in q.suggestions)


def test_real_128k_mp3_scores_low_and_suggests_an_upgrade(tmp_path: Path) -> None:
    src = noise_file(tmp_path / "src.wav")
    q = measure(to_mp3(src, tmp_path / "low.mp3", kbps=128))
    assert (q.codec, q.lossless, q.bitrate_kbps) == ("mp3", False, 128)
    assert not q.transcode_suspected  # a 128 kbps file that sounds like 128 kbps is honest
    assert q.score < 50
    assert any("320" in s or "lossless" in s for s in q.suggestions)


def test_320k_mp3_made_from_a_128k_one_is_caught(tmp_path: Path) -> None:
    src = noise_file(tmp_path / "src.wav")
    low = to_mp3(src, tmp_path / "low.mp3", kbps=128)
    wav = tmp_path / "decoded.wav"
    import subprocess

    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(low), str(wav)], check=True)
    q = measure(to_mp3(wav, tmp_path / "fake320.mp3", kbps=320))
    assert q.bitrate_kbps == 320
    assert q.transcode_suspected
    assert q.estimated_source_kbps is not None and q.estimated_source_kbps <= 160


def test_quality_is_part_of_the_analysis_result(tmp_path: Path) -> None:
    res = analyze_file(noise_file(tmp_path / "fake.flac", lowpass_hz=16000))
    assert res.error is None
    assert res.quality["transcode_suspected"] is True

"""Broken or unsupported files get a clear per-file error, and the worker pool keeps going."""

import os
from pathlib import Path

import pytest

from musictool.analysis.analyze import analyze_file
from musictool.analysis.pool import analyze_many
from tests.unit.analysis.audio_helpers import clip, to_mp3


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("broken")
    good = clip(d / "good.wav", bpm=128.0, duration=6.0)
    mp3 = to_mp3(good, d / "good.mp3", kbps=192)
    truncated = d / "truncated.mp3"
    truncated.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 2])
    random = d / "random.mp3"
    random.write_bytes(os.urandom(4000))
    empty = d / "empty.wav"
    empty.write_bytes(b"")
    text = d / "notes.flac"
    text.write_text("this is a shopping list, not a FLAC file\n")
    return {"good": good, "mp3": mp3, "truncated": truncated, "random": random, "empty": empty, "text": text,
            "missing": d / "gone.aiff"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "words"),
    [("truncated", "truncated"), ("random", "not a readable audio file"), ("empty", "empty file"),
     ("text", "not a readable audio file"), ("missing", "file not found")],
)  # fmt: skip
def test_each_broken_file_gets_a_clear_error(files: dict[str, Path], name: str, words: str) -> None:
    res = analyze_file(files[name])
    assert res.error is not None
    assert words in res.error
    assert str(files[name]) in res.error
    assert res.bpm is None and res.key is None


def test_pool_survives_broken_files_and_keeps_order(files: dict[str, Path]) -> None:
    order = ["good", "random", "empty", "truncated", "text", "missing", "mp3"]
    results = list(analyze_many([str(files[n]) for n in order], workers=2))
    assert [Path(r.path).name for r in results] == [files[n].name for n in order]
    assert [r.error is None for r in results] == [True, False, False, False, False, False, True]
    assert results[0].bpm == pytest.approx(128.0, abs=0.2)
    assert results[-1].bpm == pytest.approx(128.0, abs=0.2)


def test_vbr_mp3_without_a_xing_header_is_not_called_truncated(
    files: dict[str, Path], tmp_path: Path
) -> None:
    # its header length is only an estimate from the first frame's bitrate: no truncation verdict from it
    import subprocess

    vbr = tmp_path / "vbr_no_xing.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(files["good"]), "-c:a", "libmp3lame",
                    "-q:a", "2", "-write_xing", "0", str(vbr)], check=True)  # fmt: skip
    res = analyze_file(vbr)
    assert res.error is None
    assert res.duration == pytest.approx(6.0, abs=0.1)


def _children() -> list[int]:
    """Pids of this process's children (the pool workers), from /proc."""
    me, pids = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_worker_killed_mid_file_does_not_lose_any_file(tmp_path: Path) -> None:
    import signal
    import threading
    import time

    long = clip(tmp_path / "long.wav", bpm=126.0, duration=30.0, sr=44100)
    paths = [str(long)] * 4
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.time() + 10
        while time.time() < deadline and not killed:
            kids = _children()
            if kids:
                time.sleep(0.15)  # let it get into the first file
                os.kill(kids[0], signal.SIGKILL)  # what a decoder segfault looks like to the pool
                killed.append(kids[0])
            time.sleep(0.02)

    t = threading.Thread(target=kill_a_worker)
    t.start()
    results = list(analyze_many(paths, workers=1))
    t.join()
    assert killed
    assert [r.error for r in results] == [None] * 4
    assert all(r.bpm == pytest.approx(126.0, abs=0.1) for r in results)

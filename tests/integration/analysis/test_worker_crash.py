"""A pool worker that dies in the middle of a file (what a decoder segfault looks like) costs nothing:
the daemon's pool is rebuilt, the files in flight are retried one at a time and the pass completes."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.unit.analysis.audio_helpers import clip

N_FILES = 6


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        frontier += kids
    return out


def _holder_of(files: set[str], root: int) -> int | None:
    """The daemon's descendant process that has one of `files` open right now (the busy analysis worker)."""
    for pid in _descendants(root):
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) in files:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_worker_killed_mid_file_does_not_fail_the_pass(daemon_factory: Any, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    src = clip(tmp_path / "src.flac", bpm=125.0, duration=30.0)
    dirs = "".join(f"/:{c}" for c in music.parts[1:]) + "/:"
    entries = []
    for i in range(N_FILES):
        shutil.copy(src, music / f"t{i}.flac")
        entries.append(f'<ENTRY TITLE="T{i}" ARTIST="X"><LOCATION DIR="{dirs}" FILE="t{i}.flac" VOLUME="" '
                       'VOLUMEID=""></LOCATION></ENTRY>')  # fmt: skip
    nml = tmp_path / "collection.nml"
    nml.write_text('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD PROGRAM="Traktor">'
                   f'</HEAD><COLLECTION ENTRIES="{N_FILES}">{"".join(entries)}</COLLECTION></NML>\n')  # fmt: skip
    d = daemon_factory(config={"traktor": {"collection": str(nml)}, "analysis": {"workers": 1}})
    d.wait_for(lambda: d.api().get("/tracks")["total"] == N_FILES, timeout=30, what="ingest")
    assert d.proc is not None
    watched = {str(music / f"t{i}.flac") for i in range(N_FILES)}
    killed: list[int] = []

    def kill_busy_worker() -> None:
        deadline = time.time() + 30
        while time.time() < deadline and not killed:
            pid = _holder_of(watched, d.proc.pid)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.005)

    t = threading.Thread(target=kill_busy_worker)
    t.start()
    job = d.wait_job(d.api().post("/analysis", {"library": True})["id"], timeout=120)
    t.join()
    assert killed, "never caught a worker with a file open"
    assert job["status"] == "succeeded", job
    assert job["result"]["analysed"] == N_FILES and job["result"]["failed"] == 0, job["result"]
    assert d.api().get("/status")["analysis"]["errors"] == 0
    assert "retrying it alone" in d.output()  # the recovery path ran, not a lucky miss

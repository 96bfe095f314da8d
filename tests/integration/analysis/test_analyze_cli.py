"""`musictool analyze` as a user runs it: local files (no daemon) as JSON lines, and --library through a
real daemon with a progress bar."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testkit.fixtures_path import REPO
from tests.unit.analysis.audio_helpers import clip


def musictool(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MUSICTOOL_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "musictool", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def test_local_json_lines_without_a_daemon(tmp_path: Path) -> None:
    # 8 s = the whole four-bar progression (6 s would stop before the IV chord: C-G-C is as much G major)
    good = clip(tmp_path / "good.flac", bpm=124.0, tonic=0, minor=False, duration=8.0)
    broken = tmp_path / "broken.flac"
    broken.write_text("not audio")
    home = tmp_path / "home"
    home.mkdir()
    out = musictool("analyze", "--json", str(good), str(broken), home=home)
    assert out.returncode == 1, out.stderr  # one file failed
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [Path(x["path"]).name for x in lines] == ["good.flac", "broken.flac"]
    ok, bad = lines
    assert ok["bpm"] == pytest.approx(124.0, abs=0.1)
    assert (ok["key"], ok["open_key"], ok["camelot"]) == ("C major", "1d", "8B")
    assert 1 <= ok["energy"] <= 10 and ok["duration"] == pytest.approx(8.0, abs=0.05)
    assert isinstance(ok["bpm_alternatives"], list) and ok["loudness_lufs"] < 0
    assert set(bad) == {"path", "error"} and "not a readable audio file" in bad["error"]
    assert not (home / "musictool.db").exists()  # local analysis never touches the daemon's state


def test_local_human_output_and_usage_errors(tmp_path: Path) -> None:
    good = clip(tmp_path / "g.wav", bpm=140.0, duration=5.0)
    out = musictool("analyze", "--bpm-min", "60", "--bpm-max", "120", str(good), home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "  70.0" in out.stdout and "g.wav" in out.stdout  # 140 folded into 60-120
    assert musictool("analyze", home=tmp_path).returncode == 2
    assert musictool("analyze", "--library", str(good), home=tmp_path).returncode == 2


def test_library_through_the_daemon(daemon_factory: Any, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    f = clip(music / "t.flac", bpm=126.0, duration=5.0)
    nml = tmp_path / "collection.nml"
    dirs = "".join(f"/:{c}" for c in music.parts[1:]) + "/:"
    nml.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD PROGRAM="Traktor"></HEAD>'
        f'<COLLECTION ENTRIES="1"><ENTRY TITLE="T" ARTIST="X"><LOCATION DIR="{dirs}" FILE="{f.name}" VOLUME="" '
        'VOLUMEID=""></LOCATION></ENTRY></COLLECTION></NML>\n'
    )
    d = daemon_factory(config={"traktor": {"collection": str(nml)}})
    d.wait_for(lambda: d.api().get("/tracks")["total"] == 1, timeout=30, what="ingest")
    out = musictool("analyze", "--library", home=d.home)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "analysis.library" in out.stdout and "succeeded" in out.stdout
    assert "1 analysed" in out.stdout
    again = musictool("analyze", "--library", home=d.home)
    assert "1 skipped" in again.stdout


def test_library_pass_in_slices_frees_the_cpu_slot(daemon_factory: Any, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    src = clip(tmp_path / "src.flac", bpm=124.0, duration=3.0)
    dirs = "".join(f"/:{c}" for c in music.parts[1:]) + "/:"
    entries = []
    for i in range(12):  # two batches of 8 and 4
        (music / f"t{i}.flac").write_bytes(src.read_bytes())
        entries.append(f'<ENTRY TITLE="T{i}" ARTIST="X"><LOCATION DIR="{dirs}" FILE="t{i}.flac" VOLUME="" VOLUMEID="">'
                       "</LOCATION></ENTRY>")  # fmt: skip
    nml = tmp_path / "collection.nml"
    nml.write_text('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD PROGRAM="Traktor">'
                   f"</HEAD><COLLECTION ENTRIES=\"12\">{''.join(entries)}</COLLECTION></NML>\n")  # fmt: skip
    d = daemon_factory(config={"traktor": {"collection": str(nml)}, "analysis": {"slice_seconds": 0.01}})
    d.wait_for(lambda: d.api().get("/tracks")["total"] == 12, timeout=30, what="ingest")
    out = musictool("analyze", "--library", home=d.home)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "12 analysed, 0 skipped, 0 failed" in out.stdout
    jobs = sorted(d.api().get("/jobs", kind="analysis.library")["items"], key=lambda j: j["id"])
    assert len(jobs) == 2 and jobs[0]["result"]["continued_in"] == jobs[1]["id"]
    assert jobs[1]["payload"]["carry"]["analysed"] == 8 and jobs[1]["result"]["analysed"] == 12

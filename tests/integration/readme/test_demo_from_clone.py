"""The README's first command, as a newcomer runs it: `git clone` alone into an empty folder (no ../shared,
no tests/ on the path), then ./scripts/demo.sh: gaps with store links printed, then a clean stop on Ctrl-C.

The clone reuses this virtualenv (MUSICTOOL_VENV) instead of installing one; demo.sh puts the clone's own
code first on the path, which the test checks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testkit.fixtures_path import REPO


def _clone(tmp_path: Path) -> Path:
    lonely = tmp_path / "fresh-machine"
    lonely.mkdir()
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(lonely / "musictool")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert sorted(p.name for p in lonely.iterdir()) == ["musictool"]  # nothing beside the clone
    return lonely / "musictool"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICTOOL_") and k != "PYTHONPATH"}
    env.update(
        MUSICTOOL_VENV=str(Path(sys.executable).parent.parent),
        MUSICTOOL_DEMO_HOME=str(home),
        MUSICTOOL_DEMO_PORT="0",
    )
    return env


@pytest.mark.slow
def test_a_clone_alone_runs_the_demo_to_gaps_with_store_links_and_stops_cleanly(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    assert not (clone.parent / "shared").exists()
    home = tmp_path / "demo-home"
    env = _env(home)

    # demo.sh's path puts the clone's code first, whatever the virtualenv has installed
    where = subprocess.run(
        [sys.executable, "-c", "import musictool, musictool.demo as d; print(musictool.__file__)"],
        env={**env, "PYTHONPATH": f"{clone}/daemon:{clone}/tray"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(clone)), where

    proc = subprocess.Popen(
        ["bash", str(clone / "scripts" / "demo.sh")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop." in line or time.monotonic() > deadline:
                break
        output = "".join(lines)
        assert "Press Ctrl-C to stop." in output, output[-4000:]
        assert "Traceback" not in output, output
        assert "discogs.sync           succeeded" in output  # the sync job, with its progress line
        assert "40 records, 6 wants" in output  # the status summary
        assert "tracks on your records are in your DJ library" in output
        gap_rows = [ln for ln in lines if "https://www.beatport.com/search?q=" in ln]
        assert len(gap_rows) == 10, output
        assert "10 of " in output and "gaps (use --offset 10 for more)" in output
        assert f"token:  {home / 'api-token'}" in output
        port = json.loads((home / "daemon.json").read_text())["port"]
        assert f"API:    http://127.0.0.1:{port}/api/v1" in output
        assert (home / "Traktor" / "collection.nml").exists()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert not (home / "daemon.json").exists()  # the daemon shut down cleanly


def test_the_demo_never_clears_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "my-files"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep me")
    env = {**os.environ, "PYTHONPATH": f"{REPO}/daemon:{REPO}/tray"}
    result = subprocess.run(
        [sys.executable, "-m", "musictool", "demo", "--dir", str(mine), "--exit", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "was not made by `musictool demo`" in result.stderr
    assert (mine / "precious.txt").read_text() == "keep me"


@pytest.mark.slow
def test_terminating_the_demo_stops_its_daemon_too(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    env = {**os.environ, "PYTHONPATH": f"{REPO}/daemon:{REPO}/tray"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "musictool", "demo", "--dir", str(home), "--port", "0", "--gaps", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Press Ctrl-C to stop." in line:
                break
        daemon_pid = json.loads((home / "daemon.json").read_text())["pid"]
        proc.terminate()  # SIGTERM to the demo alone, as a service manager or `kill` sends it
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (home / "daemon.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(daemon_pid, 0)

"""The README's first command, as a newcomer runs it: real output within a minute, then a clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from testkit.fixtures_path import REPO


@pytest.mark.slow
def test_demo_script_syncs_shows_gaps_and_stops_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "demo-home"
    env = dict(os.environ, MUSICTOOL_DEMO_HOME=str(home), MUSICTOOL_DEMO_PORT="0")
    env.pop("MUSICTOOL_HOME", None)
    proc = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "demo.sh")],
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
        assert "succeeded" in output  # the Discogs sync job, with its progress bar
        assert "gaps (use --offset" in output and "https://www.beatport.com/search?q=" in output
        assert f"token:  {home / 'api-token'}" in output
        assert (home / "api-token").exists()
        port = json.loads((home / "daemon.json").read_text())["port"]
        assert f"API:    http://127.0.0.1:{port}/api/v1" in output
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert not (home / "daemon.json").exists()  # the daemon shut down cleanly

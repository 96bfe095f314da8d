"""`musictool open`: the dashboard URL with the token in the fragment, opened through $BROWSER."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from tests.desktop.conftest import opened


def musictool(d: Any, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "musictool", *args], env={**d.env(), **env}, capture_output=True, text=True, timeout=60
    )


def test_open_prints_and_opens_the_dashboard_url(daemon_factory: Any, browser: Any) -> None:
    env, log = browser
    d = daemon_factory()
    url = f"http://127.0.0.1:{d.port}/#token={d.token}"
    r = musictool(d, env, "open", "--print")
    assert r.returncode == 0 and r.stdout.strip() == url
    assert opened(log) == []
    r = musictool(d, env, "open")
    assert r.returncode == 0, r.stderr
    assert opened(log) == [url]


def test_open_says_when_the_daemon_is_not_running(daemon_factory: Any, browser: Any) -> None:
    env, log = browser
    d = daemon_factory()
    d.stop()
    r = musictool(d, env, "open")
    assert r.returncode == 1 and "not running" in r.stderr and opened(log) == []


def test_open_says_when_no_browser_starts(daemon_factory: Any, tmp_path: Any) -> None:
    d = daemon_factory()
    r = musictool(d, {"BROWSER": str(tmp_path / "no-such-browser")}, "open")
    assert r.returncode == 1 and f"#token={d.token}" in r.stderr

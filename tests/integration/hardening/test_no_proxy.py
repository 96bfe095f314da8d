"""Issue 11.5: the CLI and the tray never send the API token to an HTTP proxy, whatever http_proxy says."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from musictool.home import Home
from musictool_tray.app import Tray
from testkit.daemon import Daemon


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def _any(self) -> None:
        _Recorder.seen.append(f"{self.command} {self.path} {self.headers.get('Authorization')}")
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PATCH = do_DELETE = do_CONNECT = _any

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    """A real HTTP proxy on loopback that records every request it gets."""
    _Recorder.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _proxy_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "http_proxy", "all_proxy")}
    env.update(http_proxy=url, HTTP_PROXY=url, all_proxy=url)
    return env


def test_the_cli_goes_straight_to_the_daemon(daemon: Daemon, proxy: str) -> None:
    env = _proxy_env(proxy) | {"MUSICTOOL_HOME": str(daemon.home)}
    out = subprocess.run(
        [sys.executable, "-m", "musictool", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "running, version" in out.stdout
    assert _Recorder.seen == []


def test_the_tray_client_goes_straight_to_the_daemon(
    daemon: Daemon, proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("http_proxy", proxy)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    urllib.request.install_opener(None)  # urlopen's cached default opener read the environment before
    try:
        tray = Tray(Home.resolve(daemon.home))
        tray.fetch()  # the tray's own refresh: GET /status and /notifications through its client
    finally:
        urllib.request.install_opener(None)
    assert tray.info is not None, "the tray could not reach the daemon"
    assert tray.info["paused"] is False
    assert _Recorder.seen == []

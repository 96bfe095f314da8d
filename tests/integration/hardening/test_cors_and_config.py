"""Issue 11.9: CORS lets a paired extension PUT; paired_origins and the Discogs base_url are checked at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from musictool.config import ConfigError, load_config
from testkit import toml
from testkit.daemon import Daemon
from tests.integration.foundation.test_api_security import PAIRED, guarded, raw  # noqa: F401 - fixture


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_preflight_allows_every_method_the_api_uses(guarded: Daemon, method: str) -> None:  # noqa: F811
    status, headers, _ = raw(
        guarded,
        "OPTIONS",
        "/tracks/1",
        {"Origin": PAIRED, "Access-Control-Request-Method": method},
        auth=False,
    )
    assert status == 204
    allowed = {m.strip() for m in headers["access-control-allow-methods"].split(",")}
    assert method in allowed


def _config(tmp_path: Path, cfg: dict[str, Any]) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(toml.dumps(cfg), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("origins", "says"),
    [
        (["null"], '"null"'),
        ([7], "strings"),
        ([["chrome-extension://a"]], "strings"),
        (["*"], "origin"),
        (["chrome-extension://abc/"], "origin"),
        ([""], "origin"),
    ],
)
def test_bad_paired_origins_are_a_config_error(tmp_path: Path, origins: list[Any], says: str) -> None:
    with pytest.raises(ConfigError) as ei:
        load_config(_config(tmp_path, {"api": {"paired_origins": origins}}))
    assert "paired_origins" in str(ei.value) and says in str(ei.value)


def test_good_paired_origins_load(tmp_path: Path) -> None:
    ok = ["chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://1b2c3d4e-aaaa-bbbb-cccc-0123"]
    assert load_config(_config(tmp_path, {"api": {"paired_origins": ok}})).get("api", "paired_origins") == ok


def test_a_daemon_with_a_non_string_origin_refuses_to_start(tmp_path: Path) -> None:
    """Seen before: the daemon started and then answered every request 500."""
    d = Daemon(tmp_path / "home", {"api": {"paired_origins": [1]}})
    env = dict(os.environ, MUSICTOOL_HOME=str(d.home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "musictool", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the daemon started with a paired origin that is not a string")
    assert proc.returncode == 2 and "paired_origins" in err


@pytest.mark.parametrize(
    "url", ["http://api.discogs.com", "http://example.org:8080/x", "http://127.0.0.1.nip.io", "ftp://api.discogs.com"]
)
def test_a_discogs_url_that_would_send_the_token_in_clear_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as ei:
        load_config(_config(tmp_path, {"discogs": {"base_url": url}}))
    assert "[discogs] base_url" in str(ei.value) and "https" in str(ei.value)


@pytest.mark.parametrize(
    "url", ["https://api.discogs.com", "http://127.0.0.1:8123", "http://localhost:9", "http://[::1]:8000", "http://127.5.0.1"]
)
def test_https_or_loopback_discogs_urls_load(tmp_path: Path, url: str) -> None:
    assert load_config(_config(tmp_path, {"discogs": {"base_url": url}})).get("discogs", "base_url") == url

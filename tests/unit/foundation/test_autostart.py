"""Login-start files for each platform run `musictool serve` with the chosen home."""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from musictool import autostart


def test_systemd_unit_runs_serve_with_the_home(tmp_path: Path) -> None:
    entry = autostart.for_platform(
        "linux", tmp_path / "home", {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    )
    assert entry.path == tmp_path / "cfg" / "systemd" / "user" / "musictool.service"
    assert f"Environment=MUSICTOOL_HOME={tmp_path / 'home'}" in entry.content
    assert "-m musictool serve" in entry.content and "WantedBy=default.target" in entry.content


def test_launchd_plist_is_valid(tmp_path: Path) -> None:
    entry = autostart.for_platform("darwin", tmp_path / "home", {"HOME": str(tmp_path)})
    data = plistlib.loads(entry.content.encode())
    assert data["Label"] == autostart.LABEL
    assert data["ProgramArguments"][-2:] == ["musictool", "serve"]
    assert data["EnvironmentVariables"]["MUSICTOOL_HOME"] == str(tmp_path / "home")


def test_unknown_platform_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no autostart support"):
        autostart.for_platform("plan9", tmp_path, {})


def test_cli_install_and_uninstall(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        MUSICTOOL_HOME=str(tmp_path / "h"),
    )
    unit = tmp_path / "cfg" / "systemd" / "user" / "musictool.service"
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "musictool", "service", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True)

    assert "systemctl --user" in run("install").stdout
    assert unit.exists()
    run("uninstall")
    assert not unit.exists()

"""service-files/ rendered by `musictool service`: the systemd user unit passes `systemd-analyze --user
verify` with nothing on stderr (typos only warn), the tray's autostart entry passes desktop-file-validate,
the launchd agents load with plistlib, the Windows logon task is well-formed Task Scheduler XML."""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from musictool import autostart
from tests.desktop.conftest import require

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
ODD_HOME = "my music %d $HOME \"q\" & <x>"  # spaces, a systemd specifier, shell and XML specials


def verify_unit(unit: Path, runtime: Path) -> None:
    require("systemd-analyze")
    runtime.mkdir(mode=0o700, exist_ok=True)
    r = subprocess.run(
        ["systemd-analyze", "--user", "--man=no", "verify", str(unit)],
        env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def validate_desktop(path: Path) -> None:
    require("desktop-file-validate")
    r = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and (r.stdout + r.stderr).strip() == "", r.stdout + r.stderr


def service(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "musictool", "service", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_install_no_start_writes_files_that_pass_the_validators(tmp_path: Path) -> None:
    home = tmp_path / ODD_HOME
    cfg = tmp_path / "cfg"
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(cfg), MUSICTOOL_HOME=str(home))
    unit = cfg / "systemd" / "user" / "musictool.service"
    desktop = cfg / "autostart" / "musictool-tray.desktop"

    assert service(env, "status").returncode == 3  # nothing installed yet
    r = service(env, "install", "--no-start")
    assert r.returncode == 0, r.stderr
    assert f"wrote {unit}" in r.stdout and f"wrote {desktop}" in r.stdout
    verify_unit(unit, tmp_path / "xdg")
    validate_desktop(desktop)
    text = unit.read_text()
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text and "User=" not in text
    assert f"ExecStart={sys.executable} -m musictool serve" in text
    assert 'Environment="MUSICTOOL_HOME=' in text and "%%d" in text  # quoted, the specifier escaped
    r = service(env, "status")
    assert r.returncode == 0 and r.stdout.count("installed") == 2

    # a hand-edited unit is kept as .bak when install writes the current one
    unit.write_text(text.replace("RestartSec=5", "RestartSec=9"))
    assert "outdated" in service(env, "status").stdout
    assert "kept as musictool.service.bak" in service(env, "install", "--no-start").stdout
    assert "RestartSec=9" in (unit.parent / "musictool.service.bak").read_text()
    assert unit.read_text() == text

    r = service(env, "uninstall")
    assert r.returncode == 0 and not unit.exists() and not desktop.exists()
    assert service(env, "status").stdout.count("missing") == 2


def test_the_desktop_entry_quotes_odd_homes_as_the_spec_says(tmp_path: Path) -> None:
    [_, entry] = autostart.entries("linux", tmp_path / ODD_HOME, {"HOME": str(tmp_path)})
    path = tmp_path / "e.desktop"
    path.write_text(entry.content)
    validate_desktop(path)
    exec_line = next(line for line in entry.content.splitlines() if line.startswith("Exec="))
    assert '"' + str(tmp_path).replace("\\", "\\\\\\\\") in exec_line and "%%d" in exec_line
    assert '\\\\"q\\\\"' in exec_line and "\\\\$HOME" in exec_line


def test_a_broken_unit_is_caught_by_the_check(tmp_path: Path) -> None:
    """The check itself works: a typo that systemd only warns about fails it."""
    [entry, _] = autostart.entries("linux", tmp_path / "h", {"HOME": str(tmp_path)})
    unit = tmp_path / "musictool.service"
    unit.write_text(entry.content.replace("Restart=on-failure", "Restart=sometimes"))
    with pytest.raises(AssertionError, match="restart specifier"):
        verify_unit(unit, tmp_path / "xdg")


def test_launchd_agents_are_valid_plists(tmp_path: Path) -> None:
    home = tmp_path / ODD_HOME
    entries = autostart.entries("darwin", home, {"HOME": "/Users/ann"}, python="/opt/py/bin/python3")
    assert [e.path for e in entries] == [
        Path("/Users/ann/Library/LaunchAgents/org.musictool.daemon.plist"),
        Path("/Users/ann/Library/LaunchAgents/org.musictool.tray.plist"),
    ]
    known = {"Label", "ProgramArguments", "EnvironmentVariables", "RunAtLoad", "KeepAlive", "ProcessType",
             "StandardOutPath", "StandardErrorPath", "LimitLoadToSessionType"}
    daemon, tray = (plistlib.loads(e.content.encode(), fmt=plistlib.FMT_XML) for e in entries)
    for d in (daemon, tray):
        assert set(d) <= known and d["RunAtLoad"] is True
        assert d["ProgramArguments"][0] == "/opt/py/bin/python3"
    assert daemon["Label"] == "org.musictool.daemon"
    assert daemon["ProgramArguments"][1:] == ["-m", "musictool", "serve"]
    assert daemon["EnvironmentVariables"]["MUSICTOOL_HOME"] == str(home)
    assert daemon["KeepAlive"] == {"SuccessfulExit": False}  # restart on failure only
    assert tray["ProgramArguments"][1:] == ["-m", "musictool_tray", "--home", str(home)]
    with pytest.raises(Exception):  # noqa: B017 - plistlib raises ExpatError or ValueError
        plistlib.loads(entries[0].content.replace("<true/>", "<true>").encode())


def test_windows_logon_task_is_well_formed(tmp_path: Path) -> None:
    [entry] = autostart.entries(
        "win32",
        Path("C:/Users/ann/AppData/Local/musictool"),
        {"USERNAME": "ann", "USERDOMAIN": "PC", "USERPROFILE": "C:/Users/ann"},
        python=r"C:\Program Files\Python311\python.exe",
    )
    assert entry.encoding == "utf-16"
    root = ET.fromstring(entry.content.encode("utf-16"))
    assert root.tag == f"{{{TASK_NS['t']}}}Task"
    assert root.find("t:Triggers/t:LogonTrigger/t:UserId", TASK_NS).text == "PC\\ann"
    assert root.find("t:Principals/t:Principal/t:RunLevel", TASK_NS).text == "LeastPrivilege"
    execs = [
        (e.find("t:Command", TASK_NS).text, e.find("t:Arguments", TASK_NS).text)
        for e in root.findall("t:Actions/t:Exec", TASK_NS)
    ]
    assert execs == [
        (r"C:\Program Files\Python311\pythonw.exe", "-m musictool --home C:/Users/ann/AppData/Local/musictool serve"),
        (r"C:\Program Files\Python311\pythonw.exe", "-m musictool_tray --home C:/Users/ann/AppData/Local/musictool"),
    ]


def test_templates_have_no_value_left_unfilled(tmp_path: Path) -> None:
    for platform in ("linux", "darwin", "win32"):
        for e in autostart.entries(platform, tmp_path / "h", {"HOME": str(tmp_path), "USERNAME": "u"}):
            assert re.findall(r"@[A-Z_]+@", e.content) == [], e.template
    with pytest.raises(autostart.AutostartError, match="no autostart support"):
        autostart.entries("plan9", tmp_path, {})


def test_install_that_cannot_start_says_so_and_keeps_the_files(tmp_path: Path) -> None:
    """No user service manager to talk to (as in a container): the files stay, the message says why."""
    cfg = tmp_path / "cfg"
    empty = tmp_path / "run"
    empty.mkdir(mode=0o700)
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(cfg),
        MUSICTOOL_HOME=str(tmp_path / "h"),
        XDG_RUNTIME_DIR=str(empty),
        DBUS_SESSION_BUS_ADDRESS=f"unix:path={empty}/none",
    )
    r = service(env, "install")
    assert r.returncode == 1
    assert "take effect at the next login, but starting now failed" in r.stderr
    assert "systemctl --user" in r.stderr
    assert (cfg / "systemd" / "user" / "musictool.service").exists()
    assert (cfg / "autostart" / "musictool-tray.desktop").exists()

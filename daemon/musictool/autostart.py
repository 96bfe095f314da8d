"""Start at login: render service-files/ with this machine's paths and put them where each system looks.

Linux: a systemd user unit for the daemon and an XDG autostart entry for the tray. macOS: two launchd
agents. Windows: one Task Scheduler logon task (daemon and tray). Each value is quoted the way its file
format wants it (systemd and desktop-entry quoting, XML escaping), so a home folder with spaces, quotes
or % signs still works.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from xml.sax.saxutils import escape as xml_escape

LABEL = "org.musictool.daemon"
TRAY_LABEL = "org.musictool.tray"
TASK_NAME = "MusicTool"
UNIT = "musictool.service"
DESKTOP = "musictool-tray.desktop"
TASK_XML = "musictool-logon-task.xml"


class AutostartError(Exception):
    """Worded for the user: what could not be done and what to do instead."""


@dataclass(frozen=True)
class Entry:
    template: str
    path: Path
    content: str
    encoding: str = "utf-8"

    def state(self) -> str:
        """'installed', 'outdated' (differs from what install would write now) or 'missing'."""
        try:
            current = self.path.read_text(encoding=self.encoding)
        except FileNotFoundError:
            return "missing"
        except (OSError, UnicodeError):
            return "outdated"
        return "installed" if current == self.content else "outdated"


def templates_dir() -> Path:
    """service-files/ of a source checkout (editable install), else the copy installed as data files."""
    for candidate in (
        Path(__file__).resolve().parents[2] / "service-files",
        Path(sysconfig.get_path("data")) / "share" / "musictool" / "service-files",
    ):
        if (candidate / UNIT).exists():
            return candidate
    raise AutostartError("the service-files templates are not installed with this copy of MusicTool")


def _systemd_arg(value: str) -> str:
    """One argument in a systemd command line or assignment: % doubled, quoted when it needs it."""
    value = value.replace("%", "%%")
    if any(c in value for c in ' \t"\'\\;$'):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _desktop_arg(value: str) -> str:
    """One argument in a desktop entry's Exec key (Desktop Entry Specification, 'The Exec key')."""
    if any(c in value for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        inner = "".join("\\" + c if c in '"`$\\' else c for c in value).replace("%", "%%")
        return f'"{inner}"'.replace("\\", "\\\\")  # the value itself is a string: its backslashes escaped
    return value


def _pythonw(python: str) -> str:
    """pythonw.exe beside python.exe: no console window at logon."""
    p = PureWindowsPath(python)
    return str(p.with_name("pythonw.exe")) if p.name.lower() == "python.exe" else python


def _fill(template: str, values: dict[str, str]) -> str:
    text = (templates_dir() / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise AutostartError(f"{template}: values not filled in: {', '.join(sorted(set(leftover)))}")
    return text


def entries(
    platform: str, home: Path, env: dict[str, str] | None = None, python: str | None = None
) -> list[Entry]:
    """What `musictool service install` writes on this platform, rendered for this home and Python."""
    env = dict(os.environ if env is None else env)
    python = python or sys.executable
    user_home = Path(env.get("HOME") or env.get("USERPROFILE") or str(Path.home()))
    logs = home / "logs"
    if platform.startswith("linux"):
        config_home = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
        unit = _fill(UNIT, {"ENV_HOME": _systemd_arg(f"MUSICTOOL_HOME={home}"), "PYTHON": _systemd_arg(python)})
        desktop = _fill(DESKTOP, {"PYTHON": _desktop_arg(python), "HOME": _desktop_arg(str(home))})
        return [
            Entry(UNIT, config_home / "systemd" / "user" / UNIT, unit),
            Entry(DESKTOP, config_home / "autostart" / DESKTOP, desktop),
        ]
    if platform == "darwin":
        values = {"PYTHON": xml_escape(python), "HOME": xml_escape(str(home)), "LOGS": xml_escape(str(logs))}
        agents = user_home / "Library" / "LaunchAgents"
        return [
            Entry(f"{label}.plist", agents / f"{label}.plist", _fill(f"{label}.plist", values))
            for label in (LABEL, TRAY_LABEL)
        ]
    if platform in ("win32", "cygwin"):
        domain, user = env.get("USERDOMAIN"), env.get("USERNAME") or getpass.getuser()
        values = {
            "PYTHONW": xml_escape(_pythonw(python)),
            "HOME_ARG": xml_escape(subprocess.list2cmdline([str(home)])),
            "USER": xml_escape(f"{domain}\\{user}" if domain else user),
        }
        return [Entry(TASK_XML, home / "service" / TASK_XML, _fill(TASK_XML, values), encoding="utf-16")]
    raise AutostartError(f"no autostart support for platform {platform!r}")


def write(entry: Entry) -> Path | None:
    """Atomic write; a different file already there is kept as <name>.bak first. Returns the backup."""
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if entry.state() == "outdated":
        backup = entry.path.with_name(entry.path.name + ".bak")
        shutil.copy2(entry.path, backup)
    tmp = entry.path.with_name(entry.path.name + ".tmp")
    tmp.write_text(entry.content, encoding=entry.encoding)
    os.replace(tmp, entry.path)
    return backup


def start_commands(platform: str, items: list[Entry]) -> list[list[str]]:
    """What enables and starts the installed files now (install without --no-start)."""
    if platform.startswith("linux"):
        return [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", UNIT]]
    if platform == "darwin":
        domain = f"gui/{os.getuid()}"
        return [["launchctl", "bootstrap", domain, str(e.path)] for e in items]
    return [["schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(items[0].path), "/F"]]


def stop_commands(platform: str, items: list[Entry]) -> list[list[str]]:
    if platform.startswith("linux"):
        return [["systemctl", "--user", "disable", "--now", UNIT]]
    if platform == "darwin":
        domain = f"gui/{os.getuid()}"
        return [["launchctl", "bootout", domain, str(e.path)] for e in items]
    return [["schtasks", "/Delete", "/TN", TASK_NAME, "/F"]]


def run_commands(commands: list[list[str]]) -> list[str]:
    """Run each; the problems, worded (an empty list: all went well)."""
    problems = []
    for cmd in commands:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"`{' '.join(cmd)}` could not run: {exc}")
            continue
        if r.returncode != 0:
            why = (r.stderr or r.stdout).strip().splitlines()
            problems.append(f"`{' '.join(cmd)}` failed: {why[-1] if why else f'exit {r.returncode}'}")
    return problems


def service_state(platform: str) -> str | None:
    """What the service manager says of the daemon (Linux: systemctl --user is-active), if it can tell."""
    if not platform.startswith("linux") or not shutil.which("systemctl"):
        return None
    try:
        r = subprocess.run(
            ["systemctl", "--user", "is-active", UNIT], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (r.stdout or "").strip()
    return out if out and r.returncode in (0, 3) else None

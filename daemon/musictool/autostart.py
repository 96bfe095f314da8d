"""Start at login: a systemd user unit on Linux, a launchd agent on macOS, a Startup-folder script on Windows."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

LABEL = "org.musictool.daemon"


@dataclass(frozen=True)
class Autostart:
    path: Path
    content: str
    enable_hint: str


def _serve_command() -> list[str]:
    return [sys.executable, "-m", "musictool", "serve"]


def for_platform(platform: str, home: Path, env: dict[str, str] | None = None) -> Autostart:
    env = dict(os.environ if env is None else env)
    user_home = Path(env.get("HOME", str(Path.home())))
    command = _serve_command()
    if platform.startswith("linux"):
        config_home = Path(env.get("XDG_CONFIG_HOME", user_home / ".config"))
        unit = (
            "[Unit]\nDescription=MusicTool daemon (Traktor and Discogs in one library)\n"
            "After=network-online.target\n\n"
            "[Service]\nType=simple\n"
            f"Environment=MUSICTOOL_HOME={home}\n"
            f"ExecStart={shlex.join(command)}\n"
            "Restart=on-failure\nRestartSec=5\nNice=5\n"
            "# SIGTERM: stop taking work, checkpoint running jobs, exit 0\nKillSignal=SIGTERM\nTimeoutStopSec=30\n\n"
            "[Install]\nWantedBy=default.target\n"
        )
        return Autostart(
            config_home / "systemd" / "user" / "musictool.service",
            unit,
            "systemctl --user daemon-reload && systemctl --user enable --now musictool.service",
        )
    if platform == "darwin":
        args = "".join(f"    <string>{a}</string>\n" for a in command)
        plist = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n'
            f"  <key>Label</key><string>{LABEL}</string>\n"
            f"  <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n"
            "  <key>EnvironmentVariables</key>\n"
            f"  <dict><key>MUSICTOOL_HOME</key><string>{home}</string></dict>\n"
            "  <key>RunAtLoad</key><true/>\n"
            "  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>\n"
            f"  <key>StandardErrorPath</key><string>{home}/logs/launchd.log</string>\n"
            "</dict>\n</plist>\n"
        )
        return Autostart(
            user_home / "Library" / "LaunchAgents" / f"{LABEL}.plist",
            plist,
            f"launchctl load -w ~/Library/LaunchAgents/{LABEL}.plist",
        )
    if platform in ("win32", "cygwin"):
        startup = Path(env.get("APPDATA", user_home / "AppData" / "Roaming"))
        script = f'@echo off\r\nset MUSICTOOL_HOME={home}\r\nstart "" /min {subprocess_line(command)}\r\n'
        return Autostart(
            startup / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "musictool.cmd",
            script,
            "it runs at your next login",
        )
    raise ValueError(f"no autostart support for platform {platform!r}")


def subprocess_line(command: list[str]) -> str:
    return " ".join(f'"{c}"' if " " in c else c for c in command)


def install(entry: Autostart) -> None:
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.path.with_name(entry.path.name + ".tmp")
    tmp.write_text(entry.content, encoding="utf-8")
    os.replace(tmp, entry.path)

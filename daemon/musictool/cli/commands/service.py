"""`musictool service install [--no-start] | uninstall | status | show`: the daemon and tray at login."""

from __future__ import annotations

import argparse
import sys

from musictool import autostart
from musictool.home import Home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "service", help="start the daemon and the tray at login (systemd + XDG autostart, launchd, Task Scheduler)"
    )
    p.add_argument("action", choices=["install", "uninstall", "status", "show"])
    p.add_argument(
        "--no-start", action="store_true", help="install: only write the files, do not enable or start them"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    try:
        items = autostart.entries(sys.platform, home.root)
    except autostart.AutostartError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    if args.action == "show":
        for e in items:
            print(f"# {e.path}\n{e.content}", end="" if e.content.endswith("\n") else "\n")
        return 0
    if args.action == "status":
        for e in items:
            print(f"{e.state():9}  {e.path}")
        state = autostart.service_state(sys.platform)
        if state:
            print(f"service manager: {autostart.UNIT} is {state}")
        return 0 if all(e.state() == "installed" for e in items) else 3
    if args.action == "install":
        for e in items:
            backup = autostart.write(e)
            print(f"wrote {e.path}" + (f" (the previous one kept as {backup.name})" if backup else ""))
        if args.no_start:
            return 0
        problems = autostart.run_commands(autostart.start_commands(sys.platform, items))
        if problems:
            print("the files are in place and take effect at the next login, but starting now failed:", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            return 1
        print("enabled: the daemon starts now and at every login")
        return 0
    # uninstall: stop first (failures only warn: the files may never have been enabled)
    problems = autostart.run_commands(autostart.stop_commands(sys.platform, items))
    for e in items:
        existed = e.path.exists()
        e.path.unlink(missing_ok=True)
        print(f"removed {e.path}" if existed else f"nothing to remove at {e.path}")
    for p in problems:
        print(f"note: {p}", file=sys.stderr)
    return 0

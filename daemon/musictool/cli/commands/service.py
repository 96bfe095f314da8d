"""`musictool service install|uninstall|show`: run the daemon at login."""

from __future__ import annotations

import argparse
import sys

from musictool import autostart
from musictool.home import Home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "service", help="start the daemon at login (systemd user unit, launchd agent, Startup)"
    )
    p.add_argument("action", choices=["install", "uninstall", "show"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    entry = autostart.for_platform(sys.platform, home.root)
    if args.action == "show":
        print(f"# {entry.path}")
        print(entry.content, end="")
    elif args.action == "install":
        autostart.install(entry)
        print(f"wrote {entry.path}\nto start it now and at every login: {entry.enable_hint}")
    else:
        existed = entry.path.exists()
        entry.path.unlink(missing_ok=True)
        print(f"removed {entry.path}" if existed else f"nothing to remove at {entry.path}")
    return 0

"""`musictool serve`: run the daemon in the foreground until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse

from musictool.home import Home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the daemon in the foreground")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musictool import service

    return service.run(Home.resolve(args.home))

"""`musictool …`: every command but serve and analyze talks to the running daemon through its API."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from musictool import __version__
from musictool.cli import commands as commands_pkg
from musictool.cli.client import ApiError, DaemonNotRunning


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musictool", description=__doc__)
    parser.add_argument("--version", action="version", version=f"musictool {__version__}")
    parser.add_argument("--home", help="home folder (default: $MUSICTOOL_HOME or the platform's data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda i: i.name):
        importlib.import_module(f"{commands_pkg.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DaemonNotRunning as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    except ApiError as exc:
        detail = exc.body.get("detail") or exc.body.get("title") or ""
        print(f"musictool: the daemon refused that ({exc.status}): {detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `musictool tracks | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())

"""`musictool token show|rotate`: the API token lives in the home folder, readable only by the user."""

from __future__ import annotations

import argparse

from musictool import token as api_token
from musictool.home import Home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="show or rotate the API token")
    p.add_argument("action", choices=["show", "rotate", "path"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    home.ensure()
    if args.action == "path":
        print(home.token)
    elif args.action == "show":
        print(api_token.ensure(home.token))
    else:
        api_token.rotate(home.token)
        print(f"new token written to {home.token}; the old one no longer works")
    return 0

"""`musictool open [--print]`: the dashboard in the default browser, signed in by the token in the fragment."""

from __future__ import annotations

import argparse
import sys

from musictool.cli.client import ApiClient
from musictool.config import ConfigError
from musictool.home import Home
from musictool.opener import dashboard_url_for, open_in_browser


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("open", help="open the dashboard in the browser ($BROWSER is honoured)")
    p.add_argument("--print", dest="print_only", action="store_true", help="print the URL instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    try:
        url = dashboard_url_for(home)
    except ConfigError as exc:
        print(f"musictool: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.print_only:
        print(url)
        return 0
    ApiClient.from_home(home).get("/health")  # DaemonNotRunning -> "start it with musictool serve", exit 1
    if not open_in_browser(url):
        print(f"musictool: no browser could be started; open this address yourself:\n{url}", file=sys.stderr)
        return 1
    return 0

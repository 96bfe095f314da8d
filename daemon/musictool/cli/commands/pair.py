"""`musictool pair`: a one-time code to type into the browser extension's options page."""

from __future__ import annotations

import argparse
import json

from musictool.cli.client import ApiClient


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pair", help="print a one-time code that pairs the browser extension")
    p.add_argument("--json", action="store_true", help="print the code and its expiry as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    client = ApiClient.from_args(args)
    answer = client.post("/pairings/codes", {})
    if args.json:
        print(json.dumps(answer))
        return 0
    port = client.base_url.split(":")[-1].split("/")[0]
    print(answer["code"])
    print(
        f"Type this code into the MusicTool extension's options page (port {port}). "
        f"It works once, until {answer['expires_at'][:19].replace('T', ' ')} UTC."
    )
    return 0

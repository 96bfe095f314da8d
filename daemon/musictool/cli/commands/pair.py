"""`musictool pair`: a one-time code to type into the browser extension's options page; `--list` and
`--revoke ID` show and end pairings."""

from __future__ import annotations

import argparse
import json

from musictool.cli.client import ApiClient


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pair", help="print a one-time code that pairs the browser extension")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list paired extensions instead")
    what.add_argument(
        "--revoke", type=int, metavar="ID", help="revoke a pairing: its token and origin stop working"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    client = ApiClient.from_args(args)
    if args.revoke is not None:
        client.delete(f"/pairings/{args.revoke}")
        print(f"pairing {args.revoke} revoked")
        return 0
    if args.list:
        items = client.get("/pairings", limit=1000)["items"]
        if args.json:
            print(json.dumps(items))
        for p in [] if args.json else items:
            state = f"revoked {p['revoked_at'][:19]}" if p["revoked_at"] else "live"
            print(f"{p['id']:>4}  {p['origin']}  paired {p['created_at'][:19]}  {state}")
        return 0
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

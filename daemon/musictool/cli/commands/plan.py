"""`musictool plan --budget 50`: which wishlist items to buy for the most priority within a budget, and why."""

from __future__ import annotations

import argparse
import json
import sys

from musictool.cli.client import ApiClient, ApiError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="plan wishlist purchases within a budget")
    p.add_argument("--budget", type=float, required=True, help="money to spend, in the wishlist currency")
    p.add_argument("--track-price", type=float, help="estimated price of an item without a target price")
    p.add_argument("--json", action="store_true", help="print the raw JSON plan")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    body: dict = {"budget": args.budget}
    if args.track_price is not None:
        body["track_price"] = args.track_price
    try:
        result = ApiClient.from_args(args).post("/wishlist/plan", body)
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    for line in result["explanation"]:
        print(line)
    return 0

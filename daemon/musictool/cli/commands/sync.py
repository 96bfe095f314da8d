"""`musictool sync discogs [--full]`: sync the Discogs collection now, with a live progress bar."""

from __future__ import annotations

import argparse
import sys

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.output import follow_job, print_kv


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="sync an external source now (discogs)")
    p.add_argument("source", choices=["discogs"], help="what to sync")
    p.add_argument(
        "--full",
        action="store_true",
        help="walk the whole collection and wantlist (catches removals, moves, rating edits)",
    )
    p.add_argument("--no-wait", action="store_true", help="queue the sync and return at once")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    try:
        job = api.post("/discogs/sync", {"full": bool(args.full)})
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    if args.no_wait:
        print(f"queued job #{job['id']} ({job['status']})")
        return 0
    final = follow_job(api, job["id"])
    result = final.get("result") or {}
    if final["status"] != "succeeded":
        return 1
    print_kv([(k, v) for k, v in result.items()])
    return 0

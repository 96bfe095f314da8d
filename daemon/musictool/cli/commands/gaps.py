"""`musictool gaps`: the vinyl tracks you lack digitally, highest priority first, with store search links."""

from __future__ import annotations

import argparse
import json
import sys

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.output import print_table

STORES = ("beatport", "bandcamp", "juno", "traxsource", "discogs")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gaps", help="list vinyl tracks with no digital copy, with store links")
    p.add_argument("--artist", help="only gaps whose artist contains this text")
    p.add_argument("--label", help="only gaps on a label whose name contains this text")
    p.add_argument("--release", type=int, metavar="ID", help="only this Discogs release")
    p.add_argument("--min-priority", type=float, metavar="N", help="only gaps with priority >= N (0-100)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--store", choices=STORES, default="beatport", help="which store's link goes in the table")
    p.add_argument("--all-links", action="store_true", help="print every store's link under each row")
    p.add_argument("--json", action="store_true", help="print the raw JSON page")
    p.add_argument("--export", choices=("csv", "html"), help="print the whole shopping list as CSV or HTML")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    filters = {
        "artist": args.artist,
        "label": args.label,
        "release_id": args.release,
        "min_priority": args.min_priority,
    }
    try:
        if args.export:
            sys.stdout.write(api.get(f"/gaps/export.{args.export}", **filters))
            return 0
        page = api.get("/gaps", limit=args.limit, offset=args.offset, **filters)
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return 0
    rows = [
        {
            "priority": f"{g['priority']:.0f}",
            "release": g["release_id"],
            "pos": g["position"],
            "artist": g["artist"],
            "title": g["title"],
            "record": g["release_title"],
            "why": (g["reasons"] or [""])[0],
            args.store: g["links"][args.store],
        }
        for g in page["items"]
    ]
    if args.all_links:
        for g, row in zip(page["items"], rows, strict=True):
            print(
                f"{row['priority']:>3}  {g['artist']} - {g['title']}  [{g['release_title']} {g['position']}]"
            )
            for s in STORES:
                print(f"     {s:<10} {g['links'][s]}")
    else:
        print_table(
            rows,
            ["priority", "release", "pos", "artist", "title", "record", "why", args.store],
            max_width=200,
        )
    shown = len(page["items"])
    print(
        f"{shown} of {page['total']} gaps"
        + (f" (use --offset {args.offset + shown} for more)" if args.offset + shown < page["total"] else "")
    )
    return 0

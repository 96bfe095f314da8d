"""`musictool gaps`: the vinyl tracks you lack digitally, highest priority first, with store search links."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.text import Text

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.output import console, print_table

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
    render(page, args.store, console(), all_links=args.all_links, offset=args.offset)
    return 0


def render(page: dict, store: str, out: Console, *, all_links: bool = False, offset: int = 0) -> None:
    """A page of /gaps as a table with one store's link (or every store's link under each gap)."""
    if all_links:
        for g in page["items"]:
            out.print(
                f"{g['priority']:>3.0f}  {g['artist']} - {g['title']}  [{g['release_title']} {g['position']}]"
            )
            for s in STORES:
                out.print(f"     {s:<10} {g['links'][s]}")
    elif out.is_terminal:  # two lines a gap: what and why, then the link (a table column would squeeze it)
        for g in page["items"]:
            out.print(
                Text.assemble(
                    (f"{g['priority']:>3.0f}  ", "bold"),
                    (f"{g['artist']} - {g['title']}", "bold"),
                    f"  [{g['release_title']} {g['position']}]  ",
                    ((g["reasons"] or [""])[0], "dim"),
                ),
                no_wrap=True,
                overflow="ellipsis",  # the reason is cut to the terminal's width, the link below never is
            )
            out.print(f"     {g['links'][store]}", style="cyan", overflow="fold")
    else:
        rows = [
            {
                "priority": f"{g['priority']:.0f}",
                "release": g["release_id"],
                "pos": g["position"],
                "artist": g["artist"],
                "title": g["title"],
                "record": g["release_title"],
                "why": (g["reasons"] or [""])[0],
                store: g["links"][store],
            }
            for g in page["items"]
        ]
        print_table(
            rows, ["priority", "release", "pos", "artist", "title", "record", "why", store], max_width=200, out=out
        )
    shown = len(page["items"])
    out.print(
        f"{shown} of {page['total']} gaps"
        + (f" (use --offset {offset + shown} for more)" if offset + shown < page["total"] else "")
    )

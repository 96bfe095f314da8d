"""`musictool playlists`: Traktor's folder/playlist tree; `musictool playlists ID` lists a playlist's tracks
(a smart list's: the tracks its query selects now)."""

from __future__ import annotations

import argparse
import json

from musictool.cli.client import ApiClient
from musictool.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("playlists", help="list Traktor playlists, or the tracks of one")
    p.add_argument("id", nargs="?", type=int, help="a playlist id: list its tracks in order")
    p.add_argument("--add", type=int, nargs="+", metavar="TRACK", help="add tracks (ids) to playlist ID")
    p.add_argument(
        "--remove", type=int, nargs="+", metavar="TRACK", help="remove tracks (ids) from playlist ID"
    )
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    if args.id is None:
        page = api.get("/playlists", limit=1000)
        if args.json:
            print(json.dumps(page, indent=2, ensure_ascii=False))
            return 0
        for p in page["items"]:
            depth = p["depth"]  # from the tree: a name may hold "/"
            mark = {"FOLDER": "+", "SMARTLIST": "*"}.get(p["type"], "-")
            if p["type"] == "FOLDER":
                count = ""
            elif p["type"] == "SMARTLIST":
                n = p["entry_count"]
                count = f"  ({n}; {p['query']})" if n is not None else f"  (cannot evaluate: {p['query']})"
            else:
                count = f"  ({p['entry_count']})"
            print(f"{p['id']:>5}  {'  ' * depth}{mark} {p['name']}{count}")
        return 0
    if args.add or args.remove:
        w = api.post(f"/playlists/{args.id}/tracks", {"add": args.add or [], "remove": args.remove or []})
        print(f"write {w['id']}: {w['status']}" + (f" ({w['waiting_for']})" if w.get("waiting_for") else ""))
        return 0
    page = api.get(f"/playlists/{args.id}/tracks", limit=5000)
    if args.json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return 0
    rows = [
        {"#": it["position"] + 1, **(it["track"] or {"title": f"(not in collection) {it['location_key']}"})}
        for it in page["items"]
    ]
    print_table(rows, ["#", "id", "artist", "title", "bpm", "key_camelot"], max_width=40)
    return 0

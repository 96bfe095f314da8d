"""`musictool tracks`: search and list the Traktor collection; `--id N` shows one track in full."""

from __future__ import annotations

import argparse
import json

from musictool.cli.client import ApiClient
from musictool.cli.output import print_kv, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tracks", help="list Traktor tracks (search, filter, sort)")
    p.add_argument("q", nargs="*", help="words to find in artist/title/album/label/comment")
    p.add_argument("--bpm", metavar="MIN-MAX", help="BPM range, e.g. 120-126")
    p.add_argument("--key", help="key in any notation: Am, 8A, 1m, A minor")
    p.add_argument("--genre")
    p.add_argument("--sort", default="artist", help="artist, title, bpm, key, ... (prefix - for descending)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--id", type=int, help="show one track with every field, cues, playlists and plays")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=run)


def _bpm(spec: str | None) -> tuple[float | None, float | None]:
    if not spec:
        return None, None
    lo, _, hi = spec.partition("-")
    try:
        return (float(lo) if lo else None, float(hi) if hi else (float(lo) if lo and not _ else None))
    except ValueError:
        raise SystemExit(f"musictool: --bpm must look like 120-126, not {spec!r}") from None


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    if args.id is not None:
        t = api.get(f"/tracks/{args.id}")
        if args.json:
            print(json.dumps(t, indent=2, ensure_ascii=False))
            return 0
        skip = {"cues", "playlists", "plays", "extra", "stems"}
        print_kv([(k, v) for k, v in t.items() if k not in skip and v is not None])
        if t["cues"]:
            print("\ncues:")
            print_table(t["cues"], ["name", "type", "start", "length", "hotcue"])
        if t["playlists"]:
            print("\nin playlists: " + ", ".join(p["path"] for p in t["playlists"]))
        if t["plays"]:
            print(f"\n{len(t['plays'])} plays in History, last {t['plays'][-1]['started_at']}")
        return 0
    bpm_min, bpm_max = _bpm(args.bpm)
    page = api.get(
        "/tracks", q=" ".join(args.q) or None, bpm_min=bpm_min, bpm_max=bpm_max, key=args.key, genre=args.genre,
        sort=args.sort, limit=args.limit, offset=args.offset,
    )  # fmt: skip
    if args.json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return 0
    print_table(
        page["items"], ["id", "artist", "title", "bpm", "key_camelot", "genre", "rating"], max_width=40
    )
    shown = len(page["items"])
    print(f"{args.offset + 1 if shown else 0}-{args.offset + shown} of {page['total']}")
    return 0

"""`musictool traktor discover|status|ingest|write|undo|writes`: the Traktor collection and safe write-back."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from musictool.cli.client import ApiClient
from musictool.cli.output import follow_job, print_kv, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("traktor", help="find, re-read and edit the Traktor collection")
    tsub = p.add_subparsers(dest="traktor_cmd", required=True)
    d = tsub.add_parser("discover", help="show which collection.nml would be used, and why")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_discover)
    tsub.add_parser("status", help="collection, counts, last ingest and errors").set_defaults(func=run_status)
    tsub.add_parser("ingest", help="re-read the collection and History now").set_defaults(func=run_ingest)
    w = tsub.add_parser("write", help="write fields of one track back to collection.nml")
    w.add_argument("track", type=int, help="track id")
    w.add_argument("--bpm", type=float)
    w.add_argument("--key", help="any notation: Am, 8A, 1m")
    w.add_argument("--genre")
    w.add_argument("--comment")
    w.add_argument("--rating", type=int, choices=range(6))
    w.set_defaults(func=run_write)
    u = tsub.add_parser("undo", help="restore collection.nml from the newest backup")
    u.add_argument("--force", action="store_true", help="even if Traktor saved the collection since or the backup looks damaged")
    u.set_defaults(func=run_undo)
    tsub.add_parser("writes", help="the write-back queue and its history").set_defaults(func=run_writes)
    h = tsub.add_parser("history", help="DJ sets from Traktor's History files; give an id for its plays")
    h.add_argument("id", nargs="?", type=int)
    h.set_defaults(func=run_history)


def run_discover(args: argparse.Namespace) -> int:
    """Works without the daemon: reads config.toml and looks on disk."""
    from musictool.config import ConfigError, load_config
    from musictool.home import Home
    from musictool.integrations.traktor.discover import discover

    home = Home.resolve(getattr(args, "home", None))
    configured = None
    try:
        configured = load_config(home.config).get("traktor", "collection")
    except ConfigError as exc:
        print(f"musictool: configuration error: {exc}")
        return 2
    d = discover(str(configured) if configured else None)
    if args.json:
        print(json.dumps(asdict(d), indent=2))
        return 0 if d.collection else 1
    print(f"collection: {d.collection or '(none found)'}")
    print(f"found by:   {d.source}")
    for r in d.reasons:
        print(f"  - {r}")
    return 0 if d.collection else 1


def run_status(args: argparse.Namespace) -> int:
    st = ApiClient.from_args(args).get("/status").get("traktor") or {}
    print_kv([(k, v) for k, v in st.items() if k not in ("reasons", "last_result")])
    if st.get("last_result"):
        print_kv([("last ingest", ", ".join(f"{k}={v}" for k, v in st["last_result"].items()))])
    return 0


def run_ingest(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    job = follow_job(api, api.post("/traktor/ingest")["job_id"])
    print(json.dumps(job.get("result"), indent=2, ensure_ascii=False))
    return 0 if job["status"] == "succeeded" else 1


def _report(w: dict[str, Any]) -> int:
    if w["status"] == "queued":
        print(
            f"write {w['id']} queued: {w.get('waiting_for') or 'waiting'}; it is applied when Traktor quits"
        )
    else:
        print(
            f"write {w['id']} {w['status']}"
            + (f"; backup: {w['backup_path']}" if w.get("backup_path") else "")
        )
    return 0


def run_write(args: argparse.Namespace) -> int:
    fields = {
        k: getattr(args, k)
        for k in ("bpm", "key", "genre", "comment", "rating")
        if getattr(args, k) is not None
    }
    if not fields:
        print("musictool: nothing to write: give --bpm, --key, --genre, --comment or --rating")
        return 2
    return _report(ApiClient.from_args(args).patch(f"/tracks/{args.track}", fields))


def run_undo(args: argparse.Namespace) -> int:
    return _report(ApiClient.from_args(args).post("/traktor/undo", {"force": args.force}))


def run_writes(args: argparse.Namespace) -> int:
    page = ApiClient.from_args(args).get("/traktor/writes", limit=50)
    print_table(
        page["items"], ["id", "created_at", "status", "summary", "waiting_for", "error"], max_width=50
    )
    return 0


def run_history(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    if args.id is None:
        page = api.get("/traktor/history", limit=100)
        print_table(page["items"], ["id", "first_play", "last_play", "play_count", "file"], max_width=50)
        return 0
    s = api.get(f"/traktor/history/{args.id}")
    print(f"{s['file']}: {s['play_count']} plays, {s['first_play']} .. {s['last_play']}")
    print_table(s["plays"], ["position", "started_at", "deck", "artist", "title", "track_id"], max_width=40)
    return 0

"""`musictool enrich`: identify tracks with MusicBrainz / AcoustID through the daemon, with progress;
`musictool enrich --show ID` prints every value of a track with its source; `--conflicts` lists
the fields where sources disagree."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.output import follow_job, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrich", help="identify tracks with MusicBrainz and AcoustID; show provenance")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--library", action="store_true", help="every track not identified yet")
    what.add_argument("--track", type=int, nargs="+", metavar="ID", help="these track ids")
    what.add_argument("--show", type=int, metavar="ID", help="print a track's values and their sources")
    what.add_argument("--conflicts", action="store_true", help="list fields whose sources disagree")
    p.add_argument("--force", action="store_true", help="with --library: redo identified tracks too")
    p.add_argument("--no-wait", action="store_true", help="queue the job and return")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--limit", type=int, default=50, help="with --conflicts: how many")
    p.set_defaults(func=run)


def _show(api: ApiClient, track_id: int, as_json: bool) -> int:
    data = api.get(f"/tracks/{track_id}/metadata")
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    rows: list[dict[str, Any]] = []
    for field, entry in sorted(data["fields"].items()):
        eff = entry.get("effective") or {}
        for v in entry["values"]:
            rows.append(
                {
                    "field": field,
                    "": "*" if v["source"] == eff.get("source") else ("!" if entry["conflict"] else ""),
                    "source": v["source"],
                    "value": v["value"],
                    "confidence": round(v["confidence"], 2),
                    "recorded_at": v["recorded_at"],
                }
            )
    print_table(rows, ["field", "", "source", "value", "confidence", "recorded_at"])
    e = data.get("enrichment")
    if e:
        print(
            f"\nidentified: {e['status']} via {e.get('method') or '-'} {e.get('recording_mbid') or ''}".rstrip()
        )
    print("(* effective value, ! sources disagree)")
    return 0


def _conflicts(api: ApiClient, limit: int, as_json: bool) -> int:
    page = api.get("/conflicts", limit=limit)
    if as_json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return 0
    rows = [
        {
            "track_id": i["track_id"],
            "track": " - ".join(x for x in (i.get("artist"), i.get("title")) if x),
            "field": i["field"],
            "values": "; ".join(f"{v['source']}={v['value']}" for v in i["values"]),
        }
        for i in page["items"]
    ]
    print_table(rows, ["track_id", "track", "field", "values"])
    print(f"{page['total']} conflicts")
    return 0


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    try:
        if args.show is not None:
            return _show(api, args.show, args.json)
        if args.conflicts:
            return _conflicts(api, args.limit, args.json)
        body: dict[str, Any] = (
            {"library": True, "force": args.force} if args.library else {"track_ids": args.track}
        )
        job = api.post("/enrich", body)
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    if args.no_wait:
        print(json.dumps(job) if args.json else f"queued job {job['id']}")
        return 0
    final = follow_job(api, job["id"])
    result = final.get("result") or {}
    if args.json:
        print(json.dumps(final))
    elif result:
        print(
            f"identified {result.get('matched', 0)}, not found {result.get('no_match', 0)}, "
            f"errors {result.get('error', 0)}, skipped {result.get('skipped', 0)} (of {result.get('total', 0)})"
        )
        for w in result.get("warnings") or []:
            print(f"warning: {w}", file=sys.stderr)
    return 0 if final["status"] == "succeeded" else 1

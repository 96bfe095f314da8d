"""`musictool tags push|pull|sync|set|undo|batches`: file tags through the daemon, each a job with progress."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from musictool.cli.client import ApiClient
from musictool.cli.output import FINAL, follow_job, print_table
from musictool.tags.formats import FIELDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tags", help="write the library into file tags, read tags into the library, undo")
    tsub = p.add_subparsers(dest="tags_command", metavar="ACTION", required=True)

    def common(q: argparse.ArgumentParser, tracks: bool = True) -> None:
        if tracks:
            q.add_argument("--track", type=int, nargs="+", metavar="ID", help="only these track ids")
        q.add_argument("--no-wait", action="store_true", help="queue the job and return")
        q.add_argument("--json", action="store_true", help="print the finished job as JSON")

    q = tsub.add_parser("push", help="write the library's values into the files (backed up first)")
    q.add_argument("--dry-run", action="store_true", help="only show what would change")
    common(q)
    q = tsub.add_parser("pull", help="read the files' tags into the library (differences become conflicts)")
    q.add_argument(
        "--write-nml", action="store_true", help="also write them into collection.nml (safe writer)"
    )
    common(q)
    q = tsub.add_parser("sync", help="both ways: what changed on one side only goes across; both: a conflict")
    common(q)
    q = tsub.add_parser("set", help="batch edit: set fields in many files (a resumable job)")
    for f in FIELDS:
        q.add_argument(f"--{f.replace('_', '-')}", dest=f"field_{f}", metavar="VALUE")
    q.add_argument(
        "--where", metavar="WORDS", help="tracks whose artist/title/album/label/comment hold these words"
    )
    q.add_argument("--where-genre", metavar="GENRE", help="tracks of this genre")
    q.add_argument("--write-nml", action="store_true", help="also write the fields into collection.nml")
    common(q)
    q = tsub.add_parser("undo", help="restore every file of the last tag batch byte for byte")
    q.add_argument("--force", action="store_true", help="also files changed since, or with a damaged backup")
    q.add_argument("--batch", type=int, metavar="ID", help="this batch instead of the last one")
    common(q, tracks=False)
    q = tsub.add_parser("batches", help="list tag batches")
    q.add_argument("--json", action="store_true")
    q.set_defaults(no_wait=False)
    p.set_defaults(func=run)


def _wait(api: ApiClient, job: dict[str, Any], quiet: bool) -> dict[str, Any]:
    if not quiet:
        return follow_job(api, job["id"])
    while job["status"] not in FINAL:
        time.sleep(0.2)
        job = api.get(f"/jobs/{job['id']}")
    return job


def _body(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    cmd = args.tags_command
    body: dict[str, Any] = {}
    if getattr(args, "track", None):
        body["track_ids"] = args.track
    if cmd == "push":
        body["dry_run"] = args.dry_run
    elif cmd == "pull":
        body["write_nml"] = args.write_nml
    elif cmd == "set":
        fields = {f: getattr(args, f"field_{f}") for f in FIELDS if getattr(args, f"field_{f}") is not None}
        if not fields:
            raise SystemExit("musictool tags set: give at least one field, e.g. --genre House")
        body["fields"] = {k: (None if v == "" else v) for k, v in fields.items()}
        body["write_nml"] = args.write_nml
        if args.where or args.where_genre:
            body["where"] = {k: v for k, v in (("q", args.where), ("genre", args.where_genre)) if v}
        elif "track_ids" not in body:
            raise SystemExit("musictool tags set: say which tracks (--track ID… or --where / --where-genre)")
    elif cmd == "undo":
        body["force"] = args.force
        if args.batch is not None:
            body["batch_id"] = args.batch
    return cmd, body


def _print(cmd: str, result: dict[str, Any]) -> None:
    counts = result.get("counts") or {}
    if counts:
        print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items())))
    for item in result.get("preview") or result.get("differences") or []:
        for f, d in item["changes"].items():
            print(f"  track {item['track_id']}: {f}: file {d['file']!r} -> library {d['library']!r}"
                  if cmd == "push" else f"  track {item['track_id']}: {f}: library {d['library']!r}, file {d['file']!r}")  # fmt: skip
    for c in result.get("conflicts") or []:
        print(f"  conflict, track {c['track_id']} {c['field']}: library {c['library']!r}, file {c['file']!r}")
    if cmd == "undo":
        print(f"restored {result.get('restored', 0)} files of batch {result.get('batch_id')}")
        for f in result.get("failed") or []:
            print(f"  not restored: {f['error']}", file=sys.stderr)
    for e in result.get("errors") or []:
        print(f"  failed: {e}", file=sys.stderr)
    nml = result.get("nml_write")
    if nml:
        print(
            f"collection.nml write {nml.get('id', '')}: {nml['status']}"
            + (f" ({nml['error']})" if nml.get("error") else "")
        )


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    if args.tags_command == "batches":
        page = api.get("/tags/batches", limit=50)
        if args.json:
            print(json.dumps(page, indent=2))
        else:
            print_table(page["items"], ["id", "kind", "status", "summary", "written", "failed", "created_at"])
        return 0
    cmd, body = _body(args)
    job = api.post(f"/tags/{cmd}", body)
    if args.no_wait:
        print(json.dumps(job) if args.json else f"queued job {job['id']}")
        return 0
    final = _wait(api, job, args.json)
    if args.json:
        print(json.dumps(final, ensure_ascii=False))
    else:
        _print(cmd, final.get("result") or {})
    if final["status"] != "succeeded":
        return 1
    result = final.get("result") or {}
    return 1 if (result.get("failed") or (result.get("counts") or {}).get("failed")) else 0

"""`musictool import discogs-csv FILE`: load Discogs' own collection export (Collection > Export) as the
collection, so MusicTool is useful before a Discogs token is set; a later sync reconciles by release id."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.output import console, follow_job, print_kv, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import a collection from a file (discogs-csv)")
    p.add_argument("format", choices=["discogs-csv"], help="what the file is: Discogs' collection export")
    p.add_argument("file", type=Path, help="the CSV file Discogs' collection export gave you")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the tracklists to load")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"musictool: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    api = ApiClient.from_args(args)
    out = console()
    try:
        with out.status(f"importing {args.file.name}"):
            result = api.post("/discogs/import", {"csv": text})
    except ApiError as exc:
        detail = exc.body.get("detail") or exc.body.get("title") or str(exc)
        print(f"musictool: {args.file}: {detail}", file=sys.stderr)
        _errors(exc.body.get("errors") or [])
        return 1
    print_kv(
        [
            ("rows", result["rows"]),
            ("imported", f"{result['imported']} records: {result['added']} new, {result['updated']} imported "
             f"before, {result['already_synced']} already synced from Discogs"),
            ("bad rows", len(result["errors"])),
        ],
        out=out,
    )
    _errors(result["errors"])
    job = result.get("details_job")
    if job and not args.no_wait:
        out.print("Loading tracklists from Discogs (public data, no token needed); Ctrl-C leaves it running.")
        try:
            final = follow_job(api, job["id"])
        except KeyboardInterrupt:
            out.print(f"The daemon keeps loading them: musictool jobs (job #{job['id']}).")
            return 0
        if final["status"] != "succeeded":
            return 1
    elif job:
        out.print(f"Tracklists are loading in job #{job['id']} (musictool jobs).")
    return 1 if result["errors"] else 0


def _errors(errors: list[dict]) -> None:
    if errors:
        err = console(stderr=True)
        err.print(f"{len(errors)} row(s) were not imported:")
        print_table(errors, ["line", "message"], max_width=300, out=err)

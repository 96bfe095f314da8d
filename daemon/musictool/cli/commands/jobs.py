"""`musictool jobs`: live progress bars for running and queued jobs; --all for the history."""

from __future__ import annotations

import argparse
import sys

from musictool.cli.client import ApiClient
from musictool.cli.output import active_jobs, follow_jobs, job_line, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="show jobs with live progress")
    p.add_argument("--all", action="store_true", help="list recent jobs of every status and exit")
    p.add_argument("--once", action="store_true", help="print the active jobs once and exit")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--cancel", type=int, metavar="ID", help="cancel a job")
    p.add_argument("--pause", action="store_true", help="stop starting new jobs")
    p.add_argument("--resume", action="store_true", help="start jobs again")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    if args.cancel is not None:
        job = api.post(f"/jobs/{args.cancel}/cancel")
        print(f"job {job['id']}: {job['status']}")
        return 0
    if args.pause or args.resume:
        state = api.post("/jobs/pause" if args.pause else "/jobs/resume")
        print("jobs paused" if state["paused"] else "jobs resumed")
        return 0
    if args.all:
        page = api.get("/jobs", limit=args.limit)
        print_table(
            page["items"],
            ["id", "kind", "status", "attempts", "progress_done", "progress_total", "created_at", "error"],
        )
        return 0
    if args.once or not sys.stdout.isatty():
        for job in active_jobs(api):
            print(job_line(job))
        return 0
    follow_jobs(api)
    return 0

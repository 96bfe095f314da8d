"""`musictool status`: the daemon's state as a table, read through the API."""

from __future__ import annotations

import argparse
import json
import time

from musictool.cli.client import ApiClient
from musictool.cli.output import print_kv


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="show the daemon's state")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=run)


def _flatten(prefix: str, value: object, out: list[tuple[str, object]]) -> None:
    if isinstance(value, dict) and value and all(not isinstance(v, dict | list) for v in value.values()):
        out.append((prefix, ", ".join(f"{k}={v}" for k, v in value.items())))
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        out.append((prefix, f"{len(value)} item(s)" if value and isinstance(value[0], dict) else value))
    else:
        out.append((prefix, value))


def run(args: argparse.Namespace) -> int:
    status = ApiClient.from_args(args).get("/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    pairs: list[tuple[str, object]] = [
        ("daemon", f"running, version {status['version']}, pid {status['pid']}"),
        ("uptime", time.strftime("%H:%M:%S", time.gmtime(status["uptime_seconds"]))),
        ("home", status["home"]),
        (
            "jobs",
            ("paused; " if status["jobs"]["paused"] else "")
            + ", ".join(f"{k} {v}" for k, v in status["jobs"]["counts"].items()),
        ),
    ]
    skip = {"version", "pid", "uptime_seconds", "started_at", "home", "jobs", "recent_errors"}
    for key, value in status.items():
        if key not in skip:
            _flatten(key, value, pairs)
    print_kv(pairs)
    errors = status.get("recent_errors") or []
    if errors:
        print("\nrecent errors:")
        for e in errors[-5:]:
            print(f"  {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(e['at']))}  {e.get('message', e)}")
    return 0

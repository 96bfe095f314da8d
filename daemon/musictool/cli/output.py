"""Tables and progress bars for the terminal."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from musictool.cli.client import ApiClient, ApiError

FINAL = ("succeeded", "failed", "cancelled")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[str], *, max_width: int = 60) -> None:
    rows = list(rows)
    cells = [[_cell(r.get(c))[:max_width] for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(none)")


def print_kv(pairs: Iterable[tuple[str, Any]]) -> None:
    pairs = list(pairs)
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        print(f"{key.ljust(width)}  {_cell(value)}")


def bar(done: int | None, total: int | None, width: int = 30) -> str:
    if not total:
        spin = "|/-\\"[int(time.time() * 4) % 4]
        return f"[{spin}{' ' * (width - 1)}] {done or 0}"
    frac = min(1.0, max(0.0, (done or 0) / total))
    filled = int(frac * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done or 0}/{total} {frac * 100:5.1f}%"


def job_line(job: dict[str, Any]) -> str:
    msg = job.get("progress_message") or ""
    return f"#{job['id']:<5} {job['kind'][:22]:<22} {job['status']:<9} {bar(job.get('progress_done'), job.get('progress_total'))} {msg}"


def follow_job(api: ApiClient, job_id: int, interval: float = 0.3) -> dict[str, Any]:
    """Draw one live progress bar until the job ends; returns the final job."""
    tty = sys.stdout.isatty()
    last = ""
    while True:
        try:
            job = api.get(f"/jobs/{job_id}")
        except ApiError as exc:
            print(f"musictool: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        line = job_line(job)[: shutil.get_terminal_size().columns - 1]
        if tty:
            sys.stdout.write("\r\x1b[K" + line)
            sys.stdout.flush()
        elif line != last:
            print(line)
        last = line
        if job["status"] in FINAL:
            if tty:
                sys.stdout.write("\n")
            if job.get("error"):
                print(f"error: {job['error']}", file=sys.stderr)
            return job
        time.sleep(interval)

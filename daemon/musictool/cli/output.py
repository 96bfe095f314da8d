"""Tables and progress bars for the terminal, drawn with rich.

Piped output (not a terminal) gets no colour and a wide line, so a long link is never cut or folded in a file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from musictool.cli.client import ApiClient, ApiError

FINAL = ("succeeded", "failed", "cancelled")
PIPE_WIDTH = 1000


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    # markup off: names like "Track [Dub]" are data, not style tags
    return Console(
        file=stream, width=None if tty else PIPE_WIDTH, highlight=False, markup=False, soft_wrap=not tty
    )


def heading(out: Console, text: str) -> None:
    """A section title: a rule across a terminal, a plain '== text' line in a pipe."""
    if out.is_terminal:
        out.rule(text)
    else:
        out.print(f"\n== {text}")


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


def table(columns: Sequence[str], title: str | None = None) -> Table:
    """The house table: no frame, bold upper-case headers, columns two spaces apart."""
    t = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    for c in columns:  # in a narrow terminal a long cell wraps (a link folds); it is never cut
        t.add_column(c.upper(), overflow="fold")
    return t


def print_table(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], *, max_width: int = 60, out: Console | None = None
) -> None:
    rows = list(rows)
    out = out or console()
    if not rows:
        out.print("(none)")
        return
    t = table(columns)
    for r in rows:
        t.add_row(*(_cell(r.get(c))[:max_width] for c in columns))
    out.print(t)


def print_kv(pairs: Iterable[tuple[str, Any]], out: Console | None = None) -> None:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    for key, value in pairs:
        t.add_row(key, _cell(value))
    (out or console()).print(t)


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


def progress(out: Console | None = None) -> Progress:
    """A live bar per job (or per step) that redraws in place; in a pipe it prints nothing until it stops."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[message]}", style="dim"),
        TimeElapsedColumn(),
        console=out or console(),
        transient=False,
    )


def _get_job(api: ApiClient, job_id: int) -> dict[str, Any]:
    try:
        return api.get(f"/jobs/{job_id}")
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def follow_job(api: ApiClient, job_id: int, interval: float = 0.3) -> dict[str, Any]:
    """Draw one live progress bar until the job ends; returns the final job."""
    out = console()
    if not out.is_terminal:  # a pipe or a log: one line per change, no redraws
        last = ""
        while True:
            job = _get_job(api, job_id)
            line = job_line(job)
            if line != last:
                print(line, flush=True)
            last = line
            if job["status"] in FINAL:
                break
            time.sleep(interval)
    else:
        with progress(out) as bars:
            task = None
            while True:
                job = _get_job(api, job_id)
                desc = f"#{job['id']} {job['kind']} {job['status']}"
                fields = {"total": job.get("progress_total"), "completed": job.get("progress_done") or 0}
                if task is None:
                    task = bars.add_task(desc, message=job.get("progress_message") or "", **fields)
                else:
                    bars.update(task, description=desc, message=job.get("progress_message") or "", **fields)
                if job["status"] in FINAL:
                    break
                time.sleep(interval)
    if job.get("error"):
        print(f"error: {job['error']}", file=sys.stderr)
    return job


def active_jobs(api: ApiClient) -> list[dict[str, Any]]:
    running = api.get("/jobs", status="running", limit=50)["items"]
    queued = api.get("/jobs", status="queued", limit=50)["items"]
    return sorted(running, key=lambda j: j["id"]) + sorted(queued, key=lambda j: j["id"])


def wait_idle(api: ApiClient, what: str, interval: float = 0.3, settle: int = 3) -> None:
    """Show running and queued jobs until none is left for `settle` polls in a row (a finished job often
    queues the next one, e.g. a sync queues matching)."""
    out = console()
    quiet = 0
    with progress(out) as bars:
        task = bars.add_task(what, total=None, message="")
        while quiet < settle:
            jobs = active_jobs(api)
            quiet = 0 if jobs else quiet + 1
            if jobs:
                j = jobs[0]
                bars.update(
                    task,
                    total=j.get("progress_total"),
                    completed=j.get("progress_done") or 0,
                    message=f"{j['kind']}: {j.get('progress_message') or j['status']}"
                    + (f" (+{len(jobs) - 1} more)" if len(jobs) > 1 else ""),
                )
            time.sleep(interval)
        bars.update(task, total=1, completed=1, message="done")


def follow_jobs(api: ApiClient, interval: float = 0.5) -> None:
    """A live bar per running or queued job until none is left (Ctrl-C leaves them running)."""
    out = console()
    tasks: dict[int, Any] = {}
    shown = 0
    try:
        with progress(out) as bars:
            while True:
                jobs = {j["id"]: j for j in active_jobs(api)}
                for jid, task in list(tasks.items()):
                    if jid not in jobs:  # finished: its bar stays, full, with the final status
                        done = _get_job(api, jid)
                        bars.update(task, total=1, completed=1, description=_label(done), message=done.get("error") or "")
                        del tasks[jid]
                for jid, j in jobs.items():
                    fields = {
                        "description": _label(j),
                        "total": j.get("progress_total"),
                        "completed": j.get("progress_done") or 0,
                        "message": j.get("progress_message") or "",
                    }
                    if jid in tasks:
                        bars.update(tasks[jid], **fields)
                    else:
                        tasks[jid] = bars.add_task(**fields)
                        shown += 1
                if not jobs:
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        return
    if not shown:
        out.print("no running or queued jobs")


def _label(job: dict[str, Any]) -> str:
    return f"#{job['id']} {job['kind']} {job['status']}"

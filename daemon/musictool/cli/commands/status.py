"""`musictool status`: a short summary a person reads (collections, completion, syncs, jobs, problems);
`--json` prints the daemon's full state."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from musictool.cli.client import ApiClient
from musictool.cli.output import active_jobs, console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="a short summary of what the daemon knows and does")
    p.add_argument("--json", action="store_true", help="print the full state as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_args(args)
    status = api.get("/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    render(status, console(), jobs=active_jobs(api))
    return 0


# -- wording ------------------------------------------------------------------------------------------------
def _when(stamp: Any, now: float | None = None) -> str:
    """An ISO time or epoch seconds as '14:02 (3 min ago)' / '15:00 (in 58 min)'."""
    if stamp in (None, ""):
        return "never"
    try:
        ts = float(stamp) if isinstance(stamp, int | float) else datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        return str(stamp)
    delta = ts - (now if now is not None else time.time())
    span = abs(delta)
    amount = (
        f"{span:.0f} s" if span < 90 else f"{span / 60:.0f} min" if span < 5400 else
        f"{span / 3600:.0f} h" if span < 172_800 else f"{span / 86400:.0f} days"
    )
    local = datetime.fromtimestamp(ts)
    clock = local.strftime("%H:%M") if span < 86_400 else local.strftime("%Y-%m-%d %H:%M")
    return f"{clock} ({'in ' + amount if delta > 0 else amount + ' ago'})"


def _uptime(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return f"{d}d {h}h" if d else f"{h}h {m}m" if h else f"{m}m {s}s"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _traktor(t: dict[str, Any]) -> str:
    if not t.get("collection"):
        return "no collection.nml found (set [traktor] collection in config.toml)"
    parts = [
        _plural(int(t.get("tracks") or 0), "track"),
        _plural(int(t.get("playlists") or 0), "playlist"),
        _plural(int(t.get("plays") or 0), "play"),
    ]
    line = ", ".join(parts) + f"; {'watching' if t.get('watching') else 'read from'} {t['collection']}"
    line += f"; last read {_when(t.get('last_ingest_at'))}"
    if t.get("writes_queued"):
        line += f"; {_plural(int(t['writes_queued']), 'write')} waiting for Traktor to quit"
    return line


def _discogs(d: dict[str, Any]) -> list[str]:
    if not d.get("configured"):
        counts = d.get("counts") or {}
        if counts.get("copies"):
            waiting = f" ({counts['without_details']} still without a tracklist)" if counts.get("without_details") else ""
            return [f"{_plural(int(counts['copies']), 'record')} imported{waiting}; {d.get('message') or ''}".strip("; ")]
        return [d.get("message") or "not configured"]
    c = d.get("counts") or {}
    line = f"{_plural(int(c.get('copies') or 0), 'record')}, {_plural(int(c.get('wants') or 0), 'want')}"
    if c.get("without_details"):
        line += f" ({c['without_details']} still without a tracklist)"
    line += f"; user {d.get('username')}"
    last = d.get("last_sync") or {}
    sync = f"last sync {_when(last.get('ts') or last.get('at'))}"
    if last:
        sync += f": {last.get('mode', '?')}, {last.get('added', 0)} added, {last.get('requests', 0)} requests"
    nxt = (d.get("next_runs") or {}).get("discogs.sync")
    sync += f"; next {_when(nxt)}" if nxt else "; no automatic sync"
    return [line, sync]


def _completion(lib: dict[str, Any]) -> str:
    dig = lib.get("digitization") or {}
    total = int(dig.get("tracks") or 0)
    if not total:
        return "nothing to compare yet (no records with tracklists)"
    have = int(dig.get("digital") or 0)
    return (
        f"{have:,} of {total:,} tracks on your records are in your DJ library ({have / total:.0%}); "
        f"{_plural(int(dig.get('missing') or 0), 'gap')} (musictool gaps)"
    )


def _jobs(status: dict[str, Any], jobs: list[dict[str, Any]] | None) -> list[str]:
    counts = status["jobs"]["counts"]
    head = ("paused; " if status["jobs"]["paused"] else "") + (
        f"{counts.get('running', 0)} running, {counts.get('queued', 0)} queued, "
        f"{counts.get('succeeded', 0)} done, {counts.get('failed', 0)} failed"
    )
    lines = [head]
    for j in (jobs or [])[:5]:
        if j["status"] != "running":
            continue
        done, total = j.get("progress_done"), j.get("progress_total")
        pct = f" {done}/{total}" if total else ""
        lines.append(f"#{j['id']} {j['kind']}{pct} {j.get('progress_message') or ''}".rstrip())
    return lines


def problems(status: dict[str, Any]) -> list[str]:
    """What needs the user's attention, one line each, worst first."""
    out: list[str] = []
    d = status.get("discogs") or {}
    if d.get("state") == "auth_failed":
        out.append(f"Discogs: {d.get('message')}")
    if (d.get("last_error") or {}).get("message"):
        out.append(f"Discogs: {d['last_error']['message']}")
    t = status.get("traktor") or {}
    if t.get("last_error"):
        err = t["last_error"]
        out.append(f"Traktor: {err.get('message', err) if isinstance(err, dict) else err}")
    e = status.get("enrichment") or {}
    if e.get("policy_error"):
        out.append(f"Enrichment: {e['policy_error']}")
    if status["jobs"]["paused"]:
        out.append("jobs are paused (musictool jobs --resume)")
    failed = status["jobs"]["counts"].get("failed", 0)
    if failed:
        out.append(f"{_plural(int(failed), 'job')} failed (musictool jobs --all)")
    for err in (status.get("recent_errors") or [])[-3:]:
        out.append(f"{_when(err.get('at'))}: {err.get('message', err)}")
    for name, part in status.items():
        if isinstance(part, dict) and part.get("error") and len(part) == 1:
            out.append(f"{name}: status unavailable ({part['error']})")
    return out


def render(status: dict[str, Any], out: Console, jobs: list[dict[str, Any]] | None = None) -> None:
    """The summary: one labelled line (or two) per part, then the problems."""
    out.print(
        Text.assemble(
            ("MusicTool", "bold"),
            f": running, version {status['version']}, pid {status['pid']}, "
            f"up {_uptime(status['uptime_seconds'])}; home {status['home']}",
        )
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, lines: list[str] | str) -> None:
        for n, line in enumerate([lines] if isinstance(lines, str) else lines):
            grid.add_row(label if n == 0 else "", line)

    if "traktor" in status:
        row("Traktor", _traktor(status["traktor"]))
    if "discogs" in status:
        row("Discogs", _discogs(status["discogs"]))
    if "library" in status:
        row("Completion", _completion(status["library"]))
    a = status.get("analysis") or {}
    if a:
        row("Analysis", f"{a.get('analysed', 0):,} analysed, {a.get('transcodes_suspected', 0)} suspected transcodes")
    e = status.get("enrichment") or {}
    if e:
        row("Enrichment", f"{e.get('identified', 0):,} identified, {e.get('conflicts', 0)} conflicts to look at")
    row("Jobs", _jobs(status, jobs))
    found = problems(status)
    row("Problems", found or ["none"])
    out.print(grid)
    if found:
        out.print("musictool status --json shows everything the daemon reports.", style="dim")

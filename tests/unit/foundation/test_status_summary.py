"""`musictool status` in words: sizes, completion, syncs, running jobs and what needs attention."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console

from musictool.cli.commands import status as status_cmd


def state(**parts: Any) -> dict[str, Any]:
    now = time.time()
    base: dict[str, Any] = {
        "version": "0.1.0",
        "pid": 42,
        "uptime_seconds": 3725,
        "home": "/home/dj/.local/share/musictool",
        "jobs": {"paused": False, "counts": {"queued": 1, "running": 1, "succeeded": 9, "failed": 0}},
        "recent_errors": [],
        "traktor": {
            "collection": "/home/dj/collection.nml",
            "watching": True,
            "tracks": 12034,
            "playlists": 41,
            "plays": 800,
            "last_ingest_at": "2026-01-01T10:00:00Z",
            "writes_queued": 0,
            "last_error": None,
        },
        "discogs": {
            "configured": True,
            "username": "dj",
            "state": "ok",
            "counts": {"copies": 1200, "releases": 1190, "wants": 30, "without_details": 5},
            "last_sync": {"at": "x", "ts": now - 600, "mode": "incremental", "added": 2, "requests": 1},
            "last_error": None,
            "next_runs": {"discogs.sync": "2099-01-01T00:00:00+00:00"},
        },
        "library": {"digitization": {"tracks": 8000, "digital": 6000, "missing": 2000, "rate": 0.75}},
        "enrichment": {"identified": 10, "conflicts": 3, "policy_error": None},
        "analysis": {"analysed": 500, "transcodes_suspected": 2},
    }
    base.update(parts)
    return base


def render(status: dict[str, Any], jobs: list[dict[str, Any]] | None = None) -> str:
    buf = io.StringIO()
    status_cmd.render(status, Console(file=buf, width=200, markup=False), jobs=jobs)
    return buf.getvalue()


def test_a_healthy_daemon_in_a_few_lines() -> None:
    running = [
        {"id": 7, "kind": "analysis.library", "status": "running", "progress_done": 40, "progress_total": 500,
         "progress_message": "analysing"},
        {"id": 8, "kind": "discogs.sync", "status": "queued"},
    ]
    out = render(state(), running)
    lines = out.splitlines()
    assert len(lines) <= 12
    assert "12,034 tracks, 41 playlists, 800 plays" in out
    assert "1,200 records, 30 wants (5 still without a tracklist)" in out
    assert "last sync" in out and "(10 min ago): incremental, 2 added, 1 requests" in out
    assert "next 2099-01-01" in out
    assert "6,000 of 8,000 tracks on your records are in your DJ library (75%); 2,000 gaps" in out
    assert "#7 analysis.library 40/500 analysing" in out and "#8" not in out  # running ones only
    assert lines[-1].split() == ["Problems", "none"]


def test_problems_are_named_with_what_to_do() -> None:
    broken = state(
        jobs={"paused": True, "counts": {"failed": 2}},
        recent_errors=[{"at": time.time() - 30, "message": "collection.nml is not valid XML"}],
    )
    broken["discogs"].update(state="auth_failed", message="Discogs rejected the token (401); set a new [discogs] token")
    broken["traktor"]["last_error"] = {"message": "cannot read collection.nml"}
    out = render(broken)
    problems = out[out.index("Problems") :]
    for text in (
        "Discogs rejected the token (401)",
        "Traktor: cannot read collection.nml",
        "jobs are paused (musictool jobs --resume)",
        "2 jobs failed (musictool jobs --all)",
        "(30 s ago): collection.nml is not valid XML",
        "musictool status --json",
    ):
        assert text in problems, out


def test_without_a_discogs_account_an_import_still_counts() -> None:
    status = state(
        discogs={"configured": False, "message": "set [discogs] username and token in config.toml",
                 "counts": {"copies": 350}}
    )
    assert "350 records imported; set [discogs] username and token in config.toml" in render(status)

"""What the tray shows: one of five states and a title line, from GET /status (pure, no I/O)."""

from __future__ import annotations

from typing import Any

IDLE, WORKING, PAUSED, DOWN, ATTENTION = "idle", "working", "paused", "down", "attention"


def summary(status: dict[str, Any]) -> dict[str, Any]:
    """The few figures the tray shows."""
    counts = status["jobs"]["counts"]
    library = status.get("library", {}).get("digitization", {})
    notes = status.get("notifications", {})
    return {
        "tracks": status.get("traktor", {}).get("tracks"),
        "records": status.get("discogs", {}).get("counts", {}).get("releases"),
        "missing": library.get("missing"),
        "running": counts.get("running", 0),
        "queued": counts.get("queued", 0),
        "paused": bool(status["jobs"]["paused"]),
        "unread": notes.get("unread", 0),
        "attention": notes.get("attention", 0),
        "discogs_state": status.get("discogs", {}).get("state"),
    }


def state_of(info: dict[str, Any] | None) -> str:
    """Attention beats paused beats working: the icon shows the one thing most worth knowing."""
    if info is None:
        return DOWN
    if info["attention"] or info["discogs_state"] == "auth_rejected":
        return ATTENTION
    if info["paused"]:
        return PAUSED
    if info["running"] or info["queued"]:
        return WORKING
    return IDLE


def title(info: dict[str, Any] | None) -> str:
    if info is None:
        return "MusicTool: daemon not running"
    parts = [
        f"{info['tracks'] or 0} tracks",
        f"{info['records'] or 0} records",
        f"{info['missing'] or 0} missing",
    ]
    if info["running"] or info["queued"]:
        parts.append(f"{info['running']} running, {info['queued']} queued")
    if info["paused"]:
        parts.append("jobs paused")
    if info["attention"]:
        parts.append(f"{info['attention']} need{'s' if info['attention'] == 1 else ''} attention")
    return "MusicTool: " + ", ".join(parts)

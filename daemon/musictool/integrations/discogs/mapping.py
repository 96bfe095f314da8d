"""Discogs JSON -> row dicts for store.discogs (pure functions, no I/O)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

_NUMBERING = re.compile(r"\s+\(\d+\)$")  # Discogs disambiguates same-named artists as "Name (2)"


def now_iso() -> str:
    """The store's timestamp format (same as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ'))."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_utc(stamp: str | None) -> str | None:
    """'2015-04-14T03:23:29-07:00' -> '2015-04-14T10:23:29Z' (sortable); None if unparseable."""
    if not stamp:
        return None
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def artist_name(a: dict[str, Any]) -> str:
    return _NUMBERING.sub("", a.get("name") or "").strip()


def artists_display(artists: list[dict[str, Any]] | None) -> str:
    """[{name, join}] -> 'A & B', 'A Feat. B', 'A, B' the way Discogs prints credits."""
    artists = artists or []
    out = ""
    for i, a in enumerate(artists):
        out += artist_name(a)
        if i < len(artists) - 1:
            join = (a.get("join") or "").strip()
            out += ", " if join == "," else f" {join} " if join else " & "
    return out


def slim_artists(artists: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [
        {
            "id": a.get("id"),
            "name": a.get("name"),
            "anv": a.get("anv") or "",
            "join": a.get("join") or "",
            **({"role": a["role"]} if a.get("role") else {}),
        }
        for a in artists or []
    ]


def slim_labels(labels: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"id": lb.get("id"), "name": lb.get("name"), "catno": lb.get("catno")} for lb in labels or []]


def duration_seconds(text: str | None) -> float | None:
    """'6:12' -> 372.0, '1:02:03' -> 3723.0, '' -> None."""
    if not text:
        return None
    try:
        parts = [int(p) for p in text.strip().split(":")]
    except ValueError:
        return None
    total = 0
    for p in parts:
        total = total * 60 + p
    return float(total)


def release_row_from_basic(basic: dict[str, Any]) -> dict[str, Any]:
    """The releases row we can fill from a collection/wantlist item's basic_information."""
    return {
        "id": int(basic["id"]),
        "title": basic.get("title") or "",
        "artists": artists_display(basic.get("artists")),
        "artists_json": json.dumps(slim_artists(basic.get("artists"))),
        "year": basic.get("year") or None,
        "labels_json": json.dumps(slim_labels(basic.get("labels"))),
        "formats_json": json.dumps(basic.get("formats") or []),
        "genres_json": json.dumps(basic.get("genres") or []),
        "styles_json": json.dumps(basic.get("styles") or []),
        "thumb": basic.get("thumb") or None,
        "master_id": basic.get("master_id") or None,
    }


def release_row_from_details(body: dict[str, Any]) -> dict[str, Any]:
    row = release_row_from_basic(body)
    row["country"] = body.get("country") or None
    row["data_json"] = json.dumps(body)
    return row


def track_rows(release_id: int, tracklist: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Flatten a tracklist (index tracks carry sub_tracks) into release_tracks rows with unique positions."""
    rows: list[dict[str, Any]] = []
    used: set[str] = set()

    def add(t: dict[str, Any], kind: str) -> None:
        idx = len(rows)
        pos = (t.get("position") or "").strip()
        if not pos:
            pos = f"#{idx}"
        base, n = pos, 2
        while pos in used:  # real data has the odd duplicate position
            pos, n = f"{base} ({n})", n + 1
        used.add(pos)
        artists = t.get("artists")
        rows.append(
            {
                "release_id": release_id,
                "position": pos,
                "idx": idx,
                "title": t.get("title") or "",
                "artists": artists_display(artists) if artists else None,
                "artists_json": json.dumps(slim_artists(artists)) if artists else None,
                "extraartists_json": json.dumps(slim_artists(t.get("extraartists")))
                if t.get("extraartists")
                else None,
                "duration": t.get("duration") or "",
                "duration_seconds": duration_seconds(t.get("duration")),
                "type": kind,
            }
        )

    for t in tracklist or []:
        kind = t.get("type_") or t.get("type") or "track"
        kind = kind if kind in ("track", "heading", "index") else "track"
        add(t, kind)
        for sub in t.get("sub_tracks") or []:
            add(sub, "track")
    return rows


def instance_row(item: dict[str, Any]) -> dict[str, Any]:
    """A folder-0 item -> collection_items row."""
    return {
        "instance_id": int(item["instance_id"]),
        "release_id": int(item["id"]),
        "folder_id": int(item.get("folder_id") or 1),
        "rating": int(item.get("rating") or 0),
        "date_added": item.get("date_added"),
        "added_utc": to_utc(item.get("date_added")),
        "notes_json": json.dumps(item["notes"]) if item.get("notes") else None,
    }


def want_row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "release_id": int(item["id"]),
        "rating": int(item.get("rating") or 0),
        "notes": item.get("notes") or None,
        "date_added": item.get("date_added"),  # not in any captured body; used when present
    }

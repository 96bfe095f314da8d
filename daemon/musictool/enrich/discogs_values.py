"""Discogs as a provenance source: a digital track matched to a vinyl track carries that release's title,
artist, label, catalogue number and year (source "discogs", confidence = the match's; confirmed = 1).

Recomputed from the matches table after every `matches.updated`, writing only the differences, so a
changed or dropped match replaces or removes its values.
"""

from __future__ import annotations

import json
import re
from typing import Any

from musictool.store import library, provenance

FIELDS = ("title", "artist", "album", "label", "catalog_no", "year", "duration", "discogs_release")
_DISAMBIGUATION = re.compile(r"\s+\(\d+\)$")  # Discogs names duplicates "Jeff Mills (2)"


def _name(value: str | None) -> str | None:
    if not value:
        return None
    return _DISAMBIGUATION.sub("", value.strip()) or None


def _clean_artists(display: str | None) -> str | None:
    if not display:
        return None
    # strip the suffix from every credited name, keeping the joins ("A (2) & B" -> "A & B")
    return re.sub(r"\s+\(\d+\)(?=$|\s|,)", "", display).strip() or None


def desired_values(rows: list[dict[str, Any]]) -> dict[tuple[int, str], tuple[Any, float]]:
    """(track, field) -> (value, confidence); a track matched on several records keeps the surest."""
    best: dict[int, dict[str, Any]] = {}
    for r in rows:
        conf = 1.0 if r["status"] == "confirmed" else float(r["confidence"] or 0.0)
        r = {**r, "conf": max(0.0, min(1.0, conf))}
        if r["track_id"] not in best or r["conf"] > best[r["track_id"]]["conf"]:
            best[r["track_id"]] = r
    out: dict[tuple[int, str], tuple[Any, float]] = {}
    for tid, r in best.items():
        try:
            labels = json.loads(r["labels_json"] or "[]")
        except ValueError:
            labels = []
        first = labels[0] if labels and isinstance(labels[0], dict) else {}
        values = {
            "title": r["track_title"] or None,
            "artist": _clean_artists(r["artist"]),
            "album": r["album"] or None,
            "label": _name(first.get("name")),
            "catalog_no": (first.get("catno") or "").strip() or None,
            "year": r["year"] or None,
            "duration": r["duration_seconds"] or None,
            "discogs_release": {"release_id": r["release_id"], "position": r["position"]},
        }
        if values["catalog_no"] and values["catalog_no"].lower() == "none":  # Discogs writes "none"
            values["catalog_no"] = None
        for field, value in values.items():
            if value is not None:
                out[(tid, field)] = (value, r["conf"])
    return out


CHUNK = 5000  # track ids per step: memory stays flat however large the collection


async def sync(db: Any) -> dict[str, int]:
    """Bring the "discogs" provenance rows in line with the current matches, a range of track ids at a
    time, writing only differences; returns counts."""
    top = max(await library.max_matched_track_id(db), await provenance.max_track_id(db, "discogs"))
    counts = {"tracks": 0, "written": 0, "removed": 0, "changed": 0}
    for lo in range(0, top + 1, CHUNK):
        hi = lo + CHUNK - 1
        want = desired_values(await library.matched_vinyl(db, lo, hi))
        have = {
            (r["track_id"], r["field"]): (r["value"], r["confidence"])
            for r in await provenance.source_values(db, "discogs", lo, hi)
        }
        rows: list[tuple[int, str, Any, str, float]] = []
        for key, (value, conf) in want.items():
            old = have.get(key)
            if old is None or old[0] != provenance.encode(value) or abs(old[1] - conf) > 1e-9:
                rows.append((key[0], key[1], value, "discogs", conf))
        removed = [(tid, f, None, "discogs", 1.0) for (tid, f) in have if (tid, f) not in want]
        if rows or removed:  # one short transaction per range: other writers interleave
            counts["changed"] += await provenance.record_many(db, rows + removed)
        counts["tracks"] += len({k[0] for k in want})
        counts["written"] += len(rows)
        counts["removed"] += len(removed)
    return counts

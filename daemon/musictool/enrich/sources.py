"""The local sources of metadata values: the Traktor NML (the tracks row) and the file's own tags.

Both become provenance rows (source "nml" / "tag") so the policy can weigh them against the web and the
analysis. Only the fields other sources also speak about are recorded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import mutagen

log = logging.getLogger(__name__)

# tracks column -> provenance field
NML_FIELDS = {
    "artist": "artist",
    "title": "title",
    "album": "album",
    "label": "label",
    "catalog_no": "catalog_no",
    "genre": "genre",
    "remixer": "remixer",
    "mix": "mix",
    "bpm": "bpm",
    "key": "key",
    "duration": "duration",
    "isrc": "isrc",
}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    if len(text) >= 4 and text[:4].isdigit():
        year = int(text[:4])
        return year if 1000 < year < 3000 else None
    return None


def nml_values(track: dict[str, Any]) -> dict[str, Any]:
    """Field -> value from a tracks row (None for fields the NML leaves empty, so stale ones are removed)."""
    out = {field: _clean(track.get(col)) for col, field in NML_FIELDS.items()}
    if out.get("bpm") is not None and out["bpm"] <= 0:
        out["bpm"] = None
    if out.get("duration") is not None and out["duration"] <= 0:
        out["duration"] = None
    out["year"] = _year(track.get("release_date"))
    return out


_EASY = {
    "artist": ("artist",),
    "title": ("title",),
    "album": ("album",),
    "genre": ("genre",),
    "isrc": ("isrc",),
    "bpm": ("bpm",),
    "label": ("organization", "label", "publisher"),
    "catalog_no": ("catalognumber",),
    "year": ("originaldate", "date"),
    "mb_recording_id": ("musicbrainz_trackid",),
    "acoustid_id": ("acoustid_id",),
}
# where the initial key lives in each tag format (EasyID3 has no key for it)
_KEY_FRAMES = ("TKEY", "initialkey", "key", "----:com.apple.iTunes:initialkey", "----:com.apple.iTunes:KEY")


def _first(tags: Any, key: str) -> str | None:
    try:
        value = tags.get(key)
    except (KeyError, ValueError):
        return None
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if hasattr(value, "text"):  # an ID3 frame
        value = value.text[0] if value.text else None
    if isinstance(value, bytes):  # an MP4 freeform atom
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip() if value is not None else ""
    return text or None


def read_tags(path: str | Path) -> dict[str, Any]:
    """Field -> value from the file's tags (blocking: run in a thread). {} when the file has no tags.
    Raises OSError / mutagen.MutagenError for unreadable files, for the caller to report per file."""
    easy = mutagen.File(str(path), easy=True)
    if easy is None:
        return {}
    out: dict[str, Any] = {}
    tags = easy.tags or {}
    for field, keys in _EASY.items():
        for key in keys:
            value = _first(tags, key)
            if value is not None:
                out[field] = value
                break
    if "bpm" in out:
        try:
            bpm = float(str(out["bpm"]).replace(",", "."))
            out["bpm"] = bpm if bpm > 0 else None
        except ValueError:
            out["bpm"] = None
    if "year" in out:
        out["year"] = _year(out["year"])
    info = getattr(easy, "info", None)
    if info is not None and getattr(info, "length", 0):
        out["duration"] = round(float(info.length), 3)
    raw = mutagen.File(str(path))
    if raw is not None and raw.tags is not None:
        for key in _KEY_FRAMES:
            value = _first(raw.tags, key)
            if value:
                out["key"] = value
                break
    return {k: v for k, v in out.items() if v is not None}

"""Discogs' own collection export (CSV, from the collection page) -> rows for store.discogs.import_copies.

The export has no instance ids, so each row becomes a placeholder copy with a negative instance id derived
from its release id and how many rows of that release came before it in the file: importing the same file
again updates the same copies, and the first Discogs sync swaps each placeholder for the real copy of that
release (store.discogs adopts it) instead of adding a second one. Pure functions, no I/O.

The columns are Discogs' (2024): Catalog#, Artist, Title, Label, Format, Rating, Released, release_id,
CollectionFolder, Date Added, Collection Media Condition, Collection Sleeve Condition, Collection Notes;
any further column (a custom field) is ignored. A bad row is reported with its line number and skipped;
the other rows still import.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from musictool.integrations.discogs.mapping import artist_name

REQUIRED = ("release_id", "Artist", "Title")
KNOWN = (
    "Catalog#",
    "Artist",
    "Title",
    "Label",
    "Format",
    "Rating",
    "Released",
    "release_id",
    "CollectionFolder",
    "Date Added",
    "Collection Media Condition",
    "Collection Sleeve Condition",
    "Collection Notes",
)
NOTE_FIELDS = (  # Discogs' default collection fields, as the API's `notes` numbers them
    (1, "Collection Media Condition"),
    (2, "Collection Sleeve Condition"),
    (3, "Collection Notes"),
)
UNCATEGORIZED = 1
MAX_COPIES = 100  # copies of one release told apart in a placeholder id
_QTY = re.compile(r"^(\d+)\s*x\s*(.+)$", re.IGNORECASE)


class ExportError(ValueError):
    """The file as a whole is not a Discogs collection export (e.g. a column is missing)."""


@dataclass
class Parsed:
    releases: list[dict[str, Any]] = field(default_factory=list)
    copies: list[dict[str, Any]] = field(default_factory=list)
    folders: dict[int, str] = field(default_factory=dict)  # placeholder folder ids for names we do not know
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"line", "message"}
    rows: int = 0


def placeholder_instance_id(release_id: int, nth: int) -> int:
    """The stand-in instance id of the nth (0-based) copy of a release in an export; always negative."""
    return -(release_id * MAX_COPIES + nth)


def folder_id(name: str) -> int:
    """'Uncategorized' is 1, as on Discogs; another folder name gets a stable negative id until a sync
    brings the real one."""
    name = name.strip()
    if not name or name.lower() == "uncategorized":
        return UNCATEGORIZED
    return -(zlib.crc32(name.lower().encode()) % 2_000_000_000) - 1


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", text):
        raise ValueError(f"Released must be a year or a date like 1998-05-00, not {text!r}")
    return int(text[:4]) or None


def _rating(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or not 0 <= int(text) <= 5:
        raise ValueError(f"Rating must be a whole number from 0 to 5, not {text!r}")
    return int(text)


def _added(text: str) -> tuple[str | None, str | None]:
    """'2019-10-26 09:21:11' -> (as written, the same instant in the store's UTC form)."""
    text = text.strip()
    if not text:
        return None, None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Date Added must look like 2019-10-26 09:21:11, not {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return text, dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _formats(text: str) -> list[dict[str, Any]]:
    """'2xLP, Album, RE' -> [{"name": "LP", "qty": "2", "descriptions": ["Album", "RE"], "text": ...}]."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return []
    qty, name = "1", parts[0]
    m = _QTY.match(name)
    if m:
        qty, name = m.group(1), m.group(2).strip()
    return [{"name": name, "qty": qty, "descriptions": parts[1:], "text": text.strip()}]


def _labels(labels: str, catnos: str) -> list[dict[str, Any]]:
    names = [n.strip() for n in labels.split(",") if n.strip()]
    nos = [c.strip() for c in catnos.split(",")]
    if len(nos) != len(names):
        nos = [catnos.strip()] + [""] * max(0, len(names) - 1)
    return [{"id": None, "name": n, "catno": c} for n, c in zip(names, nos, strict=False)]


def _row(rec: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    raw_id = (rec.get("release_id") or "").strip()
    if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31 // MAX_COPIES:
        raise ValueError(f"release_id must be a Discogs release id (a positive whole number), not {raw_id!r}")
    rid = int(raw_id)
    artist = (rec.get("Artist") or "").strip()
    title = (rec.get("Title") or "").strip()
    if not title:
        raise ValueError("Title is empty")
    date_added, added_utc = _added(rec.get("Date Added") or "")
    artists = [{"id": None, "name": a, "anv": "", "join": ""} for a in [artist] if a]
    release = {
        "id": rid,
        "title": title,
        "artists": artist_name({"name": artist}),
        "artists_json": json.dumps(artists),
        "year": _year(rec.get("Released") or ""),
        "labels_json": json.dumps(_labels(rec.get("Label") or "", rec.get("Catalog#") or "")),
        "formats_json": json.dumps(_formats(rec.get("Format") or "")),
        "genres_json": "[]",
        "styles_json": "[]",
        "thumb": None,
        "master_id": None,
    }
    notes = [{"field_id": n, "value": v} for n, col in NOTE_FIELDS if (v := (rec.get(col) or "").strip())]
    copy = {
        "release_id": rid,
        "folder_name": (rec.get("CollectionFolder") or "").strip() or "Uncategorized",
        "rating": _rating(rec.get("Rating") or ""),
        "date_added": date_added,
        "added_utc": added_utc,
        "notes_json": json.dumps(notes) if notes else None,
    }
    return release, copy


def parse(text: str) -> Parsed:
    """The whole export; raises ExportError when it is not one, reports bad rows in `.errors`."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ExportError("the file is empty") from None
    except csv.Error as exc:
        raise ExportError(f"line 1: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ExportError(
            f"line 1: not a Discogs collection export: no {', '.join(missing)} column "
            f"(the header has: {', '.join(header)[:300]})"
        )
    out = Parsed()
    seen: dict[int, int] = {}
    by_id: dict[int, dict[str, Any]] = {}
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append({"line": line, "message": f"not readable as CSV: {exc}"})
            break  # the reader cannot resync after a broken quote
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # blank line
        out.rows += 1
        if len(values) != len(header):
            out.errors.append(
                {"line": start, "message": f"{len(values)} fields where the header has {len(header)}"}
            )
            continue
        try:
            release, copy = _row(dict(zip(header, values, strict=True)))
        except ValueError as exc:
            out.errors.append({"line": start, "message": str(exc)})
            continue
        rid = release["id"]
        nth = seen.get(rid, 0)
        if nth >= MAX_COPIES:
            out.errors.append({"line": start, "message": f"more than {MAX_COPIES} copies of release {rid}"})
            continue
        seen[rid] = nth + 1
        fid = folder_id(copy.pop("folder_name"))
        if fid != UNCATEGORIZED:
            out.folders[fid] = (dict(zip(header, values, strict=True)).get("CollectionFolder") or "").strip()
        copy.update(instance_id=placeholder_instance_id(rid, nth), nth=nth, folder_id=fid, line=start)
        out.copies.append(copy)
        by_id.setdefault(rid, release)
    out.releases = list(by_id.values())
    return out

"""Traktor History/*.nml files as play events.

Each history file is one DJ session: PLAYLISTS holds a PROTOCOL playlist with one ENTRY per play (a track
played twice appears twice) whose EXTENDEDDATA has the deck, duration and start. STARTDATE is packed
year<<16 | month<<8 | day, STARTTIME seconds since local midnight (research/nml-format.md §6). The COLLECTION
of a history file is a snapshot of the played tracks: we keep artist/title from it for plays whose track is
no longer in the main collection.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .reader import NmlError, NmlReader, Track

_NAME = re.compile(r"history_(\d{4})y(\d{2})m(\d{2})d_(\d{2})h(\d{2})m(\d{2})s", re.I)


@dataclass(slots=True)
class Play:
    position: int
    location_key: str
    key_type: str
    artist: str | None
    title: str | None
    deck: int | None
    duration: float | None
    played_public: bool | None
    started_at: str | None  # local ISO datetime "2010-11-16T23:01:02"


@dataclass(slots=True)
class HistorySession:
    file: str  # file name, the session's identity
    saved_at: str | None  # from the file name (local time)
    plays: list[Play] = field(default_factory=list)


def unpack_date(v: str | int | None) -> str | None:
    """STARTDATE 131730192 -> "2010-11-16"."""
    try:
        n = int(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    y, m, d = n >> 16, (n >> 8) & 0xFF, n & 0xFF
    if not (1 <= m <= 12 and 1 <= d <= 31 and y > 1900):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def started_at(date: str | int | None, time: str | int | None) -> str | None:
    day = unpack_date(date)
    if day is None:
        return None
    try:
        s = int(time)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return day
    s = max(0, min(s, 86399))
    return f"{day}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def saved_at_from_name(name: str) -> str | None:
    m = _NAME.search(name)
    if not m:
        return None
    y, mo, d, h, mi, s = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}"


def read_history(path: str | os.PathLike) -> HistorySession:
    """All plays of one history file, in play order. Raises NmlError."""
    r = NmlReader(path)
    snapshot: dict[str, Track] = {t.location_key: t for t in r if isinstance(t, Track)}
    p = Path(path)
    sess = HistorySession(file=p.name, saved_at=saved_at_from_name(p.name))
    protocol = [n for n in r.summary.playlists if n.list_type == "PROTOCOL"]
    if not protocol:
        raise NmlError(path, "not a Traktor history file (no PROTOCOL playlist)")
    pos = 0
    for node in protocol:
        for it in node.items:
            ext = it.extended or {}
            snap = snapshot.get(it.key)
            pub = ext.get("PLAYEDPUBLIC")
            dur = ext.get("DURATION")
            deck = ext.get("DECK")
            sess.plays.append(
                Play(
                    position=pos,
                    location_key=it.key,
                    key_type=it.key_type,
                    artist=snap.artist if snap else None,
                    title=snap.title if snap else None,
                    deck=int(deck) if deck and deck.lstrip("-").isdigit() else None,
                    duration=float(dur) if dur else None,
                    played_public=None if pub is None else pub == "1",
                    started_at=started_at(ext.get("STARTDATE"), ext.get("STARTTIME")),
                )
            )
            pos += 1
    return sess


def history_files(root: str | os.PathLike) -> list[Path]:
    """History/*.nml beside a collection (root = the Traktor folder), oldest first by name."""
    d = Path(root) / "History"
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix.lower() == ".nml" and p.is_file())

"""MusicBrainz recordings and releases as the client parses them and the store caches them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COVER_ART = "https://coverartarchive.org"


@dataclass
class MBRelease:
    id: str
    title: str | None = None
    date: str | None = None
    country: str | None = None
    status: str | None = None
    release_group_id: str | None = None
    release_group_title: str | None = None
    release_group_type: str | None = None
    first_release_date: str | None = None

    @property
    def cover_art_url(self) -> str:
        """Cover Art Archive front image: the release group's chosen cover when known."""
        if self.release_group_id:
            return f"{COVER_ART}/release-group/{self.release_group_id}/front"
        return f"{COVER_ART}/release/{self.id}/front"


@dataclass
class MBRecording:
    id: str
    title: str | None = None
    artist: str | None = None  # the artist credit as MusicBrainz displays it
    artist_ids: list[str] = field(default_factory=list)
    length_ms: int | None = None
    isrcs: list[str] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)  # {name, count}
    releases: list[MBRelease] = field(default_factory=list)
    score: int | None = None  # search relevance 0..100 (searches only)

    @property
    def duration(self) -> float | None:
        return None if self.length_ms is None else self.length_ms / 1000.0

    def best_release(self) -> MBRelease | None:
        """The release a DJ would call the original: official first, then the earliest dated."""
        if not self.releases:
            return None

        def key(r: MBRelease) -> tuple[int, str]:
            return (0 if (r.status or "Official") == "Official" else 1, r.date or "9999")

        return sorted(self.releases, key=key)[0]

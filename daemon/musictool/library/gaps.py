"""The priority of buying a digital copy of a gap: a pure function over plain per-release signals.

A gap is a vinyl track in the collection with no matched or confirmed digital copy that the user has not
marked "no digital copy wanted". Its priority (0-100) says what to buy first, with the reasons:
how much the user plays the record's other tracks, how they rated it, whether it is wanted, what the
record costs on the marketplace (a dear record is one to keep off the decks), how recently it was added,
and whether this track completes the release.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from musictool.model.matching import ReleaseSignals

# Points per signal; they add up to 100.
W_PLAYS, W_RATING, W_WANTED, W_PRICE, W_RECENT, W_COMPLETES = 35, 20, 15, 10, 10, 10


@dataclass(slots=True)
class Priority:
    score: float
    reasons: list[str] = field(default_factory=list)


def _days_since(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    try:
        at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (now - at).total_seconds() / 86400)


def priority(s: ReleaseSignals, now: datetime | None = None) -> Priority:
    """Score one gap of release `s` from 0 to 100, strongest reason first."""
    now = now or datetime.now(UTC)
    parts: list[tuple[float, str]] = []
    if s.sibling_plays > 0:
        pts = W_PLAYS * min(1.0, math.log1p(s.sibling_plays) / math.log1p(50))
        parts.append((pts, f"you played this record's other tracks {s.sibling_plays} times"))
    rating = max(float(s.collection_rating or 0), float(s.sibling_rating or 0))
    if rating > 0:
        parts.append((W_RATING * min(rating, 5.0) / 5.0, f"rated {rating:g}/5"))
    if s.wanted:
        parts.append((float(W_WANTED), "on your wantlist or wishlist"))
    if s.lowest_price:
        pts = W_PRICE * min(1.0, s.lowest_price / 40.0)
        cur = f" {s.currency}" if s.currency else ""
        parts.append(
            (pts, f"copies of the record sell from {s.lowest_price:.2f}{cur}: keep the vinyl off the decks")
        )
    days = _days_since(s.date_added, now)
    if days is not None and days < 180:
        parts.append((W_RECENT * (1 - days / 180), f"added to your collection {int(days)} days ago"))
    if s.tracks_total > 1 and s.tracks_have > 0:
        missing = s.tracks_total - s.tracks_have
        if missing <= 2:
            parts.append(
                (
                    W_COMPLETES * (1.0 if missing == 1 else 0.5),
                    f"{s.tracks_have} of {s.tracks_total} tracks are digital already",
                )
            )
    parts.sort(key=lambda p: -p[0])
    score = round(min(100.0, sum(p for p, _ in parts)), 1)
    return Priority(
        score, [why for pts, why in parts if pts >= 0.5] or ["no play, rating, want or price signal yet"]
    )

"""What matching compares: a vinyl track, a digital track, the user's decisions, and the signals that rank
a release's gaps. library/ computes with them; store/ reads and writes them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class VinylTrack:
    """One playable track of a Discogs release, flattened for matching."""

    release_id: int
    position: str
    title: str
    artists: str = ""  # the effective credit: per-track artists, else the release artists
    release_title: str = ""
    labels: tuple[str, ...] = ()
    catnos: tuple[str, ...] = ()
    duration: float | None = None
    artist_variations: tuple[str, ...] = ()  # ANVs and other spellings of the same artists
    ids: dict[str, str] = field(default_factory=dict)  # isrc, mb_recording_id, acoustid_id

    @property
    def key(self) -> tuple[int, str]:
        return (self.release_id, self.position)


@dataclass(slots=True)
class DigitalTrack:
    """One Traktor collection entry, flattened for matching."""

    id: int
    artist: str = ""
    title: str = ""
    album: str = ""
    label: str = ""
    catalog_no: str = ""
    duration: float | None = None
    path: str = ""
    mix: str = ""
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Decisions:
    """User decisions, respected on every recompute."""

    confirmed: dict[tuple[int, str], int] = field(default_factory=dict)
    rejected: set[tuple[int, str, int]] = field(default_factory=set)


@dataclass(slots=True)
class ReleaseSignals:
    """What we know about one release when ranking its gaps."""

    release_id: int
    tracks_total: int = 0  # playable tracks, not counting the ones marked unwanted
    tracks_have: int = 0  # matched or confirmed
    sibling_plays: int = 0  # Traktor play count summed over the matched tracks
    sibling_rating: float = 0.0  # best Traktor rating (0-5) among the matched tracks
    collection_rating: int = 0  # Discogs collection rating (0-5)
    wanted: bool = False  # on the Discogs wantlist or the local wishlist
    lowest_price: float | None = None
    currency: str | None = None
    date_added: str | None = None  # ISO timestamp the record entered the collection

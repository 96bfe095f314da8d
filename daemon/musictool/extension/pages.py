"""What we know about the record a store page shows: owned, missing (with counts), wanted or unknown.

The extension describes the page (store, URL, Discogs ids, artist, title, label, catalog number, tracks, the
price shown); this finds the Discogs release it is (by id, else by title and artist, else by catalog number),
counts its tracks as the gaps do (the `matches` table for records in the collection, the same matcher on
demand for anything else) and says it in words for the page badge.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from musictool.library.match import MatchConfig, VinylTrack, artist_similarity, match_all
from musictool.library.normalize import (
    artist_names,
    fold,
    is_unknown_artist,
    normalize_catno,
    parse_title,
    title_tokens,
)
from musictool.library.wishlist import STORES
from musictool.store import library as library_store
from musictool.store import storepages as store

MAX_TRACKS = 200
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class PageError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass
class Page:
    store: str
    url: str
    kind: str = ""
    release_id: int | None = None
    master_id: int | None = None
    artist: str = ""
    title: str = ""
    label: str = ""
    catno: str = ""
    tracks: list[dict[str, Any]] = field(default_factory=list)
    price: float | None = None
    currency: str | None = None


def _text(body: dict, key: str, limit: int) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PageError(key, "must be a string")
    value = " ".join(value.split())
    if len(value) > limit:
        raise PageError(key, f"must be at most {limit} characters")
    return value


def _positive_int(body: dict, key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise PageError(key, "must be a positive integer")
    return value


def parse_page(body: Any) -> Page:
    """Check what the extension sent; every refusal names the field."""
    if not isinstance(body, dict):
        raise PageError("body", "must be a JSON object")
    store_name = body.get("store")
    if store_name not in STORES:
        raise PageError("store", f"must be one of {', '.join(STORES)}")
    url = _text(body, "url", 2000)
    if not re.match(r"^https?://", url):
        raise PageError("url", "must be the page's http(s) URL")
    page = Page(
        store=store_name,
        url=url,
        kind=_text(body, "kind", 20),
        release_id=_positive_int(body, "release_id"),
        master_id=_positive_int(body, "master_id"),
        artist=_text(body, "artist", 500),
        title=_text(body, "title", 500),
        label=_text(body, "label", 200),
        catno=_text(body, "catno", 100),
    )
    if not page.title and page.release_id is None and page.master_id is None:
        raise PageError("title", "is required when no Discogs release_id or master_id is given")
    tracks = body.get("tracks", [])
    if not isinstance(tracks, list) or len(tracks) > MAX_TRACKS:
        raise PageError("tracks", f"must be a list of at most {MAX_TRACKS} tracks")
    for n, t in enumerate(tracks):
        if not isinstance(t, dict) or not isinstance(t.get("title"), str) or not t["title"].strip():
            raise PageError(f"tracks[{n}]", "must be an object with a title")
        duration = t.get("duration")
        if "duration" in t and (
            isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration < 86400
        ):
            raise PageError(f"tracks[{n}].duration", "must be seconds between 0 and 86400")
        page.tracks.append(
            {
                "title": _text(t, "title", 500),
                "artist": _text(t, "artist", 500) or page.artist,
                "duration": duration,
            }
        )
    price = body.get("price")
    if price is not None:
        if (
            isinstance(price, bool)
            or not isinstance(price, int | float)
            or not math.isfinite(price)
            or price < 0
        ):
            raise PageError("price", "must be a non-negative number")
        page.price = float(price)
    currency = body.get("currency")
    if currency is not None:
        if not isinstance(currency, str) or not _CURRENCY_RE.match(currency.upper()):
            raise PageError("currency", "must be a three-letter ISO 4217 code such as EUR")
        page.currency = currency.upper()
    return page


# -- finding the release -------------------------------------------------------------------------------


def _score(page: Page, r: dict[str, Any]) -> float:
    """How sure we are that a known Discogs release is what the page shows (0-1)."""
    want = parse_title(page.title).base or fold(page.title)
    have = parse_title(r["title"] or "").base or fold(r["title"] or "")
    title = fuzz.token_sort_ratio(want, have) / 100
    catno = normalize_catno(page.catno)
    if catno and catno in _catnos(r["labels_json"] or "[]") and title >= 0.6:
        return 1.0
    if is_unknown_artist(page.artist) or is_unknown_artist(r["artists"]):
        # a compilation ("Various") or a page without an artist: the title alone must be all but equal
        return title * 0.6 + 0.28 if title >= 0.95 else 0.0
    artists = artist_similarity(artist_names(page.artist), artist_names(r["artists"] or ""))
    return title * 0.6 + artists * 0.4 if title >= 0.85 and artists >= 0.7 else 0.0


def _catnos(labels_json: str) -> set[str]:
    try:
        labels = json.loads(labels_json)
    except ValueError:
        return set()
    return {normalize_catno(x.get("catno")) for x in labels if isinstance(x, dict)}


async def find_release(db: Any, page: Page) -> dict[str, Any] | None:
    if page.release_id is not None:
        return await store.release(db, page.release_id)
    if page.master_id is not None:
        found = await store.releases_of_master(db, page.master_id)
        if found:
            return found[0]
    words = sorted(title_tokens(parse_title(page.title).base or fold(page.title)), key=len, reverse=True)
    if not words:
        return None
    best, best_score = None, 0.0
    for r in await store.releases_titled(db, words[:3]):
        s = _score(page, r) + (0.01 if r["owned"] else 0) + (0.005 if r["wanted"] else 0)
        if s > best_score:
            best, best_score = r, s
    return best if best_score >= 0.8 else None


# -- tracks against the library ------------------------------------------------------------------------


async def match_tracks(
    db: Any, vinyl: list[VinylTrack], config: MatchConfig, run_cpu: Callable[..., Awaitable[Any]]
) -> list[int | None]:
    """The library track each of these tracks is (None: not in the library), by the matcher the gaps use.

    Candidates come from SQL (library tracks whose title starts like the track's, or whose artist starts like
    its first artist); the matcher runs in the process pool (run_cpu), so the event loop never waits for it."""
    ids: set[int] = set()
    for t in vinyl:
        ids.update(await store.candidate_tracks(db, _lead(t.title), _lead(t.artists)))
    if not ids:
        return [None] * len(vinyl)
    digital = await library_store.load_digital(db, sorted(ids))
    results = {r["position"]: r for r in await run_cpu(match_all, vinyl, digital, None, config)}
    return [
        results[t.position]["track_id"] if results[t.position]["status"] in ("matched", "confirmed") else None
        for t in vinyl
    ]


def _lead(text: str) -> str:
    """The part of a title or credit a library entry of it starts with: 'Nock (Original Mix)' -> 'Nock',
    'Joey Negro, Dave Lee' -> 'Joey Negro'."""
    lead = re.split(
        r"\s[(\[]|\s-\s|\s(?:feat|ft)\.?\s|[,&/]|\s(?:and|x|vs\.?)\s", text, maxsplit=1, flags=re.I
    )[0]
    return lead.strip()


def page_vinyl(page: Page) -> list[VinylTrack]:
    return [
        VinylTrack(
            release_id=0,
            position=str(n + 1),
            title=t["title"],
            artists=t["artist"],
            release_title=page.title,
            labels=(page.label,) if page.label else (),
            catnos=(page.catno,) if page.catno else (),
            duration=t["duration"],
        )
        for n, t in enumerate(page.tracks)
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def verdict(
    total: int, have: int, in_collection: bool, on_wantlist: bool, on_wishlist: bool
) -> tuple[str, str]:
    """The badge: status and its words (DESIGN "Browser extension").

    owned: every track the page shows is in the DJ library; missing: a record you own or want of which some
    tracks are in the library and some not; wanted: on the wantlist or wishlist with none in the library;
    unknown: anything else, still said in words."""
    missing = total - have
    where = [
        w
        for w, on in (
            ("in your Discogs collection", in_collection),
            ("on your Discogs wantlist", on_wantlist),
            ("on your wishlist", on_wishlist),
        )
        if on
    ]
    tail = f" ({', '.join(where)})" if where else ""
    if total and not missing:
        return "owned", ("In your library" if total == 1 else f"All {total} tracks in your library") + tail
    if total and (in_collection or ((on_wantlist or on_wishlist) and have)):
        return "missing", f"{missing} of {_plural(total, 'track')} not in your library{tail}"
    if on_wantlist or on_wishlist:
        first = where[-1] if not in_collection else where[1]
        return "wanted", first[0].upper() + first[1:]
    if in_collection:
        return "unknown", "In your Discogs collection; its tracklist is not synced yet"
    if total and have:
        return "unknown", f"{have} of {_plural(total, 'track')} already in your library"
    return "unknown", "Not in your library, collection or wishlist"


async def lookup(
    db: Any, page: Page, config: MatchConfig, run_cpu: Callable[..., Awaitable[Any]]
) -> dict[str, Any]:
    """Everything the page badge says, and the ids behind it."""
    release = await find_release(db, page)
    in_collection = bool(release and release["owned"])
    on_wantlist = bool(release and release["wanted"])
    item = await store.wishlist_for_page(
        db, page.url, release["id"] if release else None, page.artist, page.title
    )
    on_wishlist = bool(item and item["status"] in ("wanted", "ordered"))
    total = have = 0
    tracks: list[dict[str, Any]] = []
    if in_collection and release:
        counts = await store.match_counts(db, release["id"])
        total, have = counts["total"], counts["have"]
    else:
        vinyl = page_vinyl(page)
        if not vinyl and release:
            vinyl = await store.release_vinyl(db, release["id"])
        found = await match_tracks(db, vinyl, config, run_cpu) if vinyl else []
        total, have = len(found), sum(1 for f in found if f is not None)
        tracks = [{"title": v.title, "track_id": f} for v, f in zip(vinyl, found, strict=True)]
    status, text = verdict(total, have, in_collection, on_wantlist, on_wishlist)
    return {
        "status": status,
        "text": text,
        "release_id": release["id"] if release else None,
        "in_collection": in_collection,
        "on_wantlist": on_wantlist,
        "wishlist_id": item["id"] if item else None,
        "tracks_total": total,
        "tracks_in_library": have,
        "tracks_missing": total - have,
        "tracks": tracks,
    }

"""Deterministic Discogs-shaped data: users, collections, wantlists and releases of any size.

Every generated body is a copy of a real fixture body (../shared/fixtures/discogs) with its values
replaced, so the shapes (keys, nesting, types) are the real ones. Names come from small word lists
through a seeded RNG: the same seed always gives the same catalogue.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from testkit.fixtures_path import SHARED

FIXTURES = SHARED / "fixtures" / "discogs"
VARIOUS_ID = 194  # Discogs' "Various" artist

_FIRST = [
    "Mara",
    "Jonas",
    "Keiko",
    "Lev",
    "Ines",
    "Tomasz",
    "Ada",
    "Rafael",
    "Sunniva",
    "Dorian",
    "Nadia",
    "Oskar",
    "Yuki",
    "Carmen",
    "Elif",
    "Marek",
    "Lena",
    "Theo",
    "Aino",
    "Kwame",
    "Priya",
    "Bruno",
]
_LAST = [
    "Okafor",
    "Lindqvist",
    "Brandt",
    "Moreau",
    "Kowalski",
    "Ferreira",
    "Nakamura",
    "Haddad",
    "Vogel",
    "Castillo",
    "Jensen",
    "Petrov",
    "Aalto",
    "Rossi",
    "Dubois",
    "Sato",
    "Novak",
    "Ortega",
    "Weiss",
]
_WORD_A = [
    "Silent",
    "Deep",
    "Velvet",
    "Hollow",
    "Neon",
    "Quiet",
    "Distant",
    "Static",
    "Golden",
    "Midnight",
    "Concrete",
    "Liquid",
    "Northern",
    "Broken",
    "Analog",
    "Crystal",
    "Dusty",
    "Lunar",
    "Warm",
    "Infinite",
]
_WORD_B = [
    "Harbour",
    "Signal",
    "Circuit",
    "Garden",
    "Motion",
    "Orbit",
    "Pulse",
    "Current",
    "Horizon",
    "Archive",
    "Tide",
    "Engine",
    "Corridor",
    "Mirror",
    "Frequency",
    "Canyon",
    "Ritual",
    "Atlas",
    "Drift",
]
_LABEL_SUFFIX = ["Records", "Recordings", "Music", "Audio", "Tapes", "Sound System", "Editions", "Trax"]
_TRACK_WORDS = [
    "Night",
    "Drive",
    "Echoes",
    "Rain",
    "Falling",
    "Lights",
    "City",
    "Morning",
    "Heat",
    "Shadow",
    "Tension",
    "Release",
    "Dub",
    "Reprise",
    "Voices",
    "Machine",
    "Dance",
    "Floor",
    "Sky",
    "Water",
    "Under",
    "Glass",
    "Fever",
    "Run",
    "Wire",
    "Ghost",
    "Bloom",
    "Return",
    "Low",
    "High",
]
_MIXES = ["Original Mix", "Dub", "Extended Mix", "Remix", "Instrumental", "Vocal Mix", "Reprise"]
_STYLES = {
    "Electronic": [
        "Techno",
        "House",
        "Deep House",
        "Minimal",
        "Tech House",
        "Electro",
        "Dub Techno",
        "Acid House",
        "Ambient",
        "Breakbeat",
        "Detroit Techno",
        "Disco",
    ],
    "Funk / Soul": ["Disco", "Boogie", "Soul"],
}
_COUNTRIES = ["Germany", "UK", "US", "Netherlands", "France", "Belgium", "Italy", "Sweden", "Japan"]
_FORMATS = [
    {"name": "Vinyl", "qty": "1", "descriptions": ['12"', "33 ⅓ RPM", "EP"]},
    {"name": "Vinyl", "qty": "1", "descriptions": ['12"', "45 RPM"]},
    {"name": "Vinyl", "qty": "2", "descriptions": ["LP", "Album"]},
    {"name": "Vinyl", "qty": "1", "descriptions": ['12"', "Single", "33 ⅓ RPM"]},
]


@cache
def fixture(name: str) -> Any:
    """A real response body from the shared fixtures (parsed once, copied by callers that mutate)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load(name: str) -> Any:
    return copy.deepcopy(fixture(name))


def discogs_time(dt: datetime) -> str:
    """Discogs' timestamp style: 2015-04-14T03:23:29-07:00."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def _draw_unique(draw: Any, seen: set[str], patience: int = 50) -> str:
    """A name not used yet; once the word lists run dry, numbered the way Discogs tells namesakes apart:
    "Name (2)"."""
    for _ in range(patience):
        name = draw()
        if name not in seen:
            break
    else:
        k = 2
        while f"{name} ({k})" in seen:
            k += 1
        name = f"{name} ({k})"
    seen.add(name)
    return name


def _skewed(rng: random.Random, n: int) -> int:
    """An index where low numbers recur (the artists a collector buys again and again), long tail after."""
    if rng.random() < 0.4:
        return min(int((rng.paretovariate(1.3) - 1) * 12), n - 1)
    return rng.randrange(n)


@dataclass
class Entity:
    id: int
    name: str


@dataclass
class Catalog:
    """Artists, labels and releases generated from a seed; releases are made on first use."""

    seed: int = 1
    n_artists: int = 400
    n_labels: int = 150
    artists: list[Entity] = field(default_factory=list)
    labels: list[Entity] = field(default_factory=list)
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    extra_artist_releases: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    extra_label_releases: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rng = random.Random(f"entities-{self.seed}")

        def artist_name() -> str:
            kind = rng.random()
            if kind < 0.45:
                return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            if kind < 0.85:
                return f"{rng.choice(_WORD_A)} {rng.choice(_WORD_B)}"
            return f"The {rng.choice(_WORD_B)}s"

        def label_name() -> str:
            return f"{rng.choice(_WORD_A)} {rng.choice(_WORD_B)} {rng.choice(_LABEL_SUFFIX)}"

        seen: set[str] = set()
        while len(self.artists) < self.n_artists:
            self.artists.append(Entity(10_000 + len(self.artists) * 3, _draw_unique(artist_name, seen)))
        seen = set()
        while len(self.labels) < self.n_labels:
            self.labels.append(Entity(50_000 + len(self.labels) * 5, _draw_unique(label_name, seen)))

    # -- releases -------------------------------------------------------------------------------
    @staticmethod
    def release_id(index: int) -> int:
        return 3_000_000 + index * 7

    def release(self, release_id: int) -> dict[str, Any]:
        """The full /releases/{id} body (real shape of releases_id.json)."""
        if release_id not in self.releases:
            self.releases[release_id] = self._make_release(release_id)
        return self.releases[release_id]

    def _pick_artist(self, rng: random.Random) -> Entity:
        # a skewed pick so that some artists and labels recur (top-N is meaningful)
        return self.artists[_skewed(rng, len(self.artists))]

    def _pick_label(self, rng: random.Random) -> Entity:
        return self.labels[_skewed(rng, len(self.labels))]

    @staticmethod
    def _artist_ref(e: Entity, join: str = "") -> dict[str, Any]:
        return {
            "name": e.name,
            "anv": "",
            "join": join,
            "role": "",
            "tracks": "",
            "id": e.id,
            "resource_url": f"https://api.discogs.com/artists/{e.id}",
        }

    def _make_release(self, release_id: int) -> dict[str, Any]:
        rng = random.Random(f"release-{self.seed}-{release_id}")
        body = load("releases_id.json")
        compilation = rng.random() < 0.08
        if compilation:
            main = [
                {
                    "name": "Various",
                    "anv": "",
                    "join": "",
                    "role": "",
                    "tracks": "",
                    "id": VARIOUS_ID,
                    "resource_url": f"https://api.discogs.com/artists/{VARIOUS_ID}",
                }
            ]
        elif rng.random() < 0.12:
            a, b = self._pick_artist(rng), self._pick_artist(rng)
            main = [self._artist_ref(a, "&"), self._artist_ref(b)] if a.id != b.id else [self._artist_ref(a)]
        else:
            main = [self._artist_ref(self._pick_artist(rng))]
        label = self._pick_label(rng)
        prefix = "".join(w[0] for w in label.name.split()[:3]).upper()
        year = rng.randint(1988, 2025)
        fmt = copy.deepcopy(rng.choice(_FORMATS))
        genre = "Electronic" if rng.random() < 0.9 else "Funk / Soul"
        styles = sorted(set(rng.sample(_STYLES[genre], k=min(2, len(_STYLES[genre])))))
        title = f"{rng.choice(_WORD_A)} {rng.choice(_TRACK_WORDS)}"
        if rng.random() < 0.3:
            title += " EP"
        tracks = []
        sides = "ABCD" if fmt["qty"] == "2" else "AB"
        n_tracks = rng.randint(2, 10 if fmt["qty"] == "2" else 5)
        for i in range(n_tracks):
            side = sides[min(i * len(sides) // n_tracks, len(sides) - 1)]
            pos_no = sum(1 for t in tracks if t["position"].startswith(side)) + 1
            name = f"{rng.choice(_TRACK_WORDS)} {rng.choice(_TRACK_WORDS)}"
            if rng.random() < 0.25:
                name += f" ({rng.choice(_MIXES)})"
            secs = rng.randint(150, 560)
            track: dict[str, Any] = {
                "position": f"{side}{pos_no}",
                "type_": "track",
                "title": name,
                "duration": f"{secs // 60}:{secs % 60:02d}" if rng.random() < 0.85 else "",
            }
            if compilation:
                track["artists"] = [self._artist_ref(self._pick_artist(rng))]
            tracks.append(track)
        if rng.random() < 0.05 and len(tracks) > 3:  # a real-world heading row
            tracks.insert(0, {"position": "", "type_": "heading", "title": "Side A", "duration": ""})
        names = " & ".join(a["name"] for a in main) if not compilation else "Various"
        body.update(
            id=release_id,
            title=title,
            year=year,
            resource_url=f"https://api.discogs.com/releases/{release_id}",
            uri=f"https://www.discogs.com/release/{release_id}-{title.replace(' ', '-')}",
            artists=main,
            artists_sort=names,
            labels=[
                {
                    "name": label.name,
                    "catno": f"{prefix}{rng.randint(1, 180):03d}",
                    "entity_type": "1",
                    "entity_type_name": "Label",
                    "id": label.id,
                    "resource_url": f"https://api.discogs.com/labels/{label.id}",
                }
            ],
            formats=[fmt],
            format_quantity=int(fmt["qty"]),
            country=rng.choice(_COUNTRIES),
            released=str(year),
            released_formatted=str(year),
            genres=[genre],
            styles=styles,
            tracklist=tracks,
            extraartists=[],
            master_id=0,
            master_url=None,
            num_for_sale=rng.randint(0, 40),
            lowest_price=round(rng.uniform(3, 60), 2),
            thumb=f"https://i.discogs.com/fake/R-{release_id}-150.jpeg",
            notes="",
            videos=[],
            series=[],
            companies=[],
            identifiers=[],
        )
        body["community"]["have"] = rng.randint(20, 4000)
        body["community"]["want"] = rng.randint(20, 4000)
        return body

    def basic_information(self, release_id: int) -> dict[str, Any]:
        """The basic_information block of collection and wantlist items (real key set)."""
        r = self.release(release_id)
        return {
            "artists": copy.deepcopy(r["artists"]),
            "cover_image": r["thumb"].replace("-150", "-600"),
            "formats": copy.deepcopy(r["formats"]),
            "genres": list(r["genres"]),
            "id": release_id,
            "labels": copy.deepcopy(r["labels"]),
            "master_id": r["master_id"],
            "master_url": r["master_url"],
            "resource_url": r["resource_url"],
            "styles": list(r["styles"]),
            "thumb": r["thumb"],
            "title": r["title"],
            "year": r["year"],
        }

    # -- artist and label release lists --------------------------------------------------------------
    def artist_releases(self, artist_id: int) -> list[dict[str, Any]]:
        """Items of /artists/{id}/releases (shape of artists_id_releases.json)."""
        rng = random.Random(f"artist-releases-{self.seed}-{artist_id}")
        name = next((a.name for a in self.artists if a.id == artist_id), f"Artist {artist_id}")
        items = []
        for k in range(rng.randint(3, 12)):
            rid = 8_000_000 + artist_id * 20 + k
            items.append(
                {
                    "thumb": f"https://i.discogs.com/fake/R-{rid}-150.jpeg",
                    "artist": name,
                    "title": f"{rng.choice(_WORD_A)} {rng.choice(_TRACK_WORDS)}",
                    "role": "Main",
                    "year": 1995 + k * 2,
                    "resource_url": f"https://api.discogs.com/releases/{rid}",
                    "type": "release",
                    "id": rid,
                    "status": "Accepted",
                    "format": '12"',
                    "label": "Self-released",
                }
            )
        return items + self.extra_artist_releases.get(artist_id, [])

    def label_releases(self, label_id: int) -> list[dict[str, Any]]:
        """Items of /labels/{id}/releases (shape of labels_id_releases.json)."""
        rng = random.Random(f"label-releases-{self.seed}-{label_id}")
        items = []
        for k in range(rng.randint(3, 15)):
            rid = 9_000_000 + label_id * 20 + k
            items.append(
                {
                    "status": "Accepted",
                    "thumb": f"https://i.discogs.com/fake/R-{rid}-150.jpeg",
                    "format": '12"',
                    "title": f"{rng.choice(_WORD_A)} {rng.choice(_WORD_B)}",
                    "catno": f"CAT{k:03d}",
                    "resource_url": f"https://api.discogs.com/releases/{rid}",
                    "artist": self.artists[rng.randrange(len(self.artists))].name,
                    "id": rid,
                    "year": 1995 + k,
                }
            )
        return items + self.extra_label_releases.get(label_id, [])

    def add_artist_release(self, artist_id: int, title: str, year: int = 2026) -> dict[str, Any]:
        """A release that appears on an artist's list from now on (for new-release tests)."""
        lst = self.extra_artist_releases.setdefault(artist_id, [])
        rid = 8_900_000 + artist_id * 10 + len(lst)
        item = {
            "thumb": "",
            "artist": f"Artist {artist_id}",
            "title": title,
            "role": "Main",
            "year": year,
            "resource_url": f"https://api.discogs.com/releases/{rid}",
            "type": "release",
            "id": rid,
            "status": "Accepted",
            "format": '12"',
            "label": "Self-released",
        }
        lst.append(item)
        return item


@dataclass
class UserData:
    """One user's collection (instances in date_added order, newest last), folders and wantlist."""

    username: str
    folders: dict[int, str] = field(default_factory=lambda: {1: "Uncategorized"})
    instances: list[dict[str, Any]] = field(default_factory=list)
    wants: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_instance_id: int = 700_000_000
    clock: datetime = datetime(2012, 3, 1, 18, 0, 0, tzinfo=UTC)


def make_instance(
    cat: Catalog,
    user: UserData,
    release_id: int,
    folder_id: int,
    rating: int,
    notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A folder-0 item, real key set (users_collection_folders_0_releases fixture)."""
    user.next_instance_id += 1
    user.clock += timedelta(hours=7, minutes=13)
    item = {
        "basic_information": cat.basic_information(release_id),
        "date_added": discogs_time(user.clock),
        "folder_id": folder_id,
        "id": release_id,
        "instance_id": user.next_instance_id,
        "rating": rating,
    }
    if notes:
        item["notes"] = notes
    return item


def make_want(
    cat: Catalog, user: UserData, release_id: int, rating: int = 0, notes: str = ""
) -> dict[str, Any]:
    """A wantlist item, real key set (users_wants fixture)."""
    return {
        "rating": rating,
        "basic_information": cat.basic_information(release_id),
        "notes": notes,
        "notes_public": False,
        "resource_url": f"https://api.discogs.com/users/{user.username}/wants/{release_id}",
        "id": release_id,
    }


def generate_user(
    cat: Catalog, username: str, releases: int, wants: int = 0, folders: int = 3, duplicates: int = 0
) -> UserData:
    """A user whose collection has `releases` instances (plus `duplicates` second copies) and `wants` wants."""
    rng = random.Random(f"user-{cat.seed}-{username}")
    user = UserData(username=username)
    for k in range(folders - 1):
        user.folders[2_000_000 + k] = f"{rng.choice(_WORD_A)} {rng.choice(['Crate', 'Shelf', 'Box', 'Bag'])}"
    folder_ids = list(user.folders)
    for i in range(releases):
        rid = cat.release_id(i)
        notes = [{"field_id": 3, "value": "Sleeve: VG+"}] if rng.random() < 0.1 else None
        user.instances.append(
            make_instance(cat, user, rid, rng.choice(folder_ids), rng.choice([0, 0, 0, 3, 4, 5]), notes)
        )
    for j in range(duplicates):
        rid = cat.release_id(j * 3 % max(releases, 1))
        user.instances.append(make_instance(cat, user, rid, folder_ids[0], 0))
    for j in range(wants):
        rid = cat.release_id(releases + 10 + j)
        user.wants[rid] = make_want(cat, user, rid, rating=rng.choice([0, 0, 4, 5]))
    return user


def fixture_user(cat: Catalog, username: str = "example") -> UserData:
    """The real captured collection and wantlist (JOA fixtures, user "example"), replayed item by item."""
    user = UserData(username=username)
    for item in load("users_collection_folders_0_releases.relative_urls.json")["releases"]:
        user.instances.append(item)
        user.next_instance_id = max(user.next_instance_id, item["instance_id"])
        # seed the catalogue so /releases/{id} agrees with the item's basic_information
        r = cat.release(item["id"])
        bi = item["basic_information"]
        r.update(
            title=bi["title"],
            year=bi["year"],
            artists=copy.deepcopy(bi["artists"]),
            labels=copy.deepcopy(bi["labels"]),
            formats=copy.deepcopy(bi["formats"]),
        )
    user.instances.sort(key=lambda i: i["date_added"])
    for w in load("users_wants.relative_urls.json")["wants"]:
        user.wants[w["id"]] = w
    return user


def fixture_path(name: str) -> Path:
    return FIXTURES / name

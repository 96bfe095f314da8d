"""Write the demo data that ships in daemon/musictool/demo/: a Discogs collection (discogs.json) and a
Traktor collection.nml that holds about two thirds of that collection's tracks, with the naming drift real
libraries have, plus digital-only tracks and a playlist.

Every artist, label and title is invented here from the word lists below through a seeded RNG, so the data
is ours (MIT, like the rest of the project) and the same seed always writes the same files. The shapes
follow the Discogs API v2 documentation and Traktor's NML format.

    python scripts/make_demo_data.py            # rewrites daemon/musictool/demo/{discogs.json,collection.nml}
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "daemon" / "musictool" / "demo"
FIRST = ["Mara", "Jonas", "Keiko", "Lev", "Ines", "Tomasz", "Ada", "Rafael", "Sunniva", "Dorian", "Nadia", "Oskar", "Yuki", "Carmen", "Elif", "Marek"]
LAST = ["Okafor", "Lindqvist", "Brandt", "Moreau", "Kowalski", "Ferreira", "Nakamura", "Haddad", "Vogel", "Castillo", "Jensen", "Aalto"]
WORD_A = ["Silent", "Deep", "Velvet", "Hollow", "Neon", "Quiet", "Distant", "Static", "Golden", "Midnight", "Concrete", "Liquid", "Lunar", "Warm"]
WORD_B = ["Harbour", "Signal", "Circuit", "Garden", "Motion", "Orbit", "Pulse", "Current", "Horizon", "Archive", "Tide", "Engine", "Mirror"]
LABEL_SUFFIX = ["Records", "Recordings", "Music", "Audio", "Tapes", "Editions", "Trax"]
TRACK_WORDS = ["Night", "Drive", "Echoes", "Rain", "Falling", "Lights", "City", "Morning", "Heat", "Shadow", "Tension", "Voices", "Machine", "Dance", "Floor", "Sky", "Water", "Glass", "Fever", "Wire", "Ghost", "Bloom", "Return", "Low", "High"]
VERSIONS = ["", "", "", "", "Dub", "Extended Mix", "Instrumental", "Vocal Mix"]
STYLES = ["Techno", "House", "Deep House", "Minimal", "Tech House", "Electro", "Dub Techno", "Acid House"]
COUNTRIES = ["Germany", "UK", "US", "Netherlands", "France", "Belgium", "Italy", "Sweden", "Japan"]
FORMATS = [
    {"name": "Vinyl", "qty": "1", "descriptions": ['12"', "33 ⅓ RPM", "EP"]},
    {"name": "Vinyl", "qty": "1", "descriptions": ['12"', "45 RPM"]},
    {"name": "Vinyl", "qty": "2", "descriptions": ["LP", "Album"]},
]
FOLDERS = [{"id": 1, "name": "Uncategorized"}, {"id": 4100, "name": "House"}, {"id": 4101, "name": "Techno"}]
CONDITIONS = ["Mint (M)", "Near Mint (NM or M-)", "Very Good Plus (VG+)", "Very Good (VG)"]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def track_title(rng: random.Random) -> str:
    title = " ".join(rng.sample(TRACK_WORDS, rng.choice([1, 2, 2, 3])))
    version = rng.choice(VERSIONS)
    return f"{title} ({version})" if version else title


def artist_id(artists: list[str], name: str) -> int:
    return 194 if name == "Various" else 7_000_001 + artists.index(name)  # 194: Discogs' "Various"


def releases(rng: random.Random, n: int) -> list[dict]:
    artists = [person(rng) for _ in range(14)]
    labels = [f"{rng.choice(WORD_A)} {rng.choice(WORD_B)} {rng.choice(LABEL_SUFFIX)}" for _ in range(8)]
    out = []
    for i in range(n):
        various = i % 9 == 4
        artist = "Various" if various else rng.choice(artists)
        label = rng.choice(labels)
        label_id = 7_100_001 + labels.index(label)
        fmt = rng.choice(FORMATS)
        sides = ["A1", "A2", "B1", "B2"] if fmt["qty"] == "1" else ["A1", "A2", "B1", "B2", "C1", "C2", "D1"]
        tracks = []
        for pos in sides[: rng.randint(3, len(sides))]:
            t = {"position": pos, "type_": "track", "title": track_title(rng)}
            t["duration"] = f"{rng.randint(4, 8)}:{rng.randint(0, 59):02d}"
            if various:
                name = rng.choice(artists)
                t["artists"] = [{"name": name, "anv": "", "join": "", "id": artist_id(artists, name)}]
            tracks.append(t)
        out.append(
            {
                "id": 8_000_001 + i,
                "title": f"{rng.choice(WORD_A)} {rng.choice(WORD_B)}" + (" EP" if fmt["qty"] == "1" else ""),
                "artists": [{"name": artist, "anv": "", "join": "", "id": artist_id(artists, artist)}],
                "year": rng.randint(1994, 2024),
                "country": rng.choice(COUNTRIES),
                "labels": [{"id": label_id, "name": label, "catno": f"{''.join(w[0] for w in label.split())}{100 + i:03d}"}],
                "formats": [fmt],
                "genres": ["Electronic"],
                "styles": rng.sample(STYLES, 2),
                "tracklist": tracks,
            }
        )
    return out


def collection(rng: random.Random, rels: list[dict], owned: int) -> list[dict]:
    items = []
    for n, r in enumerate(rels[:owned]):
        style = r["styles"][0]
        folder = 4100 if "House" in style else 4101 if "Techno" in style else 1
        notes = [{"field_id": 1, "value": rng.choice(CONDITIONS)}, {"field_id": 2, "value": rng.choice(CONDITIONS)}]
        items.append(
            {
                "instance_id": 600_000_001 + n,
                "release_id": r["id"],
                "folder_id": folder,
                "rating": rng.choice([0, 0, 3, 4, 5]),
                "date_added": f"20{18 + n // 12:02d}-{1 + n % 12:02d}-{rng.randint(1, 28):02d}T"
                f"{rng.randint(8, 23):02d}:{rng.randint(0, 59):02d}:00-07:00",
                "notes": notes,
            }
        )
    return items


# -- collection.nml ---------------------------------------------------------------------------------------
HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
    '<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" PROGRAM="Traktor"></HEAD>\n'
    "<MUSICFOLDERS></MUSICFOLDERS>\n"
)


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def entry(artist: str, title: str, album: str, label: str, catno: str, secs: int, rng: random.Random):
    dir_ = "/:home/:dj/:Music/:" + esc(artist.replace("/", "-")) + "/:"
    file_ = f"{artist} - {title}.mp3".replace("/", "-")
    bpm = rng.choice([118, 120, 122, 124, 125, 126, 128, 130, 134]) + rng.choice([0, 0, 0.5])
    xml = (
        f'<ENTRY MODIFIED_DATE="2025/3/{rng.randint(1, 28)}" MODIFIED_TIME="{rng.randrange(86400)}" '
        f'TITLE="{esc(title)}" ARTIST="{esc(artist)}">'
        f'<LOCATION DIR="{dir_}" FILE="{esc(file_)}" VOLUME="" VOLUMEID=""></LOCATION>\n'
        f'<ALBUM TITLE="{esc(album)}"></ALBUM>\n'
        '<MODIFICATION_INFO AUTHOR_TYPE="user"></MODIFICATION_INFO>\n'
        f'<INFO BITRATE="320000" GENRE="House" LABEL="{esc(label)}" CATALOG_NO="{esc(catno)}" '
        f'PLAYCOUNT="{rng.choice([0, 0, 1, 3, 7, 12])}" PLAYTIME="{secs}" PLAYTIME_FLOAT="{secs:.6f}" '
        f'IMPORT_DATE="2024/{rng.randint(1, 12)}/{rng.randint(1, 28)}" FLAGS="12" FILESIZE="{secs * 40}"></INFO>\n'
        f'<TEMPO BPM="{bpm:.6f}" BPM_QUALITY="100.000000"></TEMPO>\n'
        f'<MUSICAL_KEY VALUE="{rng.randrange(24)}"></MUSICAL_KEY>\n'
        f'<CUE_V2 NAME="AutoGrid" DISPL_ORDER="0" TYPE="4" START="{rng.random() * 200:.6f}" LEN="0.000000" '
        'REPEATS="-1" HOTCUE="0"></CUE_V2>\n</ENTRY>\n'
    )
    return xml, f"{dir_}{esc(file_)}"


def drift(title: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2 and "(" not in title:
        return f"{title} (Original Mix)"
    if roll < 0.3 and len(title) > 6:  # a one-letter typo
        i = rng.randrange(1, len(title) - 1)
        return title[:i] + title[i + 1] + title[i] + title[i + 2 :]
    if roll < 0.35:
        return title.lower()
    return title


def nml(rng: random.Random, rels: list[dict], owned: int) -> tuple[str, int]:
    entries, keys = [], []
    for r in rels[:owned]:
        label = r["labels"][0]
        for t in r["tracklist"]:
            if rng.random() < 0.35:
                continue  # a gap: on the record, not in the library
            artist = (t.get("artists") or r["artists"])[0]["name"]
            m, s = t["duration"].split(":")
            xml, key = entry(artist, drift(t["title"], rng), r["title"], label["name"], label["catno"],
                             int(m) * 60 + int(s), rng)
            entries.append(xml)
            keys.append(key)
    for i in range(25):  # digital-only tracks
        xml, key = entry(f"Digital Artist {i}", f"Promo Track {i}", "Promos", "Digital Only", "", 300, rng)
        entries.append(xml)
        keys.append(key)
    chosen = keys[:12]
    text = (
        HEADER
        + f'<COLLECTION ENTRIES="{len(entries)}">'
        + "".join(entries)
        + "</COLLECTION>\n"
        + '<SETS ENTRIES="0"></SETS>\n<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="1">'
        + f'<NODE TYPE="PLAYLIST" NAME="Friday Warm-up"><PLAYLIST ENTRIES="{len(chosen)}" TYPE="LIST" '
        'UUID="6d2f8a1c9b0e4f3a8c7d6e5f4a3b2c1d">'
        + "".join(f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="{k}"></PRIMARYKEY>\n</ENTRY>\n' for k in chosen)
        + "</PLAYLIST>\n</NODE>\n</SUBNODES>\n</NODE>\n</PLAYLISTS>\n<INDEXING></INDEXING>\n</NML>\n"
    )
    return text, len(entries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--releases", type=int, default=40, help="records in the collection")
    ap.add_argument("--wants", type=int, default=6, help="records on the wantlist")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(f"musictool-demo-{args.seed}")
    rels = releases(rng, args.releases + args.wants)
    body = {
        "username": "demo",
        "folders": FOLDERS,
        "releases": rels,
        "collection": collection(rng, rels, args.releases),
        "wants": [{"release_id": r["id"], "rating": 0, "notes": ""} for r in rels[args.releases :]],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "discogs.json").write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    text, n = nml(rng, rels, args.releases)
    (args.out / "collection.nml").write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.out}: {len(rels)} releases ({args.releases} owned), collection.nml with {n} tracks")


if __name__ == "__main__":
    main()

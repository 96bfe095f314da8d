"""Write the demo's Traktor collection.nml: about two thirds of the demo Discogs collection's tracks, with the
naming drift real libraries have, plus tracks that are on no record, a playlist and a History file.

The demo Discogs collection is the one `python -m testkit.fakes.discogs` serves for the same user, size and seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from testkit.fakes.discogs.data import Catalog, generate_user

HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
    '<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" PROGRAM="Traktor"></HEAD>\n'
    "<MUSICFOLDERS></MUSICFOLDERS>\n"
)


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def entry(
    music: Path, artist: str, title: str, album: str, label: str, catno: str, secs: int, rng: random.Random
) -> tuple[str, str]:
    folder = music / artist.replace("/", "-")
    dir_ = "/:" + "".join(f"{part}/:" for part in folder.parts[1:])
    file_ = f"{artist} - {title}.mp3".replace("/", "-")
    key = rng.randrange(24)
    bpm = rng.choice([118, 120, 122, 124, 125, 126, 128, 130, 134]) + rng.choice([0, 0, 0.5])
    xml = (
        f'<ENTRY MODIFIED_DATE="2025/3/{rng.randint(1, 28)}" MODIFIED_TIME="{rng.randrange(86400)}" '
        f'TITLE="{esc(title)}" ARTIST="{esc(artist)}">'
        f'<LOCATION DIR="{esc(dir_)}" FILE="{esc(file_)}" VOLUME="" VOLUMEID=""></LOCATION>\n'
        f'<ALBUM TITLE="{esc(album)}"></ALBUM>\n'
        '<MODIFICATION_INFO AUTHOR_TYPE="user"></MODIFICATION_INFO>\n'
        f'<INFO BITRATE="320000" GENRE="House" LABEL="{esc(label)}" CATALOG_NO="{esc(catno)}" '
        f'PLAYCOUNT="{rng.choice([0, 0, 1, 3, 7, 12])}" PLAYTIME="{secs}" PLAYTIME_FLOAT="{secs:.6f}" '
        f'IMPORT_DATE="2024/{rng.randint(1, 12)}/{rng.randint(1, 28)}" FLAGS="12" FILESIZE="{secs * 40}"></INFO>\n'
        f'<TEMPO BPM="{bpm:.6f}" BPM_QUALITY="100.000000"></TEMPO>\n'
        f'<MUSICAL_KEY VALUE="{key}"></MUSICAL_KEY>\n'
        f'<CUE_V2 NAME="AutoGrid" DISPL_ORDER="0" TYPE="4" START="{rng.random() * 200:.6f}" LEN="0.000000" '
        'REPEATS="-1" HOTCUE="0"></CUE_V2>\n</ENTRY>\n'
    )
    return xml, f"{dir_}{file_}"


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path, help="the Traktor folder to write (collection.nml, History/)")
    ap.add_argument("--username", default="demo")
    ap.add_argument("--releases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--music", type=Path, default=Path("/home/dj/Music"))
    args = ap.parse_args()

    cat = Catalog(seed=args.seed)
    user = generate_user(cat, args.username, args.releases)
    rng = random.Random(f"demo-{args.seed}")
    entries, keys = [], []
    for item in user.instances:
        release = cat.release(item["id"])
        label = release["labels"][0]
        release_artist = " & ".join(a["name"] for a in release["artists"])
        for track in release["tracklist"]:
            if track.get("type_") != "track" or rng.random() < 0.35:
                continue  # a gap: on the record, not in the library
            artist = track["artists"][0]["name"] if track.get("artists") else release_artist
            m, s = (track["duration"] or "5:00").split(":")
            xml, key = entry(
                args.music,
                artist,
                drift(track["title"], rng),
                release["title"],
                label["name"],
                label["catno"],
                int(m) * 60 + int(s),
                rng,
            )
            entries.append(xml)
            keys.append(key)
    for i in range(25):  # digital-only tracks
        xml, key = entry(
            args.music, f"Digital Artist {i}", f"Promo Track {i}", "Promos", "Digital Only", "", 300, rng
        )
        entries.append(xml)
        keys.append(key)

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "collection.nml", "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + f'<COLLECTION ENTRIES="{len(entries)}">' + "".join(entries) + "</COLLECTION>\n")
        f.write('<SETS ENTRIES="0"></SETS>\n<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="1">')
        chosen = keys[:12]
        f.write(
            f'<NODE TYPE="PLAYLIST" NAME="Friday Warm-up"><PLAYLIST ENTRIES="{len(chosen)}" TYPE="LIST" '
            'UUID="6d2f8a1c9b0e4f3a8c7d6e5f4a3b2c1d">'
        )
        f.writelines(
            f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="{esc(k)}"></PRIMARYKEY>\n</ENTRY>\n' for k in chosen
        )
        f.write("</PLAYLIST>\n</NODE>\n</SUBNODES>\n</NODE>\n</PLAYLISTS>\n<INDEXING></INDEXING>\n</NML>\n")
    print(f"wrote {args.out / 'collection.nml'}: {len(entries)} tracks")


if __name__ == "__main__":
    main()

"""Generate a Traktor collection.nml in the real files' raw shape (V19, Traktor's exact layout).

Used by bench/ingest.py; entries carry LOCATION, ALBUM, MODIFICATION_INFO, INFO, TEMPO, LOUDNESS,
MUSICAL_KEY and several CUE_V2 like an analysed real collection (see TravestyAudio fixture), plus a
playlist tree, so parse and ingest costs are realistic.
"""

from __future__ import annotations

import random
from pathlib import Path

HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
    '<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" PROGRAM="Traktor"></HEAD>\n'
    "<MUSICFOLDERS></MUSICFOLDERS>\n"
)
_WORDS = [
    "deep",
    "night",
    "acid",
    "dub",
    "warehouse",
    "loop",
    "sun",
    "moon",
    "signal",
    "echo",
    "velvet",
    "motion",
    "pulse",
    "river",
    "glass",
]
_GENRES = ["Techno", "House", "Deep House", "Minimal", "Drum & Bass", "Electro", "Dub Techno", "Ambient"]


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def entry(i: int, rnd: random.Random, variant: int = 0) -> str:
    artist = f"{rnd.choice(_WORDS).title()} {rnd.choice(_WORDS).title()} {i % 997}"
    base_title = f"{rnd.choice(_WORDS).title()} {rnd.choice(_WORDS)} {i}"
    title = base_title + (f" v{variant}" if variant else "")  # a changed title; the file name stays
    album = f"{rnd.choice(_WORDS).title()} EP {i % 5000}"
    bpm = 118 + rnd.random() * 20
    key = rnd.randrange(24)
    dur = 180 + rnd.random() * 300
    cues = []
    start = rnd.random() * 500
    cues.append(
        f'<CUE_V2 NAME="AutoGrid" DISPL_ORDER="0" TYPE="4" START="{start:.6f}" LEN="0.000000" REPEATS="-1" HOTCUE="0"></CUE_V2>'
    )
    for h in range(1, 1 + rnd.randrange(2, 6)):
        pos = start + h * 30000 + rnd.random() * 100
        cues.append(
            f'<CUE_V2 NAME="n.n." DISPL_ORDER="0" TYPE="{5 if h == 3 else 0}" START="{pos:.6f}" '
            f'LEN="{(7500.0 if h == 3 else 0.0):.6f}" REPEATS="-1" HOTCUE="{h}"></CUE_V2>'
        )
    folder = f"/:Users/:dj/:Music/:{rnd.choice(_GENRES).replace('&', 'and')}/:{i % 400}/:"
    return (
        f'<ENTRY MODIFIED_DATE="2024/{1 + i % 12}/{1 + i % 28}" MODIFIED_TIME="{i % 86400}" LOCK="1" '
        f'LOCK_MODIFICATION_TIME="2024-03-0{1 + i % 9}T10:11:12" AUDIO_ID="AAAA{i:08d}Zt3d2MzMzREQzRUMyI+///f/0dq3/9Wed//dnjf/97cuv/JArd" '
        f'TITLE="{_esc(title)}" ARTIST="{_esc(artist)}">'
        f'<LOCATION DIR="{_esc(folder)}" FILE="{i:06d} {_esc(base_title)}.mp3" VOLUME="Macintosh HD" VOLUMEID="Macintosh HD"></LOCATION>\n'
        f'<ALBUM TRACK="{1 + i % 12}" TITLE="{_esc(album)}"></ALBUM>\n'
        '<MODIFICATION_INFO AUTHOR_TYPE="user"></MODIFICATION_INFO>\n'
        f'<INFO BITRATE="320000" GENRE="{_esc(rnd.choice(_GENRES))}" LABEL="{rnd.choice(_WORDS).title()} Records" '
        f'COMMENT="{rnd.choice(_WORDS)} {i}" COVERARTID="{i % 999:03d}/ABCDEFGHIJKLMNOP{i:08d}" KEY="{key}m" '
        f'PLAYCOUNT="{i % 7}" PLAYTIME="{int(dur)}" PLAYTIME_FLOAT="{dur:.6f}" RANKING="{51 * (i % 6)}" '
        f'IMPORT_DATE="2023/{1 + i % 12}/{1 + i % 28}" LAST_PLAYED="2024/{1 + i % 12}/{1 + i % 28}" '
        f'RELEASE_DATE="{1990 + i % 35}/1/1" FLAGS="14" FILESIZE="{9000 + i % 5000}"></INFO>\n'
        f'<TEMPO BPM="{bpm:.6f}" BPM_QUALITY="100.000000"></TEMPO>\n'
        f'<LOUDNESS PEAK_DB="-{rnd.random():.6f}" PERCEIVED_DB="{rnd.random() * 3:.6f}" ANALYZED_DB="{rnd.random() * 3:.6f}"></LOUDNESS>\n'
        f'<MUSICAL_KEY VALUE="{key}"></MUSICAL_KEY>\n' + "\n".join(cues) + "\n</ENTRY>\n"
    )


def generate(
    path: Path,
    n: int,
    *,
    seed: int = 1,
    playlists: int = 50,
    per_playlist: int = 200,
    changed: int | None = None,
) -> None:
    """Write a collection of n entries; `changed` = index of one entry written with a different title."""
    rnd = random.Random(seed)
    keys = []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER)
        f.write(f'<COLLECTION ENTRIES="{n}">')
        for i in range(n):
            state = rnd.getstate()
            e = entry(i, rnd, variant=1 if i == changed else 0)
            if i == changed:  # keep the random stream identical to the unchanged file
                rnd.setstate(state)
                entry(i, rnd)
            start = e.index('DIR="') + 5
            d = e[start : e.index('"', start)]
            fs = e.index('FILE="') + 6
            keys.append("Macintosh HD" + d + e[fs : e.index('"', fs)])
            f.write(e)
        f.write("</COLLECTION>\n")
        f.write('<SETS ENTRIES="0"></SETS>\n')
        f.write(f'<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="{playlists}">')
        prl = random.Random(seed + 1)
        for p in range(playlists):
            f.write(
                f'<NODE TYPE="PLAYLIST" NAME="Set {p}"><PLAYLIST ENTRIES="{per_playlist}" TYPE="LIST" UUID="{p:032x}">'
            )
            for _ in range(per_playlist):
                f.write(
                    f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="{keys[prl.randrange(n)] if n else ""}"></PRIMARYKEY>\n</ENTRY>\n'
                )
            f.write("</PLAYLIST>\n</NODE>\n")
        f.write("</SUBNODES>\n</NODE>\n</PLAYLISTS>\n<INDEXING></INDEXING>\n</NML>\n")

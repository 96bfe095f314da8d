"""File tags, duplicates and library health: prints the figures issue 16 asks for.

    .venv/bin/python bench/tags.py            # 2,000 files per format, the full duplicate set, 100,000 tracks
    .venv/bin/python bench/tags.py --smoke    # 10 files of 10 s per format, a small duplicate set, 5,000 tracks

1. Tag writes per second per format (mp3, wav, aiff, flac, ogg, opus, m4a; 30 s files (--seconds) made with ffmpeg from
   the shared fixtures into a temp folder): MusicTool's safe write (copy beside, mutagen on the copy,
   tag-block backup, fsync, rename) against mutagen saving in place (no backup, not crash-safe), the
   backup's size, and undo (restore) per second.
2. Duplicate detection precision / recall on a labelled set built from the fixtures: re-encodes (mp3,
   ogg, m4a), trimmed copies, versions (a "Dub" of the same audio, a sped-up "Edit") that must never match,
   and different songs sharing a title. Pairs are scored; fingerprints by fpcalc.
3. Library health at scale: a generated collection ingested into a fresh database, the file pass, the
   full derivation of every issue, GET /library/health's summary query, duplicate grouping, and an
   incremental pass after 100 tracks changed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "daemon"), str(REPO)]

from musictool.library import duplicates as dup  # noqa: E402
from musictool.library.health import check_file  # noqa: E402
from musictool.tags import formats, safe  # noqa: E402
from testkit import nmlgen  # noqa: E402
from testkit.fixtures_path import FIXTURES  # noqa: E402

AUDIO = FIXTURES / "audio"
ENCODE = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "320k"],
    "wav": ["-c:a", "pcm_s16le"],
    "aiff": ["-c:a", "pcm_s16be"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
    "opus": ["-c:a", "libopus", "-b:a", "128k"],
    "m4a": ["-c:a", "aac", "-b:a", "256k"],
}
SECONDS = 30.0  # length of the files the write figures use (--seconds)
VALUES = {"title": "Strings of Life", "artist": "Rhythim Is Rhythim", "genre": "Detroit Techno", "bpm": 126.0,
          "key": "A minor", "rating": 4, "year": 1987, "label": "Transmat", "comment": "bench"}  # fmt: skip


TRAPS = [AUDIO / "essentia-audio" / "sax-tenor-e-major.wav", AUDIO / "essentia-audio" / "sax-tenor-d-minor.wav",
         AUDIO / "essentia-audio" / "dubstep.flac", AUDIO / "mirdata" / "beatport_key_100066.mp3",
         AUDIO / "mirdata" / "brid_0001_M4-01-SA.wav", AUDIO / "madmom" / "sample.wav",
         AUDIO / "mirdata" / "giantsteps_key_10089.mp3"]  # fmt: skip


def ffmpeg(
    src: Path, out: Path, args: list[str], start: float = 0.0, seconds: float = 30.0, af: str = "", loop: int = 0
) -> Path:
    cmd = ["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loop), "-ss", str(start), "-i", str(src), "-t", str(seconds), "-map_metadata",
           "-1", *(["-af", af] if af else []), *args, str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


# -- 1. writes ----------------------------------------------------------------------------------------------
def bench_writes(tmp: Path, n: int) -> None:
    src = AUDIO / "mirdata" / "hainsworth_hains001.flac"
    print(f"\n1. tag writes, {n} files per format ({SECONDS:.0f} s each)")
    print(f"{'format':<6} {'safe writes/s':>14} {'in-place/s':>11} {'safe/in-place':>14} {'backup bytes':>13} {'file bytes':>11} {'undo/s':>8}")
    for fmt, args in ENCODE.items():
        folder = tmp / fmt
        folder.mkdir()
        base = ffmpeg(src, folder / f"base.{fmt}", args, seconds=SECONDS)
        files = [folder / f"f{i:05d}.{fmt}" for i in range(n)]
        for f in files:
            shutil.copyfile(base, f)
        inplace = [folder / f"p{i:05d}.{fmt}" for i in range(n)]
        for f in inplace:
            shutil.copyfile(base, f)
        t0 = time.perf_counter()
        results = [safe.write_file(f, VALUES, tmp / "bk" / fmt / f"{f.stem}.bin") for f in files]
        safe_rate = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for f in inplace:
            formats.write(f, VALUES)
        inplace_rate = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for f, r in zip(files, results, strict=True):
            safe.restore_file(f, r.backup, r.backup_sha256)
        undo_rate = n / (time.perf_counter() - t0)
        assert all(f.read_bytes() == base.read_bytes() for f in files[:5])
        size = statistics.median(r.backup_bytes for r in results)
        print(f"{fmt:<6} {safe_rate:>14.0f} {inplace_rate:>11.0f} {safe_rate / inplace_rate:>13.2f}x {size:>13.0f} {base.stat().st_size:>11} {undo_rate:>8.0f}")
        shutil.rmtree(folder)


# -- 2. duplicates ------------------------------------------------------------------------------------------
def _fingerprint(path: Path) -> tuple[str, float]:
    out = json.loads(subprocess.run(["fpcalc", "-json", str(path)], capture_output=True, check=False).stdout)
    return out["fingerprint"], out["duration"]


def bench_duplicates(tmp: Path, smoke: bool) -> None:
    songs = [AUDIO / "mirdata" / "hainsworth_hains001.flac", AUDIO / "mirdata" / "ballroom_Media-105901.wav",
             AUDIO / "mirdata" / "gtzan_country.00000.wav", AUDIO / "essentia-audio" / "techno_loop.mp3",
             AUDIO / "mirdata" / "cuidado_FallaCancion.flac", AUDIO / "mirdata" / "simac_01_H_mikri_Rallou.flac",
             AUDIO / "essentia-audio" / "Chord_Detection_Test.flac"]  # fmt: skip
    if smoke:
        songs = songs[:3]
    folder = tmp / "dups"
    folder.mkdir()
    tracks, recording = [], {}
    tid = itertools.count(1)

    def add(path: Path, title: str, artist: str, rec: str, **kw: object) -> None:
        fp, duration = _fingerprint(path)
        i = next(tid)
        recording[i] = rec
        tracks.append({"id": i, "path": str(path), "title": title, "artist": artist, "fingerprint": fp,
                       "duration": duration, **kw})  # fmt: skip

    for s, song in enumerate(songs):
        length = min(28.0, float(_fingerprint(song)[1]) - 1)
        artist, title = f"Artist {s}", f"Song {s}"
        add(ffmpeg(song, folder / f"{s}.flac", ENCODE["flac"], seconds=length), title, artist, f"r{s}", lossless=1)
        add(ffmpeg(song, folder / f"{s}.mp3", ["-c:a", "libmp3lame", "-b:a", "128k"], seconds=length),
            f"{title} (Original Mix)", artist, f"r{s}")  # fmt: skip
        add(ffmpeg(song, folder / f"{s}.ogg", ENCODE["ogg"], seconds=length), title.upper(), artist, f"r{s}")
        add(ffmpeg(song, folder / f"{s}-trim.m4a", ENCODE["m4a"], start=2.5, seconds=length - 5), "", "", f"r{s}")
        # versions: never duplicates, even of the same audio
        add(ffmpeg(song, folder / f"{s}-dub.mp3", ENCODE["mp3"], seconds=length), f"{title} (Dub)", artist, f"v{s}")
        add(ffmpeg(song, folder / f"{s}-edit.mp3", ENCODE["mp3"], seconds=length / 1.08, af="atempo=1.08"),
            f"{title} - Radio Edit", artist, f"e{s}")  # fmt: skip
        # a different recording with the same title
        other = TRAPS[s % len(TRAPS)]
        add(ffmpeg(other, folder / f"{s}-same-title.mp3", ENCODE["mp3"], seconds=15, loop=8), title, f"Other {s}", f"o{s}")
    t0 = time.perf_counter()
    groups = dup.find_groups(tracks)
    ms = (time.perf_counter() - t0) * 1000
    found = {frozenset(p) for g in groups for p in itertools.combinations(g["track_ids"], 2)}
    truth = {frozenset((a, b)) for a, b in itertools.combinations(recording, 2) if recording[a] == recording[b]}
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    print(f"\n2. duplicates: {len(tracks)} files, {len(truth)} true pairs (re-encodes, trims, renamed), "
          f"{len(songs) * 3} traps (versions, same title)")  # fmt: skip
    print(f"   precision {precision:.3f}  recall {recall:.3f}  ({tp} of {len(found)} found pairs right) in {ms:.0f} ms")
    wrong = found - truth
    for p in list(wrong)[:5]:
        a, b = sorted(p)
        print(f"   wrong pair: {tracks[a - 1]['path']} ~ {tracks[b - 1]['path']}")


# -- 3. health at scale -------------------------------------------------------------------------------------
async def bench_health(tmp: Path, n: int) -> None:
    from musictool.integrations.traktor import ingest as ing
    from musictool.store import Database
    from musictool.store import health as hstore
    from musictool.store import tags as tstore

    coll = tmp / "collection.nml"
    nmlgen.generate(coll, n, seed=11, playlists=5, per_playlist=20)
    db = await Database.open(tmp / "health.db")
    try:
        t0 = time.perf_counter()
        await db.run_bulk_in_writer(ing.ingest_direct, str(coll), str(coll))
        print(f"\n3. health at {n:,} tracks (ingest {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        after = 0
        while rows := await hstore.files_to_check(db, after, 2000, all_files=False):
            changed = []
            for r in rows:
                got = check_file(r["path"], r["size"], r["mtime"], r)
                if got is not None:
                    changed.append((r["id"], r["path"], *got))
            await hstore.save_files(db, changed)
            after = rows[-1]["id"]
        print(f"   file pass (stat each file; all missing here): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        groups = dup.find_groups(await hstore.dup_candidates(db))
        await hstore.save_groups(db, groups)
        print(f"   duplicate grouping: {time.perf_counter() - t0:.2f} s, {len(groups)} groups")
        mark = await hstore.mark(db)
        t0 = time.perf_counter()
        await hstore.derive(db, None, 50, 500)
        print(f"   full derivation of every issue: {time.perf_counter() - t0:.2f} s")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            summary = await hstore.summary(db)
            times.append(time.perf_counter() - t0)
        print(f"   health summary (computed once per pass, GET serves the stored copy): {statistics.median(times):.2f} s "
              f"(score {summary['score']}, {sum(summary['issues'].values()):,} issues)")  # fmt: skip
        ids = list(range(1, n, n // 100))[:100]
        for i in ids:
            await tstore.set_path(db, i, f"/nowhere/moved-{i}.mp3")
        t0 = time.perf_counter()
        after = 0
        while rows := await hstore.files_to_check(db, after, 2000, all_files=False):
            await hstore.save_files(db, [(r["id"], r["path"], *check_file(r["path"], None, None, {})) for r in rows])
            after = rows[-1]["id"]
        changed = await hstore.changed_since(db, mark)
        await hstore.derive(db, changed, 50, 500)
        print(f"   incremental pass after {len(ids)} tracks moved: {time.perf_counter() - t0:.3f} s "
              f"({len(changed)} tracks re-derived)")  # fmt: skip
    finally:
        await db.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    ap.add_argument("--files", type=int, help="files per format (default 2000; smoke 10)")
    ap.add_argument("--tracks", type=int, help="tracks for the health figures (default 100000; smoke 5000)")
    ap.add_argument("--only", choices=["writes", "duplicates", "health"], help="run one of the three parts")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each file in the write figures")
    args = ap.parse_args()
    global SECONDS
    SECONDS = args.seconds if not args.smoke or args.seconds != 30.0 else 10.0
    for exe in ("ffmpeg", "fpcalc"):
        if shutil.which(exe) is None:
            print(f"bench/tags.py needs {exe} (scripts/setup.sh installs it)", file=sys.stderr)
            return 2
    n_files = args.files or (10 if args.smoke else 2000)
    n_tracks = args.tracks or (5000 if args.smoke else 100_000)
    with tempfile.TemporaryDirectory(prefix="mt-bench-tags-") as d:
        tmp = Path(d)
        if args.only in (None, "writes"):
            bench_writes(tmp, n_files)
        if args.only in (None, "duplicates"):
            bench_duplicates(tmp, args.smoke)
        if args.only in (None, "health"):
            asyncio.run(bench_health(tmp, n_tracks))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MUSICTOOL_SHARED", str(REPO.parent / "shared"))
    sys.exit(main())

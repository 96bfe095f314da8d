"""A real daemon over a real collection.nml whose entries are real files of all six formats (plus Opus):
tags push / pull / undo through the API and the CLI, audio untouched, library health with a missing file
relocated by name and size, duplicates across formats but never across versions."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import mutagen

from musictool.integrations.traktor.paths import from_path
from musictool.tags import formats
from tests.unit.tags.audio_files import ENCODE, TRAKTOR_PRIV, add_traktor_frames, decoded, make

LONG = (
    Path(os.environ.get("MUSICTOOL_SHARED", "/work/shared"))
    / "fixtures/audio/mirdata/hainsworth_hains001.flac"
)


def _entry(path: Path, title: str, artist: str, genre: str, bpm: float, key_value: int, size_kb: int) -> str:
    loc = from_path(str(path))
    return (
        f"<ENTRY TITLE={quoteattr(title)} ARTIST={quoteattr(artist)}>"
        f"<LOCATION DIR={quoteattr(loc.dir)} FILE={quoteattr(loc.file)} VOLUME={quoteattr(loc.volume)}></LOCATION>"
        f'<ALBUM TITLE="Tests"></ALBUM><INFO GENRE={quoteattr(genre)} LABEL="Transmat" COMMENT="nml comment" '
        f'RANKING="204" RELEASE_DATE="1987/1/1" FILESIZE="{size_kb}"></INFO><TEMPO BPM="{bpm}"></TEMPO>'
        f'<MUSICAL_KEY VALUE="{key_value}"></MUSICAL_KEY></ENTRY>'
    )


def _collection(path: Path, entries: list[str], playlist_keys: list[str]) -> None:
    pl = "".join(
        f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY={quoteattr(k)}></PRIMARYKEY></ENTRY>' for k in playlist_keys
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD COMPANY="www.native-'
        f'instruments.com" PROGRAM="Traktor"></HEAD><COLLECTION ENTRIES="{len(entries)}">{"".join(entries)}'
        '</COLLECTION><PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="1">'
        f'<NODE TYPE="PLAYLIST" NAME="Set"><PLAYLIST ENTRIES="{len(playlist_keys)}" TYPE="LIST" UUID="u1">{pl}'
        "</PLAYLIST></NODE></SUBNODES></NODE></PLAYLISTS></NML>\n",
        encoding="utf-8",
    )


def _cli(d: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "musictool", *args], env=d.env(), capture_output=True, text=True, timeout=120
    )


def test_tags_push_pull_undo_health_duplicates(daemon_factory: Any, tmp_path: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    files = {fmt: make(music, fmt, f"track-{fmt}") for fmt in sorted(ENCODE)}
    for fmt in ("mp3", "wav", "aiff"):
        add_traktor_frames(files[fmt])
    # one recording three times (FLAC, MP3, a trimmed Ogg re-encode) and its dub, which is not a duplicate
    dup = {
        "flac": make(music, "flac", "strings", seconds=30, source=LONG),
        "mp3": make(music, "mp3", "strings-320", seconds=30, source=LONG),
        "ogg": make(music, "ogg", "strings-trim", seconds=26, source=LONG),
        "dub": make(music, "mp3", "strings-dub", seconds=30, source=LONG),
    }
    # a file that moved: the NML points at the old place, the file now lives in another folder
    moved_src = make(music, "mp3", "moved")
    elsewhere = tmp_path / "Other drive"
    elsewhere.mkdir()
    moved = elsewhere / "moved.mp3"
    size_kb = moved_src.stat().st_size // 1024
    shutil.move(moved_src, moved)

    entries = [_entry(p, f"Song {fmt}", "Artist", "Techno", 126.0, 21, 0) for fmt, p in files.items()]
    entries += [
        _entry(dup["flac"], "Strings of Life", "Rhythim Is Rhythim", "Detroit", 125.0, 9, 0),
        _entry(dup["mp3"], "Strings of Life (Original Mix)", "Rhythim Is Rhythim", "Detroit", 125.0, 9, 0),
        _entry(dup["ogg"], "Strings Of Life", "Rhythim is Rhythim", "Detroit", 125.0, 9, 0),
        _entry(dup["dub"], "Strings of Life (Dub)", "Rhythim Is Rhythim", "Detroit", 125.0, 9, 0),
        _entry(music / "moved.mp3", "Moved", "Someone", "", 0, 0, size_kb),
    ]
    coll = tmp_path / "collection.nml"
    _collection(coll, entries, [from_path(str(dup["mp3"])).key, from_path(str(music / "moved.mp3")).key])
    originals = {fmt: p.read_bytes() for fmt, p in files.items()}
    samples = {fmt: decoded(p) for fmt, p in files.items()}

    d = daemon_factory(
        config={
            "traktor": {"collection": str(coll)},
            "tags": {"key_notation": "camelot", "fingerprint_files": True},
        },
        env={"XDG_DATA_HOME": str(tmp_path / "xdg")},  # where the system trash is
    )
    api = d.api()
    d.wait_for(lambda: api.get("/tracks")["total"] == len(entries), timeout=60, what="ingest")
    ids = {t["location"]: t["id"] for t in api.get("/tracks", limit=100)["items"]}
    fmt_ids = [ids[str(p)] for p in files.values()]

    # push, dry run first: nothing written, the preview names the changes
    job = d.wait_job(api.post("/tags/push", {"track_ids": fmt_ids, "dry_run": True})["id"])
    assert job["status"] == "succeeded" and job["result"]["counts"] == {"would_write": len(files)}
    assert all(p.read_bytes() == originals[f] for f, p in files.items())
    # push through the CLI
    out = _cli(d, "tags", "push", "--track", *map(str, fmt_ids), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["result"]
    assert result["counts"] == {"written": len(files)}
    for fmt, p in files.items():
        got = formats.read(p).values
        assert got["title"] == f"Song {fmt}" and got["genre"] == "Techno" and got["key"] == "A minor"
        assert (
            got["bpm"] == 126.0 and got["rating"] == 4 and got["year"] == 1987 and got["label"] == "Transmat"
        )
        assert decoded(p) == samples[fmt], f"{fmt}: audio changed"
    assert mutagen.File(str(files["mp3"])).tags.getall("PRIV")[0].data == TRAKTOR_PRIV
    assert mutagen.File(str(files["aiff"])).tags["TKEY"].text == ["8A"]

    # someone edits a file's genre: pull records it (source tag) and the disagreement is a conflict
    formats.write(files["flac"], {"genre": "Deep House"})
    job = d.wait_job(api.post("/tags/pull", {"track_ids": [ids[str(files["flac"])]]})["id"])
    assert job["result"]["counts"] == {"differs": 1}
    conflicts = api.get("/conflicts", field="genre")["items"]
    assert any(c["track_id"] == ids[str(files["flac"])] for c in conflicts)
    out = _cli(d, "tags", "pull", "--track", str(ids[str(files["flac"])]), "--write-nml")
    assert out.returncode == 0 and "collection.nml write" in out.stdout, out.stdout + out.stderr
    d.wait_for(lambda: api.get(f"/tracks/{ids[str(files['flac'])]}")["genre"] == "Deep House", timeout=30,
               what="the file's genre in collection.nml")  # fmt: skip

    # undo restores every file of the push byte for byte, but not the one changed since (until --force)
    job = d.wait_job(api.post("/tags/undo", {})["id"])
    assert job["status"] == "succeeded" and job["result"]["restored"] == len(files) - 1, job
    assert "changed since" in job["result"]["failed"][0]["error"]
    assert all(p.read_bytes() == originals[f] for f, p in files.items() if f != "flac")
    assert files["flac"].read_bytes() != originals["flac"]
    out = _cli(d, "tags", "undo", "--force")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "restored 1 files" in out.stdout
    assert all(p.read_bytes() == originals[f] for f, p in files.items())
    assert _cli(d, "tags", "undo").returncode == 1  # nothing left to undo: a clear refusal

    # health: the moved file is missing; relocate finds it by name and size and writes the NML
    d.wait_job(api.post("/library/health", {"full": True})["id"])
    h = api.get("/library/health")
    assert 0 <= h["score"] < 100 and h["issues"]["missing_file"] == 1 and h["issues"]["no_bpm"] == 1
    assert set(h["completeness"]) >= {"bpm", "key", "genre", "artwork"}
    missing = api.get("/library/issues", kind="missing_file")["items"]
    assert [m["location"] for m in missing] == [str(music / "moved.mp3")]
    assert (
        api.post("/library/fixes", {"kind": "relocate", "preview": True})["plan"] == []
    )  # not in a known folder
    fix = {"kind": "relocate", "folders": [str(elsewhere)]}
    plan = api.post("/library/fixes", {**fix, "preview": True})["plan"]
    assert plan and plan[0]["to"] == str(moved) and "name and size" in plan[0]["proof"]
    job = d.wait_job(api.post("/library/fixes", fix)["id"])
    assert job["status"] == "succeeded", job
    assert b"Other drive" in coll.read_bytes()
    d.wait_for(lambda: any(t["location"] == str(moved) for t in api.get("/tracks", limit=100)["items"]), timeout=30,
               what="re-ingest after relocate")  # fmt: skip
    nml = coll.read_bytes()
    assert from_path(str(moved)).key.encode() in nml.split(b"<PLAYLISTS>")[1]  # the playlist follows the file

    # duplicates: FLAC, MP3 and the trimmed Ogg re-encode (by fingerprint); the dub stays out; the FLAC is kept
    groups = api.get("/duplicates")["items"]
    assert len(groups) == 1, groups
    g = groups[0]
    assert g["keep"] == ids[str(dup["flac"])] and "lossless" in g["reason"]
    assert set(g["track_ids"]) == {ids[str(dup["flac"])], ids[str(dup["mp3"])], ids[str(dup["ogg"])]}
    assert ids[str(dup["dub"])] not in g["track_ids"]
    assert api.get("/library/health")["issues"]["duplicate"] == 2

    # merge: the copies leave collection.nml (files stay), the keeper takes the MP3's place in the playlist
    plan = api.post("/library/fixes", {"kind": "merge_duplicates", "preview": True})["plan"]
    assert plan[0]["keep"] == g["keep"] and sorted(plan[0]["remove"]) == sorted(g["track_ids"][1:])
    merge = {"kind": "merge_duplicates", "group_ids": [g["id"]], "delete_files": True}
    job = d.wait_job(api.post("/library/fixes", merge)["id"])
    assert job["status"] == "succeeded", job
    nml = coll.read_bytes()
    assert b"strings-320.mp3" not in nml and b"strings-trim.ogg" not in nml and b"strings.flac" in nml
    assert from_path(str(dup["flac"])).key.encode() in nml.split(b"<PLAYLISTS>")[1]
    # asked to delete: the copies went to the trash (restorable), the keeper and the dub stayed
    assert sorted(job["result"]["trashed"]) == sorted([str(dup["mp3"]), str(dup["ogg"])])
    assert (
        dup["flac"].exists() and dup["dub"].exists() and not dup["mp3"].exists() and not dup["ogg"].exists()
    )
    trash = sorted(p.name for p in (tmp_path / "xdg" / "Trash" / "files").iterdir())
    assert trash == ["strings-320.mp3", "strings-trim.ogg"]
    d.wait_for(
        lambda: api.get("/tracks")["total"] == len(entries) - 2, timeout=30, what="re-ingest after merge"
    )
    d.wait_for(lambda: api.get("/duplicates")["total"] == 0, timeout=30, what="no duplicates left")
    # accepting an issue takes it out of the counts; unaccept brings it back
    no_bpm = api.get("/library/issues", kind="no_bpm")["items"][0]["track_id"]
    d.wait_job(api.post("/library/fixes", {"kind": "accept", "issue": "no_bpm", "track_ids": [no_bpm]})["id"])
    assert api.get("/library/health")["issues"]["no_bpm"] == 0
    d.wait_job(
        api.post("/library/fixes", {"kind": "unaccept", "issue": "no_bpm", "track_ids": [no_bpm]})["id"]
    )
    d.wait_for(lambda: api.get("/library/health")["issues"]["no_bpm"] == 1, what="the issue back")


def test_batch_set_resumes_after_a_crash_and_sync_refuses_to_guess(
    daemon_factory: Any, tmp_path: Path
) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    first = make(music, "wav", "t000", seconds=4)
    paths = [first] + [music / f"t{i:03d}.wav" for i in range(1, 120)]
    for p in paths[1:]:
        shutil.copy(first, p)
    coll = tmp_path / "collection.nml"
    _collection(coll, [_entry(p, p.stem, "Batch", "Techno", 120.0, 0, 0) for p in paths], [])
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    api = d.api()
    d.wait_for(lambda: api.get("/tracks")["total"] == len(paths), timeout=60, what="ingest")

    job = api.post("/tags/set", {"fields": {"genre": "Minimal", "comment": "batch"}, "where": {"q": "batch"}})
    d.wait_for(lambda: (api.get(f"/jobs/{job['id']}").get("progress_done") or 0) >= 20, interval=0.02,
               what="part of the batch")  # fmt: skip
    d.kill()  # a crash in the middle of the batch
    done_before = sum(formats.read(p).values.get("genre") == "Minimal" for p in paths)
    assert 0 < done_before < len(paths), done_before
    assert not list(music.glob(".*mt-tmp*")) or all(p.stat().st_size for p in music.glob(".*mt-tmp*"))

    d.start()
    api = d.api()  # a new port
    final = d.wait_job(job["id"], timeout=120)
    assert final["status"] == "succeeded", final
    assert all(formats.read(p).values["genre"] == "Minimal" for p in paths)
    batch = api.get(f"/tags/batches/{final['result']['batch_id']}")
    assert sum(f["status"] == "written" for f in batch["files"]) == len(paths)  # every file undoable
    undo = d.wait_job(api.post("/tags/undo", {})["id"], timeout=120)
    assert undo["result"]["restored"] == len(paths)
    assert all(p.read_bytes() == first.read_bytes() for p in paths)

    # sync: the library changed genre on one track, a file changed it on another, both changed on a third
    ids = [t["id"] for t in api.get("/tracks", limit=3, sort="id")["items"]]
    d.wait_job(api.post("/tags/sync", {"track_ids": ids})["id"])  # first sync: files get the library's values
    api.request("PUT", f"/tracks/{ids[0]}/metadata/genre", {"value": "Library Genre"})
    formats.write(paths[1], {"genre": "File Genre"})
    api.request("PUT", f"/tracks/{ids[2]}/metadata/genre", {"value": "Lib3"})
    formats.write(paths[2], {"genre": "File3"})
    res = d.wait_job(api.post("/tags/sync", {"track_ids": ids})["id"])["result"]
    assert formats.read(paths[0]).values["genre"] == "Library Genre"
    assert res["conflicts"] == [{"track_id": ids[2], "field": "genre", "library": "Lib3", "file": "File3"}]
    assert formats.read(paths[2]).values["genre"] == "File3"  # not guessed
    assert res["nml_write"]["status"] == "applied"
    d.wait_for(
        lambda: api.get(f"/tracks/{ids[1]}")["genre"] == "File Genre", what="the file's genre in the NML"
    )


def test_embed_artwork_from_the_cover_art_archive_and_undo(daemon_factory: Any, tmp_path: Path) -> None:
    """The fix fetches the release's front cover (a static stand-in for the Cover Art Archive: the same
    /release/{mbid}/front-500 paths) and embeds it with a backup; `tags undo` takes it out again."""
    release = "1a2b3c4d-1111-2222-3333-444455556666"
    caa = tmp_path / "caa" / "release" / release
    caa.mkdir(parents=True)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=500x500", "-frames:v", "1",
                    str(caa / "front-500.jpg")], check=True)  # fmt: skip
    (caa / "front-500.jpg").rename(caa / "front-500")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(tmp_path / "caa")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        music = tmp_path / "Music"
        music.mkdir()
        files = [make(music, "flac", "a"), make(music, "mp3", "b"), make(music, "m4a", "c")]
        for f in files[:2]:
            formats.write(f, {"mb_release_id": release})
        originals = [f.read_bytes() for f in files]
        coll = tmp_path / "collection.nml"
        _collection(coll, [_entry(p, p.stem, "Art", "Techno", 120.0, 0, 0) for p in files], [])
        d = daemon_factory(config={"traktor": {"collection": str(coll)},
                                   "tags": {"coverart_base_url": f"http://127.0.0.1:{port}"}})  # fmt: skip
        api = d.api()
        d.wait_for(lambda: api.get("/tracks")["total"] == 3, timeout=60, what="ingest")
        d.wait_job(api.post("/tags/pull", {})["id"])  # the files' release ids into the library
        d.wait_job(api.post("/library/health", {"full": True})["id"])
        assert api.get("/library/health")["issues"]["no_artwork"] == 3
        plan = api.post("/library/fixes", {"kind": "embed_artwork", "preview": True})["plan"]
        assert sorted(x["path"] for x in plan) == sorted(
            str(f) for f in files[:2]
        )  # the m4a has no release id
        job = d.wait_job(api.post("/library/fixes", {"kind": "embed_artwork"})["id"])
        assert job["status"] == "succeeded" and job["result"]["applied"] == 2, job
        for f in files[:2]:
            assert formats.read(f).artwork == [(500, 500)]
        d.wait_for(
            lambda: api.get("/library/health")["issues"]["no_artwork"] == 1, what="health after the fix"
        )
        undo = d.wait_job(api.post("/tags/undo", {})["id"])
        assert undo["result"]["restored"] == 2
        assert [f.read_bytes() for f in files] == originals
    finally:
        server.terminate()
        server.wait()


def test_fill_bpm_and_key_from_analysis(daemon_factory: Any, tmp_path: Path) -> None:
    """A track Traktor never analysed (no BPM, no key) gets MusicTool's analysis values through the fix."""
    music = tmp_path / "Music"
    music.mkdir()
    path = make(music, "mp3", "loop", seconds=12, source=LONG)
    coll = tmp_path / "collection.nml"
    entry = _entry(path, "Loop", "Someone", "Techno", 0, 0, 0).replace('<TEMPO BPM="0"></TEMPO>', "")
    entry = entry.replace('<MUSICAL_KEY VALUE="0"></MUSICAL_KEY>', "")
    _collection(coll, [entry], [])
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    api = d.api()
    d.wait_for(lambda: api.get("/tracks")["total"] == 1, timeout=60, what="ingest")
    tid = api.get("/tracks")["items"][0]["id"]
    assert d.wait_job(api.post("/analysis", {"track_ids": [tid]})["id"], timeout=120)["status"] == "succeeded"
    d.wait_job(api.post("/library/health", {"full": True})["id"])
    assert api.get("/library/health")["issues"]["no_bpm"] == 1
    plan = api.post("/library/fixes", {"kind": "fill_analysis", "preview": True})["plan"]
    assert plan and plan[0]["track_id"] == tid and plan[0]["set"]["bpm"] > 0 and plan[0]["set"]["key"]
    assert d.wait_job(api.post("/library/fixes", {"kind": "fill_analysis"})["id"])["status"] == "succeeded"
    d.wait_for(lambda: (api.get(f"/tracks/{tid}")["bpm"] or 0) > 0, timeout=30, what="BPM in the collection")
    assert b"<TEMPO" in coll.read_bytes()
    d.wait_for(lambda: api.get("/library/health")["issues"]["no_bpm"] == 0, timeout=30, what="issue gone")

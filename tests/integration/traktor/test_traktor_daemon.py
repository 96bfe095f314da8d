"""A real `musictool serve` process reading a real collection.nml: ingest, live change, corruption, write-back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from musictool.cli.client import ApiError
from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")


def _replace(path: Path, data: bytes) -> None:
    """What Traktor does on exit: write a new file beside it, then rename it over the old one."""
    tmp = path.with_name(".collection.nml.new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@pytest.fixture
def traktor_root(tmp_path: Path) -> Path:
    root = tmp_path / "Traktor 3.10.1"
    (root / "History").mkdir(parents=True)
    shutil.copy(SRC, root / "collection.nml")
    shutil.copy(
        fx("ryyckxxa__my-traktor-library/History/history_2013y06m24d_09h59m06s.nml"),
        root / "History" / "history_2013y06m24d_09h59m06s.nml",
    )
    return root


def _tracks(d: Any, **params: Any) -> dict[str, Any]:
    return d.api().get("/tracks", **params)


def test_ingest_live_change_and_bad_file(daemon_factory: Any, traktor_root: Path) -> None:
    coll = traktor_root / "collection.nml"
    d = daemon_factory(config={"traktor": {"collection": str(coll), "debounce_seconds": 0.5}})
    d.wait_for(lambda: _tracks(d)["total"] == 1978, timeout=60, what="initial ingest")
    api = d.api()

    # search, filters, sort, one track in full
    page = _tracks(d, q="intro beat", limit=5)
    assert page["total"] >= 1 and "Intro Beat" in page["items"][0]["title"]
    t = api.get(f"/tracks/{page['items'][0]['id']}")
    assert t["location"].startswith("C:\\ProgramData\\") and t["artist"] == "Native Instruments"
    fast = _tracks(d, bpm_min=170, bpm_max=180, sort="-bpm", limit=1000)
    assert fast["items"] and all(170 <= x["bpm"] <= 180 for x in fast["items"])
    assert [x["bpm"] for x in fast["items"]] == sorted((x["bpm"] for x in fast["items"]), reverse=True)
    for direction in ("", "-"):  # harmonic order: by key, then by tempo within one key
        by_key = [(x["key_value"], x["bpm"]) for x in _tracks(d, sort=f"{direction}key", limit=1000)["items"]]
        keyed = [(k, b if b is not None else -1.0) for k, b in by_key if k is not None]
        assert len(keyed) > 100 and keyed == sorted(keyed, reverse=direction == "-")
    am = _tracks(d, key="8A", limit=1000)
    assert am["total"] > 0 and {x["key"] for x in am["items"]} == {"A minor"}
    with pytest.raises(ApiError) as ei:
        api.get("/tracks", key="H#")
    assert ei.value.status == 400

    # playlists in order, resolved to tracks
    pls = api.get("/playlists")
    first = next(p for p in pls["items"] if p["type"] == "PLAYLIST")
    items = api.get(f"/playlists/{first['id']}/tracks")
    assert items["total"] == first["entry_count"] and all(
        i["track"] for i in items["items"] if i["key_type"] == "TRACK"
    )

    # History plays are attached to tracks; the timeline shows the collection arriving
    def kinds() -> set[str]:
        return {i["kind"] for i in api.get("/timeline", source="traktor")["items"]}

    d.wait_for(lambda: {"tracks.added", "playlists.changed", "history.session"} <= kinds(), what="timeline")
    assert api.get("/status")["traktor"]["plays"] == 34

    # Traktor replaces the file: the change is visible within 2 s
    data = coll.read_bytes()
    target = page["items"][0]
    changed = data.replace(b'TITLE="A1 Intro Beat"', b'TITLE="A1 Intro Beat (edited)"', 1)
    assert changed != data
    _replace(coll, changed)  # how fast this shows is measured by bench/ingest.py, not asserted here
    d.wait_for(
        lambda: api.get(f"/tracks/{target['id']}")["title"] == "A1 Intro Beat (edited)",
        timeout=10,
        interval=0.05,
    )
    assert _tracks(d)["total"] == 1978

    # a truncated file keeps the last good state and raises an error event; the next good file is read again
    _replace(coll, changed[: len(changed) // 2])
    d.wait_for(lambda: api.get("/status")["traktor"].get("last_error") or "", timeout=10, what="error")
    status = api.get("/status")
    assert any("truncated" in (e.get("message") or "") for e in status["recent_errors"])
    assert _tracks(d)["total"] == 1978
    assert api.get(f"/tracks/{target['id']}")["title"] == "A1 Intro Beat (edited)"
    _replace(coll, data)
    d.wait_for(
        lambda: api.get(f"/tracks/{target['id']}")["title"] == "A1 Intro Beat", timeout=10, what="recovery"
    )
    assert api.get("/status")["traktor"]["last_error"] is None


def test_history_plays_attach_to_tracks(daemon_factory: Any, tmp_path: Path) -> None:
    root = tmp_path / "Traktor"
    (root / "History").mkdir(parents=True)
    shutil.copy(fx("ryyckxxa__my-traktor-library/collection.nml"), root / "collection.nml")
    name = "history_2013y06m24d_09h59m06s.nml"
    shutil.copy(fx(f"ryyckxxa__my-traktor-library/History/{name}"), root / "History" / name)
    d = daemon_factory(config={"traktor": {"collection": str(root / "collection.nml")}})
    api = d.api()
    d.wait_for(lambda: api.get("/status")["traktor"].get("plays") == 34, timeout=60, what="history ingest")
    anjou = api.get("/tracks", q="Anjou Youandewan")["items"]
    assert anjou
    t = api.get(f"/tracks/{anjou[0]['id']}")
    assert (
        t["plays"]
        and t["plays"][0]["session"] == name
        and t["plays"][0]["started_at"].startswith("2013-06-24")
    )
    sessions = api.get("/traktor/history")
    assert sessions["total"] == 1 and sessions["items"][0]["play_count"] == 34
    s = api.get(f"/traktor/history/{sessions['items'][0]['id']}")
    assert [p["position"] for p in s["plays"]] == list(range(34))
    assert any(p["track_id"] == anjou[0]["id"] for p in s["plays"])
    # a new History file (Traktor saves one per session) shows up live
    second = "history_2013y06m25d_01h00m00s.nml"
    shutil.copy(root / "History" / name, root / "History" / second)
    d.wait_for(
        lambda: api.get("/status")["traktor"].get("history_sessions") == 2, timeout=10, what="new session"
    )


def test_write_back_and_undo(daemon_factory: Any, traktor_root: Path) -> None:
    coll = traktor_root / "collection.nml"
    original = coll.read_bytes()
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    d.wait_for(lambda: _tracks(d)["total"] == 1978, timeout=60, what="initial ingest")
    api = d.api()
    t = _tracks(d, q="intro beat")["items"][0]
    w = api.patch(f"/tracks/{t['id']}", {"genre": "Edited Genre", "bpm": 131, "rating": 3})
    assert w["status"] == "applied" and w["backup_path"]
    assert Path(w["backup_path"]).read_bytes() == original
    assert b'GENRE="Edited Genre"' in coll.read_bytes()
    d.wait_for(lambda: api.get(f"/tracks/{t['id']}")["genre"] == "Edited Genre", timeout=10, what="re-ingest")
    got = api.get(f"/tracks/{t['id']}")
    assert (got["bpm"], got["rating"]) == (131, 3)
    writes = api.get("/traktor/writes")["total"]
    for bad in ({"path": "/etc/passwd"}, {"bpm": True}, {"cues": [{"grid_bpm": "x"}]}, {"comment": "\ud83d"}):
        with pytest.raises(ApiError) as ei:
            api.patch(f"/tracks/{t['id']}", bad)
        assert ei.value.status == 400, bad
    assert api.get("/traktor/writes")["total"] == writes  # refused before anything was queued
    u = api.post("/traktor/undo")
    assert u["status"] == "applied"
    assert coll.read_bytes() == original
    d.wait_for(lambda: api.get(f"/tracks/{t['id']}")["genre"] == "STEMS", timeout=10, what="undo visible")
    kinds = [i["kind"] for i in api.get("/timeline", source="traktor")["items"]]
    assert "traktor.write" in kinds and "traktor.undo" in kinds

    # an undo over a collection Traktor saved since is refused; with force it restores (the saved one is kept)
    api.patch(f"/tracks/{t['id']}", {"genre": "Before Traktor saved"})
    saved_by_traktor = coll.read_bytes().replace(b"Before Traktor saved", b"Renamed in Traktor")
    _replace(coll, saved_by_traktor)
    with pytest.raises(ApiError) as ei:
        api.post("/traktor/undo")
    assert ei.value.status == 409 and "changed since" in ei.value.body["detail"]
    assert coll.read_bytes() == saved_by_traktor
    forced = api.post("/traktor/undo", {"force": True})
    assert forced["status"] == "applied" and coll.read_bytes() == original
    kept = sorted((d.home / "backups" / "traktor").glob("*-before-undo.nml"))
    assert any(k.read_bytes() == saved_by_traktor for k in kept)

    # playlist membership
    pl = next(p for p in api.get("/playlists")["items"] if p["type"] == "PLAYLIST" and p["entry_count"] > 2)
    before = api.get(f"/playlists/{pl['id']}/tracks")["items"]
    first = before[0]["track"]["id"]
    with pytest.raises(ApiError) as ei:
        api.post(f"/playlists/{pl['id']}/tracks", {"add": [t["id"]], "remvoe": [first]})
    assert ei.value.status == 400 and "remvoe" in ei.value.body["detail"]
    w = api.post(f"/playlists/{pl['id']}/tracks", {"add": [t["id"]], "remove": [first]})
    assert w["status"] == "applied"

    def ids() -> list[int]:
        return [i["track"]["id"] for i in api.get(f"/playlists/{pl['id']}/tracks")["items"]]

    want = [i["track"]["id"] for i in before if i["track"]["id"] != first] + [t["id"]]
    d.wait_for(lambda: ids() == want, timeout=10, what="playlist change visible")
    assert api.get(f"/playlists/{pl['id']}")["entry_count"] == len(want)
    folder = next((p for p in api.get("/playlists")["items"] if p["type"] != "PLAYLIST"), None)
    if folder:
        with pytest.raises(ApiError) as ei:
            api.post(f"/playlists/{folder['id']}/tracks", {"add": [t["id"]]})
        assert ei.value.status == 409


@pytest.mark.slow  # each CLI call pays ~1-4 s of interpreter start + imports (scipy via the analysis command)
def test_cli(daemon_factory: Any, traktor_root: Path) -> None:
    coll = traktor_root / "collection.nml"
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    d.wait_for(lambda: _tracks(d)["total"] == 1978, timeout=60, what="initial ingest")

    def cli(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "musictool", "--home", str(d.home), *args],
            capture_output=True, text=True, env=d.env(), timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        return out.stdout

    t = _tracks(d, q="intro beat")["items"][0]
    assert "Intro Beat" in cli("tracks", "intro", "beat")
    assert "A1 Intro Beat" in cli("tracks", "--id", str(t["id"]))
    assert "3/23/2017" in cli("playlists")
    assert "applied" in cli("traktor", "write", str(t["id"]), "--genre", "Via CLI")
    assert b'GENRE="Via CLI"' in coll.read_bytes()
    _replace(coll, coll.read_bytes().replace(b'GENRE="Via CLI"', b'GENRE="Via Traktor"'))
    refused = subprocess.run(
        [sys.executable, "-m", "musictool", "--home", str(d.home), "traktor", "undo"],
        capture_output=True, text=True, env=d.env(), timeout=60,
    )  # fmt: skip
    assert refused.returncode == 1 and "changed since" in refused.stderr
    assert "applied" in cli("traktor", "undo", "--force")
    assert b"Via CLI" not in coll.read_bytes() and b"Via Traktor" not in coll.read_bytes()
    assert "collection.nml" in cli("traktor", "discover")


def _daemon_and_a_deck(daemon_factory: Any, coll: Path, tmp_path: Path) -> tuple[Any, Path, str]:
    """A daemon over `coll` that takes a program named like the returned one for Traktor (a unique name, so
    daemons tested in parallel workers do not see each other's "Traktor" running)."""
    name = f"MtDeck{uuid.uuid4().hex[:6]}"
    fake = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", fake)
    d = daemon_factory(
        config={"traktor": {"collection": str(coll), "write_check_seconds": 0.2, "process_names": [name]}}
    )
    d.wait_for(lambda: _tracks(d)["total"] == 1978, timeout=60, what="initial ingest")
    return d, fake, name


def test_write_waits_while_traktor_runs(daemon_factory: Any, traktor_root: Path, tmp_path: Path) -> None:
    coll = traktor_root / "collection.nml"
    d, fake, name = _daemon_and_a_deck(daemon_factory, coll, tmp_path)
    api = d.api()
    t = _tracks(d, q="intro beat")["items"][0]
    proc = subprocess.Popen([str(fake), "60"])
    try:
        with pytest.raises(ApiError) as ei:  # checked now, not when Traktor has quit
            api.patch(f"/tracks/{t['id']}", {"bpm": "abc"})
        assert ei.value.status == 400 and "bpm" in ei.value.body["detail"]
        with pytest.raises(ApiError) as ei:  # tried on the file as it is now: nothing to undo yet
            api.post("/traktor/undo")
        assert ei.value.status == 409 and "no backup" in ei.value.body["detail"]
        w = api.patch(f"/tracks/{t['id']}", {"comment": "after Traktor quits"})
        assert w["status"] == "queued" and name in (w["waiting_for"] or "")
        time.sleep(0.6)
        assert b"after Traktor quits" not in coll.read_bytes()
        notes = api.get("/notifications")["items"]
        assert any(n["kind"] == "traktor.write_queued" for n in notes)
    finally:
        proc.kill()
        proc.wait()
    d.wait_for(lambda: b"after Traktor quits" in coll.read_bytes(), timeout=10, what="queued write applied")
    d.wait_for(lambda: api.get(f"/tracks/{t['id']}")["comment"] == "after Traktor quits", timeout=10)
    assert api.get("/traktor/writes")["items"][0]["status"] == "applied"


def test_a_queued_write_that_no_longer_applies_fails_loudly_and_touches_nothing(
    daemon_factory: Any, traktor_root: Path, tmp_path: Path
) -> None:
    """Traktor quits having removed the track a queued edit was for: nothing is written, the user is told."""
    coll = traktor_root / "collection.nml"
    d, fake, _ = _daemon_and_a_deck(daemon_factory, coll, tmp_path)
    api = d.api()
    t = api.get(f"/tracks/{_tracks(d, q='intro beat')['items'][0]['id']}")
    proc = subprocess.Popen([str(fake), "60"])
    try:
        w = api.patch(f"/tracks/{t['id']}", {"genre": "Never written"})
        assert w["status"] == "queued"
        data = coll.read_bytes()
        at = data.index(f'FILE="{t["file"]}"'.replace("&", "&amp;").encode("utf-8"))
        start, end = data.rindex(b"<ENTRY", 0, at), data.index(b"</ENTRY>", at) + len(b"</ENTRY>\n")
        _replace(coll, data[:start] + data[end:])  # Traktor's save on quit, without that track
    finally:
        proc.kill()
        proc.wait()
    after = coll.read_bytes()
    d.wait_for(
        lambda: api.get("/traktor/writes")["items"][0]["status"] == "failed", timeout=10, what="write failed"
    )
    assert "no collection entry" in api.get("/traktor/writes")["items"][0]["error"]
    assert coll.read_bytes() == after and b"Never written" not in after
    failed = [n for n in api.get("/notifications")["items"] if n["kind"] == "traktor.write_failed"]
    assert failed and failed[0]["data"]["write_id"] == w["id"]


def test_smart_lists_show_the_tracks_their_query_selects(daemon_factory: Any, tmp_path: Path) -> None:
    """shishoi's collection holds 8 smart lists (genre/label/artist/title/file contains, rating, played, date)."""
    root = tmp_path / "Traktor 3.10.1"
    root.mkdir()
    coll = root / "collection.nml"
    data = fx("shishoi__MusicAnalyzer/collection.nml").read_bytes()
    coll.write_bytes(data.replace(b'NAME="Hora"', b'NAME="Mood"', 1).replace(b"$GENRE % &quot;Hora&quot;", b"$MOOD == 3", 1))
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    d.wait_for(lambda: _tracks(d, limit=1)["total"] > 4000, timeout=60, what="initial ingest")
    api = d.api()
    tracks = []
    while len(tracks) < _tracks(d, limit=1)["total"]:
        tracks += _tracks(d, limit=1000, offset=len(tracks), sort="id")["items"]

    def has(field: str, text: str) -> Any:
        return lambda t: text.casefold() in (t.get(field) or "").casefold()

    def file_has(text: str) -> Any:
        return lambda t: text.casefold() in os.path.basename((t["location"] or "").replace("\\", "/")).casefold()

    month_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))
    expected = {
        "Fake320": lambda t: has("title", "fake320")(t) or file_has("fake320")(t) or file_has("@")(t),
        "FUNK (2)": lambda t: has("genre", "FUNK")(t) or has("label", "FUNK")(t),
        "Mood": None,  # a field MusicTool does not know
        "Latino": lambda t: has("genre", "Latino")(t) or has("label", "Latino")(t),
        "Played in this session": lambda t: (t["play_count"] or 0) > 0,
        "Recently added": lambda t: (t["import_date"] or "") >= month_ago,
        "Top rated tracks": lambda t: t["rating"] == 5,
        "הווקתה 6": has("artist", "התקווה"),
    }
    smart = api.get("/playlists", type="smartlist")["items"]
    assert sorted(p["name"] for p in smart) == sorted(expected)
    nonempty = 0
    for p in smart:
        if expected[p["name"]] is None:  # reported, never answered with a wrong list
            with pytest.raises(ApiError) as ei:
                api.get(f"/playlists/{p['id']}/tracks")
            assert ei.value.status == 422 and "$MOOD" in str(ei.value)
            assert p["entry_count"] is None
            continue
        got = api.get(f"/playlists/{p['id']}/tracks", limit=5000)
        want = [t["id"] for t in tracks if expected[p["name"]](t)]
        assert [i["track"]["id"] for i in got["items"]] == want, p["query"]
        assert got["total"] == len(want) == p["entry_count"] == api.get(f"/playlists/{p['id']}")["entry_count"]
        nonempty += bool(want)
    assert nonempty >= 4  # the queries select real tracks, not only empty lists
    out = subprocess.run(
        [sys.executable, "-m", "musictool", "--home", str(d.home), "playlists"],
        capture_output=True, text=True, env=d.env(), timeout=60, check=True,
    ).stdout  # fmt: skip
    top = next(p for p in smart if p["name"] == "Top rated tracks")
    assert f"* Top rated tracks  ({top['entry_count']}; $RATING == 5)" in out
    assert "* Mood  (cannot evaluate: $MOOD == 3)" in out

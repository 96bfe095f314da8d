"""Analysis through a real daemon: Traktor collection -> POST /analysis -> job -> results, quality,
provenance; unchanged files skipped on the next pass; LOCK=1 values left alone; broken files reported."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from musictool.cli.client import ApiError
from testkit.fixtures_path import REPO
from tests.unit.analysis.audio_helpers import clip, noise_file

SPEC = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))


def check(instance: Any, schema_name: str) -> None:
    """The response matches its schema in api-spec/openapi.yaml."""
    jsonschema.Draft202012Validator({**SPEC, "$ref": f"#/components/schemas/{schema_name}"}).validate(
        instance
    )


def _entry(
    path: Path, title: str, lock: bool = False, bpm: float | None = None, key_value: int | None = None
) -> str:
    dirs = "".join(f"/:{c}" for c in path.parent.parts[1:]) + "/:"
    lock_attr = ' LOCK="1" LOCK_MODIFICATION_TIME="2024-01-01T10:00:00"' if lock else ""
    tempo = f'<TEMPO BPM="{bpm}" BPM_QUALITY="100"></TEMPO>' if bpm else ""
    key = f'<MUSICAL_KEY VALUE="{key_value}"></MUSICAL_KEY>' if key_value is not None else ""
    return (f'<ENTRY TITLE="{title}" ARTIST="Test"{lock_attr}><LOCATION DIR="{dirs}" FILE="{path.name}" VOLUME="" '
            f'VOLUMEID=""></LOCATION><INFO></INFO>{tempo}{key}</ENTRY>')  # fmt: skip


@pytest.fixture
def library(tmp_path: Path) -> dict[str, Any]:
    music = tmp_path / "music"
    music.mkdir()
    files = {
        "a": clip(music / "a.flac", bpm=128.0, tonic=9, minor=True, duration=6.0),
        "locked": clip(music / "locked.wav", bpm=140.0, tonic=2, minor=True, duration=6.0),
        "fake": noise_file(music / "fake.flac", seconds=4.0, lowpass_hz=16000),
        "broken": music / "broken.mp3",
    }
    files["broken"].write_bytes(os.urandom(3000))
    entries = [
        _entry(files["a"], "A"),
        _entry(files["locked"], "Locked", lock=True, bpm=70.0, key_value=14),  # 14 = D minor
        _entry(files["fake"], "Fake"),
        _entry(files["broken"], "Broken"),
    ]
    nml = tmp_path / "collection.nml"
    nml.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" '
        f'PROGRAM="Traktor"></HEAD><COLLECTION ENTRIES="{len(entries)}">'
        + "".join(entries)
        + "</COLLECTION></NML>\n",
        encoding="utf-8",
    )
    return {"nml": nml, "files": files}


def _tracks_by_title(d: Any) -> dict[str, dict]:
    items = d.api().get("/tracks", limit=50)["items"]
    return {t["title"]: t for t in items}


def _db(d: Any) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{d.home / 'musictool.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def test_library_analysis_end_to_end(daemon_factory: Any, library: dict[str, Any]) -> None:
    d = daemon_factory(config={"traktor": {"collection": str(library["nml"])}, "analysis": {"workers": 1}})
    tracks = d.wait_for(lambda: len(t := _tracks_by_title(d)) == 4 and t, timeout=30, what="Traktor ingest")
    api = d.api()

    started = api.post("/analysis", {"library": True})
    check(started, "Job")
    assert started["kind"] == "analysis.library"
    job = d.wait_job(started["id"], timeout=90)
    assert job["status"] == "succeeded", job
    assert job["result"]["analysed"] == 3 and job["result"]["failed"] == 1 and job["result"]["skipped"] == 0

    a = api.get(f"/tracks/{tracks['A']['id']}/analysis")
    check(a, "TrackAnalysis")
    assert a["status"] == "ok"
    assert a["bpm"] == pytest.approx(128.0, abs=0.1)
    assert (a["key"], a["key_camelot"]) == ("A minor", "8A")
    assert 1 <= a["energy"] <= 10 and a["loudness_lufs"] < 0 and a["duration"] == pytest.approx(6.0, abs=0.05)

    broken = api.get(f"/tracks/{tracks['Broken']['id']}/analysis")
    check(broken, "TrackAnalysis")
    assert broken["status"] == "error" and "not a readable audio file" in broken["error"]

    quality = api.get("/quality")
    for item in quality["items"]:
        check(item, "FileQualityItem")
    assert quality["total"] == 3
    worst = quality["items"][0]
    assert worst["track_id"] == tracks["Fake"]["id"] and worst["transcode_suspected"] is True
    assert worst["estimated_source_kbps"] == 128 and worst["suggestions"]
    assert api.get("/quality", transcoded="true")["total"] == 1

    # the locked track: analysed, but its hand-set tempo and key stay the only ones
    locked_id = tracks["Locked"]["id"]
    locked = api.get(f"/tracks/{locked_id}/analysis")
    assert locked["bpm"] == pytest.approx(140.0, abs=0.1) and locked["held_fields"] == ["bpm", "key"]
    with _db(d) as conn:
        rows = conn.execute(
            "SELECT field FROM metadata_values WHERE track_id = ? AND source = 'analysis'", (locked_id,)
        ).fetchall()
        fields = {r["field"] for r in rows}
        assert "bpm" not in fields and "key" not in fields and "energy" in fields
        bpm, key = conn.execute("SELECT bpm, key FROM tracks WHERE id = ?", (locked_id,)).fetchone()
        assert bpm == pytest.approx(70.0)
        analysed = {r["field"] for r in conn.execute(
            "SELECT field FROM metadata_values WHERE track_id = ? AND source = 'analysis'", (tracks["A"]["id"],))}  # fmt: skip
        assert {"bpm", "key", "energy", "loudness", "duration"} <= analysed

    status = api.get("/status")
    assert status["analysis"] == {
        "analysed": 4,
        "errors": 1,
        "quality_assessed": 3,
        "transcodes_suspected": 1,
    }
    assert {"analysis.track", "analysis.library"} <= set(status["jobs"]["kinds"])

    # second pass: nothing changed, nothing analysed; then one file changes
    again = d.wait_job(api.post("/analysis", {"library": True})["id"], timeout=60)
    assert again["result"]["skipped"] == 4 and again["result"]["analysed"] == 0
    time.sleep(0.01)
    clip(library["files"]["a"], bpm=132.0, tonic=9, minor=True, duration=6.0)
    third = d.wait_job(api.post("/analysis", {"library": True})["id"], timeout=60)
    assert third["result"]["analysed"] == 1 and third["result"]["skipped"] == 3
    assert api.get(f"/tracks/{tracks['A']['id']}/analysis")["bpm"] == pytest.approx(132.0, abs=0.1)

    # explicit track request re-analyses even when unchanged
    one = d.wait_job(api.post("/analysis", {"track_ids": [tracks["A"]["id"]]})["id"], timeout=60)
    assert one["status"] == "succeeded" and one["result"]["analysed"] == 1


def test_bad_requests_are_refused_clearly(daemon_factory: Any) -> None:
    d = daemon_factory()
    api = d.api()
    for body, status in [({}, 400), ({"track_ids": []}, 400), ({"track_ids": ["x"]}, 400),
                         ({"library": "yes"}, 400), ({"library": True, "track_ids": [1]}, 400),
                         ({"track_ids": [999999]}, 404), ({"library": True, "bogus": 1}, 400)]:  # fmt: skip
        with pytest.raises(ApiError) as exc:
            api.post("/analysis", body)
        assert exc.value.status == status, body
        assert exc.value.body.get("detail")
    with pytest.raises(ApiError) as exc:
        api.get("/tracks/12345/analysis")
    assert exc.value.status == 404
    with pytest.raises(ApiError) as exc:
        api.get("/quality", transcoded="maybe")
    assert exc.value.status == 400
    assert api.get("/quality") == {"items": [], "total": 0}


def test_auto_analysis_after_a_traktor_ingest(daemon_factory: Any, library: dict[str, Any]) -> None:
    d = daemon_factory(config={"traktor": {"collection": str(library["nml"])}, "analysis": {"auto": True}})
    d.wait_for(
        lambda: d.api().get("/status")["analysis"]["analysed"] == 4, timeout=60, what="automatic analysis"
    )
    jobs = d.api().get("/jobs", kind="analysis.library")["items"]
    assert jobs and jobs[0]["payload"] == {"force": False}
    assert d.api().get("/quality", transcoded="true")["total"] == 1

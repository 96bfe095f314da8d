"""End to end: a real `musictool serve` process pointed at the MusicBrainz and AcoustID fakes identifies
tracks through the job queue, and the API shows where every value came from.

The fakes run on this test's event loop, so every blocking call on the daemon goes through a thread."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from musictool.integrations.acoustid.fingerprint import fingerprint_file
from musictool.store.db import Database
from testkit.fakes.acoustid.server import FakeAcoustID
from testkit.fakes.musicbrainz.server import FakeMusicBrainz


def our_tracebacks(output: str) -> list[str]:
    """Tracebacks in the daemon's log that pass through enrichment code (other parts have their tests)."""
    blocks = output.split("Traceback (most recent call last):")[1:]
    ours = (
        "musictool/enrich",
        "integrations/musicbrainz",
        "integrations/acoustid",
        "store/provenance",
        "store/enrichment",
        "routes/metadata",
    )
    return [b[:2000] for b in blocks if any(o in b for o in ours)]


def tone(path, freq):
    sr = 22050
    t = np.arange(sr * 12) / sr
    audio = 0.3 * np.sin(2 * np.pi * freq * t) * (np.sin(2 * np.pi * 3 * t) > 0)
    soundfile.write(path, audio.astype(np.float32), sr, format="FLAC")
    return path


async def seed(home, tracks):
    """Tracks as the Traktor ingest leaves them, written before the daemon starts."""
    home.mkdir(parents=True, exist_ok=True)
    db = await Database.open(home / "musictool.db")
    for t in tracks:
        cols = {"location_key": f"vol/:music/:{t['id']}", **t}
        await db.execute(
            f"INSERT INTO tracks ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            list(cols.values()),
        )
    await db.close()


@pytest.fixture
async def fakes(aiohttp_server):
    mb, ac = FakeMusicBrainz(), FakeAcoustID()
    mb_server = await aiohttp_server(mb.app())
    ac_server = await aiohttp_server(ac.app())
    mb.url = f"http://127.0.0.1:{mb_server.port}"
    ac.url = f"http://127.0.0.1:{ac_server.port}/v2"
    return mb, ac


def config(mb, ac, key="test-key"):
    return {
        "musicbrainz": {"base_url": mb.url, "contact": "mailto:e2e@example.org"},
        "acoustid": {"base_url": ac.url, "api_key": key},
    }


@pytest.mark.slow
async def test_enrich_job_on_a_real_daemon(tmp_path, fakes, daemon_factory):
    mb, ac = fakes
    flac = tone(tmp_path / "one.flac", 440.0)
    fp = await fingerprint_file(flac)
    one = mb.add_recording(
        "Energy Flash", "Joey Beltram", 12000, tags=[("techno", 9)], release="Energy Flash"
    )
    ac.register_recording(fp.fingerprint, one.id, title="Energy Flash", artist="Joey Beltram", duration=12)
    two = mb.add_recording("Acid Tracks", "Phuture", 700000, isrcs=["USTR18700001"])
    home = tmp_path / "home"
    await seed(
        home,
        [
            {"id": 1, "path": str(flac), "artist": "Beltram", "title": "01 energy", "bpm": 134.0},
            {"id": 2, "artist": "Phuture", "title": "Acid Tracks", "isrc": "USTR18700001", "duration": 701.0},
        ],
    )
    d = await asyncio.to_thread(daemon_factory, config(mb, ac), None, home)
    api = d.api()

    # the NML values are recorded as provenance at start, before any web lookup
    def nml_recorded():
        fields = api.get("/tracks/1/metadata")["fields"]
        return "title" in fields and fields["title"]["values"][0]["source"] == "nml"

    await asyncio.to_thread(d.wait_for, nml_recorded, 30, 0.2, "NML provenance")

    job = await asyncio.to_thread(api.post, "/enrich", {"track_ids": [1, 2]})
    assert job["kind"] == "enrich.batch" and job["status"] in ("queued", "running")
    done = await asyncio.to_thread(d.wait_job, job["id"], 90)
    assert done["status"] == "succeeded", done
    assert done["result"]["matched"] == 2

    meta = await asyncio.to_thread(api.get, "/tracks/1/metadata")
    assert meta["enrichment"]["method"] == "acoustid" and meta["enrichment"]["recording_mbid"] == one.id
    title = meta["fields"]["title"]
    assert {v["source"] for v in title["values"]} == {"nml", "acoustid", "musicbrainz"}
    assert title["effective"]["source"] == "nml" and title["conflict"] is True
    assert meta["fields"]["acoustid_id"]["effective"]["source"] == "acoustid"
    assert meta["fields"]["tags"]["effective"]["value"] == ["techno"]
    assert meta["fields"]["cover_art_url"]["effective"]["value"].startswith("https://coverartarchive.org/")
    assert all("recorded_at" in v and 0 <= v["confidence"] <= 1 for v in title["values"])
    meta2 = await asyncio.to_thread(api.get, "/tracks/2/metadata")
    assert meta2["enrichment"]["method"] == "isrc" and meta2["enrichment"]["recording_mbid"] == two.id

    conflicts = await asyncio.to_thread(api.get, "/conflicts", field="title")
    assert conflicts["total"] >= 1
    item = next(i for i in conflicts["items"] if i["track_id"] == 1)
    assert item["title"] == "01 energy" and {v["source"] for v in item["values"]} >= {"nml", "musicbrainz"}

    # the daemon kept MusicBrainz' rules: a User-Agent naming us, never two requests within a second
    assert all(r["ua"].startswith("MusicTool/") for r in mb.requests)
    times = [r["t"] for r in mb.requests]
    assert all(r["status"] == 200 for r in mb.requests)
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 1.0
    assert ac.requests[0]["content_encoding"] == "gzip"

    # bad requests get clear problems
    from musictool.cli.client import ApiError

    for body, status in (({}, 400), ({"track_ids": [999]}, 404), ({"track_ids": ["x"]}, 400)):
        with pytest.raises(ApiError) as info:
            await asyncio.to_thread(api.post, "/enrich", body)
        assert info.value.status == status
    with pytest.raises(ApiError) as info:
        await asyncio.to_thread(api.get, "/tracks/999/metadata")
    assert info.value.status == 404

    # the user settles the title conflict by hand; clearing it hands the choice back to the policy
    field = await asyncio.to_thread(api.request, "PUT", "/tracks/1/metadata/title", {"value": "Energy Flash"})
    assert field["effective"]["source"] == "user" and field["values"][0]["source"] == "user"
    assert (await asyncio.to_thread(api.get, "/tracks/1/metadata"))["fields"]["title"]["effective"][
        "value"
    ] == ("Energy Flash")
    await asyncio.to_thread(api.delete, "/tracks/1/metadata/title")
    meta = await asyncio.to_thread(api.get, "/tracks/1/metadata")
    assert meta["fields"]["title"]["effective"]["source"] == "nml"
    for method, path, body, status in (
        ("PUT", "/tracks/1/metadata/Bad-Field", {"value": 1}, 400),
        ("PUT", "/tracks/1/metadata/title", {"value": None}, 400),
        ("PUT", "/tracks/999/metadata/title", {"value": "x"}, 404),
        ("DELETE", "/tracks/1/metadata/title", None, 404),
    ):
        with pytest.raises(ApiError) as info:
            await asyncio.to_thread(api.request, method, path, body)
        assert info.value.status == status, (method, path)

    # the CLI shows the same provenance, and a library run skips what is already identified
    env = {**os.environ, **d.env()}
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "musictool", "enrich", "--show", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "musicbrainz" in out.stdout and "acoustid" in out.stdout and "nml" in out.stdout
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "musictool", "enrich", "--library"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "skipped 2 (of 2)" in out.stdout
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "musictool", "enrich", "--conflicts"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "01 energy" in out.stdout and "conflicts" in out.stdout
    assert our_tracebacks(d.log_path.read_text(errors="replace")) == []


@pytest.mark.slow
async def test_rejected_acoustid_key_is_reported_and_musicbrainz_still_used(tmp_path, fakes, daemon_factory):
    mb, ac = fakes
    flac = tone(tmp_path / "two.flac", 550.0)
    rec = mb.add_recording("Good Life", "Inner City", 12000)
    home = tmp_path / "home"
    await seed(home, [{"id": 1, "path": str(flac), "artist": "Inner City", "title": "Good Life"}])
    d = await asyncio.to_thread(daemon_factory, config(mb, ac, key="revoked"), None, home)
    api = d.api()
    job = await asyncio.to_thread(api.post, "/enrich", {"track_ids": [1]})
    done = await asyncio.to_thread(d.wait_job, job["id"], 60)
    assert done["status"] == "succeeded"
    assert any("invalid API key" in w for w in done["result"]["warnings"])
    meta = await asyncio.to_thread(api.get, "/tracks/1/metadata")
    assert meta["enrichment"]["method"] == "search" and meta["enrichment"]["recording_mbid"] == rec.id
    notes = await asyncio.to_thread(api.get, "/notifications")
    assert any("AcoustID rejected" in n["title"] for n in notes["items"])
    status = await asyncio.to_thread(api.get, "/status")
    assert "invalid API key" in status["enrichment"]["acoustid"]
    assert our_tracebacks(d.log_path.read_text(errors="replace")) == []


@pytest.mark.slow
def test_traktor_ingest_becomes_nml_provenance(tmp_path, daemon_factory, fixtures):
    """The Traktor component ingests a real NML; its values appear as source "nml", and an edit in
    Traktor (the file replaced) updates them."""
    nml = tmp_path / "collection.nml"
    demo = fixtures / "nml" / "polamjag__traktor-nml" / "spec" / "traktor" / "traktor-nml-demo.nml"
    nml.write_bytes(demo.read_bytes())
    d = daemon_factory({"traktor": {"collection": str(nml), "debounce_seconds": 0.2}})
    api = d.api()

    def track_id():
        with sqlite3.connect(f"file:{d.home / 'musictool.db'}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT id FROM tracks WHERE title LIKE 'Sweet Tear%'").fetchone()
        return row and row[0]

    tid = d.wait_for(track_id, 30, 0.2, "the ingest")

    def title_of(source):
        fields = api.get(f"/tracks/{tid}/metadata")["fields"]
        values = {v["source"]: v["value"] for v in fields.get("title", {}).get("values", [])}
        return values.get(source)

    assert (
        d.wait_for(lambda: title_of("nml"), 30, 0.2, "NML provenance")
        == "Sweet Tear(Y calla K Cut Electro Remix)"
    )
    meta = api.get(f"/tracks/{tid}/metadata")
    assert meta["fields"]["bpm"]["effective"] == {
        **meta["fields"]["bpm"]["effective"],
        "value": 132.0,
        "source": "nml",
    }
    nml.write_bytes(
        demo.read_bytes().replace(b'TITLE="Sweet Tear(Y calla K', b'TITLE="Sweet Tears(Y calla K')
    )
    assert d.wait_for(lambda: (title_of("nml") or "").startswith("Sweet Tears"), 30, 0.2, "the edited title")
    assert our_tracebacks(d.log_path.read_text(errors="replace")) == []


def test_bad_provenance_order_is_refused_at_start(daemon_factory):
    d = daemon_factory({"provenance": {"order": ["user", "internet"]}}, start=False)
    d.start(expect_ready=False)
    assert d.wait(30) == 2
    assert "[provenance] order: unknown source 'internet'" in d.output()


@pytest.mark.slow
async def test_sigterm_during_a_stalled_lookup_exits_cleanly_and_resumes(tmp_path, fakes, daemon_factory):
    """MusicBrainz hangs mid-run: SIGTERM still stops the daemon at once (exit 0), the job is requeued
    with its checkpoint and finishes after the restart."""
    mb, ac = fakes
    mb.add_recording("Stall", "Band", 200000)
    home = tmp_path / "home"
    await seed(home, [{"id": 1, "artist": "Band", "title": "Stall"}])
    mb.stall_next(60.0)
    d = await asyncio.to_thread(
        daemon_factory, config(mb, ac, key=None) | {"acoustid": {"base_url": ac.url}}, None, home
    )
    job = await asyncio.to_thread(d.api().post, "/enrich", {"library": True})
    for _ in range(100):  # until the request is hanging at the server
        if mb.requests:
            break
        await asyncio.sleep(0.1)
    started = asyncio.get_running_loop().time()
    assert await asyncio.to_thread(d.stop, 30) == 0
    assert asyncio.get_running_loop().time() - started < 10  # not the 20 s request timeout
    await asyncio.to_thread(d.start)
    done = await asyncio.to_thread(d.wait_job, job["id"], 60)
    assert done["status"] == "succeeded" and done["result"]["matched"] == 1
    assert our_tracebacks(d.log_path.read_text(errors="replace")) == []

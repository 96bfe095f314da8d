"""The enrichment job kinds on the real AppContext and JobQueue (in this process, so the fakes share the
loop): enrich.acoustid queues enrich.musicbrainz for its best recording; Traktor changes queue per-track
jobs only for tracks never identified; a batch resumes from its checkpoint."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import soundfile

from musictool import components
from musictool.config import load_config
from musictool.enrich.service import service_of
from musictool.home import Home
from musictool.integrations.acoustid.fingerprint import fingerprint_file
from musictool.service import build_context
from musictool.store import enrichment as store
from musictool.store import jobs as jobs_store
from musictool.store import provenance
from testkit import toml
from testkit.fakes.acoustid.server import FakeAcoustID
from testkit.fakes.musicbrainz.server import FakeMusicBrainz

ENRICH_COMPONENTS = (
    "musictool.enrich.component",
    "musictool.integrations.acoustid.component",
    "musictool.integrations.musicbrainz.component",
)


@pytest.fixture
async def app(tmp_path, aiohttp_server):
    mb, ac = FakeMusicBrainz(), FakeAcoustID()
    mb_server = await aiohttp_server(mb.app())
    ac_server = await aiohttp_server(ac.app())
    home = Home(tmp_path / "home")
    home.ensure()
    home.config.write_text(
        toml.dumps(
            {
                "musicbrainz": {
                    "base_url": f"http://127.0.0.1:{mb_server.port}",
                    "contact": "t",
                    "auto": True,
                },
                "acoustid": {"base_url": f"http://127.0.0.1:{ac_server.port}/v2", "api_key": "test-key"},
                "notify": {"desktop": False},
            }
        )
    )
    ctx = await build_context(home, load_config(home.config))
    for module in components.discover():
        if module.__name__ in ENRICH_COMPONENTS:
            await module.setup(ctx)
    await ctx.queue.start()
    await wait_jobs(ctx.db, ["enrich.nml"])  # the catch-up run at start, on the empty library
    yield ctx, mb, ac
    await ctx.queue.stop()
    for hook in reversed(ctx._shutdown_hooks):
        await hook()
    await ctx.db.close()


async def add_track(db, tid, **cols):
    cols = {"location_key": f"vol/:m/:{tid}", **cols}
    await db.execute(
        f"INSERT INTO tracks (id, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})",
        [tid, *cols.values()],
    )


async def wait_jobs(db, kinds, timeout=30.0, at_least=1):
    """Until at least `at_least` jobs of these kinds exist and none is queued or running; returns them."""
    marks = ",".join("?" * len(kinds))
    for _ in range(int(timeout / 0.1)):
        rows = await db.fetchall(f"SELECT id, kind, status FROM jobs WHERE kind IN ({marks})", list(kinds))
        if len(rows) >= at_least and all(r["status"] in ("succeeded", "failed", "cancelled") for r in rows):
            return [await jobs_store.get(db, r["id"]) for r in rows]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"jobs still running: {rows}")


async def test_acoustid_job_queues_the_musicbrainz_lookup(app, tmp_path):
    ctx, mb, ac = app
    path = tmp_path / "x.flac"
    t = np.arange(22050 * 12) / 22050
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 500 * t) * (np.sin(6 * t) > 0)).astype(np.float32), 22050)
    fp = await fingerprint_file(path)
    rec = mb.add_recording("Jaguar", "DJ Rolando", 12000)
    ac.register_recording(
        fp.fingerprint, rec.id, title="Jaguar", artist="DJ Rolando", duration=12, score=0.88
    )
    await add_track(ctx.db, 1, path=str(path), title="jaguar")
    done_events = []
    ctx.events.on("enrich.done", done_events.append)
    await ctx.queue.enqueue("enrich.acoustid", {"track_id": 1})
    jobs = await wait_jobs(ctx.db, ["enrich.acoustid", "enrich.musicbrainz"])
    by_kind = {j["kind"]: j for j in jobs}
    assert by_kind["enrich.acoustid"]["status"] == "succeeded"
    assert by_kind["enrich.acoustid"]["result"]["recording_id"] == rec.id
    mbjob = by_kind["enrich.musicbrainz"]
    assert mbjob["status"] == "succeeded" and mbjob["payload"]["recording_id"] == rec.id
    assert mbjob["result"]["method"] == "acoustid" and mbjob["result"]["score"] == 0.88
    assert (await provenance.effective(ctx.db, 1))["mb_recording_id"]["value"] == rec.id
    assert [e.data for e in done_events] == [{"track_ids": [1], "matched": 1}]  # news for the matcher


async def test_bad_payload_fails_permanently(app):
    ctx, mb, ac = app
    await ctx.queue.enqueue("enrich.musicbrainz", {"track_id": "seven"})
    await ctx.queue.enqueue("enrich.acoustid", {"track_id": 404})
    jobs = await wait_jobs(ctx.db, ["enrich.acoustid", "enrich.musicbrainz"])
    assert {j["status"] for j in jobs} == {"failed"}
    assert {j["attempts"] for j in jobs} == {1}  # not retried
    assert any("integer track_id" in j["error"] for j in jobs)
    assert any("no track 404" in j["error"] for j in jobs)


async def test_traktor_change_queues_only_new_tracks(app):
    ctx, mb, ac = app
    mb.add_recording("Known", "Band", 200000)
    mb.add_recording("Fresh", "Band", 200000)
    await add_track(ctx.db, 1, artist="Band", title="Known")
    await add_track(ctx.db, 2, artist="Band", title="Fresh")
    await store.save_outcome(ctx.db, 1, status="matched", method="search")
    ctx.events.publish("traktor.ingested", {"added": 1})
    # the start-up NML run, the one for this event, and the AcoustID + MusicBrainz jobs of track 2
    jobs = await wait_jobs(ctx.db, ["enrich.nml", "enrich.acoustid", "enrich.musicbrainz"], at_least=4)
    per_track = [j for j in jobs if j["kind"] != "enrich.nml"]
    # no file -> the AcoustID job finds nothing to fingerprint and hands over to MusicBrainz (search)
    assert sorted(j["payload"]["track_id"] for j in per_track) == [2, 2]
    assert all(j["status"] == "succeeded" for j in jobs)
    assert (await store.outcome(ctx.db, 2))["method"] == "search"
    assert (await provenance.values(ctx.db, 1, "title"))[0]["source"] == "nml"


async def test_batch_resumes_from_its_checkpoint(app):
    ctx, mb, ac = app
    for i in (1, 2, 3):
        mb.add_recording(f"Song {i}", "Band", 200000)
        await add_track(ctx.db, i, artist="Band", title=f"Song {i}")
    # as if an earlier run was interrupted after track 2
    job_id = await ctx.queue.enqueue("enrich.batch", {"library": True, "force": False})
    await jobs_store.set_state(ctx.db, job_id, {"after": 2, "matched": 2})
    (job,) = await wait_jobs(ctx.db, ["enrich.batch"])
    assert job["status"] == "succeeded"
    assert job["result"]["matched"] == 3 and job["result"]["total"] == 3
    assert await store.outcome(ctx.db, 1) is None  # not redone
    assert (await store.outcome(ctx.db, 3))["status"] == "matched"


async def test_nml_requests_coalesce_until_a_run_starts(app):
    ctx, mb, ac = app
    svc = service_of(ctx)
    await ctx.queue.pause()
    first = await svc.request_nml()
    assert await svc.request_nml() == first  # a burst of ingests -> one queued run
    await ctx.queue.resume()
    for _ in range(100):
        if (await jobs_store.get(ctx.db, first))["status"] == "succeeded":
            break
        await asyncio.sleep(0.05)
    # once a run has started, a new ingest gets a run of its own: its changes cannot slip past
    assert await svc.request_nml() != first


async def test_matches_updated_records_discogs_values(app):
    ctx, mb, ac = app
    await add_track(ctx.db, 1, artist="Drexciya", title="Bubble Metropolis")
    await ctx.db.execute(
        "INSERT INTO releases (id, title, artists, year, labels_json) VALUES (7, 'Bubble Metropolis', 'Drexciya', 1993, "
        '\'[{"name": "Underground Resistance", "catno": "UR-017"}]\')'
    )
    await ctx.db.execute(
        "INSERT INTO release_tracks (release_id, position, idx, title) VALUES (7, 'A1', 0, 'Bubble Metropolis')"
    )
    await ctx.db.execute(
        "INSERT INTO matches (release_id, position, track_id, confidence, status) VALUES (7, 'A1', 1, 0.97, 'matched')"
    )
    ctx.events.publish("matches.updated", {"matched": 1})
    (job,) = await wait_jobs(ctx.db, ["enrich.discogs"])
    assert job["status"] == "succeeded" and job["result"]["tracks"] == 1
    eff = await provenance.effective(ctx.db, 1)
    assert (eff["catalog_no"]["value"], eff["catalog_no"]["source"]) == ("UR-017", "discogs")


async def test_unreadable_file_still_gets_a_musicbrainz_attempt(app, tmp_path):
    ctx, mb, ac = app
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3 this is not audio at all" * 10)
    rec = mb.add_recording("Domina", "Maurizio", 600000)
    await add_track(ctx.db, 1, path=str(broken), artist="Maurizio", title="Domina")
    await ctx.queue.enqueue("enrich.acoustid", {"track_id": 1})
    jobs = {
        j["kind"]: j for j in await wait_jobs(ctx.db, ["enrich.acoustid", "enrich.musicbrainz"], at_least=2)
    }
    assert jobs["enrich.acoustid"]["status"] == "succeeded"
    assert "broken.mp3" in jobs["enrich.acoustid"]["result"]["error"]
    assert jobs["enrich.musicbrainz"]["result"]["recording_mbid"] == rec.id
    assert ac.requests == []  # nothing to look up without a fingerprint

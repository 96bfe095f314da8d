"""The identification chain on a real database against the MusicBrainz and AcoustID fakes, with real files
(generated FLAC with tags, fpcalc) and the real client libraries."""

from __future__ import annotations

import mutagen.flac
import numpy as np
import pytest
import soundfile

from musictool.enrich.limiter import RateLimiter
from musictool.enrich.pipeline import Enricher, Settings
from musictool.integrations.acoustid.client import MIN_INTERVAL as AC_INTERVAL
from musictool.integrations.acoustid.client import AcoustIDClient
from musictool.integrations.acoustid.fingerprint import fingerprint_file
from musictool.integrations.musicbrainz.client import MIN_INTERVAL as MB_INTERVAL
from musictool.integrations.musicbrainz.client import MusicBrainzClient
from musictool.store import enrichment as store
from musictool.store import provenance
from musictool.store.db import Database
from testkit.fakes.acoustid.server import FakeAcoustID
from testkit.fakes.musicbrainz.server import FakeMusicBrainz


@pytest.fixture
async def env(tmp_path, aiohttp_server):
    db = await Database.open(tmp_path / "musictool.db")
    mb = FakeMusicBrainz()
    ac = FakeAcoustID()
    mb_server = await aiohttp_server(mb.app())
    ac_server = await aiohttp_server(ac.app())
    enricher = Enricher(
        db,
        MusicBrainzClient(
            f"http://127.0.0.1:{mb_server.port}", "0.1.0", "test", limiter=RateLimiter(MB_INTERVAL)
        ),
        AcoustIDClient(f"http://127.0.0.1:{ac_server.port}/v2", "test-key", limiter=RateLimiter(AC_INTERVAL)),
        Settings(),
    )
    yield db, mb, ac, enricher
    await db.close()


async def add_track(db, tid, **cols):
    cols.setdefault("location_key", f"vol/:dir/:{tid}.flac")
    names = ["id", *cols]
    await db.execute(
        f"INSERT INTO tracks ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [tid, *cols.values()],
    )


def tone_file(path, seconds=12.0, freq=330.0, tags=None):
    sr = 22050
    t = np.arange(int(sr * seconds)) / sr
    audio = 0.3 * np.sin(2 * np.pi * freq * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    soundfile.write(path, audio.astype(np.float32), sr, format="FLAC")
    if tags:
        f = mutagen.flac.FLAC(path)
        for k, v in tags.items():
            f[k] = v
        f.save()
    return path


async def test_isrc_match_records_sources_and_cover_art(env):
    db, mb, ac, enricher = env
    rec = mb.add_recording(
        "Strings of Life", "Rhythim Is Rhythim", 392000, isrcs=["USTX18700001"], tags=[("detroit techno", 4)]
    )
    await add_track(
        db,
        1,
        artist="Rhythim Is Rhythim",
        title="Strings of Life (Original Mix)",
        isrc="USTX18700001",
        bpm=122.0,
        duration=390.0,
    )
    outcome = await enricher.enrich(1, use_acoustid=False)
    assert outcome["status"] == "matched" and outcome["method"] == "isrc"
    assert outcome["recording_mbid"] == rec.id
    eff = await provenance.effective(db, 1)
    assert eff["title"]["source"] == "nml"  # the NML outranks the web by default
    assert eff["mb_recording_id"]["value"] == rec.id
    assert eff["tags"]["value"] == ["detroit techno"]
    assert eff["cover_art_url"]["value"].endswith(f"/release-group/{rec.releases[0].group_id}/front")
    assert eff["album"]["value"] == "Strings of Life" and eff["year"]["value"] == 2010
    # "(Original Mix)" and a 2 s length difference are not conflicts
    assert (await provenance.conflicts(db, 50, 0))[1] == 0
    # a second track of the same release costs no release request (cache)
    served = len(mb.served())
    await add_track(db, 2, artist="Rhythim Is Rhythim", title="Strings", isrc="USTX18700001")
    await enricher.enrich(2, use_acoustid=False)
    assert len(mb.served()) == served + 1  # the ISRC lookup only


async def test_acoustid_then_musicbrainz(env, tmp_path):
    db, mb, ac, enricher = env
    path = tone_file(tmp_path / "a.flac")
    fp = await fingerprint_file(path)
    rec = mb.add_recording("Plastic Dreams", "Jaydee", 12000)
    ac.register_recording(
        fp.fingerprint, rec.id, title="Plastic Dreams", artist="Jaydee", duration=12, score=0.93
    )
    await add_track(db, 3, path=str(path), title="track 03")  # nothing useful in the NML
    outcome = await enricher.enrich(3)
    assert (outcome["status"], outcome["method"], outcome["recording_mbid"]) == (
        "matched",
        "acoustid",
        rec.id,
    )
    saved = await store.outcome(db, 3)
    assert saved["fingerprint"] == fp.fingerprint and saved["acoustid_score"] == 0.93
    values = {(v["field"], v["source"]): v for v in await provenance.values(db, 3)}
    assert values[("acoustid_id", "acoustid")]["value"] == "9ff43b6a-4f16-427c-93c2-92307ca505e0"
    assert values[("title", "musicbrainz")]["confidence"] == 0.93
    # the NML title and MusicBrainz' disagree: listed as a conflict, the NML still wins
    items, total = await provenance.conflicts(db, 50, 0, field="title")
    assert total == 1 and items[0]["effective"]["value"] == "track 03"
    assert ac.requests[0]["content_encoding"] == "gzip"


async def test_tags_give_isrc_and_key(env, tmp_path):
    db, mb, ac, enricher = env
    rec = mb.add_recording("Tagged", "Someone", 12000, isrcs=["GBAAA0000001"])
    path = tone_file(
        tmp_path / "t.flac", tags={"isrc": "GBAAA0000001", "initialkey": "8A", "title": "Tagged"}
    )
    await add_track(db, 4, path=str(path), key="A minor")
    outcome = await enricher.enrich(4, use_acoustid=False)
    assert outcome["method"] == "isrc" and outcome["recording_mbid"] == rec.id
    values = {(v["field"], v["source"]): v["value"] for v in await provenance.values(db, 4)}
    assert values[("key", "tag")] == "8A" and values[("key", "nml")] == "A minor"
    assert values[("isrc", "tag")] == "GBAAA0000001"
    assert abs(values[("duration", "tag")] - 12.0) < 0.1
    assert (await provenance.conflicts(db, 50, 0, field="key"))[1] == 0  # same key, two notations


async def test_search_match_and_no_match(env):
    db, mb, ac, enricher = env
    rec = mb.add_recording("Can You Feel It", "Mr. Fingers", 400000)
    await add_track(db, 5, artist="Mr Fingers", title="Can You Feel It (Original Mix)", duration=401.0)
    await add_track(db, 6, artist="Unknown Artist", title="Untitled Dubplate", duration=300.0)
    one = await enricher.enrich(5, use_acoustid=False)
    assert one["method"] == "search" and one["recording_mbid"] == rec.id and one["score"] >= 0.8
    two = await enricher.enrich(6, use_acoustid=False)
    assert two["status"] == "no_match"
    assert (await store.outcome(db, 6))["status"] == "no_match"


async def test_user_value_survives_enrichment(env):
    db, mb, ac, enricher = env
    mb.add_recording("Windowlicker", "Aphex Twin", 366000, isrcs=["GBBPW9900001"])
    await add_track(db, 7, artist="Aphex Twin", title="windowlicker", isrc="GBBPW9900001")
    await provenance.record(db, 7, "title", "Windowlicker (my edit)", "user")
    await enricher.enrich(7, use_acoustid=False)
    eff = await provenance.effective(db, 7)
    assert (eff["title"]["value"], eff["title"]["source"]) == ("Windowlicker (my edit)", "user")


async def test_junk_identifiers_are_ignored_not_sent(env, tmp_path):
    """An ISRC field holding "N/A" and a tag MBID that is not a UUID must not become failed lookups."""
    db, mb, ac, enricher = env
    rec = mb.add_recording("Spastik", "Plastikman", 12000)
    path = tone_file(tmp_path / "j.flac", tags={"musicbrainz_trackid": "not-a-uuid", "title": "Spastik"})
    await add_track(db, 10, path=str(path), artist="Plastikman", title="Spastik", isrc="N/A")
    outcome = await enricher.enrich(10, use_acoustid=False)
    assert (outcome["method"], outcome["recording_mbid"]) == ("search", rec.id)
    assert all(r["status"] == 200 for r in mb.requests)
    assert not any("/isrc/" in r["path"] for r in mb.requests)


async def test_reidentification_replaces_the_old_match(env):
    db, mb, ac, enricher = env
    first = mb.add_recording("Jaguar", "DJ Rolando", 400000, release="Jaguar EP", tags=[("techno", 2)])
    await add_track(db, 11, artist="DJ Rolando", title="Jaguar")
    await enricher.enrich(11, use_acoustid=False)
    assert (await provenance.effective(db, 11))["album"]["value"] == "Jaguar EP"
    # the user corrects the title; the old recording no longer matches and nothing else does
    await provenance.record(db, 11, "title", "Knights of the Jaguar (Remix)", "user")
    await provenance.record(db, 11, "artist", "Somebody Else", "user")
    outcome = await enricher.enrich(11, use_acoustid=False)
    assert outcome["status"] == "no_match"
    left = {v["field"] for v in await provenance.values(db, 11) if v["source"] == "musicbrainz"}
    assert left == set() and first.id

"""The real musicbrainzngs, driven by our client, against the MusicBrainz fake on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from musictool.enrich.limiter import RateLimiter
from musictool.integrations.musicbrainz import client as mbclient
from musictool.integrations.musicbrainz.client import (
    MusicBrainzClient,
    MusicBrainzError,
    MusicBrainzUnavailable,
)
from testkit.fakes.musicbrainz.server import FakeMusicBrainz


@pytest.fixture
async def fake(aiohttp_server):
    state = FakeMusicBrainz()
    server = await aiohttp_server(state.app())
    state.url = f"http://127.0.0.1:{server.port}"
    return state


def make(fake, **kw) -> MusicBrainzClient:
    kw.setdefault("limiter", RateLimiter(mbclient.MIN_INTERVAL))
    return MusicBrainzClient(fake.url, "0.1.0", "mailto:test@example.org", **kw)


async def test_isrc_lookup_real_body(fake):
    recs = await asyncio.to_thread(make(fake).recordings_by_isrc, "JPA600102460")
    assert [r.id for r in recs] == ["487cac92-eed5-4efa-8563-c9a818079b9a"]
    assert recs[0].length_ms == 213106
    assert {r.id for r in recs[0].releases} >= {"0385f276-5f4f-4c81-a7a4-6bd7b8d85a7e"}
    served = fake.served()[0]
    assert served["path"].startswith("/ws/2/isrc/JPA600102460?inc=")
    assert served["ua"] == "MusicTool/0.1.0 ( mailto:test@example.org )"


async def test_search_real_body_with_scores(fake):
    hits = await asyncio.to_thread(make(fake).search, "Dynamo Go", "Thief of Hearts")
    assert hits[0].id == "cb4d4d70-930c-4d1a-a157-776de18be66a"
    assert hits[0].score == 100 and hits[0].artist == "Dynamo Go"
    assert hits[1].score < hits[0].score
    assert fake.served()[0]["path"].startswith("/ws/2/recording/?")


async def test_recording_lookup_real_body(fake):
    rec = await asyncio.to_thread(make(fake).recording, "f606f733-c1eb-43f3-93c1-71994ea611e3")
    assert (rec.title, rec.length_ms) == ("Shades of Gray", 259600)


async def test_generated_recording_with_isrcs_tags_and_release_group(fake):
    made = fake.add_recording(
        "Spastik", "Plastikman", 366000, isrcs=["GBCEL9300123"], tags=[("techno", 5)], release="Sheet One"
    )
    client = make(fake)

    def run():
        return client.recording(made.id), client.release(made.releases[0].id)

    rec, rel = await asyncio.to_thread(run)
    assert rec.title == "Spastik" and rec.artist == "Plastikman"
    assert rec.isrcs == ["GBCEL9300123"] and rec.tags == [{"name": "techno", "count": 5}]
    assert rec.best_release().id == made.releases[0].id
    assert rel.release_group_id == made.releases[0].group_id and rel.title == "Sheet One"
    assert rel.cover_art_url == f"https://coverartarchive.org/release-group/{rel.release_group_id}/front"


async def test_unknown_ids_are_none_not_errors(fake):
    client = make(fake)

    def run():
        return (
            client.recording("00000000-0000-4000-8000-000000000000"),
            client.recordings_by_isrc("USXXX0000000"),
            client.search("Nobody", "Nothing at all"),
        )

    assert await asyncio.to_thread(run) == (None, [], [])
    assert [r["status"] for r in fake.requests] == [404, 404, 200]


async def test_503_then_success_backs_off(fake):
    fake.fail_next(1)
    rec = await asyncio.to_thread(make(fake, backoff=1.5).recording, "f606f733-c1eb-43f3-93c1-71994ea611e3")
    assert rec.title == "Shades of Gray"
    statuses = [r["status"] for r in fake.requests]
    assert statuses == [503, 200]
    assert fake.requests[1]["t"] - fake.requests[0]["t"] >= 1.5 - 0.05


async def test_503_that_persists_is_reported_as_unavailable(fake):
    fake.fail_next(5)
    client = make(fake, attempts=2, backoff=0.2)
    with pytest.raises(MusicBrainzUnavailable, match="503 .* after 2 attempts"):
        await asyncio.to_thread(client.recording, "f606f733-c1eb-43f3-93c1-71994ea611e3")
    assert len(fake.requests) == 2


async def test_one_request_per_second_across_jobs(fake):
    """Two clients (two jobs) in parallel threads share the one limiter: never faster than 1/s."""
    a = MusicBrainzClient(fake.url, "0.1.0", "c", limiter=mbclient.LIMITER)
    b = MusicBrainzClient(fake.url, "0.1.0", "c", limiter=mbclient.LIMITER)
    ids = ["f606f733-c1eb-43f3-93c1-71994ea611e3"] * 2
    await asyncio.gather(*(asyncio.to_thread(c.recording, i) for c in (a, b) for i in ids))
    times = [r["t"] for r in fake.requests]
    assert [r["status"] for r in fake.requests] == [200] * 4
    assert min(t2 - t1 for t1, t2 in zip(times, times[1:], strict=False)) >= 1.0


def test_configuration_errors_are_clear():
    with pytest.raises(MusicBrainzError, match="http"):
        MusicBrainzClient("musicbrainz.org", "0.1.0", "c")
    with pytest.raises(MusicBrainzError, match="path is fixed"):
        MusicBrainzClient("http://127.0.0.1:5000/api", "0.1.0", "c")


async def test_unreachable_server_is_unavailable(unused_tcp_port):
    client = MusicBrainzClient(f"http://127.0.0.1:{unused_tcp_port}", "0.1.0", "c", limiter=RateLimiter(0.0))
    with pytest.raises(MusicBrainzUnavailable, match="unreachable"):
        await asyncio.to_thread(client.recording, "f606f733-c1eb-43f3-93c1-71994ea611e3")


async def test_a_stalled_server_times_out(fake):
    fake.stall_next(5.0)
    client = make(fake, timeout=0.5)
    with pytest.raises(MusicBrainzUnavailable, match="too slow"):
        await asyncio.to_thread(client.recording, "f606f733-c1eb-43f3-93c1-71994ea611e3")

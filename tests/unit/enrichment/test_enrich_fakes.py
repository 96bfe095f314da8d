"""The fakes keep the services' rules, checked with plain HTTP (not through our clients)."""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlencode

import aiohttp
import pytest

from testkit.fakes.acoustid.server import FakeAcoustID, fixture
from testkit.fakes.musicbrainz.server import FakeMusicBrainz

REC = "/ws/2/recording/f606f733-c1eb-43f3-93c1-71994ea611e3"
FP = "AQAAAdKSJooyJQoA"  # fpcalc's fingerprint of the madmom sample


@pytest.fixture
async def mb(aiohttp_server):
    state = FakeMusicBrainz()
    state.server = await aiohttp_server(state.app())
    return state


@pytest.fixture
async def ac(aiohttp_server):
    state = FakeAcoustID()
    state.server = await aiohttp_server(state.app())
    return state


async def test_musicbrainz_requires_user_agent_and_one_request_per_second(mb):
    url = str(mb.server.make_url(REC))
    async with aiohttp.ClientSession(skip_auto_headers=["User-Agent"]) as s:
        async with s.get(url) as r:
            assert r.status == 403
        async with s.get(url, headers={"User-Agent": "Test/1 ( t@example.org )"}) as r:
            assert r.status == 200 and "Shades of Gray" in await r.text()
        async with s.get(url, headers={"User-Agent": "Test/1 ( t@example.org )"}) as r:
            assert r.status == 503
            assert "exceeding the allowable rate limit" in await r.text()


async def test_musicbrainz_error_bodies(mb):
    async with aiohttp.ClientSession(headers={"User-Agent": "Test/1 ( t )"}) as s:
        async with s.get(
            str(mb.server.make_url("/ws/2/recording/00000000-0000-4000-8000-000000000000"))
        ) as r:
            assert r.status == 404 and r.content_type == "application/xml"
            assert "<error><text>Not Found</text>" in await r.text()
        mb.min_interval = 0  # a second request right away, to see the next rule
        async with s.get(str(mb.server.make_url("/ws/2/recording/not-an-mbid"))) as r:
            assert r.status == 400 and "Invalid mbid." in await r.text()


async def post(ac, params, gzip_body=True):
    body = urlencode(params).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if gzip_body:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    async with (
        aiohttp.ClientSession() as s,
        s.post(str(ac.server.make_url("/v2/lookup")), data=body, headers=headers) as r,
    ):
        return r.status, await r.json()


async def test_acoustid_error_codes_in_the_servers_order(ac):
    assert await post(ac, {"duration": 30, "fingerprint": FP}) == (
        400,
        {"status": "error", "error": {"code": 2, "message": 'missing required parameter "client"'}},
    )
    assert await post(ac, {"client": "nope", "duration": 30, "fingerprint": FP}) == (
        400,
        fixture("error_invalid_api_key.json"),
    )
    assert (await post(ac, {"client": "test-key", "fingerprint": FP}))[1]["error"]["code"] == 2
    assert await post(ac, {"client": "test-key", "duration": -5, "fingerprint": FP}) == (
        400,
        fixture("error_invalid_duration.json"),
    )
    assert await post(ac, {"client": "test-key", "duration": 30}) == (
        400,
        fixture("error_missing_parameter_fingerprint.json"),
    )


async def test_acoustid_get_plain_post_and_meta(ac):
    ac.register(FP, fixture("lookup_meta_recordings_releasegroups_compress.json"))
    async with aiohttp.ClientSession() as s:
        query = {"client": "test-key", "duration": 3, "fingerprint": FP, "meta": "recordingids"}
        async with s.get(str(ac.server.make_url("/v2/lookup")), params=query) as r:
            body = await r.json()
    assert body["results"][0]["recordings"] == [{"id": "cd2e7c47-16f5-46c6-a37c-a1eb7bf599ff"}]
    status, body = await post(ac, {"client": "test-key", "duration": 3, "fingerprint": FP}, gzip_body=False)
    assert status == 200 and "recordings" not in body["results"][0]  # no meta: track ids only
    status, body = await post(
        ac, {"client": "test-key", "duration": 3, "fingerprint": FP, "meta": "recordings releasegroups"}
    )
    assert body["results"][0]["recordings"][0]["releasegroups"][0]["title"] == "Before the Dawn Heals Us"
    assert [r["content_encoding"] for r in ac.requests] == [None, None, "gzip"]
    assert json.dumps(body)  # plain JSON

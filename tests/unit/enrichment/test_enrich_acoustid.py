"""fpcalc on real audio, and the real pyacoustid driven by our client against the AcoustID fake."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import soundfile

from musictool.enrich.limiter import RateLimiter
from musictool.integrations.acoustid import client as acclient
from musictool.integrations.acoustid.client import (
    AcoustIDClient,
    AcoustIDError,
    AcoustIDKeyError,
    AcoustIDUnavailable,
    best_recording,
)
from musictool.integrations.acoustid.fingerprint import FingerprintError, fingerprint_file
from testkit.fakes.acoustid.server import FakeAcoustID, fingerprint_ok, fixture
from testkit.fixtures_path import FIXTURES

TECHNO = FIXTURES / "audio" / "essentia-audio" / "techno_loop.mp3"
REC = "cd2e7c47-16f5-46c6-a37c-a1eb7bf599ff"


@pytest.fixture(scope="module")
def techno_fp():
    return asyncio.run(fingerprint_file(TECHNO))


@pytest.fixture
async def fake(aiohttp_server):
    state = FakeAcoustID()
    server = await aiohttp_server(state.app())
    state.url = f"http://127.0.0.1:{server.port}/v2"
    return state


def make(fake, key="test-key", **kw) -> AcoustIDClient:
    kw.setdefault("limiter", RateLimiter(acclient.MIN_INTERVAL))
    return AcoustIDClient(fake.url, key, **kw)


def test_fpcalc_on_real_audio(techno_fp):
    assert 4.0 < techno_fp.duration < 60.0
    assert fingerprint_ok(techno_fp.fingerprint)  # the fake's decoder accepts a real fingerprint


async def test_fpcalc_on_generated_wav(tmp_path):
    sr = 22050
    t = np.arange(sr * 12) / sr
    rng = np.random.default_rng(3)
    audio = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0) + 0.05 * rng.standard_normal(
        t.size
    )
    path = tmp_path / "tone.wav"
    soundfile.write(path, audio.astype(np.float32), sr)
    fp = await fingerprint_file(path)
    assert abs(fp.duration - 12.0) < 0.1 and fingerprint_ok(fp.fingerprint)


async def test_fpcalc_errors_name_the_file(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_text("this is not audio")
    with pytest.raises(FingerprintError, match="broken.mp3"):
        await fingerprint_file(broken)
    with pytest.raises(FingerprintError, match="file not found"):
        await fingerprint_file(tmp_path / "missing.flac")


async def test_lookup_posts_gzip_body_and_picks_best(fake, techno_fp):
    fake.register(techno_fp.fingerprint, fixture("lookup_meta_recordings_releasegroups_compress.json"))
    results = await asyncio.to_thread(make(fake).lookup, techno_fp.fingerprint, techno_fp.duration)
    req = fake.requests[0]
    assert req["method"] == "POST" and req["content_encoding"] == "gzip"
    assert req["params"]["client"] == "test-key" and req["params"]["meta"] == "recordings releasegroups"
    assert req["params"]["duration"] == str(round(techno_fp.duration))
    result, rec = best_recording(results, 639)
    assert (result.id, result.score) == ("9ff43b6a-4f16-427c-93c2-92307ca505e0", 1.0)
    assert (rec.id, rec.title, rec.artist) == (REC, "Lower Your Eyelids to Die With the Sun", "M83")
    assert rec.release_groups[0]["title"] == "Before the Dawn Heals Us"


async def test_invalid_key_is_surfaced_clearly(fake, techno_fp):
    with pytest.raises(AcoustIDKeyError, match=r"api_key: invalid API key \(code 4\)") as info:
        await asyncio.to_thread(make(fake, key="wrong").lookup, techno_fp.fingerprint, 30)
    assert info.value.code == 4
    with pytest.raises(AcoustIDKeyError, match="no AcoustID API key"):
        await asyncio.to_thread(make(fake, key=None).lookup, techno_fp.fingerprint, 30)
    assert len(fake.requests) == 1  # no request without a key


async def test_no_results_and_id_only_results(fake, techno_fp):
    client = make(fake)
    assert await asyncio.to_thread(client.lookup, techno_fp.fingerprint, 30) == []
    fake.register(techno_fp.fingerprint, fixture("lookup_default.json"))
    results = await asyncio.to_thread(client.lookup, techno_fp.fingerprint, 30)
    assert results[0].id == "9ff43b6a-4f16-427c-93c2-92307ca505e0" and results[0].recordings == []
    assert best_recording(results) is None


async def test_bad_fingerprint_and_server_errors(fake):
    client = make(fake)
    with pytest.raises(AcoustIDError, match="invalid fingerprint") as info:
        await asyncio.to_thread(client.lookup, "!!not-a-fingerprint!!", 30)
    assert info.value.code == 3
    fake.fail_next(1)
    with pytest.raises(AcoustIDUnavailable, match="internal error") as info:
        await asyncio.to_thread(client.lookup, "AQAAAA", 30)
    assert info.value.code == 5


async def test_three_requests_per_second_across_threads(fake, techno_fp):
    a = AcoustIDClient(fake.url, "test-key", limiter=acclient.LIMITER)
    b = AcoustIDClient(fake.url, "test-key", limiter=acclient.LIMITER)
    await asyncio.gather(
        *(asyncio.to_thread(c.lookup, techno_fp.fingerprint, 30) for c in (a, b, a, b, a, b, a))
    )
    assert [r["status"] for r in fake.requests] == [200] * 7
    times = [r["t"] for r in fake.requests]
    assert all(times[i + 3] - times[i] >= 1.0 for i in range(len(times) - 3))


async def test_too_fast_gets_the_rate_limit_error(fake, techno_fp):
    client = make(fake, limiter=RateLimiter(0.0))  # no spacing at all: the server must object
    with pytest.raises(AcoustIDUnavailable, match="rate limit") as info:
        for _ in range(5):
            await asyncio.to_thread(client.lookup, techno_fp.fingerprint, 30)
    assert info.value.code == 14
    assert fake.requests[-1]["status"] == 429

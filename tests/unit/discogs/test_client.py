"""DiscogsClient against the fake: one request per call, headers followed, errors mapped."""

from __future__ import annotations

import pytest

from musictool.integrations.discogs.client import (
    DiscogsAuthError,
    DiscogsClient,
    DiscogsNotFound,
    DiscogsUnavailable,
    Retries,
)
from musictool.integrations.discogs.ratelimit import RateLimiter
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import TOKEN


def client_for(
    fake: FakeDiscogs,
    token: str = TOKEN,
    window: float = 1.0,
    timeout: float = 5.0,
    retries: Retries | None = None,
) -> DiscogsClient:
    return DiscogsClient(
        "MusicTool/0.1.0",
        token,
        fake.base_url,
        timeout=timeout,
        limiter=RateLimiter(limit=60, window=window),
        retries=retries,
    )


async def test_each_call_is_one_request_with_token_and_user_agent(fake: FakeDiscogs) -> None:
    c = client_for(fake)
    folders = await c.folders("demo")
    page = await c.collection_page("demo", 1)
    rel = await c.release(page["items"][0]["id"])
    wants = await c.wants_page("demo", 1)
    stats = await c.marketplace_stats(rel["id"], "EUR")
    sugg = await c.price_suggestions(rel["id"])
    assert [f["id"] for f in folders][0] == 0
    assert page["total"] == 40 and page["pages"] == 1 and len(page["items"]) == 40
    assert rel["tracklist"] and rel["resource_url"].startswith(fake.base_url)
    assert wants["total"] == 5
    assert "lowest_price" in stats and "Mint (M)" in sugg
    assert len(fake.log) == 6 == c.requests_sent
    assert all(e.auth == "query" and e.user_agent == "MusicTool/0.1.0" for e in fake.log)
    first = fake.requests("/users/demo/collection/folders/0/releases")[0]
    assert first.query == {"page": "1", "per_page": "100", "sort": "added", "sort_order": "desc"}
    assert fake.requests("/marketplace/stats")[0].query == {"curr_abbr": "EUR"}


async def test_wantlist_changes_reach_the_server(fake: FakeDiscogs) -> None:
    c = client_for(fake)
    await c.add_want("demo", 249504, notes="first press", rating=4)
    assert fake.users["demo"].wants[249504]["notes"] == "first press"
    await c.remove_want("demo", 249504)
    assert 249504 not in fake.users["demo"].wants
    assert [e.method for e in fake.log] == ["PUT", "DELETE"]


async def test_bad_token_is_an_auth_error_after_one_request(fake: FakeDiscogs) -> None:
    c = client_for(fake, token="wrong")
    with pytest.raises(DiscogsAuthError) as err:
        await c.collection_page("demo", 1)
    assert err.value.status == 401
    assert len(fake.log) == 1 and fake.log[0].status == 401


async def test_not_found(fake: FakeDiscogs) -> None:
    with pytest.raises(DiscogsNotFound):
        await client_for(fake).release(123_456_789)


async def test_429_storm_backs_off_and_succeeds(fake: FakeDiscogs) -> None:
    fake.inject(status=429, count=4)
    c = client_for(fake, window=1.0)
    page = await c.collection_page("demo", 1)
    assert page["total"] == 40
    times = [e.t for e in fake.log]
    assert [e.status for e in fake.log] == [429, 429, 429, 429, 200]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(g >= (1.0 / 60) * (2**i) / 2 * 0.9 for i, g in enumerate(gaps))  # jittered, growing pauses


async def test_persistent_5xx_gives_up_with_unavailable(fake: FakeDiscogs) -> None:
    fake.inject(status=502, count=10)
    c = client_for(fake, retries=Retries(on_5xx=2))
    with pytest.raises(DiscogsUnavailable) as err:
        await c.release(3_000_000)
    assert err.value.status == 502
    assert len(fake.log) == 3


async def test_timeout_is_unavailable(fake: FakeDiscogs) -> None:
    fake.inject(delay=1.5, count=5)
    c = client_for(fake, timeout=0.3, retries=Retries(on_network=1))
    with pytest.raises(DiscogsUnavailable):
        await c.folders("demo")
    assert len(fake.log) == 2


async def test_lowered_server_limit_is_never_exceeded(fake: FakeDiscogs) -> None:
    fake.limit, fake.window = 5, 0.5
    c = client_for(fake, window=0.5)
    for i in range(12):
        await c.release(3_000_000 + 7 * i)
    assert fake.requests(status=429) == []
    assert fake.max_in_window() <= 5
    assert c.limiter.limit == 5

"""Rate limits, 5xx and timeouts during a sync: never above the limit, retried, nothing stored is lost."""

from __future__ import annotations

from musictool.integrations.discogs import component
from musictool.store import kv
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job


async def test_429_storm_under_a_lowered_limit(fake: FakeDiscogs, app_factory: Factory) -> None:
    fake.limit = 12  # per 1 s window; the client learns it from X-Discogs-Ratelimit
    fake.inject(status=429, count=6, after=5)  # and another program on our IP bursts in
    ctx = await app_factory()
    job = await run_job(ctx, "discogs.sync")
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 1
    assert fake.max_in_window() <= 12
    assert len(fake.requests(status=429)) <= 6 + 1
    assert await ctx.db.fetchval("SELECT count(*) FROM releases WHERE details_fetched_at IS NOT NULL") == 40
    assert ctx.status_providers  # the status shows the limiter following the server
    st = await ctx.status_providers["discogs"]()
    assert st["rate_limit"]["limit"] == 12 and st["rate_limit"]["backoffs"] >= 6


async def test_5xx_fails_the_attempt_and_the_retry_continues_where_it_stopped(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    fake.add_user("big", token="big-token", releases=250, wants=2)
    # 8 x 503 from the 31st release detail on: each attempt tries 1 + 3 times, so attempts 1 and 2 fail
    fake.inject(status=503, count=8, path_prefix="/releases/", after=30)
    ctx = await app_factory(username="big", token="big-token")
    job = await run_job(ctx, "discogs.sync")
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 3
    pages = [e.query["page"] for e in fake.requests("/users/big/collection/folders/0/releases")]
    assert pages == ["1", "2", "3"]  # no page fetched again after the failures
    ok = [e.path for e in fake.requests("/releases/", status=200)]
    assert len(ok) == len(set(ok)) == 250  # no release fetched twice
    assert await kv.get(ctx.db, "discogs.last_error") is None  # set while failing, cleared on recovery


async def test_outage_marks_the_job_failed_and_keeps_what_is_stored(
    fake: FakeDiscogs, app_factory: Factory
) -> None:
    ctx = await app_factory()
    assert (await run_job(ctx, "discogs.sync"))["status"] == "succeeded"
    before = await ctx.db.fetchall(
        "SELECT instance_id, removed_at FROM collection_items ORDER BY instance_id"
    )
    fake.inject(status=502, count=10_000)
    job = await run_job(ctx, "discogs.sync", {"mode": "full"})
    assert job["status"] == "failed" and "502" in job["error"]
    assert job["attempts"] == job["max_attempts"]
    after = await ctx.db.fetchall("SELECT instance_id, removed_at FROM collection_items ORDER BY instance_id")
    assert after == before
    st = await ctx.status_providers["discogs"]()
    assert st["last_error"]["status"] == 502 and st["counts"]["copies"] == 40


async def test_timeouts_are_retried(fake: FakeDiscogs, app_factory: Factory) -> None:
    fake.inject(delay=1.0, count=4, path_prefix="/users/demo/collection/folders/0/releases")
    ctx = await app_factory(timeout=0.25)
    job = await run_job(ctx, "discogs.sync")
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 2  # 1 + 2 network retries failed, the job's second attempt got through
    assert await ctx.db.fetchval("SELECT count(*) FROM collection_items") == 40


async def test_network_down_fails_retries_and_recovers(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory()
    assert (await run_job(ctx, "discogs.sync"))["status"] == "succeeded"
    svc_client = component.service_of(ctx).client
    svc_client._client._base_url = "http://127.0.0.1:9"  # nothing listens there: connection refused
    svc_client.base_url = "http://127.0.0.1:9"
    job = await run_job(ctx, "discogs.sync", {"mode": "full"})
    assert job["status"] == "failed" and "unreachable" in job["error"]
    st = await ctx.status_providers["discogs"]()
    assert st["counts"]["copies"] == 40 and "unreachable" in st["last_error"]["message"]
    svc_client._client._base_url = svc_client.base_url = fake.base_url  # the network is back
    assert (await run_job(ctx, "discogs.sync", {"mode": "incremental"}))["status"] == "succeeded"
    assert (await ctx.status_providers["discogs"]())["last_error"] is None

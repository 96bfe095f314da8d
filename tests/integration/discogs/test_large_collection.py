"""A 2,000-release collection: the request count is exactly what the API makes necessary."""

from __future__ import annotations

import math

import pytest

from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job

N, WANTS = 2000, 150


@pytest.mark.slow
async def test_first_and_incremental_sync_request_counts(fake: FakeDiscogs, app_factory: Factory) -> None:
    fake.add_user("collector", token="c-token", releases=N, wants=WANTS)
    ctx = await app_factory(username="collector", token="c-token")
    job = await run_job(ctx, "discogs.sync", timeout=300)
    assert job["status"] == "succeeded", job["error"]
    # fixed calls: 1 folder list + ceil(W/100) wantlist pages (at least 1)
    fixed = 1 + max(1, math.ceil(WANTS / 100))
    assert len(fake.log) == math.ceil(N / 100) + N + fixed
    assert len(fake.requests("/users/collector/collection/folders/0/releases")) == math.ceil(N / 100)
    assert len(fake.requests("/releases/")) == N
    assert job["result"]["requests"] == len(fake.log)
    assert await ctx.db.fetchval("SELECT count(*) FROM release_tracks") > N
    fake.log.clear()
    job = await run_job(ctx, "discogs.sync", {"mode": "incremental"})
    assert len(fake.log) == 1 and job["result"]["added"] == 0

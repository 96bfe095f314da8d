"""A running fake Discogs server and an in-process daemon context (real Database, queue, events)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from musictool.config import load_config
from musictool.home import Home
from musictool.integrations.discogs import component
from musictool.service import AppContext, build_context
from musictool.store import jobs as jobs_store
from testkit.fakes.discogs.server import FakeDiscogs, start

TOKEN = "unit-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscogs]:
    """A fake with user 'demo' (40 releases, 5 wants); 1,000 requests per 1 s window, so only the
    rate-limit tests (which lower it) ever wait."""
    f = FakeDiscogs(limit=1000, window=1.0)
    f.add_user("demo", token=TOKEN, releases=40, wants=5)
    runner, _ = await start(f)
    yield f
    await runner.cleanup()


Factory = Callable[..., Awaitable[AppContext]]


@pytest.fixture
async def app_factory(tmp_path: Path, fake: FakeDiscogs) -> AsyncIterator[Factory]:
    """Builds the daemon's AppContext with only the Discogs component set up, pointed at the fake.

    Extra keyword arguments become [discogs] settings; the limiter window is lowered to 1 s so that
    rate tests take seconds, and poll schedules are off (tests enqueue jobs themselves)."""
    made: list[AppContext] = []

    async def make(**discogs: Any) -> AppContext:
        home = Home(tmp_path / f"home{len(made)}")
        home.ensure()
        home.config.write_text("[notify]\ndesktop = false\n", encoding="utf-8")
        config = load_config(home.config)
        values = {
            "username": "demo",
            "token": TOKEN,
            "base_url": fake.base_url,
            "poll_interval": 0,
            "timeout": 5.0,
            "rate_window": 1.0,
            "retry_delay": 0.2,
            "prices_interval": 0,
            "new_releases_interval": 0,
        }
        values.update(discogs)
        config.values["discogs"].update(values)
        ctx = await build_context(home, config)
        await component.setup(ctx)
        await ctx.queue.start()
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        await ctx.queue.stop()
        for hook in reversed(ctx._shutdown_hooks):
            await hook()
        await ctx.db.close()


async def run_job(
    ctx: AppContext, kind: str, payload: dict[str, Any] | None = None, timeout: float = 60.0
) -> dict[str, Any]:
    """Enqueue a job and wait until it is finished (succeeded, failed or cancelled)."""
    job_id = await ctx.queue.enqueue(kind, payload or {})
    return await wait_job(ctx, job_id, timeout)


async def wait_job(ctx: AppContext, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await jobs_store.get(ctx.db, job_id)
        if job and job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")

"""A running fake Discogs server for the unit tests of the client and sync logic."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.discogs.server import FakeDiscogs, start

TOKEN = "unit-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscogs]:
    """A fake with user 'demo' (40 releases, 5 wants) and a lowered limit window for speed."""
    f = FakeDiscogs(limit=60, window=60.0)
    f.add_user("demo", token=TOKEN, releases=40, wants=5)
    runner, _ = await start(f)
    yield f
    await runner.cleanup()

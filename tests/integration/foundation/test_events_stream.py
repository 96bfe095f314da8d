"""GET /events as a real SSE client sees it: live events, keep-alives, Last-Event-ID resume."""

from __future__ import annotations

import asyncio

import aiohttp

from testkit.daemon import Daemon


async def read_events(
    resp: aiohttp.ClientResponse, count: int, timeout: float = 10, prefix: str = "jobs."
) -> list[dict[str, str]]:
    """The first `count` events whose type starts with prefix (components' own jobs also emit events)."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}

    async def pump() -> None:
        async for raw_line in resp.content:
            line = raw_line.decode().rstrip("\n")
            if not line:
                if current.get("event", "").startswith(prefix):
                    events.append(dict(current))
                    if len(events) >= count:
                        return
                current.clear()
            elif not line.startswith(":"):
                key, _, value = line.partition(": ")
                current[key] = value

    await asyncio.wait_for(pump(), timeout)
    return events


async def test_live_events_and_resume_from_last_event_id(daemon: Daemon) -> None:
    headers = {"Authorization": f"Bearer {daemon.token}"}
    url = f"{daemon.base_url}/events"
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            await session.post(f"{daemon.base_url}/jobs/pause", json={}, headers=headers)
            first = await read_events(resp, 1)
        assert first[0]["event"] == "jobs.paused"
        last_id = first[0]["id"]
        # while disconnected, two more things happen
        await session.post(f"{daemon.base_url}/jobs/resume", json={}, headers=headers)
        await session.post(f"{daemon.base_url}/jobs/pause", json={}, headers=headers)
        async with session.get(url, headers={**headers, "Last-Event-ID": last_id}) as resp:
            missed = await read_events(resp, 2)
        assert [e["event"] for e in missed] == ["jobs.resumed", "jobs.paused"]
        assert missed[0]["id"] != last_id


async def test_events_need_the_token(daemon: Daemon) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{daemon.base_url}/events") as resp:
        assert resp.status == 401


async def test_shutdown_ends_open_streams_at_once(daemon: Daemon) -> None:
    headers = {"Authorization": f"Bearer {daemon.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{daemon.base_url}/events", headers=headers) as resp,
    ):
        assert resp.status == 200
        # a stream left open must not hold the shutdown until its next keep-alive (15 s)
        assert await asyncio.to_thread(daemon.stop, 8) == 0
        assert await asyncio.wait_for(resp.content.read(), 5) is not None  # the server closed the stream

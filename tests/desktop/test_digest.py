"""Bursts and quiet hours on a real D-Bus notification service: the first few of a burst show at once,
the rest come as one digest; during quiet hours they wait and come as one digest when the hours end."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from musictool.model.notifications import Policy, parse_quiet_hours
from musictool.notify.desktop import DesktopDelivery
from tests.desktop.conftest import NotifyMock


def row(n: int, kind: str = "price_drop") -> dict[str, Any]:
    return {"id": n, "kind": kind, "title": f"Price drop: record {n}", "body": f"now {n}.00", "data": None}


def test_a_burst_becomes_a_digest(notify_mock: NotifyMock) -> None:
    clicked: list[tuple[Any, str]] = []

    async def on_action(r: Any, action: str) -> None:
        clicked.append((r, action))

    async def scenario() -> list[str]:
        desk = DesktopDelivery(True, Policy(digest_after=2, digest_window=0.5), on_action=on_action)
        got = [await desk.deliver(row(n)) for n in range(1, 6)]
        got.append(await desk.deliver(row(1)))  # the same again
        await asyncio.sleep(1.0)
        notify_mock.click(3, "Open dashboard")  # the digest's one button
        for _ in range(100):
            if clicked:
                break
            await asyncio.sleep(0.05)
        await desk.close()
        return got

    assert asyncio.run(scenario()) == ["sent", "sent", "held", "held", "held", "duplicate"]
    calls = notify_mock.wait_calls(3)
    assert [c["title"] for c in calls] == ["Price drop: record 1", "Price drop: record 2", "MusicTool: 3 notifications"]
    assert calls[2]["body"].splitlines() == ["Price drop: record 3", "Price drop: record 4", "Price drop: record 5"]
    assert list(calls[2]["actions"].values()) == ["Open dashboard"]
    assert clicked == [(None, "open_dashboard")]  # no single row behind a digest: the daemon opens the dashboard


def test_quiet_hours_hold_until_they_end(notify_mock: NotifyMock) -> None:
    start = datetime.now()
    end = start + timedelta(seconds=61)  # quiet_hours have minute precision: ends at the next whole minute
    quiet = parse_quiet_hours(f"{(start - timedelta(hours=1)):%H:%M}-{end:%H:%M}")
    offset = (end.replace(second=0, microsecond=0) - start).total_seconds() - 0.6

    def clock() -> datetime:  # a clock 0.6 s before the quiet hours end
        return datetime.now() + timedelta(seconds=offset)

    async def scenario() -> tuple[list[str], int]:
        desk = DesktopDelivery(True, Policy(quiet=quiet), clock=clock)
        got = [await desk.deliver(row(n)) for n in (1, 2)]
        during = len(notify_mock.calls())
        got.append(await desk.deliver(row(3, "test"), urgent=True))  # the test notification skips them
        await asyncio.sleep(1.2)
        await desk.close()
        return got, during

    got, during = asyncio.run(scenario())
    assert got == ["held", "held", "sent"] and during == 0
    titles = [c["title"] for c in notify_mock.wait_calls(2)]
    assert titles == ["Price drop: record 3", "MusicTool: 2 notifications"]

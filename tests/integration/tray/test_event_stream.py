"""The tray's event stream against a real daemon: a dropped connection resumes with Last-Event-ID (what
happened meanwhile arrives once, nothing twice), and a restarted daemon on a new port is found again."""

from __future__ import annotations

import threading
import time
from typing import Any

from musictool.cli.client import ApiClient
from musictool.home import Home
from musictool_tray.sse import EventStream, SseEvent, decode


def wait(pred: Any, timeout: float = 20.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if v := pred():
            return v
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_stream_resumes_and_follows_a_restart(daemon: Any) -> None:
    events: list[SseEvent] = []
    connects: list[float] = []
    losses: list[str] = []

    def connection() -> tuple[str, str | None]:
        client = ApiClient.from_home(Home(daemon.home))
        return client.base_url, client.token

    stream = EventStream(connection, events.append, lambda: connects.append(time.time()), losses.append)
    threading.Thread(target=stream.run, daemon=True).start()
    try:
        wait(lambda: connects)
        first = daemon.api().post("/notifications/test")["id"]
        wait(lambda: any(e.type == "notification" for e in events))

        # the connection drops; a notification arrives before the stream is back (0.5 s later)
        stream._conn.sock.shutdown(2)  # what a network hiccup does
        wait(lambda: losses)
        second = daemon.api().post("/notifications/test")["id"]
        wait(lambda: len(connects) == 2)
        wait(lambda: sum(e.type == "notification" for e in events) == 2)
        time.sleep(0.3)
        ids = [decode(e)["id"] for e in events if e.type == "notification"]
        assert ids == [first, second]  # replayed after Last-Event-ID: once, in order

        # the daemon restarts (port 0: a new port); the stream finds it through daemon.json
        daemon.stop()
        daemon.start()
        wait(lambda: len(connects) == 3)
        third = daemon.api().post("/notifications/test")["id"]
        wait(lambda: any(e.type == "notification" and decode(e)["id"] == third for e in events))
    finally:
        stream.stop()

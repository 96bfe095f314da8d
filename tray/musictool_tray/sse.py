"""A Server-Sent Events reader for GET /events that reconnects with Last-Event-ID.

It blocks on the socket (the server sends a keep-alive every 15 s), so an idle tray wakes up only when
something happens. When the daemon goes away it tries again after 0.5 s, then doubling up to 15 s, and
re-reads the port and token from the home folder each time, so a restarted daemon (new port, rotated
token) is found again.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
READ_TIMEOUT = 45.0  # three missed keep-alives: the connection is dead
MAX_BACKOFF = 15.0


@dataclass
class SseEvent:
    id: str | None
    type: str
    data: str


def parse(lines: Iterator[bytes]) -> Iterator[SseEvent | int]:
    """SSE framing: events, and `retry:` values (ints, milliseconds)."""
    event_id, etype, data = None, "message", []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data or event_id is not None:
                yield SseEvent(event_id, etype, "\n".join(data))
            event_id, etype, data = None, "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = value
        elif name == "event":
            etype = value
        elif name == "data":
            data.append(value)
        elif name == "retry" and value.isdigit():
            yield int(value)


class EventStream:
    """Runs in its own thread; calls on_connect(), on_event(event), on_disconnect(reason)."""

    def __init__(
        self,
        connection: Callable[[], tuple[str, str | None]],
        on_event: Callable[[SseEvent], None],
        on_connect: Callable[[], None],
        on_disconnect: Callable[[str], None],
    ) -> None:
        self.connection = connection  # -> (base URL of /api/v1, token), read afresh for every attempt
        self.on_event = on_event
        self.on_connect = on_connect
        self.on_disconnect = on_disconnect
        self.last_id: str | None = None
        self._stop = threading.Event()
        self._conn: http.client.HTTPConnection | None = None

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(2)

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._once()
                reason = "the daemon closed the stream"
                backoff = 0.5
            except (OSError, http.client.HTTPException, ValueError) as exc:
                reason = str(exc) or type(exc).__name__
            if self._stop.is_set():
                return
            self.on_disconnect(reason)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _once(self) -> None:
        base, token = self.connection()
        url = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=READ_TIMEOUT)
        self._conn = conn
        try:
            headers = {"Accept": "text/event-stream"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            conn.request("GET", url.path.rstrip("/") + "/events", headers=headers)
            resp = conn.getresponse()
            if resp.status != 200:
                raise ValueError(f"GET /events answered {resp.status}")
            self.on_connect()
            for item in parse(iter(resp.readline, b"")):
                if self._stop.is_set():
                    return
                if isinstance(item, SseEvent):
                    if item.id:
                        self.last_id = item.id
                    self.on_event(item)
        finally:
            self._conn = None
            conn.close()


def decode(event: SseEvent) -> dict[str, Any]:
    import json

    try:
        value = json.loads(event.data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

"""In-process publish/subscribe: feeds the SSE stream, notifications and components reacting to each other."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from musictool.redact import redact_data


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    data: dict[str, Any]
    at: float = field(default_factory=time.time)

    def sse(self) -> bytes:
        payload = json.dumps({"type": self.type, "at": self.at, **self.data}, default=str)
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n".encode()


class EventBus:
    """Events carry ids '<boot>-<n>' so a client resuming with Last-Event-ID after a restart gets everything kept."""

    def __init__(self, keep: int = 2000):
        self._boot = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)
        self._ring: deque[Event] = deque(maxlen=keep)
        self._queues: set[asyncio.Queue[Event | None]] = set()
        self._listeners: list[tuple[str | None, Callable[[Event], Any]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, type_: str, data: dict[str, Any] | None = None) -> Event:
        # every published text passes the one redaction: events go to SSE clients and the status ring
        event = Event(f"{self._boot}-{next(self._counter)}", type_, redact_data(dict(data or {})))
        self._ring.append(event)
        for q in list(self._queues):
            if q.qsize() < 10_000:  # a stalled client must not grow memory without bound
                q.put_nowait(event)
        for wanted, fn in list(self._listeners):
            if wanted is None or wanted == type_ or (wanted.endswith("*") and type_.startswith(wanted[:-1])):
                result = fn(event)
                if asyncio.iscoroutine(result):
                    asyncio.ensure_future(result)
        return event

    def publish_threadsafe(self, type_: str, data: dict[str, Any] | None = None) -> None:
        """For worker threads: hand the event to the loop."""
        assert self._loop is not None, "EventBus.bind(loop) first"
        self._loop.call_soon_threadsafe(self.publish, type_, data)

    def on(self, type_: str | None, fn: Callable[[Event], Any]) -> None:
        """Call fn(event) for every event of this type ('prefix.*' and None for all); async fns are scheduled."""
        self._listeners.append((type_, fn))

    def since(self, last_id: str | None) -> list[Event]:
        """Events after last_id; all kept ones if the id is unknown (older boot or evicted)."""
        if not last_id:
            return []
        ring = list(self._ring)
        for i, event in enumerate(ring):
            if event.id == last_id:
                return ring[i + 1 :]
        return ring

    def subscribe(self) -> asyncio.Queue[Event | None]:
        q: asyncio.Queue[Event | None] = asyncio.Queue()
        self._queues.add(q)
        return q

    def close(self) -> None:
        """Shutdown: every open stream gets None and ends now, not at its next keep-alive."""
        for q in list(self._queues):
            q.put_nowait(None)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def unsubscribe(self, q: asyncio.Queue[Event]) -> None:
        self._queues.discard(q)

    def recent(self, type_prefix: str, limit: int) -> list[Event]:
        return [e for e in self._ring if e.type.startswith(type_prefix)][-limit:]

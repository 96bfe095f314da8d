"""A process-wide request spacer for web services with a per-client rate limit.

Blocking clients (musicbrainzngs, pyacoustid) run in worker threads, and several jobs may call them at
once; one RateLimiter per service spaces every request of the process at least `interval` apart. A
server's "slow down" answer (503, 429) pauses all callers, not only the one that got it.
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, interval: float, name: str = "") -> None:
        self.interval = interval
        self.name = name
        self._lock = threading.Lock()
        self._next = 0.0  # monotonic time of the next free slot
        self.requests = 0
        self.waited = 0.0

    def acquire(self) -> float:
        """Block until this caller's slot; returns the seconds waited. Slots are reserved under the lock
        and slept outside it, so callers queue in order without holding the lock while sleeping."""
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self.interval
            self.requests += 1
        delay = at - now
        if delay > 0:
            time.sleep(delay)
        with self._lock:
            self.waited += max(delay, 0.0)
            # a busy machine can wake us late: the next slot counts from when this request really goes out
            self._next = max(self._next, time.monotonic() + self.interval)
        return delay

    def pause(self, seconds: float) -> None:
        """Hold every caller back for at least `seconds` from now (after a 503 / 429)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)

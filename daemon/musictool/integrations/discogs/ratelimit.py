"""One rate limiter for every Discogs request the daemon makes.

Discogs allows 60 authenticated requests per *moving* 60 s window per source IP and reports its own
count in X-Discogs-Ratelimit, -Used and -Remaining. We keep our own window of send times, adopt the
server's limit, and when the server counts more than we sent (another program on the same IP) we pad
our window so that we slow down too. A 429 or 5xx blocks every caller for a jittered, exponentially
growing pause. Callers are worker threads (python3-discogs-client is blocking), so this is a
thread-safe, blocking limiter; the event loop never waits on it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


class LimiterClosed(Exception):
    """The daemon is shutting down; waiting callers give up."""


@dataclass
class LimiterStats:
    sent: int = 0
    waited_seconds: float = 0.0
    backoffs: int = 0
    server_limit: int | None = None
    server_used: int | None = None
    server_remaining: int | None = None


class RateLimiter:
    """Moving-window limiter that follows the server's headers and backs off with jitter."""

    def __init__(
        self,
        limit: int = 60,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._stamps: deque[float] = deque()
        self._blocked_until = 0.0
        self._closed = threading.Event()
        self.stats = LimiterStats()

    @property
    def backoff_base(self) -> float:
        """The first pause after a 429/5xx: one request slot (1 s at 60/min)."""
        return self.window / max(self.limit, 1)

    def _prune(self, now: float) -> None:
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()

    def acquire(self) -> float:
        """Block until one more request fits in the window, count it as sent; returns its stamp."""
        while True:
            with self._lock:
                now = self._clock()
                self._prune(now)
                if now < self._blocked_until:
                    wait = self._blocked_until - now
                elif len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    self.stats.sent += 1
                    return now
                else:
                    wait = self._stamps[0] + self.window - now
            self.stats.waited_seconds += wait
            if self._closed.wait(max(wait, 0.001)):
                raise LimiterClosed("Discogs client closed")

    def complete(self, stamp: float) -> None:
        """Move a request's stamp to when its answer came: the server counted it somewhere in between,
        so timing the window from the answer never frees a slot before the server does."""
        with self._lock:
            now = self._clock()
            for i in range(len(self._stamps) - 1, -1, -1):
                if self._stamps[i] == stamp:
                    del self._stamps[i]
                    self._stamps.append(now)
                    break

    def observe(self, limit: str | int | None, used: str | int | None, remaining: str | int | None) -> None:
        """Follow the X-Discogs-Ratelimit* headers of a response (strings, as the library exposes them)."""
        with self._lock:
            try:
                lim = int(limit) if limit is not None else None
                use = int(used) if used is not None else None
                rem = int(remaining) if remaining is not None else None
            except ValueError:
                return
            self.stats.server_limit, self.stats.server_used, self.stats.server_remaining = lim, use, rem
            if lim and lim > 0:
                self.limit = lim
            if use is None and rem is not None and lim:
                use = lim - rem
            if use is not None:
                now = self._clock()
                self._prune(now)
                # the server saw more requests than we sent in this window: count them as ours
                for _ in range(max(0, min(use, self.limit) - len(self._stamps))):
                    self._stamps.append(now)

    def backoff(self, attempt: int) -> float:
        """Block everyone for a full-jitter exponential pause (attempt 0, 1, 2 ...); returns it."""
        ceiling = min(self.window, self.backoff_base * (2**attempt))
        delay = self._rng.uniform(ceiling / 2, ceiling)
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + delay)
            self.stats.backoffs += 1
        return delay

    def close(self) -> None:
        self._closed.set()

    def snapshot(self) -> dict[str, object]:
        """For /status: what we sent in the window and what the server last said."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            return {
                "limit": self.limit,
                "window_seconds": self.window,
                "used_in_window": len(self._stamps),
                "blocked_for": round(max(0.0, self._blocked_until - now), 3),
                "sent_total": self.stats.sent,
                "backoffs": self.stats.backoffs,
                "server": {
                    "limit": self.stats.server_limit,
                    "used": self.stats.server_used,
                    "remaining": self.stats.server_remaining,
                },
            }

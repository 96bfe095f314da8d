"""The shared limiter: moving window, following the server's headers, jittered backoff."""

from __future__ import annotations

import random
import threading

from musictool.integrations.discogs.ratelimit import RateLimiter


class Clock:
    """A fake monotonic clock; the limiter's waits advance it instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(limit: int = 5, window: float = 10.0) -> tuple[RateLimiter, Clock, list[float]]:
    clock = Clock()
    lim = RateLimiter(limit=limit, window=window, clock=clock, rng=random.Random(7))
    sent: list[float] = []

    class Closed(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:  # advance fake time instead of blocking
            clock.now += timeout or 0
            return False

    lim._closed = Closed()
    orig = lim.acquire

    def acquire() -> float:
        stamp = orig()
        sent.append(clock.now)
        return stamp

    lim.acquire = acquire  # type: ignore[method-assign]
    return lim, clock, sent


def max_in_window(times: list[float], window: float) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_never_more_than_limit_in_any_moving_window() -> None:
    lim, _, sent = make(limit=5, window=10.0)
    for _ in range(23):
        lim.acquire()
    assert max_in_window(sent, 10.0) == 5
    # 23 requests at 5 per 10 s: the last one goes out after 4 full windows
    assert sent[-1] - sent[0] >= 40.0


def test_server_limit_header_is_adopted() -> None:
    lim, _, sent = make(limit=60, window=10.0)
    lim.acquire()
    lim.observe("3", "1", "2")
    for _ in range(6):
        lim.acquire()
    assert lim.limit == 3
    assert max_in_window(sent, 10.0) == 3


def test_requests_seen_by_the_server_but_not_sent_by_us_slow_us_down() -> None:
    lim, clock, sent = make(limit=5, window=10.0)
    lim.acquire()
    start = clock.now
    lim.observe("5", "5", "0")  # another program on our IP used the other 4 slots
    lim.acquire()
    assert sent[-1] - start >= 10.0


def test_backoff_is_jittered_exponential_and_capped_at_the_window() -> None:
    lim, _, _ = make(limit=10, window=20.0)
    delays = [lim.backoff(a) for a in range(8)]
    base = lim.backoff_base  # 2 s
    for a, d in enumerate(delays):
        ceiling = min(20.0, base * 2**a)
        assert ceiling / 2 <= d <= ceiling
    assert len(set(delays)) == len(delays)  # jitter


def test_backoff_blocks_every_caller() -> None:
    lim, clock, sent = make(limit=10, window=20.0)
    lim.acquire()
    t0 = clock.now
    d = lim.backoff(2)
    lim.acquire()
    assert sent[-1] - t0 >= d - 1e-9
    snap = lim.snapshot()
    assert snap["backoffs"] == 1 and snap["sent_total"] == 2

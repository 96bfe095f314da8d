"""The tray's state and title from /status, and SSE framing (pure)."""

from __future__ import annotations

from musictool_tray.sse import SseEvent, parse
from musictool_tray.state import ATTENTION, DOWN, IDLE, PAUSED, WORKING, state_of, summary, title


def status(paused: bool = False, running: int = 0, queued: int = 0, attention: int = 0, discogs: str = "ok") -> dict:
    return {
        "jobs": {"paused": paused, "counts": {"running": running, "queued": queued}},
        "traktor": {"tracks": 1200},
        "discogs": {"state": discogs, "counts": {"releases": 40}},
        "library": {"digitization": {"missing": 12}},
        "notifications": {"unread": attention + 1, "attention": attention},
    }


def test_state_says_the_one_thing_most_worth_knowing() -> None:
    assert state_of(None) == DOWN
    assert state_of(summary(status())) == IDLE
    assert state_of(summary(status(queued=2))) == WORKING
    assert state_of(summary(status(paused=True, running=1))) == PAUSED
    assert state_of(summary(status(paused=True, attention=1))) == ATTENTION
    assert state_of(summary(status(discogs="auth_rejected"))) == ATTENTION


def test_title_sums_it_up() -> None:
    assert title(None) == "MusicTool: daemon not running"
    assert title(summary(status())) == "MusicTool: 1200 tracks, 40 records, 12 missing"
    assert (
        title(summary(status(paused=True, running=2, queued=3, attention=1)))
        == "MusicTool: 1200 tracks, 40 records, 12 missing, 2 running, 3 queued, jobs paused, 1 needs attention"
    )
    bare = {"jobs": {"paused": False, "counts": {}}}  # a daemon with no integrations configured
    assert title(summary(bare)) == "MusicTool: 0 tracks, 0 records, 0 missing"


def test_sse_framing() -> None:
    raw = [
        b"retry: 3000\n", b"\n",
        b": keep-alive\n", b"\n",
        b"id: a-1\n", b"event: notification\n", b'data: {"id": 1}\n', b"\n",
        b"id: a-2\r\n", b"event: job.queued\r\n", b"data: line1\r\n", b"data:line2\r\n", b"\r\n",
    ]
    assert list(parse(iter(raw))) == [
        3000,
        SseEvent("a-1", "notification", '{"id": 1}'),
        SseEvent("a-2", "job.queued", "line1\nline2"),
    ]

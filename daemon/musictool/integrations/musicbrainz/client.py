"""MusicBrainz WS/2 through musicbrainzngs, run in worker threads.

musicbrainzngs keeps its host, scheme and User-Agent in module globals, retries 500/502/503 itself up to
8 times with sleeps of 2..14 s (56 s in all, the count bound as a default argument at import time), and
has its own limiter. We set the globals under one lock for each request, turn the library's limiter and
retry loop off, and do both ourselves with ONE process-wide RateLimiter (1 request/s for every job),
so a 503 pauses every caller and a job is never stuck in a hidden minute-long sleep.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import musicbrainzngs
from musicbrainzngs import musicbrainz as _mb

from musictool.enrich.limiter import RateLimiter
from musictool.enrich.worker import SerialWorker
from musictool.model.musicbrainz import MBRecording, MBRelease
from musictool.redact import redact

log = logging.getLogger(__name__)

# MusicBrainz allows 1 request/s on average per client; a little margin keeps loopback and scheduling
# jitter from ever making two requests arrive closer than a second.
MIN_INTERVAL = 1.05
LIMITER = RateLimiter(MIN_INTERVAL, "musicbrainz")
_LOCK = threading.Lock()  # musicbrainzngs' configuration is module-global
WORKER = SerialWorker("musicbrainz")  # requests are serial anyway (1/s); see enrich/worker.py
RECORDING_INCLUDES = ["artist-credits", "releases", "isrcs", "tags"]


class _TimeoutOpener:
    """musicbrainzngs opens URLs without a timeout, so a stalled server would hold a worker thread (and
    the daemon's shutdown) forever; this opener gives every request the client's timeout."""

    timeout = 30.0

    def __init__(self, opener: urllib.request.OpenerDirector) -> None:
        self._opener = opener

    def open(self, req: Any, data: Any = None) -> Any:
        return self._opener.open(req, data, timeout=_TimeoutOpener.timeout)


def _build_opener(*handlers: Any) -> _TimeoutOpener:
    return _TimeoutOpener(urllib.request.build_opener(*handlers))


class MusicBrainzError(Exception):
    """A request MusicBrainz refused for good (bad request, bad configuration)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class MusicBrainzUnavailable(MusicBrainzError):
    """MusicBrainz is overloaded or unreachable; worth retrying later."""

    def __init__(self, message: str, retry_after: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_release(d: dict[str, Any]) -> MBRelease:
    rg = d.get("release-group") or {}
    return MBRelease(
        id=d["id"],
        title=d.get("title"),
        date=d.get("date"),
        country=d.get("country"),
        status=d.get("status"),
        release_group_id=rg.get("id"),
        release_group_title=rg.get("title"),
        release_group_type=rg.get("primary-type") or rg.get("type"),
        first_release_date=rg.get("first-release-date"),
    )


def parse_recording(d: dict[str, Any]) -> MBRecording:
    """musicbrainzngs' recording dict -> MBRecording."""
    credit = d.get("artist-credit") or []
    artist_ids = [c["artist"]["id"] for c in credit if isinstance(c, dict) and "artist" in c]
    length = d.get("length")
    score = d.get("ext:score")
    return MBRecording(
        id=d["id"],
        title=d.get("title"),
        artist=d.get("artist-credit-phrase") or None,
        artist_ids=artist_ids,
        length_ms=int(length) if length not in (None, "") else None,
        isrcs=list(d.get("isrc-list") or []),
        tags=[
            {"name": t.get("name"), "count": int(t.get("count") or 0)}
            for t in d.get("tag-list") or []
            if t.get("name")
        ],
        releases=[parse_release(r) for r in d.get("release-list") or []],
        score=int(score) if score not in (None, "") else None,
    )


def _http_code(exc: BaseException) -> int | None:
    cause = getattr(exc, "cause", None)
    return getattr(cause, "code", None)


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "cause", None), "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class MusicBrainzClient:
    """Blocking client: from async code use `await client.run(client.method, ...)` (its own thread)."""

    def __init__(
        self,
        base_url: str,
        version: str,
        contact: str,
        *,
        limiter: RateLimiter = LIMITER,
        attempts: int = 4,
        backoff: float = 2.0,
        timeout: float = 20.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MusicBrainzError(f"[musicbrainz] base_url must be an http(s) URL, not {base_url!r}")
        if parts.path.rstrip("/") not in ("", "/ws/2"):
            raise MusicBrainzError(
                f"[musicbrainz] base_url {base_url!r}: give the server only (the /ws/2/ path is fixed)"
            )
        self.host = parts.netloc
        self.https = parts.scheme == "https"
        self.version = version
        self.contact = contact
        self.limiter = limiter
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Await a blocking method of this client (e.g. `await mb.run(mb.recording, mbid)`)."""
        return await WORKER.run(fn, *args, **kwargs)

    @property
    def user_agent(self) -> str:
        """What MusicBrainz asks for: application/version ( contact )."""
        return f"MusicTool/{self.version} ( {self.contact} )"

    def _configure(self) -> None:
        musicbrainzngs.set_useragent("MusicTool", self.version, self.contact)
        _mb._useragent = self.user_agent  # without the library's own token in the middle
        musicbrainzngs.set_hostname(self.host, use_https=self.https)
        musicbrainzngs.set_rate_limit(False)  # our LIMITER spaces requests
        # one try per call: the 503 back-off is ours (see the module docstring)
        _mb._safe_read.__defaults__ = (None, 1, 0.0)
        _mb.compat.build_opener = _build_opener
        _TimeoutOpener.timeout = self.timeout

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one musicbrainzngs call under the limiter; None for 404; back off and retry on 5xx."""
        last = ""
        for attempt in range(self.attempts):
            with _LOCK:
                self.limiter.acquire()
                self._configure()
                try:
                    return fn(*args, **kwargs)
                except musicbrainzngs.ResponseError as exc:
                    code = _http_code(exc)
                    if code == 404:
                        return None
                    raise MusicBrainzError(f"MusicBrainz refused {what}: HTTP {code} ({exc.cause})") from exc
                except musicbrainzngs.AuthenticationError as exc:
                    raise MusicBrainzError(f"MusicBrainz refused {what}: authentication required") from exc
                except musicbrainzngs.NetworkError as exc:
                    code = _http_code(exc)
                    if code is None:  # connection refused, DNS, timeout: not a rate problem
                        raise MusicBrainzUnavailable(
                            f"MusicBrainz at {self.host} is unreachable or too slow ({exc.cause or exc})",
                            retry_after=60,
                        ) from exc
                    wait = _retry_after(exc) or self.backoff * (2**attempt)
                    last = f"HTTP {code}"
                    log.info("MusicBrainz answered %s to %s; backing off %.1f s", code, what, wait)
                    self.limiter.pause(wait)
                except musicbrainzngs.WebServiceError as exc:
                    raise MusicBrainzError(f"MusicBrainz {what} failed: {exc}") from exc
        raise MusicBrainzUnavailable(
            f"MusicBrainz still answers {last} to {what} after {self.attempts} attempts",
            retry_after=self.backoff * (2**self.attempts),
        )

    # lookups -----------------------------------------------------------------------------------------
    def recordings_by_isrc(self, isrc: str) -> list[MBRecording]:
        """Recordings carrying this ISRC (usually one); [] when MusicBrainz does not know it."""
        data = self._call(
            f"ISRC {isrc}", musicbrainzngs.get_recordings_by_isrc, isrc, includes=["artists", "releases"]
        )
        if not data:
            return []
        return [parse_recording(r) for r in data["isrc"].get("recording-list", [])]

    def recording(self, mbid: str) -> MBRecording | None:
        """A recording with artist credits, releases, ISRCs and tags; None when unknown."""
        data = self._call(
            f"recording {mbid}", musicbrainzngs.get_recording_by_id, mbid, includes=RECORDING_INCLUDES
        )
        return parse_recording(data["recording"]) if data else None

    def release(self, mbid: str) -> MBRelease | None:
        """A release with its release group (for the album, year and cover art)."""
        data = self._call(
            f"release {mbid}", musicbrainzngs.get_release_by_id, mbid, includes=["release-groups"]
        )
        return parse_release(data["release"]) if data else None

    def search(self, artist: str, title: str, limit: int = 5) -> list[MBRecording]:
        """Recording search by artist and title, best first (each with its 0..100 score)."""
        fields = {"recording": title}
        if artist:
            fields["artist"] = artist
        data = self._call(
            f"search {artist!r} - {title!r}", musicbrainzngs.search_recordings, limit=limit, **fields
        )
        if not data:
            return []
        return [parse_recording(r) for r in data.get("recording-list", [])]

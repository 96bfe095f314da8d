"""AcoustID lookups through pyacoustid, in worker threads, at most 3 requests/s for the whole process.

pyacoustid keeps the service URL in a module global (set_base_url), POSTs a gzip-compressed form for
http:// URLs, and returns the error JSON as a plain dict (its own parse_lookup_result then hides the
server's message behind "status: error"). We read the error body ourselves so that an invalid API key
says so, and map the codes to "fix your config" versus "try again later".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import acoustid

from musictool.enrich.limiter import RateLimiter
from musictool.enrich.worker import SerialWorker
from musictool.redact import redact

# "Do not make more than 3 requests per second". Slots are 0.4 s apart: the margin absorbs set-up
# time that varies between requests (pyacoustid builds a session and gzips the body each time) and
# thread scheduling on a busy machine, so four requests never land within one second at the server.
MIN_INTERVAL = 0.4
LIMITER = RateLimiter(MIN_INTERVAL, "acoustid")
_LOCK = threading.Lock()  # pyacoustid's base URL is module-global
WORKER = SerialWorker("acoustid")  # lookups are serial anyway; see enrich/worker.py
META = ("recordings", "releasegroups")
# server error codes (acoustid-server api/errors.py) that retrying later can cure
RETRYABLE_CODES = {5, 13, 14}  # internal error, service unavailable, too many requests
KEY_CODES = {4, 6, 17}  # invalid API key, invalid user key, unknown application


class AcoustIDError(Exception):
    """AcoustID refused the request; `code` is the server's error code when it sent one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(redact(message))  # the key travels in the URL (client=)
        self.code = code


class AcoustIDKeyError(AcoustIDError):
    """The configured API key is missing or rejected: the user has to fix [acoustid] api_key."""


class AcoustIDUnavailable(AcoustIDError):
    """Overloaded, rate-limited or unreachable; worth retrying later."""

    def __init__(self, message: str, code: int | None = None, retry_after: float = 30.0) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


@dataclass
class AcoustIDRecording:
    id: str  # MusicBrainz recording MBID
    title: str | None = None
    artist: str | None = None
    artist_ids: list[str] = field(default_factory=list)
    duration: float | None = None
    release_groups: list[dict[str, Any]] = field(default_factory=list)  # {id, title, type}


@dataclass
class AcoustIDResult:
    id: str  # the AcoustID track id
    score: float
    recordings: list[AcoustIDRecording] = field(default_factory=list)


def parse_results(data: dict[str, Any]) -> list[AcoustIDResult]:
    """An "ok" lookup body -> results, best score first (results without recordings kept: the AcoustID
    id alone is still worth storing)."""
    out = []
    for r in data.get("results") or []:
        recs = []
        for rec in r.get("recordings") or []:
            artists = rec.get("artists") or []
            name = "".join(a.get("name", "") + a.get("joinphrase", "") for a in artists) or None
            recs.append(
                AcoustIDRecording(
                    id=rec["id"],
                    title=rec.get("title"),
                    artist=name,
                    artist_ids=[a["id"] for a in artists if "id" in a],
                    duration=float(rec["duration"]) if rec.get("duration") is not None else None,
                    release_groups=[
                        {"id": g.get("id"), "title": g.get("title"), "type": g.get("type")}
                        for g in rec.get("releasegroups") or []
                    ],
                )
            )
        out.append(AcoustIDResult(id=r["id"], score=float(r.get("score") or 0.0), recordings=recs))
    out.sort(key=lambda r: -r.score)
    return out


def best_recording(
    results: list[AcoustIDResult], duration: float | None = None
) -> tuple[AcoustIDResult, AcoustIDRecording] | None:
    """The best-scored result that names a recording, and within it the recording whose length is
    closest to the file's (one fingerprint can be linked to an edit and an extended mix)."""
    for result in results:
        if not result.recordings:
            continue
        recs = result.recordings
        if duration is not None:
            recs = sorted(recs, key=lambda r: abs((r.duration or duration) - duration))
        return result, recs[0]
    return None


class AcoustIDClient:
    """Blocking client: from async code use `await client.run(client.lookup, fp, duration)`."""

    def __init__(
        self, base_url: str, api_key: str | None, *, limiter: RateLimiter = LIMITER, timeout: float = 20.0
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise AcoustIDError(f"[acoustid] base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/") + "/"
        self.api_key = api_key
        self.limiter = limiter
        self.timeout = timeout

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Await a blocking method on the client's own thread (waiting lookups do not hold pool threads)."""
        return await WORKER.run(fn, *args)

    def lookup(self, fingerprint: str, duration: float) -> list[AcoustIDResult]:
        if not self.api_key:
            raise AcoustIDKeyError(
                "no AcoustID API key: set [acoustid] api_key in config.toml (free at acoustid.org)"
            )
        with _LOCK:
            self.limiter.acquire()
            acoustid.set_base_url(self.base_url)
            # pyacoustid's own spacing (REQUEST_INTERVAL, time of its last call) would stack on ours and
            # shift requests unpredictably; ours is the one limiter (0 disables theirs, as documented)
            acoustid.REQUEST_INTERVAL = 0.0
            try:
                data = acoustid.lookup(
                    self.api_key, fingerprint, max(1, round(duration)), meta=list(META), timeout=self.timeout
                )
            except acoustid.WebServiceError as exc:
                raise AcoustIDUnavailable(f"AcoustID at {self.base_url} failed: {exc}") from exc
        if not isinstance(data, dict):
            raise AcoustIDUnavailable(f"AcoustID answered something that is not a lookup: {data!r:.200}")
        if data.get("status") == "ok":
            return parse_results(data)
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code, message = error.get("code"), error.get("message") or "no message"
        if code in KEY_CODES:
            raise AcoustIDKeyError(f"AcoustID rejected [acoustid] api_key: {message} (code {code})", code)
        if code in RETRYABLE_CODES:
            if code == 14:
                self.limiter.pause(1.0)
            raise AcoustIDUnavailable(f"AcoustID: {message} (code {code})", code, retry_after=30.0)
        raise AcoustIDError(f"AcoustID refused the lookup: {message} (code {code})", code)

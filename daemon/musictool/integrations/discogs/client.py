"""python3-discogs-client behind one rate limiter, in worker threads.

The library is blocking and lazy (touching a missing attribute costs a GET), so every call here builds
the library objects with the URLs they need already filled in and reads raw `.data`: one method, one
request. Its own 429 backoff (up to 100 blind retries) is disabled; instead the fetcher is wrapped so
that every HTTP request, including any the library makes on its own, goes through the shared
RateLimiter, follows the X-Discogs-Ratelimit* headers and retries 429/5xx/timeouts a few times with
jittered backoff before giving up with DiscogsUnavailable (the job is retried later).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import discogs_client
import requests
from discogs_client import models
from discogs_client.exceptions import DiscogsAPIError, HTTPError

from musictool.integrations.discogs.ratelimit import LimiterClosed, RateLimiter
from musictool.redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")


class DiscogsError(Exception):
    """A Discogs call failed; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(redact(message))  # the library puts the token in the URL (?token=)
        self.status = status


class DiscogsAuthError(DiscogsError):
    """401: the token is missing, wrong or revoked. Retrying will not help."""


class DiscogsNotFound(DiscogsError):
    """404 for this one resource."""


class DiscogsUnavailable(DiscogsError):
    """Network down, timeouts, 5xx or 429 after our retries: try the job again later."""


@dataclass(frozen=True)
class Retries:
    """Attempts per request before giving up (the job queue retries the whole job later)."""

    on_429: int = 8
    on_5xx: int = 3
    on_network: int = 2


class _GuardedFetcher:
    """Wraps the library's fetcher: limiter before each request, headers and retries after."""

    def __init__(self, inner: Any, limiter: RateLimiter, retries: Retries) -> None:
        self.inner = inner
        self.limiter = limiter
        self.retries = retries
        self.backoff_enabled = False
        self.sent = 0

    # the Client reads these through its fetcher
    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def fetch(
        self,
        client: Any,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        json_format: bool = True,
    ) -> tuple[bytes, int]:
        n429 = n5xx = nnet = 0
        while True:
            stamp = self.limiter.acquire()
            self.sent += 1
            try:
                content, status = self.inner.fetch(client, method, url, data, headers, json_format)
            except requests.RequestException as exc:
                self.limiter.complete(stamp)
                if nnet >= self.retries.on_network:
                    raise DiscogsUnavailable(f"Discogs unreachable: {type(exc).__name__}: {exc}") from exc
                delay = self.limiter.backoff(nnet)
                nnet += 1
                log.warning(
                    "discogs %s %s: %s; retrying in %.1f s", method, _strip(url), type(exc).__name__, delay
                )
                continue
            self.limiter.complete(stamp)
            self.limiter.observe(
                self.inner.rate_limit, self.inner.rate_limit_used, self.inner.rate_limit_remaining
            )
            if status == 429:
                if n429 >= self.retries.on_429:
                    raise DiscogsUnavailable("Discogs keeps answering 429 (rate limited)", 429)
                delay = self.limiter.backoff(n429)
                n429 += 1
                log.info("discogs 429 on %s; pausing %.1f s", _strip(url), delay)
                continue
            if status >= 500:
                if n5xx >= self.retries.on_5xx:
                    raise DiscogsUnavailable(f"Discogs answered {status}", status)
                delay = self.limiter.backoff(n5xx)
                n5xx += 1
                log.warning("discogs %s on %s; retrying in %.1f s", status, _strip(url), delay)
                continue
            return content, status


def _strip(url: str) -> str:
    return url.split("?", 1)[0]


class DiscogsClient:
    """The daemon's Discogs API: one instance per process, shared by sync, prices and new releases."""

    def __init__(
        self,
        user_agent: str,
        token: str | None,
        base_url: str = "https://api.discogs.com",
        timeout: float = 20.0,
        limiter: RateLimiter | None = None,
        retries: Retries | None = None,
    ) -> None:
        self.limiter = limiter or RateLimiter()
        self.base_url = base_url.rstrip("/")
        self._client = (
            discogs_client.Client(user_agent, user_token=token)
            if token
            else discogs_client.Client(user_agent)
        )
        self._client._base_url = self.base_url
        self._client.set_timeout(connect=timeout, read=timeout)
        self._client.backoff_enabled = False
        self._fetcher = _GuardedFetcher(self._client._fetcher, self.limiter, retries or Retries())
        self._client._fetcher = self._fetcher
        self.has_token = bool(token)

    @property
    def requests_sent(self) -> int:
        return self._fetcher.sent

    def close(self) -> None:
        self.limiter.close()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._call, fn, *args)

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        except HTTPError as exc:
            status = exc.status_code
            message = str(exc.msg)
            if status == 401:
                raise DiscogsAuthError(message, 401) from exc
            if status == 404:
                raise DiscogsNotFound(message, 404) from exc
            raise DiscogsError(message, status) from exc
        except LimiterClosed as exc:
            raise DiscogsUnavailable("shutting down") from exc
        except DiscogsAPIError as exc:  # malformed body, too many attempts, ...
            raise DiscogsUnavailable(f"bad answer from Discogs: {exc}") from exc
        except requests.RequestException as exc:
            raise DiscogsUnavailable(f"Discogs unreachable: {exc}") from exc

    # -- blocking bodies (run in a worker thread) ------------------------------------------------------
    def _user_url(self, username: str) -> str:
        return f"{self.base_url}/users/{quote(username)}"

    def _page(
        self, url: str, key: str, page: int, per_page: int, sort: str | None, order: str
    ) -> dict[str, Any]:
        lst = models.PaginatedList(self._client, url, key, dict)
        lst.per_page = per_page
        if sort:
            lst.sort(sort, order)
        body = self._client._get(lst._url_for_page(page))
        return {
            "items": body.get(key) or [],
            "pages": body["pagination"]["pages"],
            "total": body["pagination"]["items"],
            "page": page,
        }

    def _folders(self, username: str) -> list[dict[str, Any]]:
        user = models.User(
            self._client,
            {
                "username": username,
                "collection_folders_url": f"{self._user_url(username)}/collection/folders",
            },
        )
        return [f.data for f in user.collection_folders]

    def _release(self, release_id: int) -> dict[str, Any]:
        release = self._client.release(release_id)
        release.refresh()
        return release.data

    def _wantlist(self, username: str) -> models.Wantlist:
        return models.Wantlist(
            self._client, f"{self._user_url(username)}/wants", "wants", models.WantlistItem
        )

    def _stats(self, release_id: int, currency: str | None) -> dict[str, Any]:
        stats = models.MarketplaceStats(self._client, {"id": release_id})
        if currency:
            stats.data["resource_url"] += f"?curr_abbr={quote(currency)}"
        stats.refresh()
        return {k: v for k, v in stats.data.items() if k not in ("id", "resource_url")}

    def _suggestions(self, release_id: int) -> dict[str, Any]:
        sug = models.PriceSuggestions(self._client, {"id": release_id})
        sug.refresh()
        return {k: v for k, v in sug.data.items() if k not in ("id", "resource_url")}

    # -- async API: each is exactly one HTTP request unless retried ------------------------------------------
    async def folders(self, username: str) -> list[dict[str, Any]]:
        """GET /users/{u}/collection/folders: [{id, name, count}]."""
        return await self._run(self._folders, username)

    async def collection_page(
        self, username: str, page: int, per_page: int = 100, order: str = "desc", folder_id: int = 0
    ) -> dict[str, Any]:
        """One page of a folder sorted by date added: {items, pages, total, page}."""
        url = f"{self._user_url(username)}/collection/folders/{folder_id}/releases"
        return await self._run(self._page, url, "releases", page, per_page, "added", order)

    async def wants_page(self, username: str, page: int, per_page: int = 100) -> dict[str, Any]:
        return await self._run(
            self._page, f"{self._user_url(username)}/wants", "wants", page, per_page, None, "asc"
        )

    async def release(self, release_id: int) -> dict[str, Any]:
        """GET /releases/{id}: the full body with tracklist."""
        return await self._run(self._release, release_id)

    async def add_want(
        self, username: str, release_id: int, notes: str | None = None, rating: int | None = None
    ) -> None:
        """PUT /users/{u}/wants/{id}: adds to (or updates) the real wantlist."""
        await self._run(lambda: self._wantlist(username).add(release_id, notes=notes, rating=rating))

    async def remove_want(self, username: str, release_id: int) -> None:
        """DELETE /users/{u}/wants/{id}."""
        await self._run(lambda: self._wantlist(username).remove(release_id))

    async def marketplace_stats(self, release_id: int, currency: str | None = None) -> dict[str, Any]:
        """{lowest_price: {currency, value} | None, num_for_sale: int | None, blocked_from_sale}."""
        return await self._run(self._stats, release_id, currency)

    async def price_suggestions(self, release_id: int) -> dict[str, Any]:
        """{condition: {currency, value}}; {} when Discogs has none (needs seller settings)."""
        return await self._run(self._suggestions, release_id)

    async def artist_releases(self, artist_id: int, page: int = 1, per_page: int = 100) -> dict[str, Any]:
        url = f"{self.base_url}/artists/{artist_id}/releases"
        return await self._run(self._page, url, "releases", page, per_page, "year", "desc")

    async def label_releases(self, label_id: int, page: int = 1, per_page: int = 100) -> dict[str, Any]:
        url = f"{self.base_url}/labels/{label_id}/releases"
        return await self._run(self._page, url, "releases", page, per_page, None, "asc")

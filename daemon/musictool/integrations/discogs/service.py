"""The Discogs side of the daemon: one client and limiter, the job handlers, status and auth state.

Failures map to the job queue's terms: network down, timeouts, 5xx and 429 storms are RetryableError
(the job is retried after `retry_delay`, nothing stored is touched); a rejected token is a
PermanentError plus one notification and a clear /status entry, and scheduled jobs stop calling
Discogs with that token (no retry storm) until the token in config.toml changes or the user asks for
a sync by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from musictool.integrations.discogs import csv_export, mapping
from musictool.integrations.discogs.client import (
    DiscogsAuthError,
    DiscogsClient,
    DiscogsError,
    DiscogsUnavailable,
)
from musictool.integrations.discogs.marketplace import PriceSettings, PriceWatcher
from musictool.integrations.discogs.new_releases import NewReleaseWatcher, WatchSettings
from musictool.integrations.discogs.ratelimit import RateLimiter
from musictool.integrations.discogs.sync import LAST_FULL_KEY, LAST_SYNC_KEY, CollectionSync, SyncSettings
from musictool.jobs import PermanentError, RetryableError
from musictool.redact import redact
from musictool.store import discogs as store
from musictool.store import kv, timeline

log = logging.getLogger(__name__)
AUTH_KEY = "discogs.auth"
ERROR_KEY = "discogs.last_error"

DEFAULTS: dict[str, Any] = {
    "rate_limit": 60,
    "rate_window": 60.0,
    "currency": "USD",
    "details_ttl_days": 180,
    "reconcile_interval": 86_400,
    "refresh_per_run": 25,
    "retry_delay": 300,
    "prices_interval": 3600,
    "prices_per_run": 20,
    "price_drop_percent": 10.0,
    "new_releases_interval": 86_400,
    "top_artists": 10,
    "top_labels": 10,
    "follow_artists": [],
    "follow_labels": [],
}


def setting(cfg: dict[str, Any], key: str) -> Any:
    """A [discogs] key, falling back to our default if the schema does not declare it (yet)."""
    value = cfg.get(key)
    return DEFAULTS.get(key) if value is None else value


class DiscogsService:
    def __init__(
        self, cfg: dict[str, Any], db: Any, events: Any, notify: Callable[..., Awaitable[Any]], version: str
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.events = events
        self.notify = notify
        self.username: str | None = cfg.get("username") or None
        self.token: str | None = cfg.get("token") or None
        self.token_fp = hashlib.sha256((self.token or "").encode()).hexdigest()[:12]
        self.limiter = RateLimiter(
            limit=int(setting(cfg, "rate_limit")), window=float(setting(cfg, "rate_window"))
        )
        self.client = DiscogsClient(
            f"MusicTool/{version}",
            self.token,
            cfg.get("base_url") or "https://api.discogs.com",
            timeout=float(cfg.get("timeout") or 20.0),
            limiter=self.limiter,
        )
        self.sync = CollectionSync(
            db,
            self.client,
            SyncSettings(
                username=self.username or "",
                details_ttl_days=float(setting(cfg, "details_ttl_days")),
                reconcile_interval=float(setting(cfg, "reconcile_interval")),
                refresh_per_run=int(setting(cfg, "refresh_per_run")),
            ),
            events,
        )
        self.prices = PriceWatcher(
            db,
            self.client,
            PriceSettings(
                currency=str(setting(cfg, "currency")),
                per_run=int(setting(cfg, "prices_per_run")),
                drop_percent=float(setting(cfg, "price_drop_percent")),
            ),
            notify,
        )
        self.watch = NewReleaseWatcher(
            db,
            self.client,
            WatchSettings(
                top_artists=int(setting(cfg, "top_artists")),
                top_labels=int(setting(cfg, "top_labels")),
                follow_artists=[int(x) for x in setting(cfg, "follow_artists")],
                follow_labels=[int(x) for x in setting(cfg, "follow_labels")],
            ),
            notify,
            events,
        )

    @property
    def configured(self) -> bool:
        return bool(self.username)

    async def close(self) -> None:
        self.client.close()

    # -- job handlers ---------------------------------------------------------------------------------
    async def handle_sync(self, job: Any) -> dict[str, Any] | None:
        return await self._guarded(job, self.sync.run)

    async def handle_prices(self, job: Any) -> dict[str, Any] | None:
        return await self._guarded(job, self.prices.run)

    async def handle_new_releases(self, job: Any) -> dict[str, Any] | None:
        return await self._guarded(job, self.watch.run)

    async def handle_details(self, job: Any) -> dict[str, Any] | None:
        """Tracklists for releases known without one (an export import): public data, so no user is needed."""
        return await self._guarded(job, self._details, need_user=False)

    async def _details(self, job: Any) -> dict[str, Any]:
        fetched = await self.sync._details(job, refresh=0)
        result = {"details": fetched, "mode": "details"}
        if self.events is not None and fetched:
            self.events.publish("discogs.synced", result)  # matching picks the new tracklists up
        return result

    async def import_export(self, text: str) -> dict[str, Any]:
        """Load a Discogs collection export (CSV) as the collection; raises csv_export.ExportError when the
        text is not one. Bad rows come back in "errors" with their line numbers; the rest is stored."""
        parsed = await asyncio.to_thread(csv_export.parse, text)
        counts = {"added": 0, "updated": 0, "already_synced": 0}
        if parsed.copies:
            counts = await store.import_copies(
                self.db, parsed.releases, parsed.copies, parsed.folders, mapping.now_iso()
            )
            await timeline.add(
                self.db,
                "discogs",
                "collection.imported",
                f"Discogs export imported: {len(parsed.copies)} records"
                + (f", {len(parsed.errors)} bad rows skipped" if parsed.errors else ""),
                {"rows": parsed.rows, **counts, "errors": len(parsed.errors)},
            )
        return {"rows": parsed.rows, "imported": len(parsed.copies), **counts, "errors": parsed.errors}

    async def _guarded(
        self, job: Any, fn: Callable[[Any], Awaitable[dict[str, Any]]], need_user: bool = True
    ) -> dict[str, Any] | None:
        if need_user and not self.configured:
            raise PermanentError("Discogs is not configured: set [discogs] username and token in config.toml")
        auth = await kv.get(self.db, AUTH_KEY, {})
        if (
            auth.get("state") == "rejected"
            and auth.get("token_fp") == self.token_fp
            and not job.payload.get("manual")
        ):
            return {"skipped": "the Discogs token was rejected; fix [discogs] token or run a sync by hand"}
        try:
            result = await fn(job)
        except DiscogsAuthError as exc:
            await self._auth_rejected(redact(str(exc)))
            raise PermanentError(f"Discogs rejected the token (401): {exc}") from exc
        except DiscogsUnavailable as exc:
            await self._record_error(job.kind, exc)
            raise RetryableError(str(exc), retry_after=float(setting(self.cfg, "retry_delay"))) from exc
        except DiscogsError as exc:
            await self._record_error(job.kind, exc)
            raise PermanentError(f"Discogs answered {exc.status}: {exc}") from exc
        if auth.get("state") != "ok" or auth.get("token_fp") != self.token_fp:
            await kv.set(self.db, AUTH_KEY, {"state": "ok", "token_fp": self.token_fp})
        last_error = await kv.get(self.db, ERROR_KEY)
        if last_error and last_error.get("kind") == job.kind:
            await kv.set(self.db, ERROR_KEY, None)  # recovered
        return result

    async def _record_error(self, kind: str, exc: DiscogsError) -> None:
        """discogs.last_error (shown by GET /status): redacted like every error text."""
        await kv.set(self.db, ERROR_KEY, {"kind": kind, "message": redact(str(exc)), "status": exc.status})

    async def _auth_rejected(self, message: str) -> None:
        await kv.set(self.db, AUTH_KEY, {"state": "rejected", "token_fp": self.token_fp, "message": message})
        await self.notify(
            "discogs.auth",
            "Discogs rejected your token",
            "MusicTool cannot read your Discogs collection: the personal access token in config.toml "
            "([discogs] token) was refused (401). Create a new one at discogs.com > Settings > Developers "
            "and restart the daemon.",
            {"status": 401, "message": message},
            dedupe_key=f"discogs.auth_rejected:{self.token_fp}",
        )

    # -- status -----------------------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        if not self.configured:
            return {
                "configured": False,
                "state": "not_configured",
                "message": "set [discogs] username and token in config.toml",
                "counts": await store.counts(self.db),  # what an export import brought
            }
        auth = await kv.get(self.db, AUTH_KEY, {})
        state, message = "ok", None
        if auth.get("token_fp") != self.token_fp:
            state = "unknown"
        elif auth.get("state") == "rejected":
            state, message = "auth_failed", "Discogs rejected the token (401); set a new [discogs] token"
        if not self.token and state != "auth_failed":
            message = "no token: only public data, 25 requests per minute"
        return {
            "configured": True,
            "username": self.username,
            "state": state,
            "message": message,
            "counts": await store.counts(self.db),
            "last_sync": await kv.get(self.db, LAST_SYNC_KEY),
            "last_full_sync": await kv.get(self.db, LAST_FULL_KEY),
            "last_error": await kv.get(self.db, ERROR_KEY),
            "rate_limit": self.limiter.snapshot(),
        }

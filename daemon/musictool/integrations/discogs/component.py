"""Plugs Discogs into the daemon: job kinds, schedules, /status entry, shutdown."""

from __future__ import annotations

from typing import Any

from musictool.integrations.discogs.service import DiscogsService, setting

_services: dict[int, DiscogsService] = {}


def _next_run(ctx: Any, name: str) -> str | None:
    job = ctx.scheduler.get_job(name)
    when = getattr(job, "next_run_time", None) if job else None
    return when.isoformat() if when else None


def service_of(ctx: Any) -> DiscogsService:
    """The DiscogsService of this AppContext (routes use it to reach the client)."""
    return _services[id(ctx)]


async def setup(ctx: Any) -> None:
    cfg = ctx.config.section("discogs")
    svc = DiscogsService(cfg, ctx.db, ctx.events, ctx.notify, ctx.version)
    _services[id(ctx)] = svc

    async def status() -> dict[str, Any]:
        body = await svc.status()
        if svc.configured:
            body["next_runs"] = {
                name: _next_run(ctx, name)
                for name in ("discogs.sync", "discogs.prices", "discogs.new_releases")
            }
        return body

    ctx.status_providers["discogs"] = status
    ctx.queue.register("discogs.sync", svc.handle_sync, resource="discogs")
    ctx.queue.register("discogs.details", svc.handle_details, resource="discogs")
    ctx.queue.register("discogs.prices", svc.handle_prices, resource="discogs")
    ctx.queue.register("discogs.new_releases", svc.handle_new_releases, resource="discogs")
    if svc.configured:
        ctx.schedule_interval("discogs.sync", cfg.get("poll_interval") or 0, "discogs.sync", {"mode": "auto"})
        ctx.schedule_interval(
            "discogs.prices", setting(cfg, "prices_interval"), "discogs.prices", first_in=120
        )
        ctx.schedule_interval(
            "discogs.new_releases",
            setting(cfg, "new_releases_interval"),
            "discogs.new_releases",
            first_in=600,
        )

    async def close() -> None:
        await svc.close()
        _services.pop(id(ctx), None)

    ctx.on_shutdown(close)

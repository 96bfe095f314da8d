"""MusicBrainz lookups as jobs on the "musicbrainz" resource (the limiter inside the client is shared)."""

from __future__ import annotations

from typing import Any

from musictool.enrich.service import service_of


async def setup(ctx: Any) -> None:
    ctx.queue.register("enrich.musicbrainz", service_of(ctx).handle_musicbrainz, resource="musicbrainz")

"""AcoustID fingerprint lookups as jobs on the "acoustid" resource; each queues its MusicBrainz lookup."""

from __future__ import annotations

from typing import Any

from musictool.enrich.service import service_of


async def setup(ctx: Any) -> None:
    ctx.queue.register("enrich.acoustid", service_of(ctx).handle_acoustid, resource="acoustid")

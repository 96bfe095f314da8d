"""Loads the live pairings before the API starts, so the guard knows which extensions may call it."""

from __future__ import annotations

from typing import Any

from musictool.extension.pairing import Pairings


async def setup(ctx: Any) -> None:
    ctx.pairings = Pairings(ctx.db)
    await ctx.pairings.load()

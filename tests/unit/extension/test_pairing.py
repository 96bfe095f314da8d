"""Pairing codes expire after ten minutes and are single use; the badge words for each state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from musictool.extension import pairing
from musictool.extension.pages import verdict
from musictool.extension.pairing import PairingError, Pairings, is_extension_origin
from musictool.store import Database

EXT = "chrome-extension://" + "b" * 32


async def test_a_code_expires_after_ten_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = await Database.open(tmp_path / "musictool.db")
    try:
        pairings = Pairings(db)
        start = datetime.now(UTC)
        code, expires = await pairings.new_code()
        assert expires.startswith((start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
        monkeypatch.setattr(pairing, "_now", lambda: start + timedelta(minutes=10, seconds=1))
        with pytest.raises(PairingError, match="expired"):
            await pairings.redeem(code, EXT, "")
        monkeypatch.setattr(pairing, "_now", lambda: start + timedelta(minutes=9, seconds=59))
        row, token = await pairings.redeem(code, EXT, "test")
        assert pairings.check(token, EXT) is not None and pairings.check(token, None) is not None
        assert pairings.check(token, "chrome-extension://" + "c" * 32) is None
        # the database holds the hash only
        stored = await db.fetchval("SELECT token_hash FROM pairings WHERE id = ?", (row["id"],))
        assert stored == pairing.digest(token) and token not in stored
        assert await db.fetchval("SELECT count(*) FROM pairing_codes WHERE used_at IS NOT NULL") == 1
    finally:
        await db.close()


def test_only_extension_origins_can_pair() -> None:
    assert is_extension_origin(EXT)
    assert is_extension_origin("moz-extension://0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
    for origin in (None, "", "null", "https://evil.example", "chrome-extension://short", EXT + ".evil.com"):
        assert not is_extension_origin(origin)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((4, 4, True, False, False), ("owned", "All 4 tracks in your library (in your Discogs collection)")),
        ((1, 1, False, False, False), ("owned", "In your library")),
        (
            (8, 5, True, False, False),
            ("missing", "3 of 8 tracks not in your library (in your Discogs collection)"),
        ),
        (
            (8, 2, False, True, False),
            ("missing", "6 of 8 tracks not in your library (on your Discogs wantlist)"),
        ),
        ((8, 0, False, False, True), ("wanted", "On your wishlist")),
        ((0, 0, False, True, False), ("wanted", "On your Discogs wantlist")),
        (
            (0, 0, True, False, False),
            ("unknown", "In your Discogs collection; its tracklist is not synced yet"),
        ),
        ((9, 3, False, False, False), ("unknown", "3 of 9 tracks already in your library")),
        ((3, 0, False, False, False), ("unknown", "Not in your library, collection or wishlist")),
    ],
)
def test_badge_words(args: tuple, expected: tuple[str, str]) -> None:
    assert verdict(*args) == expected

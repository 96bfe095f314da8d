"""Pairing a browser extension: a one-time code from `musictool pair` buys the extension a token of its own.

The daemon keeps only hashes (of codes and tokens). Live pairings are held in memory so the API guard can
check an origin and a token on every request without touching SQLite; revoking drops both at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from musictool.store import pairings as store

CODE_TTL = timedelta(minutes=10)
TOUCH_EVERY = 60.0  # seconds between last_used_at writes
MAX_FAILURES = 10  # wrong codes before every outstanding code is burnt (a code has ~40 bits)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a terminal, typed by hand
_EXTENSION_ORIGIN = re.compile(
    r"^(chrome-extension://[a-p]{32}|moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


class PairingError(Exception):
    """A pairing attempt was refused; the message says why in words the options page can show."""


def is_extension_origin(origin: str | None) -> bool:
    """Chromium and Firefox extension origins; a web page can never send one of these."""
    return bool(origin) and bool(_EXTENSION_ORIGIN.match(origin or ""))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """Codes are shown as XXXX-XXXX; spaces, dashes and case do not matter when typed back."""
    return re.sub(r"[\s-]", "", code).upper()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Pairing:
    id: int
    origin: str


class Pairings:
    """Live pairings by token hash, and the codes still to redeem (in the database)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._by_hash: dict[str, Pairing] = {}
        self._failures = 0
        self._touched: dict[int, float] = {}

    async def load(self) -> None:
        self._by_hash = {r["token_hash"]: Pairing(r["id"], r["origin"]) for r in await store.live(self.db)}

    def origins(self) -> set[str]:
        return {p.origin for p in self._by_hash.values()}

    def check(self, token: str, origin: str | None) -> Pairing | None:
        """The pairing this token belongs to, if it is live and (when the request names one) its origin."""
        found = self._by_hash.get(digest(token))
        if found is None or (origin is not None and origin != found.origin):
            return None
        return found

    async def seen(self, pairing: Pairing) -> None:
        """Record when an extension last called (at most one write a minute per pairing)."""
        now = time.monotonic()
        if now - self._touched.get(pairing.id, -TOUCH_EVERY) >= TOUCH_EVERY:
            self._touched[pairing.id] = now
            await store.touch(self.db, pairing.id, _iso(_now()))

    async def new_code(self) -> tuple[str, str]:
        """A fresh one-time code and when it expires."""
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        expires = _iso(_now() + CODE_TTL)
        await store.add_code(self.db, digest(raw), expires)
        self._failures = 0
        return f"{raw[:4]}-{raw[4:]}", expires

    async def redeem(self, code: str, origin: str, name: str) -> tuple[dict[str, Any], str]:
        """Use a code for this extension origin: the new pairing and its token (shown once, never stored)."""
        if not is_extension_origin(origin):
            raise PairingError(
                "only a browser extension can pair (its Origin must be chrome- or moz-extension)"
            )
        token = secrets.token_urlsafe(32)
        now = _iso(_now())
        row = await store.redeem(self.db, digest(normalise_code(code)), now, origin, name, digest(token))
        if row is None:
            self._failures += 1
            if self._failures >= MAX_FAILURES:
                await store.burn_codes(self.db, now)
                self._failures = 0
                raise PairingError(
                    "too many wrong codes: every open code is void; run `musictool pair` again"
                )
            raise PairingError("that code is wrong, used or expired; run `musictool pair` for a new one")
        await self.load()  # the same origin's older pairing was revoked in the same transaction
        return row, token

    async def revoke(self, pairing_id: int) -> bool:
        done = await store.revoke(self.db, pairing_id, _iso(_now()))
        await self.load()
        return done

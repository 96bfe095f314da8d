"""The local wishlist: validation of items coming from gaps, the API and the browser extension.

Pure: the store module persists what these functions accept. Every refusal names the field and the rule,
so a client can show it as is.
"""

from __future__ import annotations

import math
import re
from typing import Any

STATUSES = ("wanted", "ordered", "bought", "ignored")
SOURCES = ("gaps", "api", "extension", "manual")
STORES = ("bandcamp", "beatport", "discogs", "juno", "traxsource")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_FIELDS = {
    "release_id",
    "position",
    "artist",
    "title",
    "priority",
    "target_price",
    "currency",
    "notes",
    "status",
    "source",
    "url",
    "store",
}
_PATCHABLE = _FIELDS - {"release_id", "position", "source"}


class WishlistError(ValueError):
    """A wishlist item was refused; `field` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _text(body: dict, key: str, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise WishlistError(key, "is required")
        return None
    if not isinstance(value, str):
        raise WishlistError(key, "must be a string")
    value = value.strip()
    if required and not value:
        raise WishlistError(key, "must not be empty")
    if len(value) > limit:
        raise WishlistError(key, f"must be at most {limit} characters")
    return value


def _number(body: dict, key: str, low: float, high: float | None) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WishlistError(key, "must be a number")
    if value < low or (high is not None and value > high):
        raise WishlistError(
            key, f"must be between {low:g} and {high:g}" if high is not None else f"must be >= {low:g}"
        )
    return float(value)


def _check(body: Any, allowed: set[str]) -> dict:
    if not isinstance(body, dict):
        raise WishlistError("body", "must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise WishlistError(unknown[0], f"is not a wishlist field (allowed: {', '.join(sorted(allowed))})")
    out: dict[str, Any] = {}
    if "release_id" in body and body["release_id"] is not None:
        rid = body["release_id"]
        if isinstance(rid, bool) or not isinstance(rid, int) or rid <= 0:
            raise WishlistError("release_id", "must be a positive integer (a Discogs release id)")
        out["release_id"] = rid
    for key, limit in (("position", 16), ("artist", 500), ("title", 500), ("notes", 4000), ("url", 2000)):
        if key in body:
            out[key] = _text(body, key, limit)
    if out.get("position") == "":
        out["position"] = None  # no position: a whole release, not one of its tracks
    if out.get("url") and not re.match(r"^https?://", out["url"]):
        raise WishlistError("url", "must be an http(s) URL")
    if "priority" in body:
        out["priority"] = _number(body, "priority", 0, 100)
    if "target_price" in body:
        out["target_price"] = _number(body, "target_price", 0, None)
    if "currency" in body:
        cur = _text(body, "currency", 3)
        if cur is not None:
            cur = cur.upper()
            if not _CURRENCY_RE.match(cur):
                raise WishlistError("currency", "must be a three-letter ISO 4217 code such as EUR")
        out["currency"] = cur
    if "store" in body:  # null clears it
        if body["store"] is not None and body["store"] not in STORES:
            raise WishlistError("store", f"must be one of {', '.join(STORES)}")
        out["store"] = body["store"]
    if "status" in body:
        if body["status"] not in STATUSES:
            raise WishlistError("status", f"must be one of {', '.join(STATUSES)}")
        out["status"] = body["status"]
    if "source" in body:
        if body["source"] not in SOURCES:
            raise WishlistError("source", f"must be one of {', '.join(SOURCES)}")
        out["source"] = body["source"]
    return out


def validate_new(body: Any) -> dict:
    """A new item: a release track (release_id + position) or a free item with a title."""
    out = _check(body, _FIELDS)
    if out.get("position") and "release_id" not in out:
        raise WishlistError("position", "needs a release_id")
    if "release_id" not in out and not out.get("title"):
        raise WishlistError("title", "is required when no release_id is given")
    out.setdefault("status", "wanted")
    out.setdefault("source", "api")
    if out.get("priority") is None:
        out["priority"] = 50.0
    return out


def validate_patch(body: Any) -> dict:
    out = _check(body, _PATCHABLE)
    if not out:
        raise WishlistError("body", f"names nothing to change (fields: {', '.join(sorted(_PATCHABLE))})")
    if "title" in out and not out["title"]:
        raise WishlistError("title", "must not be empty")
    if "priority" in out and out["priority"] is None:
        raise WishlistError("priority", "must be a number between 0 and 100")
    return out

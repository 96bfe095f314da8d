"""The one redaction every error text passes before it is stored, published, logged or returned.

Clients put secrets in URLs (python3-discogs-client sends ?token=, AcoustID ?client=), and an exception's text
copies the URL. So: the values of known secret query parameters are stripped, Bearer credentials are masked,
and every secret value the daemon was configured with (API token, Discogs token, AcoustID key) is masked
wherever it appears.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"
MIN_SECRET_LEN = 6  # shorter values would mask ordinary words
SECRET_PARAMS = ("token", "access_token", "user_token", "client", "key", "api_key", "apikey", "secret",
                 "password", "client_secret", "oauth_token", "oauth_signature")

_PARAM = re.compile(r"([?&;](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s\"'<>]*", re.I)
_PATTERNS = (
    _PARAM,
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"(Discogs\s+token=)[^,\s\"']+", re.I),
    re.compile(r"(\btoken=)[^&\s\"',]+", re.I),
)

_lock = threading.Lock()
_values: frozenset[str] = frozenset()


def register(*secrets: str | None) -> None:
    """Mask these values from now on (config secrets at start, the API token again after a rotation)."""
    global _values
    new = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
    if new - _values:
        with _lock:
            _values = _values | new


def forget_all() -> None:
    """Tests only: start from no registered values."""
    global _values
    with _lock:
        _values = frozenset()


def redact(text: str) -> str:
    """`text` without secrets: secret query values and Bearer credentials stripped, known values masked."""
    if not text:
        return text
    for secret in sorted(_values, key=len, reverse=True):  # longest first: one secret may contain another
        if secret in text:
            text = text.replace(secret, MASK)
    if "=" in text or "bearer" in text.lower():  # every pattern needs one: most texts skip the regexes
        for pattern in _PATTERNS:
            text = pattern.sub(r"\1" + MASK, text)
    return text


def redact_data(value: Any) -> Any:
    """The same for every string inside a JSON-like value (event data, notification data)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def error_text(exc: BaseException) -> str:
    """`Type: message` of an exception, redacted: the form jobs store and publish."""
    return redact(f"{type(exc).__name__}: {exc}")

"""Logging to logs/ with rotation; secrets are masked in every record."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_SECRET_PATTERNS = [
    re.compile(r"(token=)[^&\s\"']+", re.I),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"(Discogs\s+token=)[^,\s\"']+", re.I),
    re.compile(r"(client=)[^&\s\"']+", re.I),
]


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        for pattern in _SECRET_PATTERNS:
            message = pattern.sub(r"\1***", message)
        record.msg, record.args = message, None
        return True


def setup(log_dir: Path, level: str, secrets: list[str]) -> RedactSecrets:
    log_dir.mkdir(parents=True, exist_ok=True)
    redact = RedactSecrets(secrets)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / "musictool.log", maxBytes=10 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    stream = logging.StreamHandler()
    root = logging.getLogger()
    root.handlers.clear()
    for handler in (file_handler, stream):
        handler.setFormatter(fmt)
        handler.addFilter(redact)
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "apscheduler", "urllib3", "numba", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redact

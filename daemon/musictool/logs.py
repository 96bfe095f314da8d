"""Logging to logs/ with rotation; secrets are masked in every record."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from musictool import redact

_FORMATTER = logging.Formatter()


class RedactSecrets(logging.Filter):
    """Masks secrets in the message and in the formatted exception and stack (tracebacks quote URLs too)."""

    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        redact.register(*(secrets or []))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact.redact(record.stack_info)
        return True


def setup(log_dir: Path, level: str, secrets: list[str]) -> RedactSecrets:
    log_dir.mkdir(parents=True, exist_ok=True)
    redactor = RedactSecrets(secrets)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / "musictool.log", maxBytes=10 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    stream = logging.StreamHandler()
    root = logging.getLogger()
    root.handlers.clear()
    for handler in (file_handler, stream):
        handler.setFormatter(fmt)
        handler.addFilter(redactor)
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "apscheduler", "urllib3", "numba", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redactor

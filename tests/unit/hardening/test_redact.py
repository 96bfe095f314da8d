"""Issue 11.1: one redaction function for every error text; the log filter covers tracebacks too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictool import logs, redact


@pytest.fixture
def clean_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in root.handlers:
        h.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    redact.forget_all()


def test_query_strings_of_secret_parameters_are_stripped() -> None:
    text = (
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
        "/users/demo/collection/folders?per_page=50&token=abcDEF123&page=2 (Caused by ...)"
    )
    out = redact.redact(text)
    assert "abcDEF123" not in out
    assert "per_page=50" in out and "page=2" in out and "/users/demo/collection/folders" in out
    for param in ("client", "api_key", "key", "access_token", "user_token", "secret", "password"):
        assert "s3cret" not in redact.redact(f"https://x/y?{param}=s3cret")
        assert "s3cret" not in redact.redact(f"https://x/y?a=1&{param.upper()}=s3cret#frag")
    assert redact.redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"
    assert redact.redact("AUTHORIZATION: BEARER abc") == "AUTHORIZATION: BEARER ***"
    assert redact.redact("nothing secret here") == "nothing secret here"
    assert redact.redact("Discogs token=xyz123, next") == "Discogs token=***, next"


def test_every_registered_secret_value_is_masked_wherever_it_appears() -> None:
    redact.register("v4lue-of-a-key", "", None, "short")
    try:
        assert redact.redact("saw v4lue-of-a-key in a body") == "saw *** in a body"
        assert redact.redact("short") == "short"  # too short to mask without mangling ordinary words
        nested = redact.redact_data({"a": ["x v4lue-of-a-key"], "b": {"c": "v4lue-of-a-key"}, "n": 3})
        assert nested == {"a": ["x ***"], "b": {"c": "***"}, "n": 3}
    finally:
        redact.forget_all()


def test_log_files_mask_secrets_in_tracebacks(tmp_path: Path, clean_root: None) -> None:
    logs.setup(tmp_path, "INFO", ["configured-secret-42"])
    log = logging.getLogger("musictool.test")
    try:
        raise ConnectionError("GET https://api.example/users/x?token=from-the-url-99 failed: configured-secret-42")
    except ConnectionError:
        log.exception("the request failed")
    try:
        raise ValueError("configured-secret-42")
    except ValueError as exc:
        log.warning("oops: %s", exc, exc_info=True)
    for h in logging.getLogger().handlers:
        h.flush()
    text = (tmp_path / "musictool.log").read_text()
    assert "Traceback" in text and "ConnectionError" in text and "the request failed" in text
    assert "from-the-url-99" not in text
    assert "configured-secret-42" not in text

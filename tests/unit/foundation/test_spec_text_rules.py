"""The spec's text patterns name exactly the characters the daemon refuses: a page title must hold something
besides Python's white space (str.split), a Traktor text field nothing XML 1.0 cannot hold. Checked character by
character with the Rust regex engine schemathesis validates with (jsonschema_rs)."""

from __future__ import annotations

import sys

import jsonschema_rs
import yaml

from musictool.extension.pages import PageError, parse_page
from musictool.integrations.traktor.writer import _NOT_XML
from testkit.fixtures_path import REPO

SCHEMAS = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text())["components"]["schemas"]
# every character but the surrogates, which JSON strings carry only as escapes and no regex engine can name
CHARS = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_a_page_track_title_is_refused_exactly_when_the_spec_says() -> None:
    title = SCHEMAS["StorePage"]["properties"]["tracks"]["items"]["properties"]["title"]
    valid = jsonschema_rs.validator_for(title)
    for ch in CHARS[:0x3100]:  # white space ends at U+3000
        page = {"store": "bandcamp", "url": "https://x.test/a", "release_id": 1, "tracks": [{"title": ch}]}
        try:
            parse_page(page)
            accepted = True
        except PageError:
            accepted = False
        assert accepted == valid.is_valid(ch), f"U+{ord(ch):04X}"


def test_a_traktor_text_field_is_refused_exactly_when_the_spec_says() -> None:
    valid = jsonschema_rs.validator_for(SCHEMAS["TrackEdit"]["properties"]["title"])
    wrong = [ch for ch in CHARS if valid.is_valid(ch) == bool(_NOT_XML.search(ch))]
    assert not wrong, [f"U+{ord(ch):04X}" for ch in wrong[:20]]

"""Search URLs for Beatport, Bandcamp, Juno Download, Traxsource and the Discogs marketplace.

None of these stores offers a public search API (research/apis.md section 4), so a link that opens the
store's own search is the honest integration. The query is "artist title version": Discogs decorations
("(2)", "*", "Various"), vinyl positions, key/tempo annotations and neutral versions ("Original Mix") are
dropped because they only narrow a store search to nothing. Text is UTF-8 percent-encoded with nothing left
unescaped, so "&", "#", "+", "/" and "?" inside names cannot break the URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from musictool.library.normalize import (
    is_unknown_artist,
    parse_title,
    strip_discogs_suffix,
    strip_key_annotations,
)

STORES = ("beatport", "bandcamp", "juno", "traxsource", "discogs")
_PATTERNS = {
    "beatport": "https://www.beatport.com/search?q={q}",
    "bandcamp": "https://bandcamp.com/search?q={q}&item_type=t",
    "juno": "https://www.junodownload.com/search/?q%5Ball%5D%5B%5D={q}",
    "traxsource": "https://www.traxsource.com/search?term={q}",
    "discogs": "https://www.discogs.com/sell/list?q={q}&format=Vinyl",
}
_POSITION_RE = re.compile(r"^\s*(?:[A-Ha-h][1-9]\d?|\d{1,2})\s*[.):-]\s+")
_NEUTRAL_TAIL_RE = re.compile(
    r"\s*(?:[\(\[]\s*(?:original|extended)(?: mix| version)?\s*[\)\]]|[-\u2013]\s*(?:original|extended) mix)\s*$",
    re.IGNORECASE,
)


def search_text(artist: str | None, title: str | None) -> str:
    """The human query a DJ would type: 'Rick Astley Never Gonna Give You Up (Instrumental)'."""
    artist_text = "" if is_unknown_artist(artist) else strip_discogs_suffix(artist or "")
    artist_text = re.sub(r"^(.*?),\s*(The|A|An)$", r"\2 \1", artist_text)
    title_text = strip_key_annotations(_POSITION_RE.sub("", (title or "").strip()))
    title_text = _NEUTRAL_TAIL_RE.sub("", title_text).strip()
    if not parse_title(title_text).version:
        title_text = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*$", "", title_text).strip() or title_text
    title_text = re.sub(r"[\(\)\[\]]", " ", title_text)
    return re.sub(r"\s+", " ", f"{artist_text} {title_text}").strip()


def encode(text: str) -> str:
    """Percent-encode every reserved character (spaces as %20), UTF-8."""
    return quote(text, safe="")


def search_links(artist: str | None, title: str | None, release_id: int | None = None) -> dict[str, str]:
    """One search URL per store. With a Discogs release id the marketplace link lists that release's copies."""
    q = encode(search_text(artist, title))
    links = {store: pattern.format(q=q) for store, pattern in _PATTERNS.items()}
    if release_id:
        links["discogs"] = f"https://www.discogs.com/sell/release/{int(release_id)}"
    return links

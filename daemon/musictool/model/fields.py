"""What "the same value" means per metadata field, so that sources disagreeing only in case, spacing,
key notation or a rounding of the tempo are not reported as conflicts."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

SOURCES = ("user", "nml", "tag", "analysis", "musicbrainz", "acoustid", "discogs")

# numeric fields and the difference below which two values agree
NUMERIC_TOLERANCE: dict[str, float] = {
    "bpm": 0.5,  # a DJ can beat-match across half a BPM; more is a different tempo reading
    "duration": 3.0,  # seconds: encoders and databases differ by padding
    "year": 0.0,
    "energy": 1.0,
    "loudness": 1.0,  # LUFS
    "rating": 0.0,
}
# fields whose values are lists compared as sets
LIST_FIELDS = {"isrcs", "tags", "mb_artist_ids"}
# identifiers: compared exactly (case-insensitive)
ID_FIELDS = {
    "mb_recording_id",
    "mb_release_id",
    "mb_release_group_id",
    "acoustid_id",
    "isrc",
    "cover_art_url",
}

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]+")
_ORIGINAL_MIX = re.compile(r"\s*(?:[-(\[]\s*)?original(?: mix| version)?\s*[)\]]?$")
_NOTES = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
# Camelot number of each major key's tonic pitch class (8B = C major); minor keys share the number of
# their relative major (8A = A minor)
_CAMELOT_MAJOR = {0: 8, 7: 9, 2: 10, 9: 11, 4: 12, 11: 1, 6: 2, 1: 3, 8: 4, 3: 5, 10: 6, 5: 7}
_MUSICAL_KEY = re.compile(
    r"^\s*([a-g])\s*(#|♯|b|♭)?\s*(m|min|minor|maj|major)?\s*$",
    re.IGNORECASE,
)
_CAMELOT = re.compile(r"^\s*(1[0-2]|[1-9])\s*([ab])\s*$", re.IGNORECASE)
_OPEN_KEY = re.compile(r"^\s*(1[0-2]|[1-9])\s*([md])\s*$", re.IGNORECASE)


def canonical_key(value: Any) -> str | None:
    """A key in any of musical ("A minor", "Am", "F#"), Camelot ("8A") or Open Key ("1m") notation as
    its Camelot code, or None when it is not a key. One spelling for comparing across sources."""
    if not isinstance(value, str):
        return None
    m = _CAMELOT.match(value)
    if m:
        return f"{int(m.group(1))}{m.group(2).upper()}"
    m = _OPEN_KEY.match(value)
    if m:
        # Open Key 1d = C major = Camelot 8B; both wheels step by fifths in the same direction
        number = (int(m.group(1)) + 6) % 12 + 1
        return f"{number}{'A' if m.group(2).lower() == 'm' else 'B'}"
    m = _MUSICAL_KEY.match(value.replace("-", " "))
    if m:
        pc = _NOTES[m.group(1).lower()]
        accidental = m.group(2)
        # a lower-case "b" after the letter is a flat only when it is the accidental slot, which the
        # regex guarantees (the letter came first)
        if accidental in ("#", "♯"):
            pc += 1
        elif accidental in ("b", "♭"):
            pc -= 1
        pc %= 12
        mode = (m.group(3) or "").lower()
        minor = mode in ("m", "min", "minor")
        major_pc = (pc + 3) % 12 if minor else pc
        return f"{_CAMELOT_MAJOR[major_pc]}{'A' if minor else 'B'}"
    return None


def normalize_text(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return _SPACE.sub(" ", text).strip()


def comparable(field: str, value: Any) -> Any:
    """A form of value in which equal means agreeing (numbers stay numbers for the tolerance check)."""
    if value is None:
        return None
    if field in NUMERIC_TOLERANCE:
        try:
            return float(value)
        except (TypeError, ValueError):
            return normalize_text(value)
    if field == "key":
        return canonical_key(value) or normalize_text(value)
    if field in LIST_FIELDS:
        items = value if isinstance(value, list | tuple) else [value]
        out = set()
        for item in items:
            if isinstance(item, dict):  # tags as {name, count}
                item = item.get("name")
            if item is not None:
                out.add(normalize_text(item))
        return frozenset(out)
    if field == "isrc":
        return normalize_text(value).replace("-", "").upper()
    if field in ID_FIELDS:
        return normalize_text(value)
    text = normalize_text(value)
    if field == "title":
        # shops and DJ software add "(Original Mix)" where databases write nothing
        text = _ORIGINAL_MIX.sub("", text).strip()
    # "Mr. Fingers" / "Mr Fingers", "Simon & Garfunkel" / "Simon and Garfunkel", "Beyoncé" / "Beyonce"
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _PUNCT.sub(" ", text.replace("&", " and "))
    return _SPACE.sub(" ", text).strip()


def agree(field: str, a: Any, b: Any) -> bool:
    """True when two sources' values for field mean the same thing."""
    ca, cb = comparable(field, a), comparable(field, b)
    if isinstance(ca, float) and isinstance(cb, float):
        return abs(ca - cb) <= NUMERIC_TOLERANCE.get(field, 0.0) + 1e-9
    return ca == cb


def disagreeing(field: str, values: list[Any]) -> bool:
    """True when any two of the values do not agree (the field is in conflict)."""
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            if not agree(field, values[i], values[j]):
                return True
    return False

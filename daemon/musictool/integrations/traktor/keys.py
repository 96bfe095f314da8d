"""Traktor MUSICAL_KEY values (0-23) in musical, Open Key and Camelot notation.

VALUE 0-11 are the majors C..B, 12-23 the minors Cm..Bm (see research/nml-format.md §3; verified against the
INFO KEY text in every fixture). Open Key and Camelot are the same wheel shifted by 7 steps.
"""

from __future__ import annotations

from dataclasses import dataclass

_PITCHES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_OPEN_MAJOR = (1, 8, 3, 10, 5, 12, 7, 2, 9, 4, 11, 6)
_OPEN_MINOR = (10, 5, 12, 7, 2, 9, 4, 11, 6, 1, 8, 3)
_ALIASES = {
    "Db": "C#",
    "D#": "Eb",
    "Gb": "F#",
    "G#": "Ab",
    "A#": "Bb",
    "Cb": "B",
    "Fb": "E",
    "E#": "F",
    "B#": "C",
}


@dataclass(frozen=True, slots=True)
class Key:
    value: int  # Traktor MUSICAL_KEY VALUE
    musical: str  # "A minor"
    short: str  # "Am" (Traktor's "musical" notation)
    open_key: str  # "1m"
    camelot: str  # "8A"


def _build() -> tuple[Key, ...]:
    out = []
    for v in range(24):
        minor = v >= 12
        pitch = _PITCHES[v % 12]
        n = (_OPEN_MINOR if minor else _OPEN_MAJOR)[v % 12]
        cam = (n + 6) % 12 + 1
        out.append(
            Key(
                value=v,
                musical=f"{pitch} {'minor' if minor else 'major'}",
                short=pitch + ("m" if minor else ""),
                open_key=f"{n}{'m' if minor else 'd'}",
                camelot=f"{cam}{'A' if minor else 'B'}",
            )
        )
    return tuple(out)


KEYS: tuple[Key, ...] = _build()
_BY_TEXT: dict[str, int] = {}
for _k in KEYS:
    for _t in (_k.musical, _k.short, _k.open_key, _k.camelot):
        _BY_TEXT[_t.lower()] = _k.value


def from_value(value: int | str | None) -> Key | None:
    """The key for a MUSICAL_KEY VALUE; None for missing or out-of-range values."""
    if value is None or value == "":
        return None
    try:
        v = int(value)
    except (TypeError, ValueError):
        return None
    return KEYS[v] if 0 <= v < 24 else None


def parse(text: str | None) -> Key | None:
    """Read a key written in any notation: "Am", "A minor", "1m", "8A", "C#m", "Dbm", "a min", "e♭".

    Tag-derived texts in pre-V16 files (no MUSICAL_KEY) use a lower-case pitch for minor keys ("d", "b♭");
    of a compound text ("9A/8A", "c/g") the first key counts.
    """
    if not text:
        return None
    t = text.strip().split("/")[0].strip().replace("♯", "#").replace("♭", "b")
    if not t:
        return None
    hit = _BY_TEXT.get(t.lower()) if t[-1:] in "dmABab" and t[:1].isdigit() else _BY_TEXT.get(t.lower())
    if hit is not None and (t[:1].isdigit() or not t[:1].islower() or t.lower() != t):
        return KEYS[hit]
    low = t
    minor = low[:1].islower() and len(low) <= 2  # "d", "eb", "f#": lower-case pitch = minor
    for suffix in (" minor", " min", "min", " m", "m", " major", " maj", "maj"):
        if low.lower().endswith(suffix) and len(low) > len(suffix):
            minor = not suffix.strip().startswith("maj")
            low = low[: -len(suffix)].strip()
            break
    if not low or len(low) > 2:
        return None
    pitch = low[0].upper() + low[1:].lower()
    pitch = _ALIASES.get(pitch, pitch)
    if pitch not in _PITCHES:
        return None
    return KEYS[_PITCHES.index(pitch) + (12 if minor else 0)]


def notation_of(text: str | None) -> str | None:
    """Which notation a Traktor INFO KEY text uses: "open_key", "camelot" or "musical"."""
    k = parse(text)
    if k is None or text is None:
        return None
    t = text.strip()
    if t == k.open_key:
        return "open_key"
    if t == k.camelot:
        return "camelot"
    return "musical"


def text_in(key: Key, notation: str | None) -> str:
    """The INFO KEY display text for `key` in the notation the collection already uses."""
    if notation == "camelot":
        return key.camelot
    if notation == "musical":
        return key.short
    return key.open_key

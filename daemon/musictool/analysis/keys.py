"""Key notations: musical ("A minor"), Open Key ("1m") and Camelot ("8A").

Pitch classes count from C (0) to B (11). Open Key puts C major at 1d and A minor at 1m and walks the
circle of fifths; Camelot is the same wheel shifted by seven (C major = 8B, A minor = 8A), the mapping
Traktor uses (see research/nml-format.md, MUSICAL_KEY).
"""

from __future__ import annotations

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_ALIASES = {
    "C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4, "F": 5, "E#": 5,
    "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11, "CB": 11,
}  # fmt: skip


def _open_number(tonic: int, minor: bool) -> int:
    """Open Key number 1..12: C major and A minor are 1, each fifth up adds one."""
    relative_major = (tonic + 3) % 12 if minor else tonic
    return (relative_major * 7) % 12 + 1


def key_name(tonic: int, minor: bool) -> str:
    """'A minor', 'Eb major'."""
    return f"{NOTE_NAMES[tonic % 12]} {'minor' if minor else 'major'}"


def open_key(tonic: int, minor: bool) -> str:
    """'1m' for A minor, '1d' for C major."""
    return f"{_open_number(tonic, minor)}{'m' if minor else 'd'}"


def camelot(tonic: int, minor: bool) -> str:
    """'8A' for A minor, '8B' for C major."""
    n = (_open_number(tonic, minor) + 6) % 12 + 1
    return f"{n}{'A' if minor else 'B'}"


def parse_key(text: str) -> tuple[int, bool]:
    """Read a key in any of the three notations (or 'Am', 'F#m', 'C') into (tonic, minor).

    Raises ValueError with the offending text when it is none of them.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty key")
    low = s.lower()
    # Camelot: 1A..12B; Open Key: 1m..12d
    num = "".join(ch for ch in low[:-1] if ch.isdigit())
    if num and num == low[:-1] and 1 <= int(num) <= 12 and low[-1] in "abmd":
        n = int(num)
        minor = low[-1] in "am"
        open_n = (n - 8) % 12 + 1 if low[-1] in "ab" else n
        # invert _open_number: relative major pitch = (open_n - 1) * 7 mod 12 (7 is its own inverse mod 12)
        rel_major = ((open_n - 1) * 7) % 12
        tonic = (rel_major - 3) % 12 if minor else rel_major
        return tonic, minor
    parts = low.replace("-", " ").split()
    minor = False
    if len(parts) == 2 and parts[1] in ("minor", "min", "m", "major", "maj"):
        root, minor = parts[0], parts[1].startswith("min") or parts[1] == "m"
    elif len(parts) == 1:
        root = parts[0]
        if root.endswith("min"):
            root, minor = root[:-3], True
        elif root.endswith("maj"):
            root = root[:-3]
        elif root.endswith("m") and len(root) > 1:
            root, minor = root[:-1], True
    else:
        raise ValueError(f"not a key: {text!r}")
    root = root.upper().replace("♯", "#").replace("♭", "B")
    if root not in _ALIASES:
        raise ValueError(f"not a key: {text!r}")
    return _ALIASES[root], minor


def mirex_score(estimated: tuple[int, bool], truth: tuple[int, bool]) -> float:
    """MIREX key score: 1 same key, 0.5 a fifth apart (same mode), 0.3 relative, 0.2 parallel, else 0."""
    (et, em), (tt, tm) = estimated, truth
    if et == tt and em == tm:
        return 1.0
    if em == tm and (et - tt) % 12 in (5, 7):
        return 0.5
    if em != tm:
        rel = (tt + 9) % 12 if not tm else (tt + 3) % 12  # relative minor of a major / major of a minor
        if et == rel:
            return 0.3
        if et == tt:
            return 0.2
    return 0.0

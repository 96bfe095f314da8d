"""Artist and title normalisation for matching vinyl tracks to digital files.

The rules follow the research notes (anchors.md section 2) with one deliberate difference from beets and
Picard: a title is split into a *base title* and a *version*, and the version is kept as its own
component instead of being discounted. For a DJ "Title (Dub)" and "Title (X Remix)" are different tracks,
while "Title (Original Mix)", "Title (Extended Mix)" and "A1. Title" are the same one.

Everything here is pure and cheap: these functions run for every one of ~160,000 tracks in a full match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

# Version words that do not make a different track: the plain/long edit that a vinyl usually carries.
NEUTRAL_VERSIONS = frozenset(
    {
        "original",
        "original mix",
        "original version",
        "original club mix",
        "extended",
        "extended mix",
        "extended version",
        "extended original mix",
        "album version",
        "lp version",
        "12 version",
        "12 mix",
        "12 inch version",
        "12 inch mix",
        "12 extended version",
        "12 extended mix",
        "vinyl version",
        "main mix",
        "main version",
        "remaster",
        "remastered",
        "digital remaster",
        "original 12 mix",
        "original 12 version",
    }
)
_NEUTRAL_LIST = sorted(NEUTRAL_VERSIONS)
# Words that mark a bracket (or a " - suffix") as a version rather than a part of the title.
VERSION_WORDS = frozenset(
    {
        "mix",
        "remix",
        "rmx",
        "dub",
        "instrumental",
        "inst",
        "edit",
        "version",
        "vip",
        "rework",
        "refix",
        "reprise",
        "live",
        "acapella",
        "accapella",
        "acappella",
        "bootleg",
        "remaster",
        "remastered",
        "extended",
        "original",
        "radio",
        "vocal",
        "beats",
        "tool",
        "bonus",
        "demo",
        "interlude",
        "remake",
        "rerub",
        "reedit",
        "redux",
        "cover",
        "session",
        "sessions",
        "unplugged",
        "acoustic",
        "dubstrumental",
        "dubmix",
    }
)
# Version kinds: the first match wins; two versions of different kinds are never the same track.
_VERSION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("live", r"\blive\b|\bunplugged\b|\bsessions?\b"),
        ("acapella", r"\ba ?c+ap+el+a\b"),
        ("instrumental", r"\binst(rumental)?\b|\bdubstrumental\b"),
        ("remix", r"\bre ?mix\b|\brmx\b|\brework\b|\brefix\b|\bbootleg\b|\bremake\b|\brerub\b|\bvip\b"),
        ("dub", r"\bdub\b|\bdubmix\b"),
        ("edit", r"\bre ?edit\b|\bedit\b"),
        ("reprise", r"\breprise\b"),
        ("acoustic", r"\bacoustic\b"),
        ("mix", r"\bmix\b"),
        ("version", r"\bversion\b"),
    )
)
FEAT_RE = re.compile(r"^\s*(?:feat\.?|featuring|ft\.?|with)\s+", re.IGNORECASE)
_FEAT_SPLIT_RE = re.compile(r"\s+(?:feat\.?|featuring|ft\.?)\s+", re.IGNORECASE)
# Separators between artist names. "and"/"&"/"x"/"with" join collaborators; "vs" too.
_ARTIST_SPLIT_RE = re.compile(
    r"\s*(?:,|;|/|\s&\s|\s\+\s|\band\b|\bvs\.?(?=\s)|\bversus\b|\bfeat\.?(?=\s)|\bfeaturing\b|\bft\.?(?=\s)"
    r"|\bwith\b|\bpres\.?(?=\s)|\bpresents\b|\bmeets\b|\sx\s)\s*",
    re.IGNORECASE,
)
_TRAILING_ARTICLE_RE = re.compile(
    r",\s*(?:the|a|an)\s*(?=$|\(\d+\)|\*|\s*[&/;,]|\s(?:feat|ft|vs|and|x|with)\b)", re.IGNORECASE
)
_DISCOGS_NUM_RE = re.compile(r"\s*\(\d+\)\s*$")
_BRACKET_TAIL_RE = re.compile(r"\s*[\(\[]([^\(\)\[\]]*)[\)\]]\s*$")
_DASH_TAIL_RE = re.compile(r"\s+[-\u2013\u2014]\s+([^-\u2013\u2014]+)$")
# "A1. Title", "A1 - Title", "B2) Title", "01. Title", "1 - Title": a vinyl-rip position prefix.
_POSITION_PREFIX_RE = re.compile(
    r"^\s*(?P<pos>[A-Ha-h][1-9]\d?|[A-Ha-h](?=[.)\-:])|\d{1,2})\s*(?:[.):]\s*|\s[-\u2013]\s+|-\s+)(?=\S)"
)
_FILE_POSITION_RE = re.compile(r"^\s*(?P<pos>[A-Ha-h][1-9]\d?|\d{1,3})(?:\s*[.):_-]\s*|\s+)(?=\S)")
_NON_ALNUM_RE = re.compile(r"[\W_]+")
_BARE_VERSION_RE = re.compile(r"\s+(rmx|remix|dub|instrumental|vip|acapella)\s*$", re.I)
_PLAIN_RE = re.compile(r"[\(\[\-\u2013\u2014\d]")
_NUMBER_RE = re.compile(r"\d+")
# DJ tools write the key or tempo into the title: "Title - 8A", "8A - Title", "Title - 12A/2A", "Title 128 bpm".
_KEY_SUFFIX_RE = re.compile(
    r"(?:\s+[-\u2013]\s*|\s+)(?:(?:1[0-2]|[1-9])[ABab](?:/(?:1[0-2]|[1-9])[ABab])?|(?:1[0-2]|[1-9])[dm])\s*$"
    r"|\s*[-\u2013]?\s*\b\d{2,3}(?:[.,]\d+)?\s*bpm\s*$",
    re.IGNORECASE,
)
_KEY_PREFIX_RE = re.compile(r"^\s*(?:1[0-2]|[1-9])[AB](?:/(?:1[0-2]|[1-9])[AB])?\s*[-\u2013]\s+(?=\S)")
_AUDIO_EXT_RE = re.compile(r"\.(mp3|flac|wav|aiff?|m4a|aac|ogg|opus|wma|alac|mp4)$", re.IGNORECASE)
UNKNOWN_ARTISTS = frozenset({"", "unknown", "unknown artist", "various", "various artists", "va", "n a"})
_STOPWORDS = frozenset({"the", "a", "an", "and", "of", "in", "on", "to", "de", "la", "le", "el", "mix"})
# Characters NFKD does not decompose.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "$": "s",
    }
)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: the comparison form of any string.

    Accents are folded for comparison only (anchors.md): "Östermalm" and "Ostermalm" compare equal.
    Apostrophes vanish ("Don't" == "Dont"), every other punctuation becomes a space; "&" becomes "and".
    """
    if not text:
        return ""
    if text.isascii():
        text = text.lower().replace("`", "'").replace("$", "s")
    else:
        text = text.translate(_SPECIAL)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("'", "").replace("&", " and ")
    return _NON_ALNUM_RE.sub(" ", text).strip()


def strip_discogs_suffix(name: str) -> str:
    """'Jon Kennedy (2)' -> 'Jon Kennedy'; 'Prodigy*' (Discogs ANV marker) -> 'Prodigy'."""
    name = _DISCOGS_NUM_RE.sub("", name or "").strip()
    return name.rstrip("*").strip()


def _move_article(name: str) -> str:
    """'Persuader, The' -> 'Persuader' and 'The Persuader' -> 'Persuader' (articles dropped for comparison)."""
    folded = fold(name)
    for art in ("the", "a", "an", "die", "les", "le", "la"):
        if folded.endswith(" " + art) and "," in name:
            folded = folded[: -len(art) - 1].strip()
            break
    if folded.startswith("the "):
        folded = folded[4:]
    return folded


@lru_cache(maxsize=100_000)
def artist_names(raw: str) -> tuple[str, ...]:
    """Split an artist credit into folded individual names, in order, without duplicates.

    Handles "A feat. B", "A ft. B", "A vs B", "A & B", "A and B", "A, B", "A x B", "The A", "A, The",
    "A (2)" and "A*". Unknown artists ("Various", "Unknown Artist", "") give an empty tuple.
    """
    if not raw:
        return ()
    out: list[str] = []
    raw = _TRAILING_ARTICLE_RE.sub("", raw)
    for part in _ARTIST_SPLIT_RE.split(raw):
        part = strip_discogs_suffix(part.strip()).strip(" ()[]")
        if not part:
            continue
        name = _move_article(part)
        if name and name not in UNKNOWN_ARTISTS and name not in out:
            out.append(name)
    return tuple(out)


@lru_cache(maxsize=100_000)
def is_unknown_artist(raw: str | None) -> bool:
    return fold(strip_discogs_suffix(raw or "")) in UNKNOWN_ARTISTS


def version_kind(version: str) -> str:
    """The kind of a folded version string: remix, dub, instrumental, live, edit, ... or '' for neutral."""
    if not version:
        return ""
    for kind, pattern in _VERSION_KINDS:
        if pattern.search(version):
            return kind
    return "other"


def _is_version_text(folded: str) -> bool:
    words = folded.split()
    return bool(words) and (folded in NEUTRAL_VERSIONS or any(w in VERSION_WORDS for w in words))


def version_core(version: str) -> str:
    """The distinguishing part of a version: 'carl craig remix' -> 'carl craig' (the remixer)."""
    return " ".join(w for w in version.split() if w not in VERSION_WORDS)


def _normalise_version(folded: str) -> str:
    """Canonical version text: 'Carl Craig Rmx' == 'Carl Craig Remix' == 'Carl Craig Re-Mix'."""
    v = folded.replace("re mix", "remix").replace("rmx", "remix").replace("re edit", "reedit")
    v = re.sub(r"\b(?:12|twelve)\s*(?:inch|in)\b", "12", v)
    v = re.sub(r"\s+", " ", v).strip()
    if v in NEUTRAL_VERSIONS:
        return ""
    # A typo in a store's "Original Mix" is still the original.
    if len(v) >= 8 and extractOne(v, _NEUTRAL_LIST, scorer=fuzz.ratio, score_cutoff=88) is not None:
        return ""
    return v


def strip_key_annotations(text: str) -> str:
    """Drop "- 8A" / "8A - " / "128 bpm" annotations that key-detection tools add to titles."""
    for _ in range(2):
        stripped = _KEY_SUFFIX_RE.sub("", text).strip()
        stripped = _KEY_PREFIX_RE.sub("", stripped).strip()
        if stripped == text or not stripped:
            break
        text = stripped
    return text


def numbers(text: str) -> tuple[int, ...]:
    """The numbers in a folded title, sorted: 'Piste 08' and 'Piste 10' differ, 'Part 02' == 'Part 2'."""
    return tuple(sorted(int(n) for n in _NUMBER_RE.findall(text)))


@dataclass(frozen=True, slots=True)
class ParsedTitle:
    """A title split for matching. base and version are folded; feat holds folded featured artists."""

    base: str
    version: str = ""
    kind: str = ""
    literal: str = ""  # the base with accents kept (only set when it differs from base)
    tokens: tuple[str, ...] = ()  # index tokens of base
    nums: tuple[int, ...] = ()  # the numbers in base
    feat: tuple[str, ...] = ()
    position: str = ""
    extras: tuple[str, ...] = field(default=())


@lru_cache(maxsize=200_000)
def parse_title(raw: str) -> ParsedTitle:
    """Split 'A1. Title (feat. X) [Y Remix]' into base 'title', version 'y remix', feat ('x',), position 'A1'.

    Only trailing brackets and a trailing ' - suffix' are considered, and only when they hold version words
    or a feat. credit, so "(I Just) Died In Your Arms" and "Song (Part 2)" keep their brackets in the base.
    """
    text = (raw or "").strip()
    position = ""
    versions: list[str] = []
    feat: list[str] = []
    extras: list[str] = []
    # Most titles have no brackets, dashes or digits: skip the key, position and suffix rules for them.
    plain = _PLAIN_RE.search(text) is None
    if not plain:
        text = strip_key_annotations(text)
        m = _POSITION_PREFIX_RE.match(text)
        if m and len(text) > m.end():
            position = m.group("pos").upper()
            text = text[m.end() :]
    for _ in range(0 if plain else 4):
        text = strip_key_annotations(text)
        m = _BRACKET_TAIL_RE.search(text)
        dash = None if m else _DASH_TAIL_RE.search(text)
        hit = m or dash
        if not hit or hit.start() == 0:
            break
        inner = hit.group(1).strip()
        if FEAT_RE.match(inner):
            feat.extend(artist_names(FEAT_RE.sub("", inner)))
        else:
            folded = fold(inner)
            if not _is_version_text(folded):
                if dash is not None:
                    break  # "Title - Subtitle": part of the title
                extras.append(folded)
                # A non-version bracket stays part of the title ("Part 2"), stop peeling.
                break
            versions.append(folded)
        text = text[: hit.start()].rstrip()
    # An unbracketed trailing "Rmx"/"Remix"/"Dub"/"VIP": "Sight Beyond Rmx" is the remix.
    if not versions:
        m = _BARE_VERSION_RE.search(text)
        if m and m.start() > 0:
            versions.append(fold(m.group(1)))
            text = text[: m.start()].rstrip()
    # feat. inside the base title without brackets: "Title feat. X"
    parts = _FEAT_SPLIT_RE.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip():
        text = parts[0]
        feat.extend(artist_names(parts[1]))
    version = " ".join(v for v in (_normalise_version(v) for v in reversed(versions)) if v)
    base = fold(text)
    literal = ""
    if not text.isascii():
        literal = _NON_ALNUM_RE.sub(
            " ", unicodedata.normalize("NFC", text).casefold().replace("'", "")
        ).strip()
    return ParsedTitle(
        base=base,
        tokens=tuple(title_tokens(base)),
        nums=numbers(base),
        literal=literal if literal != base else "",
        version=version,
        kind=version_kind(version),
        feat=tuple(dict.fromkeys(feat)),
        position=position,
        extras=tuple(extras),
    )


@dataclass(frozen=True, slots=True)
class ParsedFileName:
    position: str
    artist: str
    title: str


def parse_file_name(path: str) -> ParsedFileName:
    """Recover position, artist and title from a vinyl-rip file name when the tags are empty.

    Handles "A1 - Artist - Title.mp3", "A1. Artist - Title.flac", "01 Artist - Title.wav",
    "Artist - Title.mp3" and "Artist_-_Title.mp3". Raw (not folded) strings are returned.
    """
    name = re.split(r"[\\/]", path or "")[-1]
    name = _AUDIO_EXT_RE.sub("", name)
    if "_" in name and " " not in name.strip():
        name = name.replace("_", " ")
    name = name.strip()
    position = ""
    m = _FILE_POSITION_RE.match(name)
    if m and (" - " in name[m.end() :] or m.group("pos")[0].isalpha()):
        position = m.group("pos").upper()
        name = name[m.end() :].lstrip(" -.")
    parts = [p.strip() for p in re.split(r"\s+[-\u2013]\s+", name) if p.strip()]
    if len(parts) >= 2:
        return ParsedFileName(position, parts[0], " - ".join(parts[1:]))
    return ParsedFileName(position, "", name)


def title_tokens(base: str) -> list[str]:
    """Tokens of a folded base title worth indexing (stopwords dropped unless nothing else is left)."""
    toks = base.split()
    kept = [t for t in toks if t not in _STOPWORDS]
    return kept or toks


@lru_cache(maxsize=100_000)
def normalize_catno(catno: str | None) -> str:
    """'SK 032', 'sk-032' and 'SK032' compare equal; 'none' (Discogs' placeholder) is empty."""
    value = _NON_ALNUM_RE.sub("", fold(catno or ""))
    return "" if value in {"none", "na", ""} else value


def parse_duration(text: str | float | int | None) -> float | None:
    """'6:12' -> 372.0, '1:02:03' -> 3723.0, 372 -> 372.0; '' or garbage -> None."""
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        return float(text) if text > 0 else None
    parts = text.strip().split(":")
    try:
        total = 0.0
        for p in parts:
            total = total * 60 + float(p)
    except ValueError:
        return None
    return total if total > 0 else None


def clear_caches() -> None:
    """Drop the memoised forms after bulk work (they speed a full match, then only hold memory)."""
    for fn in (fold, artist_names, parse_title, is_unknown_artist, normalize_catno):
        fn.cache_clear()

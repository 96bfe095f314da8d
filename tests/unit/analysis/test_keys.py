"""Key notations (musical, Open Key, Camelot) and the MIREX key score."""

import pytest

from musictool.analysis.keys import camelot, key_name, mirex_score, open_key, parse_key

# (tonic, minor, musical, open key, camelot): the wheel Traktor uses (research/nml-format.md)
KNOWN = [
    (0, False, "C major", "1d", "8B"),
    (9, True, "A minor", "1m", "8A"),
    (0, True, "C minor", "10m", "5A"),
    (7, False, "G major", "2d", "9B"),
    (4, True, "E minor", "2m", "9A"),
    (5, False, "F major", "12d", "7B"),
    (2, True, "D minor", "12m", "7A"),
    (6, False, "F# major", "7d", "2B"),
    (3, True, "Eb minor", "7m", "2A"),
    (11, False, "B major", "6d", "1B"),
    (8, True, "Ab minor", "6m", "1A"),
    (10, False, "Bb major", "11d", "6B"),
]


@pytest.mark.parametrize(("tonic", "minor", "name", "ok", "cam"), KNOWN)
def test_known_keys(tonic: int, minor: bool, name: str, ok: str, cam: str) -> None:
    assert key_name(tonic, minor) == name
    assert open_key(tonic, minor) == ok
    assert camelot(tonic, minor) == cam
    for text in (name, ok, cam, cam.lower()):
        assert parse_key(text) == (tonic, minor)


def test_all_24_keys_round_trip_and_are_distinct() -> None:
    seen = set()
    for tonic in range(12):
        for minor in (False, True):
            for text in (key_name(tonic, minor), open_key(tonic, minor), camelot(tonic, minor)):
                assert parse_key(text) == (tonic, minor)
            seen.add(camelot(tonic, minor))
    assert len(seen) == 24


def test_relative_keys_share_a_number() -> None:
    for tonic in range(12):
        major = camelot(tonic, False)
        minor = camelot((tonic + 9) % 12, True)
        assert major[:-1] == minor[:-1]


@pytest.mark.parametrize(("text", "expected"), [("Am", (9, True)), ("F#m", (6, True)), ("Bbmaj", (10, False)),
                                                ("db minor", (1, True)), ("C#", (1, False)), ("a-minor", (9, True))])  # fmt: skip
def test_loose_spellings(text: str, expected: tuple[int, bool]) -> None:
    assert parse_key(text) == expected


@pytest.mark.parametrize("bad", ["", "H minor", "13A", "0d", "8C", "minor", "A lydian"])
def test_bad_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_key(bad)


def test_mirex_score() -> None:
    a_minor, c_major = (9, True), (0, False)
    assert mirex_score(a_minor, a_minor) == 1.0
    assert mirex_score((4, True), a_minor) == 0.5  # E minor: a fifth above
    assert mirex_score((2, True), a_minor) == 0.5  # D minor: a fifth below
    assert mirex_score(c_major, a_minor) == 0.3  # relative
    assert mirex_score(a_minor, c_major) == 0.3
    assert mirex_score((9, False), a_minor) == 0.2  # parallel
    assert mirex_score((10, True), a_minor) == 0.0

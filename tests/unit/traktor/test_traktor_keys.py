"""MUSICAL_KEY values in three notations, checked against the INFO KEY texts Traktor wrote in real files."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from musictool.integrations.traktor import keys
from tests.unit.traktor.nmlfixtures import ALL, tree


@pytest.mark.parametrize(
    ("value", "musical", "open_key", "camelot"),
    [
        (0, "C major", "1d", "8B"),
        (21, "A minor", "1m", "8A"),
        (12, "C minor", "10m", "5A"),
        (7, "G major", "2d", "9B"),
        (23, "B minor", "3m", "10A"),
        (6, "F# major", "7d", "2B"),
    ],
)
def test_value_in_three_notations(value: int, musical: str, open_key: str, camelot: str) -> None:
    k = keys.from_value(value)
    assert k is not None
    assert (k.musical, k.open_key, k.camelot) == (musical, open_key, camelot)


def test_table_is_a_bijection_in_every_notation() -> None:
    for attr in ("musical", "short", "open_key", "camelot"):
        assert len({getattr(k, attr) for k in keys.KEYS}) == 24
    for k in keys.KEYS:
        for text in (k.musical, k.short, k.open_key, k.camelot):
            assert keys.parse(text) == k


def test_out_of_range_and_garbage() -> None:
    assert keys.from_value(24) is None
    assert keys.from_value(-1) is None
    assert keys.from_value("x") is None
    for junk in ("", None, "off", "DANCEDJ.CLUB", "13A", "H"):
        assert keys.parse(junk) is None


@pytest.mark.parametrize(
    ("text", "musical"),
    [("Dbm", "C# minor"), ("a min", "A minor"), ("F Minor", "F minor"), ("Gbmaj", "F# major"),
     ("e♭", "Eb minor"), ("B♭", "Bb major"), ("9A/8A", "E minor"), ("d", "D minor"), ("8a", "A minor")],
)  # fmt: skip
def test_tag_texts(text: str, musical: str) -> None:
    k = keys.parse(text)
    assert k is not None and k.musical == musical


def test_fixture_key_texts_agree_with_values() -> None:
    """Across every real file, INFO KEY names the key MUSICAL_KEY VALUE holds.

    Traktor's own Open Key texts ("1m") agree almost always; texts copied from tags ("Amin") disagree more
    often, where Traktor's analysis differs from the tagger's.
    """
    agree, disagree = Counter(), Counter()
    own_agree = own_disagree = 0
    for path in ALL:
        for e in tree(path).getroot().iterfind("COLLECTION/ENTRY"):
            info, mk = e.find("INFO"), e.find("MUSICAL_KEY")
            if info is None or mk is None or not info.get("KEY"):
                continue
            parsed = keys.parse(info.get("KEY"))
            if parsed is None:
                continue
            ok = parsed.value == int(mk.get("VALUE"))
            (agree if ok else disagree)[info.get("KEY")] += 1
            if re.fullmatch(r"\d{1,2}[dm]", info.get("KEY")):
                own_agree += ok
                own_disagree += not ok
    assert own_agree > 3000
    assert own_disagree < 0.02 * own_agree  # a few stale KEY texts exist (36 of 3418)
    assert sum(disagree.values()) < 0.05 * sum(agree.values())


def test_notation_detection_and_text_in() -> None:
    am = keys.parse("Am")
    assert am is not None
    assert keys.notation_of("1m") == "open_key"
    assert keys.notation_of("8A") == "camelot"
    assert keys.notation_of("Am") == "musical"
    assert keys.text_in(am, "camelot") == "8A"
    assert keys.text_in(am, "musical") == "Am"
    assert keys.text_in(am, None) == "1m"

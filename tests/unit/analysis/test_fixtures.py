"""The real annotated audio whose tempo is exact: techno_loop (64 beats at 125.0) and dubstep (140.1)."""

import json

import pytest

from musictool.analysis.analyze import analyze_file
from testkit.fixtures_path import FIXTURES

AUDIO = FIXTURES / "audio"
pytestmark = pytest.mark.skipif(
    not (AUDIO / "annotations.json").exists(), reason="shared audio fixtures missing"
)


def truth(ident: str) -> dict:
    return next(a for a in json.loads((AUDIO / "annotations.json").read_text()) if a["id"] == ident)


def test_techno_loop_is_125_exactly() -> None:
    t = truth("essentia_techno_loop")
    res = analyze_file(AUDIO / t["path"])
    assert res.error is None
    assert res.bpm == pytest.approx(t["bpm"], abs=0.1)  # librosa says 123.0
    assert res.duration == pytest.approx(30.72, abs=0.05)
    assert res.quality["codec"] == "mp3" and not res.quality["lossless"]


def test_dubstep_is_140() -> None:
    t = truth("essentia_dubstep")
    res = analyze_file(AUDIO / t["path"])
    assert res.error is None
    assert res.bpm == pytest.approx(140.1, abs=0.2)  # 16 beats in 302085 frames
    assert 70.0 in [round(a) for a in res.bpm_alternatives]

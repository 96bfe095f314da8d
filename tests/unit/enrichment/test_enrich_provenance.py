"""Provenance store and policy on a real SQLite file: who wins, what counts as a conflict, bad input."""

from __future__ import annotations

import pytest

from musictool.model.fields import agree, canonical_key
from musictool.model.policy import Policy, PolicyError
from musictool.store import provenance
from musictool.store.db import Database


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "musictool.db")
    yield database
    await database.close()


async def test_user_beats_tag_beats_analysis_beats_web(db):
    await provenance.record(db, 1, "bpm", 127.2, "musicbrainz", 0.9)
    assert (await provenance.effective(db, 1))["bpm"]["source"] == "musicbrainz"
    await provenance.record(db, 1, "bpm", 126.0, "analysis", 0.8)
    assert (await provenance.effective(db, 1))["bpm"]["value"] == 126.0
    await provenance.record(db, 1, "bpm", 125.0, "nml", 1.0)
    assert (await provenance.effective(db, 1))["bpm"]["source"] == "nml"
    await provenance.record(db, 1, "bpm", 124.0, "user", 1.0)
    eff = (await provenance.effective(db, 1))["bpm"]
    assert (eff["value"], eff["source"]) == (124.0, "user")
    # a later analysis never overrides what the user set
    await provenance.record(db, 1, "bpm", 130.0, "analysis", 1.0)
    assert (await provenance.effective(db, 1))["bpm"]["value"] == 124.0


async def test_configured_order_and_per_field_override(db):
    policy = Policy.from_config(
        {"order": ["user", "musicbrainz", "tag|nml"], "fields": {"bpm": ["analysis", "nml"]}}
    )
    await provenance.record(db, 2, "title", "Local Title", "nml")
    await provenance.record(db, 2, "title", "Canonical Title", "musicbrainz", 0.95)
    await provenance.record(db, 2, "bpm", 128.0, "nml")
    await provenance.record(db, 2, "bpm", 127.94, "analysis", 0.9)
    eff = await provenance.effective(db, 2, policy)
    assert eff["title"]["value"] == "Canonical Title"
    assert eff["bpm"]["source"] == "analysis"
    # the default policy still prefers the NML
    assert (await provenance.effective(db, 2))["title"]["value"] == "Local Title"


async def test_low_confidence_web_value_never_wins(db):
    await provenance.record(db, 3, "album", "Maybe", "musicbrainz", 0.3)
    assert "album" not in await provenance.effective(db, 3)
    assert len(await provenance.values(db, 3)) == 1  # still listed


async def test_within_a_tier_confidence_then_recency(db):
    await provenance.record(db, 4, "artist", "Low", "acoustid", 0.6)
    await provenance.record(db, 4, "artist", "High", "musicbrainz", 0.9)
    assert (await provenance.effective(db, 4))["artist"]["value"] == "High"


async def test_conflicts_listed_and_cleared(db):
    await provenance.record(db, 5, "title", "Strings of Life", "nml")
    await provenance.record(db, 5, "title", "strings  of life", "musicbrainz", 0.9)  # same, other spelling
    await provenance.record(db, 5, "title", "Strings of Life (Original Mix)", "tag")  # a shop's suffix
    items, total = await provenance.conflicts(db, 50, 0)
    assert total == 0 and items == []
    await provenance.record(db, 5, "title", "Strings of Life (Remix)", "tag")  # a different version
    items, total = await provenance.conflicts(db, 50, 0)
    assert total == 1
    item = items[0]
    assert (item["track_id"], item["field"]) == (5, "title")
    assert {v["source"] for v in item["values"]} == {"nml", "musicbrainz", "tag"}
    assert item["effective"]["source"] in ("nml", "tag")
    # the disagreeing tag value goes away -> so does the conflict
    await provenance.record(db, 5, "title", None, "tag")
    assert (await provenance.conflicts(db, 50, 0))[1] == 0


async def test_numeric_tolerance_and_key_notations(db):
    await provenance.record(db, 6, "bpm", 128.0, "nml")
    await provenance.record(db, 6, "bpm", 127.8, "analysis", 0.9)
    await provenance.record(db, 6, "key", "A minor", "nml")
    await provenance.record(db, 6, "key", "8A", "analysis", 0.9)
    await provenance.record(db, 6, "duration", 300.0, "nml")
    await provenance.record(db, 6, "duration", 301.6, "musicbrainz", 0.9)
    assert (await provenance.conflicts(db, 50, 0))[1] == 0
    await provenance.record(db, 6, "bpm", 64.0, "analysis", 0.9)  # an octave off is a real disagreement
    items, total = await provenance.conflicts(db, 50, 0, field="bpm")
    assert total == 1 and items[0]["field"] == "bpm"


async def test_unchanged_value_keeps_its_time_and_reports_no_change(db):
    assert await provenance.record(db, 7, "genre", "Techno", "tag") is True
    first = (await provenance.values(db, 7))[0]["recorded_at"]
    assert await provenance.record(db, 7, "genre", "Techno", "tag") is False
    assert (await provenance.values(db, 7))[0]["recorded_at"] == first


async def test_bulk_record_and_pagination(db):
    rows = []
    for t in range(100, 130):
        rows.append((t, "artist", f"Artist {t}", "nml", 1.0))
        rows.append((t, "artist", f"Someone else {t}", "musicbrainz", 0.9))
    assert await provenance.record_many(db, rows) == 30
    page1, total = await provenance.conflicts(db, 10, 0)
    page3, _ = await provenance.conflicts(db, 10, 20)
    assert total == 30 and len(page1) == 10 and len(page3) == 10
    assert not {i["track_id"] for i in page1} & {i["track_id"] for i in page3}


async def test_describe_lists_every_value_best_first(db):
    await provenance.record(db, 8, "title", "A", "musicbrainz", 0.9)
    await provenance.record(db, 8, "title", "B", "user")
    d = await provenance.describe(db, 8)
    assert d["title"]["effective"]["value"] == "B"
    assert [v["source"] for v in d["title"]["values"]] == ["user", "musicbrainz"]
    assert d["title"]["conflict"] is True


@pytest.mark.parametrize(
    "args",
    [
        (1, "bpm", 120, "internet", 1.0),
        (1, "bpm", 120, "nml", 1.5),
        (1, "", 120, "nml", 1.0),
        ("1", "bpm", 120, "nml", 1.0),
    ],
)
async def test_bad_input_is_refused_clearly(db, args):
    with pytest.raises(ValueError):
        await provenance.record(db, *args)
    assert await provenance.values(db, 1) == []


def test_policy_config_errors_name_the_problem():
    with pytest.raises(PolicyError, match="unknown source 'web'"):
        Policy.from_config({"order": ["user", "web"]})
    with pytest.raises(PolicyError, match="listed twice"):
        Policy.from_config({"order": ["user", "tag|user"]})
    with pytest.raises(PolicyError, match=r"fields\.bpm"):
        Policy.from_config({"fields": {"bpm": ["nope"]}})


def test_key_notations_meet_in_camelot():
    for spelling in ("A minor", "Am", "a min", "8A", "1m"):
        assert canonical_key(spelling) == "8A", spelling
    for spelling in ("C major", "C", "8B", "1d"):
        assert canonical_key(spelling) == "8B", spelling
    assert canonical_key("F# minor") == canonical_key("Gb minor") == "11A"
    assert canonical_key("Bb major") == "6B"
    assert canonical_key("not a key") is None
    assert not agree("key", "A minor", "C major")


async def test_numpy_values_are_stored_and_nan_is_refused(db):
    np = pytest.importorskip("numpy")
    await provenance.record(db, np.int64(9), "bpm", np.float32(127.5), "analysis", np.float64(0.8))
    await provenance.record(db, 9, "beats", np.array([0.5, 1.0]), "analysis", 0.8)
    values = {v["field"]: v["value"] for v in await provenance.values(db, 9)}
    assert values == {"bpm": 127.5, "beats": [0.5, 1.0]}
    with pytest.raises(ValueError, match="cannot be stored"):
        await provenance.record(db, 9, "energy", float("nan"), "analysis", 0.8)
    with pytest.raises(ValueError, match="must be JSON"):
        await provenance.record(db, 9, "energy", object(), "analysis", 0.8)


def test_names_agree_across_punctuation_accents_and_ampersands():
    assert agree("artist", "Mr. Fingers", "Mr Fingers")
    assert agree("artist", "Simon & Garfunkel", "simon and garfunkel")
    assert agree("artist", "Röyksopp", "Royksopp")
    assert agree("label", "M-Plant", "M Plant")
    assert not agree("title", "Strings of Life (Remix)", "Strings of Life")
    assert not agree("mb_recording_id", "a-b", "a b")  # identifiers stay exact

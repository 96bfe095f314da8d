"""The matching rules, on plain dataclasses (no store)."""

from musictool.library.match import (
    Decisions,
    DigitalIndex,
    DigitalTrack,
    Matcher,
    MatchResult,
    VinylIndex,
    VinylTrack,
    match_all,
)


def run(vinyl: list[VinylTrack], digital: list[DigitalTrack], decisions: Decisions | None = None) -> dict:
    return {r.position: r for r in Matcher(DigitalIndex(digital)).match(vinyl, decisions)}


def one(title: str, artist: str = "Rhythim Is Rhythim", **kw) -> VinylTrack:
    return VinylTrack(release_id=1, position=kw.pop("position", "A1"), title=title, artists=artist, **kw)


def status(r: MatchResult) -> tuple[int | None, str]:
    return (r.track_id, r.status)


def test_original_mix_and_extended_mix_are_the_same_track() -> None:
    got = run(
        [one("Strings Of Life")], [DigitalTrack(7, "Rhythim Is Rhythim", "Strings of Life (Original Mix)")]
    )
    assert status(got["A1"]) == (7, "matched")
    got = run(
        [one("Strings Of Life")], [DigitalTrack(8, "Rhythim Is Rhythim", "Strings Of Life - Extended Mix")]
    )
    assert status(got["A1"]) == (8, "matched")


def test_a_remix_dub_or_live_version_is_a_different_track() -> None:
    digital = [
        DigitalTrack(1, "Rhythim Is Rhythim", "Strings of Life (Carl Craig Remix)"),
        DigitalTrack(2, "Rhythim Is Rhythim", "Strings of Life (Dub)"),
        DigitalTrack(3, "Rhythim Is Rhythim", "Strings of Life (Live)"),
    ]
    got = run([one("Strings Of Life")], digital)
    assert got["A1"].track_id is None and got["A1"].status == "none"
    assert any("different version" in r for r in got["A1"].reasons)


def test_versions_on_one_record_each_find_their_own_file() -> None:
    vinyl = [
        one("Never Gonna Give You Up", "Rick Astley", position="A"),
        one("Never Gonna Give You Up (Instrumental)", "Rick Astley", position="B"),
    ]
    digital = [
        DigitalTrack(10, "Rick Astley", "Never Gonna Give You Up (Instrumental)"),
        DigitalTrack(11, "Rick Astley", "Never Gonna Give You Up"),
    ]
    got = run(vinyl, digital)
    assert status(got["A"]) == (11, "matched")
    assert status(got["B"]) == (10, "matched")
    # With only the original digitised, the instrumental is a gap, not a second claim on the same file.
    got = run(vinyl, digital[1:])
    assert status(got["A"]) == (11, "matched")
    assert got["B"].status != "matched"


def test_remix_matches_the_same_remix() -> None:
    got = run([one("Title (Carl Craig Remix)", "X")], [DigitalTrack(4, "X", "Title (Carl Craig Rmx)")])
    assert status(got["A1"]) == (4, "matched")
    got = run([one("Title (Carl Craig Remix)", "X")], [DigitalTrack(4, "X", "Title (Moodymann Remix)")])
    assert got["A1"].status == "none"


def test_position_prefix_and_vinyl_rip_file_names() -> None:
    got = run([one("Strings Of Life")], [DigitalTrack(5, "Rhythim Is Rhythim", "A1. Strings Of Life")])
    assert status(got["A1"]) == (5, "matched")
    rip = DigitalTrack(6, "", "", path="/Rips/A1 - Rhythim Is Rhythim - Strings Of Life.mp3")
    got = run([one("Strings Of Life")], [rip])
    assert status(got["A1"]) == (6, "matched")
    assert any("read from its name" in r for r in got["A1"].reasons)
    windows = DigitalTrack(
        7, "Unknown Artist", "", path="D:\\Vinyl\\B2. Rhythim Is Rhythim - Strings Of Life.wav"
    )
    got = run([one("Strings Of Life", position="B2")], [windows])
    assert status(got["B2"]) == (7, "matched")


def test_feat_variants_match() -> None:
    v = one("Show Me Love", "Robin S feat. Lisa")
    for d in (
        DigitalTrack(1, "Robin S", "Show Me Love (feat. Lisa)"),
        DigitalTrack(1, "Robin S ft. Lisa", "Show Me Love"),
        DigitalTrack(1, "Robin S & Lisa", "Show Me Love"),
        DigitalTrack(1, "Robin S", "Show Me Love"),
    ):
        assert status(run([v], [d])["A1"]) == (1, "matched"), d


def test_accents_case_the_and_discogs_suffix() -> None:
    v = VinylTrack(1, "A", "Östermalm", "Persuader, The (2)")
    assert status(run([v], [DigitalTrack(3, "the persuader", "OSTERMALM")])["A"]) == (3, "matched")


def test_one_letter_typo_matches_but_a_different_word_does_not() -> None:
    v = one("Kungsholmen", "The Persuader")
    assert status(run([v], [DigitalTrack(1, "Persuader", "Kungsholmn")])["A1"]) == (1, "matched")
    assert status(run([v], [DigitalTrack(1, "Persuadr", "Kungsholmen")])["A1"]) == (1, "matched")
    assert run([v], [DigitalTrack(1, "Persuader", "Kungsgatan")])["A1"].status == "none"


def test_numbers_in_titles_must_agree() -> None:
    v = one("Piste 10", "Enrico Macias")
    assert run([v], [DigitalTrack(1, "Enrico Macias", "Piste 08")])["A1"].status != "matched"


def test_same_title_by_another_artist_is_at_most_a_suggestion() -> None:
    v = one("Strings Of Life", "Rhythim Is Rhythim")
    got = run([v], [DigitalTrack(1, "Someone Else", "Strings Of Life")])["A1"]
    assert got.status in ("suggested", "none") and "different artist" in got.reasons


def test_compilation_uses_per_track_artists() -> None:
    vinyl = [VinylTrack(9, "A1", "Track One", "Artist A"), VinylTrack(9, "A2", "Track One", "Artist B")]
    digital = [DigitalTrack(1, "Artist B", "Track One"), DigitalTrack(2, "Artist A", "Track One")]
    got = run(vinyl, digital)
    assert (got["A1"].track_id, got["A2"].track_id) == (2, 1)


def test_supporting_evidence_lifts_an_untagged_version_rip() -> None:
    v = VinylTrack(5, "B1", "Title (Dub)", "X", release_title="The EP", catnos=("CAT 001",))
    rip = DigitalTrack(1, "X", "B1. Title", album="The EP", catalog_no="CAT001")
    got = run([v], [rip])["B1"]
    assert status(got) == (1, "matched")
    assert any("catalog number" in r for r in got.reasons)
    bare = DigitalTrack(1, "X", "Title")
    assert run([v], [bare])["B1"].status == "suggested"


def test_duration_far_off_lowers_confidence() -> None:
    v = one("Strings Of Life", duration=372)
    near = run([v], [DigitalTrack(1, "Rhythim Is Rhythim", "Strings Of Life", duration=375)])["A1"]
    far = run([v], [DigitalTrack(1, "Rhythim Is Rhythim", "Strings Of Life", duration=200)])["A1"]
    assert near.confidence > far.confidence
    assert any(r.startswith("duration differs") for r in far.reasons)


def test_identifiers_decide() -> None:
    v = one("Completely Different", ids={"isrc": "usrc17607839"})
    got = run([v], [DigitalTrack(1, "Other", "Name", ids={"isrc": "USRC17607839"})])["A1"]
    assert status(got) == (1, "matched") and got.reasons == ["same ISRC (USRC17607839)"]
    v = one("Strings Of Life", ids={"mb_recording_id": "a"})
    got = run([v], [DigitalTrack(1, "Rhythim Is Rhythim", "Strings Of Life", ids={"mb_recording_id": "b"})])
    assert got["A1"].status != "matched"


def test_decisions_are_respected() -> None:
    v = one("Strings Of Life")
    digital = [DigitalTrack(1, "Rhythim Is Rhythim", "Strings Of Life"), DigitalTrack(2, "Nobody", "Else")]
    rejected = Decisions(rejected={(1, "A1", 1)})
    assert run([v], digital, rejected)["A1"].track_id is None
    confirmed = Decisions(confirmed={(1, "A1"): 2})
    assert status(run([v], digital, confirmed)["A1"]) == (2, "confirmed")
    # A confirmed file that left the library no longer counts.
    gone = Decisions(confirmed={(1, "A1"): 99})
    assert status(run([v], digital, gone)["A1"]) == (1, "matched")


def test_incremental_index_updates() -> None:
    index = DigitalIndex([DigitalTrack(1, "X", "Alpha")])
    m = Matcher(index)
    v = VinylTrack(1, "A", "Beta", "X")
    assert m.match([v])[0].track_id is None
    index.upsert([DigitalTrack(2, "X", "Beta")])
    assert m.match([v])[0].track_id == 2
    index.remove([2])
    assert m.match([v])[0].track_id is None
    vindex = VinylIndex([v, VinylTrack(2, "A", "Gamma", "Y")])
    assert [t.key for t in vindex.affected_by([DigitalTrack(3, "X", "Betta")])] == [(1, "A")]


def test_match_all_returns_plain_dicts() -> None:
    out = match_all([one("Alpha", "X")], [DigitalTrack(1, "X", "Alpha")])
    assert out == [
        {
            "release_id": 1,
            "position": "A1",
            "track_id": 1,
            "confidence": 1.0,
            "status": "matched",
            "reasons": out[0]["reasons"],
        }
    ]
